"""What is journaled can always be shown: a journal of hostile and malformed values is
resumed, replayed from start to end and exported, and every one of them completes.

The journal (tests/malformed_journal.py) holds markup, escape sequences, 20 kB names, NaN
and infinities, negative counts, a lock cycle and a chain 2,000 deep, naive and
out-of-order times, a time past the calendar's end, and actions the simulation cannot redo.
A value a widget cannot draw costs that widget a placeholder (tui/screen.py `drawn`), never
the console.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from state.journal.replay import Replay
from state.journal.store import Journal
from tests.malformed_journal import write
from tests.opening import open_live
from tests.tui.test_cli import fingerprint, warroom
from tests.tui.test_resume import resumed_on_a_terminal
from tui.app import WarroomApp
from tui.config import parse
from tui.demo import demo_wiring
from tui.drill import drill_console
from tui.environment import DATA_DIR
from tui.opening import session_start
from tui.replay import ReplayApp
from widgets.score_card import ScoreCardScreen

if TYPE_CHECKING:
    from tui.view import ConsoleView

LATEST_INCIDENT = "INC-20260314-0001"  # the journal's second incident, still open


def drawing_errors(app: ConsoleView) -> set[tuple[str | None, type]]:
    """What the console could not draw, by widget and error (tui/screen.py `drawn`)."""
    return {(widget, kind) for widget, kind, _ in app.console_screen._draw_errors}


def crash_log_entries() -> list[str]:
    folder = Path(os.environ[DATA_DIR]) / "crashes"
    logs = sorted(folder.glob("crash-*.log")) if folder.exists() else []
    return [line for log in logs for line in log.read_text().splitlines() if line.startswith("---")]


def test_export_completes_and_leaves_the_journal_as_it_was(tmp_path) -> None:
    path = write(tmp_path / "malformed.warroom", "drill")
    before = fingerprint(path)
    out = tmp_path / "review"
    result = warroom("export", str(path), "--out", str(out), timeout=120)
    assert result.returncode == 0, result.stderr
    written = [Path(line) for line in result.stdout.splitlines()]
    # both incidents' review and action items; the meeting invite only for the resolved one
    assert len(written) == 5 and all(p.exists() for p in written)
    assert not any(p.name.startswith(LATEST_INCIDENT) and p.suffix == ".ics" for p in written)
    review = next(p for p in written if p.name == f"{LATEST_INCIDENT}_review.md").read_text()
    assert "\x1b" not in review and "\x07" not in review
    assert fingerprint(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["malformed.warroom", "review"]


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_replay_goes_from_start_to_end(tmp_path, size) -> None:
    path = write(tmp_path / "malformed.warroom", "demo")
    with Journal.open(path, read_only=True) as journal:
        record = Replay(journal)
        app = ReplayApp(record)
        async with app.run_test(size=size) as pilot:
            await pilot.press("home")
            assert app.cursor == record.instant(record.start)
            for _ in range(len(record.marks)):  # every event of the timeline, in turn
                before = app.cursor
                await pilot.press("right_square_bracket")
                if app.cursor == before:
                    break
            for key in ("1", "2", "3", "4", "5", "end"):
                await pilot.press(key)
            await pilot.pause()
            assert app.cursor == record.instant(record.end)
            assert "REPLAY" in app.query_one("#header")._text.plain  # type: ignore[attr-defined]
        assert app.crash is None
    assert drawing_errors(app) == set()
    assert not any("the console failed" in entry for entry in crash_log_entries())


async def _resumed(app: WarroomApp, then=None) -> WarroomApp:
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(200):
            if app.opened or app.open_failure:
                break
            await pilot.pause(0.02)
        for key in ("1", "down", "down", "2", "3", "down", "4", "5", "1"):
            await pilot.press(key)
        await pilot.pause(1.2)  # a repaint on the clock, and the probes' first samples
        assert app.open_failure is None
        assert LATEST_INCIDENT in app.query_one("#header")._text.plain  # type: ignore[attr-defined]
        if then is not None:
            await then(pilot)
    assert app.crash is None
    assert drawing_errors(app) == set()
    assert not any("the console failed" in entry for entry in crash_log_entries())
    return app


async def test_a_demo_resumes_it(tmp_path) -> None:
    path = write(tmp_path / "malformed.warroom", "demo")
    start = session_start("demo", path, "bob", scenario="bad-deploy")
    app = WarroomApp(
        opening=lambda: demo_wiring(start), operator="bob", badge="DEMO", watch_terminal=False
    )
    await _resumed(app)
    app.recorder.journal.close()


async def test_a_drill_resumes_it(tmp_path) -> None:
    path = write(tmp_path / "malformed.warroom", "drill")
    app = drill_console(session_start("drill", path, "bob", scenario="bad-deploy"))
    app._watch = None

    async def scored(pilot) -> None:  # the drill ends: its whole journal is scored
        app.finish_drill()
        await pilot.pause(0.3)
        assert isinstance(app.screen, ScoreCardScreen)
        assert "Harmful actions" in str(app.screen.query_one("#card").render())

    await _resumed(app, scored)
    app.recorder.journal.close()


async def test_a_live_session_resumes_it(tmp_path) -> None:
    path = write(tmp_path / "malformed.warroom", "live")
    config = parse({"cluster": {"services": ["analysis-service"], "namespace": "tracktion"}})
    session = open_live(config, path, "bob")
    app = WarroomApp(session.recorder, session.clock, operator="bob", watch_terminal=False)
    await _resumed(app)
    session.recorder.journal.close()


def test_warroom_demo_opens_it_and_quits_cleanly(tmp_path) -> None:
    """The whole command on a real terminal: drawn, quit with q, exit code 0."""
    path = write(tmp_path / "malformed.warroom", "demo")
    data = Path(os.environ[DATA_DIR])
    resumed_on_a_terminal(path, data, LATEST_INCIDENT.encode())
