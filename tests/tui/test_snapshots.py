"""SVG snapshots: each scenario before, during and after its remediation, a replay at a fixed
cursor and a drill's score card, at 120x40 and 80x24; and 60 services, filtered and not. The
regression suite, and the training material: a newcomer can read an incident's story from them.

Deterministic: seed 7, a frozen clock starting 2026-03-14 09:26:00 UTC, fixed terminal sizes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from probes.simulated.scenario import load
from state.guide.drill import score
from state.journal.replay import Replay
from state.journal.store import Journal
from tests.play import START, Session
from tui.drill import expectations
from tui.replay import ReplayApp

SIZES = {"120x40": (120, 40), "80x24": (80, 24)}
SERVICES, ERRORS, LOCKS, P95, TIMELINE = "12345"


@dataclass(frozen=True)
class Story:
    """When a scenario is calm, when it is burning (declared 30 s earlier), how it is fixed."""

    calm: float
    burning: float
    pane: str  # the pane to show at 80x24 while it burns
    fixes: tuple[tuple[str, str, dict[str, Any]], ...]
    fixed: float  # seconds after which the fix has taken


STORIES = {
    "bad-deploy": Story(
        15, 90, ERRORS, (("rollout_undo", "tracktion/tracklist-service", {}),), 200
    ),
    "db-lock-storm": Story(10, 80, LOCKS, (("terminate_backend", "pid 4242", {"pid": 4242}),), 120),
    "service-down": Story(15, 90, SERVICES, (("restart", "tracktion/analysis-service", {}),), 140),
    "connection-pool-exhaustion": Story(
        5,
        240,
        LOCKS,
        (
            ("terminate_idle", "45 idle sessions", {"older_than": 600.0}),
            ("restart", "tracktion/analysis-service", {}),
        ),
        330,
    ),
    "external-api-failure": Story(
        15, 90, P95, (("circuit_breaker", "tracktion/notification-service", {}),), 130
    ),
}


def played(tmp_path, scenario: str, phase: str) -> Session:
    story = STORIES[scenario]
    session = Session(scenario, tmp_path / "journal.warroom")
    if phase == "before":
        return session.run(story.calm)
    session.run(story.burning - 30).declare().run(story.burning - 20).acknowledge().run(
        story.burning
    )
    if phase == "during":
        return session
    for action, target, params in story.fixes:
        session.record_action(action, target, params)
    return session.run(story.fixed)


def _scenario_test(scenario: str, phase: str, size: str) -> Callable:
    pane = {"before": SERVICES, "during": STORIES[scenario].pane, "after": TIMELINE}[phase]

    def test(snap_compare, tmp_path) -> None:
        app = played(tmp_path, scenario, phase).app()

        async def show(pilot) -> None:
            await pilot.press(pane)

        assert snap_compare(app, terminal_size=SIZES[size], run_before=show)

    return test


def _replay_test(size: str) -> Callable:
    def test(snap_compare, tmp_path) -> None:
        session = played(tmp_path, "bad-deploy", "after")
        session.recorder.journal.close()
        journal = Journal.open(tmp_path / "journal.warroom", read_only=True)
        cursor = START.replace(minute=27, second=40)  # declared 20 s before, not yet fixed
        app = ReplayApp(Replay(journal), cursor)

        async def show(pilot) -> None:
            await pilot.press(ERRORS)

        assert snap_compare(app, terminal_size=SIZES[size], run_before=show)
        journal.close()

    return test


def _score_card_test(size: str) -> Callable:
    def test(snap_compare, tmp_path) -> None:
        from widgets.score_card import ScoreCardScreen

        session = played(tmp_path, "service-down", "after")
        card = score(session.recorder.journal.events(), expectations(load("service-down")))
        app = session.app()

        async def show(pilot) -> None:
            await pilot.app.push_screen(ScoreCardScreen(card))

        assert snap_compare(app, terminal_size=SIZES[size], run_before=show)

    return test


FLEET = 60  # `demo --services 60`: the guide's four in a fleet, a few of it unhealthy


def _fleet_test(query: str) -> Callable:
    """bad-deploy 90 s in, among 60 services: worst first, the cut marked; and filtered."""

    def test(snap_compare, tmp_path) -> None:
        app = Session("bad-deploy", tmp_path / "journal.warroom", services=FLEET).run(90).app()

        async def show(pilot) -> None:
            if query:
                from widgets.services import ServicesPane

                await pilot.press("slash", *query, "enter")
                # the filtered rows land in the table after a refresh: wait for them, boundedly
                table = pilot.app.query_one(ServicesPane).table
                for _ in range(100):
                    if table.keys and all(query in key for key in table.keys):
                        break
                    await pilot.pause(0.02)
                await pilot.pause()
                pilot.app.redraw()  # the header as the console draws it once the filter closed
                await pilot.pause()

        assert snap_compare(app, terminal_size=SIZES["120x40"], run_before=show)

    return test


def _dialog_test(dialog: str, size: str) -> Callable:
    """The declare dialog as `d` opens it, or the status update dialog as `u` does, while
    bad-deploy burns: what the commander fills in under pressure, at each size."""

    def test(snap_compare, tmp_path) -> None:
        from probes.notify.config import demo_config

        story = STORIES["bad-deploy"]
        session = Session("bad-deploy", tmp_path / "journal.warroom")
        if dialog == "declare":
            session.run(story.burning - 30)
        else:
            session.run(story.burning - 30).declare().run(story.burning - 20).acknowledge()
            session.run(story.burning)
        app = session.app(notify=demo_config(tmp_path / "sent.jsonl"))

        async def show(pilot) -> None:
            from tests.tui.waiting import shown
            from widgets.comms_dialogs import UpdateScreen
            from widgets.modals import DeclareScreen

            await pilot.press("d" if dialog == "declare" else "u")
            await shown(pilot, DeclareScreen if dialog == "declare" else UpdateScreen)
            await pilot.pause()

        assert snap_compare(app, terminal_size=SIZES[size], run_before=show)

    return test


def _name(*parts: str) -> str:
    return "test_" + "_".join(p.replace("-", "_") for p in parts)


# One named test per snapshot (not parametrize): syrupy matches snapshots to tests by name,
# so updating one parametrized case would delete its siblings' files.
for _size in SIZES:
    for _scenario in STORIES:
        for _phase in ("before", "during", "after"):
            globals()[_name(_scenario, _phase, _size)] = _scenario_test(_scenario, _phase, _size)
    globals()[_name("replay", "bad_deploy", _size)] = _replay_test(_size)
    globals()[_name("drill", "score_card", _size)] = _score_card_test(_size)
    for _dialog in ("declare", "update"):
        globals()[_name(_dialog, "dialog", _size)] = _dialog_test(_dialog, _size)
test_fleet_60_services_120x40 = _fleet_test("")
test_fleet_60_services_filtered_120x40 = _fleet_test("service")
for _key, _test in list(globals().items()):
    if _key.startswith("test_"):
        _test.__name__ = _key
