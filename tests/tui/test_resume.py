"""Opening a journal again resumes its incident, whatever the commander did before quitting.

Each kind of action is journaled as the console journals it (requested, then finished, run
on the simulated cluster), the session is closed, and the journal is opened again the way
`warroom demo --journal J`, `warroom drill --journal J` and `warroom live --journal J` open
it: the same incident is back, and so is the simulation's state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from state.action_words import action_name
from state.events import ActionFinished, ActionRequested, SessionResumed
from state.journal.store import Journal
from tests.opening import open_live
from tests.play import OPERATOR, Session
from tests.pty_console import PtyProgram, warroom
from tui.app import WarroomApp
from tui.config import parse
from tui.demo import demo_wiring
from tui.drill import expectations
from tui.environment import DATA_DIR
from tui.opening import session_start

if TYPE_CHECKING:
    from probes.simulated.cluster import SimulatedCluster
    from tui.base import Wiring


@dataclass(frozen=True)
class Kind:
    """One kind of action: where it matters, what it targets, and how its effect shows."""

    scenario: str
    at: float  # seconds into the scenario
    action: str
    target: Callable[[SimulatedCluster], tuple[str, dict[str, Any]]]
    done: Callable[[SimulatedCluster, dict[str, Any]], bool]  # its effect, on the resumed cluster


def service(name: str, **params: Any) -> Callable[[SimulatedCluster], tuple[str, dict]]:
    return lambda cluster: (f"tracktion/{name}", params)


def blocker(cluster: SimulatedCluster) -> tuple[str, dict[str, Any]]:
    assert cluster.db.blocker is not None
    return f"pid {cluster.db.blocker.pid}", {"pid": cluster.db.blocker.pid}


def waiter(cluster: SimulatedCluster) -> tuple[str, dict[str, Any]]:
    pid = cluster.db.waiters[-1].pid
    return f"pid {pid}", {"pid": pid}


def idle(cluster: SimulatedCluster) -> tuple[str, dict[str, Any]]:
    pids = [s.pid for s in cluster.db.leaked if cluster.t - s.query_start >= 600]
    assert pids
    return f"{len(pids)} idle sessions", {"older_than": 600.0, "pids": pids}


def good_template(name: str) -> Callable[[SimulatedCluster, dict], bool]:
    return lambda c, _: c.services[name].template not in c.services[name].bad_templates


KINDS = {
    "rollout_undo": Kind(
        "bad-deploy",
        70,
        "rollout_undo",
        service("tracklist-service"),
        good_template("tracklist-service"),
    ),
    "restart": Kind(
        "service-down",
        80,
        "restart",
        service("analysis-service"),
        lambda c, _: c.services["analysis-service"].crash is None,
    ),
    "scale": Kind(
        "bad-deploy",
        70,
        "scale",
        service("file-watcher", replicas=4),
        lambda c, _: c.services["file-watcher"].desired == 4,
    ),
    "delete_failing_pods": Kind(
        "service-down",
        80,
        "delete_failing_pods",
        service("analysis-service"),
        lambda c, _: c.services["analysis-service"].crash is None,
    ),
    "circuit_breaker": Kind(
        "external-api-failure",
        40,
        "circuit_breaker",
        service("notification-service"),
        lambda c, _: c.circuit_breaker,
    ),
    "terminate_backend": Kind(
        "db-lock-storm",
        60,
        "terminate_backend",
        blocker,
        lambda c, p: c.db.blocker is None or c.db.blocker.pid != p["pid"],
    ),
    "cancel_backend": Kind(
        "db-lock-storm",
        60,
        "cancel_backend",
        waiter,
        lambda c, p: p["pid"] not in [w.pid for w in c.db.waiters],
    ),
    "terminate_idle": Kind(
        "connection-pool-exhaustion",
        60,
        "terminate_idle",
        idle,
        lambda c, p: not set(p["pids"]) & {s.pid for s in c.db.leaked},
    ),
}


def simulated(cluster: SimulatedCluster) -> tuple:
    """Everything of the simulation a later sample depends on, its random draws included."""
    services = {
        name: (
            s.revision,
            s.template,
            s.desired,
            s.crash,
            [(p.name, p.ready, p.crashing, p.restarts) for p in s.pods],
        )
        for name, s in cluster.services.items()
    }
    db = cluster.db
    return (
        cluster.t,
        cluster.circuit_breaker,
        services,
        db.blocker.pid if db.blocker else None,
        [w.pid for w in db.waiters],
        [s.pid for s in db.leaked],
        cluster.rng.getstate(),
    )


@dataclass
class Recorded:
    path: Path
    session: Session
    params: dict[str, Any]


def record(kind: Kind, path: Path, mode: str = "demo") -> Recorded:
    """The session as the commander left it: declared, acted on, watched a little longer."""
    session = Session(kind.scenario, path, mode=mode).run(kind.at).declare()  # type: ignore[arg-type]
    target, params = kind.target(session.cluster)
    session.record_action(kind.action, target, params)
    session.run(kind.at + 20)
    session.recorder.journal.close()
    finished = journaled(path, ActionFinished)
    assert finished[-1].ok, finished[-1].result  # the action did change the simulation
    return Recorded(path, session, params)


def journaled(path: Path, kind: type) -> list:
    with Journal.open(path, read_only=True) as journal:
        return [e for e in journal.events() if isinstance(e, kind)]


@pytest.mark.parametrize("name", KINDS)
async def test_a_demo_resumes_after_each_kind_of_action(tmp_path, name) -> None:
    kind = KINDS[name]
    recorded = await asyncio.to_thread(record, kind, tmp_path / "j.warroom")  # its own loop
    before = recorded.session.recorder.state
    seen: dict[str, Any] = {}

    def opening():  # as `warroom demo --journal J` opens it: inside the console's event loop
        wiring = demo_wiring(start)
        seen["cluster"] = wiring.actions.cluster  # type: ignore[union-attr]
        seen["simulated"] = simulated(seen["cluster"])
        return wiring

    start = session_start("demo", recorded.path, "bob", scenario="bad-deploy", seed=1)
    app = WarroomApp(opening=opening, operator="bob", badge="DEMO", watch_terminal=False)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(100):
            if app.opened or app.open_failure:
                break
            await pilot.pause(0.02)
        assert app.open_failure is None
        assert app.recorder.state.incident == before.incident
        assert before.incident is not None
        assert before.incident.incident_id in app.query_one("#header").render().plain  # type: ignore[attr-defined]
    app.recorder.journal.close()
    assert seen["simulated"] == simulated(recorded.session.cluster)
    assert kind.done(seen["cluster"], recorded.params)
    assert isinstance(journaled(recorded.path, SessionResumed)[-1], SessionResumed)


@pytest.mark.parametrize("name", KINDS)
def test_a_drill_resumes_after_each_kind_of_action(tmp_path, name) -> None:
    kind = KINDS[name]
    recorded = record(kind, tmp_path / "drill.warroom", mode="drill")
    app = resumed_drill(recorded.path)
    try:
        assert app.recorder.state.incident == recorded.session.recorder.state.incident
        assert app.scenario is not None
        assert expectations(app.scenario).scenario == kind.scenario
        cluster = app.actions.cluster  # type: ignore[union-attr]
        assert simulated(cluster) == simulated(recorded.session.cluster)
        assert kind.done(cluster, recorded.params)
    finally:
        app.recorder.journal.close()


def resumed_drill(path: Path) -> Wiring:
    """What `warroom drill bad-deploy --journal PATH` opens just after its first frame."""
    return demo_wiring(session_start("drill", path, "trainee", scenario="bad-deploy", seed=1))


def test_a_drill_resumes_inside_a_running_event_loop(tmp_path) -> None:
    """The replay of journaled actions never starts an event loop of its own."""
    recorded = record(KINDS["rollout_undo"], tmp_path / "drill.warroom", mode="drill")

    async def resume():
        return resumed_drill(recorded.path)

    app = asyncio.run(resume())
    app.recorder.journal.close()
    assert KINDS["rollout_undo"].done(app.actions.cluster, {})  # type: ignore[union-attr]


@pytest.mark.parametrize("name", KINDS)
async def test_a_live_session_resumes_after_each_kind_of_action(tmp_path, name) -> None:
    """Live mode leaves the cluster's state to the cluster; the journal brings back the rest."""
    kind = KINDS[name]
    # the actions as the console journals them, recorded on the simulation in a loop of its own
    recorded = await asyncio.to_thread(record, kind, tmp_path / "sim.warroom")
    config = parse({"cluster": {"services": ["tracklist-service"], "namespace": "tracktion"}})
    path = tmp_path / "live.warroom"
    first = open_live(config, path, OPERATOR)
    with Journal.open(recorded.path, read_only=True) as sim:
        for event in sim.events():
            if event.kind != "session_started":  # type: ignore[attr-defined]
                first.recorder.record(event)
    incident = first.recorder.state.incident
    first.recorder.journal.close()

    again = open_live(config, path, "bob")
    app = WarroomApp(again.recorder, again.clock, operator="bob", watch_terminal=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.recorder.state.incident == incident
        timeline = app.query_one("#timeline")._body.plain  # type: ignore[attr-defined]
        assert f"requested {action_name(kind.action)}" in timeline  # in the field's words
    again.recorder.journal.close()
    requested = journaled(path, ActionRequested)
    assert [r.action for r in requested] == [kind.action]


def resumed_on_a_terminal(path: Path, data: Path, *drawn: bytes) -> str:
    """`warroom demo --journal PATH` on a pty: it draws each of `drawn`, then quits with 0.

    Returns all it wrote to the terminal.
    """
    program = PtyProgram(warroom("demo", "--journal", str(path)), (120, 40), {DATA_DIR: str(data)})
    try:
        for text in drawn:
            program.wait_for(text, timeout=60)
        assert program.quit_console() == 0, program.output[-600:]
    finally:
        program.close()
    said = program.output.decode(errors="replace")
    assert "Traceback" not in said and "crashed" not in said
    assert f"journal: {path}" in said
    return said


def test_warroom_demo_resumes_its_journal_after_an_action(tmp_path) -> None:
    """The whole command, on a real terminal: it draws the incident again and quits cleanly."""
    recorded = record(KINDS["rollout_undo"], tmp_path / "j.warroom")
    incident = recorded.session.recorder.state.incident
    assert incident is not None
    said = resumed_on_a_terminal(
        recorded.path, tmp_path, incident.incident_id.encode(), b"undo rollout"
    )
    assert "asyncio.run" not in said
