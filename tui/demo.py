"""A demo session: the simulated cluster playing a scenario, journaled like a live one."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from probes.actions import ActionRefused
from probes.investigate.simulated import SimulatedInvestigator
from probes.simulated.actions import SimulatedActions
from probes.simulated.cluster import SimulatedCluster
from probes.simulated.fleet import GUIDE_SERVICES
from probes.simulated.probe import probes as simulated_probes
from probes.simulated.scenario import load
from probes.simulated.scenario_files import DEFAULT_SEED
from state.clock import ScaledClock
from state.events import ActionFinished, ActionRequested, SessionResumed, SessionStarted
from state.guide.episodes import SIGNAL_RULES
from state.journal.unsettled import unsettled_actions
from state.locks import LOCK_RULES
from state.recorder import Recorder
from state.rollouts import ROLLOUT_RULES
from tui import __version__
from tui.base import Wiring
from tui.opening import SessionStart, not_resumable
from tui.unrecorded import lost_lines

if TYPE_CHECKING:
    from state.journal.store import Journal


@dataclass
class DemoSession:
    recorder: Recorder
    clock: ScaledClock
    cluster: SimulatedCluster
    speed: float


def start_demo(start: SessionStart) -> DemoSession:
    """The session on its checked, open journal: resumed, or begun at the scenario's start."""
    try:
        if start.resuming:
            return _resume(start.journal, start.speed, start.operator, start.mode)
        plan = load(start.scenario)
        cluster = SimulatedCluster(plan, start.seed, start.start, start.services)
        recorder = Recorder(start.journal)
        recorder.record(
            SessionStarted(
                at=start.start,
                mode=start.mode,
                version=__version__,
                operator=start.operator,
                scenario=plan.name,
                seed=start.seed,
                speed=start.speed,
                services=tuple(cluster.services),
                signal_rules=SIGNAL_RULES,
                lock_rules=LOCK_RULES,
                rollout_rules=ROLLOUT_RULES,
                begun_afresh=start.afresh,
            )
        )
    except BaseException:
        start.journal.close()
        raise
    clock = ScaledClock(start.start, start.speed)
    return DemoSession(recorder, clock, cluster, start.speed)


def demo_wiring(start: SessionStart) -> Wiring:
    """Everything the console needs for a demo or drill, opened just after its first frame."""
    from probes.notify.config import demo_config

    session = start_demo(start)
    return Wiring(
        session.recorder,
        session.clock,
        demo_probes(session),
        demo_actions(session),
        demo_config(),
        scenario=session.cluster.scenario,
        investigator=SimulatedInvestigator(session.cluster, session.clock.now),
    )


def _resume(reading: Journal, speed: float, operator: str, mode: str) -> DemoSession:
    """Read the whole journal back read-only (its events, the actions to redo in the
    simulation); only then open it for writing and go on."""
    first = reading.first()
    if not isinstance(first, SessionStarted) or first.mode != mode or not first.scenario:
        holds = f"a {first.mode} session" if isinstance(first, SessionStarted) else ""
        raise not_resumable(reading.path, mode, holds)
    plan = load(first.scenario)
    # the same fleet as when it began: its size is the number of services it journaled
    size = max(len(first.services), GUIDE_SERVICES)
    cluster = SimulatedCluster(plan, first.seed or DEFAULT_SEED, first.at, size)
    _replay_actions(cluster, reading)
    unsettled = unsettled_actions(reading)
    recorder = Recorder.reopen(reading)
    try:
        last: datetime = recorder.state.now or first.at
        cluster.advance_to(last)
        lacks = lost_lines(reading.path)
        recorder.record(
            SessionResumed(
                at=last,
                operator=operator,
                version=__version__,
                unrecorded=lacks,
                unsettled=unsettled,
            )
        )
    except BaseException:
        recorder.journal.close()
        raise
    return DemoSession(recorder, ScaledClock(last, speed), cluster, speed)


def _replay_actions(cluster: SimulatedCluster, journal: Journal) -> None:
    """Redo, at their recorded times, the actions that changed the simulation before."""
    requested: dict[str, ActionRequested] = {}
    done: list[ActionRequested] = []
    for event in journal.events():
        if isinstance(event, ActionRequested) and not event.dry_run:
            requested[event.action_id] = event
        elif isinstance(event, ActionFinished) and event.ok and event.action_id in requested:
            done.append(requested.pop(event.action_id))
    actions = SimulatedActions(cluster)
    for action in done:
        # synchronous: the console's event loop is already running when a demo resumes.
        # An action the simulation cannot redo (refused now, or parameters it cannot read
        # in a damaged journal) is skipped: it changes nothing, as it would have then.
        with contextlib.suppress(
            ActionRefused, LookupError, TypeError, ValueError, ArithmeticError
        ):
            actions.apply(action.action, action.target, action.params, False, action.at)


def demo_probes(session: DemoSession, interval: float = 2.0):
    return simulated_probes(session.cluster, interval)


def demo_actions(session: DemoSession) -> SimulatedActions:
    return SimulatedActions(session.cluster)
