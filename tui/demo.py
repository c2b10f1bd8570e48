"""A demo session: the simulated cluster playing a scenario, journaled like a live one."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from probes.actions import ActionRefused
from probes.simulated.actions import SimulatedActions
from probes.simulated.cluster import SimulatedCluster
from probes.simulated.probe import probes as simulated_probes
from probes.simulated.scenario import SERVICES, load
from state.clock import ScaledClock, WallClock
from state.events import ActionFinished, ActionRequested, SessionResumed, SessionStarted
from state.journal import Journal, JournalError
from state.recorder import Recorder
from tui import __version__
from tui.paths import new_journal_path

DEFAULT_SCENARIO = "bad-deploy"
DEFAULT_SEED = 7


@dataclass
class DemoSession:
    recorder: Recorder
    clock: ScaledClock
    cluster: SimulatedCluster
    speed: float
    resumed: bool


def open_demo(
    scenario: str,
    seed: int,
    speed: float,
    journal: Path | None,
    operator: str,
    mode: Literal["demo", "drill"] = "demo",
) -> DemoSession:
    """Start a new demo (or drill) session, or resume the one journaled at `journal`."""
    if journal is not None and journal.exists():
        return _resume(journal, speed, operator, mode)
    plan = load(scenario)  # fails before any file is created
    start = WallClock().now().replace(microsecond=0)
    path = journal or new_journal_path(start, mode, plan.name)
    meta = {"mode": mode, "scenario": plan.name, "created": start.isoformat()}
    recorder = Recorder(Journal.create(path, meta))
    recorder.record(
        SessionStarted(
            at=start,
            mode=mode,
            version=__version__,
            operator=operator,
            scenario=plan.name,
            seed=seed,
            speed=speed,
            services=SERVICES,
        )
    )
    clock = ScaledClock(start, speed)
    return DemoSession(recorder, clock, SimulatedCluster(plan, seed, start), speed, resumed=False)


def _resume(path: Path, speed: float, operator: str, mode: str) -> DemoSession:
    journal = Journal.open(path)
    try:
        first = next(journal.events(), None)
        if not isinstance(first, SessionStarted) or first.mode != mode or not first.scenario:
            raise JournalError(
                f"{path} is not a {mode} session journal; it cannot be resumed as one"
            )
        plan = load(first.scenario)
        recorder = Recorder.resume(journal)
    except BaseException:
        journal.close()
        raise
    last: datetime = recorder.state.now or first.at
    cluster = SimulatedCluster(plan, first.seed or DEFAULT_SEED, first.at)
    _replay_actions(cluster, journal)
    cluster.advance_to(last)
    recorder.record(SessionResumed(at=last, operator=operator, version=__version__))
    return DemoSession(recorder, ScaledClock(last, speed), cluster, speed, resumed=True)


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
        with contextlib.suppress(ActionRefused):
            asyncio.run(actions.run(action.action, action.target, action.params, False, action.at))


def demo_probes(session: DemoSession, interval: float = 2.0):
    return simulated_probes(session.cluster, interval)


def demo_actuator(session: DemoSession) -> SimulatedActions:
    return SimulatedActions(session.cluster)
