"""Replay: the same fold and widgets as the live console, at any instant, never writing."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from state.console import ConsoleState
from state.journal.replay import Replay
from state.journal.store import Journal
from tests.play import START, Session
from tests.unit.helpers import fold_all
from tui.replay import ReplayApp
from widgets.scrubber import Scrubber
from widgets.services import ServicesPane

MINUTES = 14  # long enough for several keyframes (one every 2 minutes of recorded time)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A lock storm, declared, acknowledged, the blocker killed, over 14 minutes."""
    path = tmp_path_factory.mktemp("replay") / "session.warroom"
    session = Session("db-lock-storm", path).run(60).declare().run(90).acknowledge()
    session.run(300)
    session.record_action("terminate_backend", "pid 4242", {"pid": 4242})
    session.run(MINUTES * 60)
    session.recorder.journal.close()
    return path


def screens(app) -> list[str]:
    return [app.query_one("#header")._text.plain.split(" ", 3)[-1]] + [
        p._body.plain for p in app.console_screen.panes
    ]


async def test_replay_shows_what_the_live_console_showed(tmp_path) -> None:
    path = tmp_path / "j.warroom"
    session = await Session("bad-deploy", path).arun(60)
    session.declare()
    await session.arun(400)
    live = session.app()
    async with live.run_test(size=(120, 40)):
        seen_live = screens(live)
    replay = ReplayApp(Replay(Journal.open(path, read_only=True)), session.clock.now())
    async with replay.run_test(size=(120, 40)):
        assert screens(replay) == seen_live
        assert "REPLAY" in replay.query_one("#header")._text.plain


def folded_until(path, at: float) -> ConsoleState:
    with Journal.open(path, read_only=True) as journal:
        return fold_all(ConsoleState(), (e for _, when, e in journal.rows() if when <= at))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.floats(min_value=-5, max_value=MINUTES * 60 + 5), min_size=1, max_size=6))
def test_seeking_anywhere_equals_folding_from_the_start(recorded, offsets) -> None:
    with Journal.open(recorded, read_only=True) as journal:
        replay = Replay(journal)
        assert len(replay.index.frames) >= MINUTES // 2 - 1
        for offset in offsets:  # forward and backward, across keyframes
            at = START.timestamp() + offset
            assert replay.seek(at) == folded_until(recorded, at)


def test_replay_never_writes_the_journal(recorded) -> None:
    before = hashlib.sha256(recorded.read_bytes()).hexdigest(), recorded.stat().st_mtime_ns
    with Journal.open(recorded, read_only=True) as journal:
        Replay(journal).seek(START.timestamp() + 300)
    after = hashlib.sha256(recorded.read_bytes()).hexdigest(), recorded.stat().st_mtime_ns
    assert after == before
    assert sorted(p.name for p in recorded.parent.iterdir()) == ["session.warroom"]


async def test_a_journal_being_written_is_tailed(tmp_path) -> None:
    path = tmp_path / "live.warroom"
    session = await Session("service-down", path).arun(30)
    app = ReplayApp(Replay(Journal.open(path, read_only=True)))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("end")
        await session.arun(90)  # the live console goes on writing
        app._tail()
        await pilot.pause()
        assert app.cursor == session.clock.now()
        assert "live" in app.query_one(Scrubber)._text.plain
        assert "analysis-service: pods CrashLoopBackOff" in app.query_one("#timeline")._body.plain
        session.recorder.journal.close()  # its console ends: the end is no longer live
        app._tail()
        await pilot.pause()
        assert app.cursor == session.clock.now()
        assert "live" not in app.query_one(Scrubber)._text.plain


async def test_the_tail_of_a_journal_being_written_outlives_the_console_closing(tmp_path) -> None:
    """Quitting while following a journal still being written: the once-a-second tail can
    fire after the console's widgets are gone. It draws nothing then; it never raises (under
    load, test_a_journal_being_written_is_tailed failed on exit with NoMatches 'Scrubber')."""
    path = tmp_path / "live.warroom"
    session = await Session("service-down", path).arun(30)
    app = ReplayApp(Replay(Journal.open(path, read_only=True)))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("end")
        await session.arun(40)
        await app.query_one(Scrubber).remove()  # as the screen is taken down on quit
        app._tail()
        await pilot.pause()
    assert app.return_code in (None, 0)


async def test_replay_keys(recorded) -> None:
    app = ReplayApp(Replay(Journal.open(recorded, read_only=True)))
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.cursor == START
        await pilot.press("right", "right", "shift+right")
        assert app.cursor == START + timedelta(seconds=80)
        await pilot.press("left")
        assert app.cursor == START + timedelta(seconds=70)
        await pilot.press("right_square_bracket")  # the next timeline event
        first = min(m.at for m in app.replay.marks if m.at > START + timedelta(seconds=70))
        assert app.cursor == first
        await pilot.press("left_square_bracket")
        assert app.cursor < first
        await pilot.press("plus", "plus", "plus")
        assert app.speed == 10
        await pilot.press("minus")
        assert app.speed == 5
        await pilot.press("g")
        await pilot.pause()
        await pilot.press("ctrl+u", *"09:31:00", "enter")  # ctrl+u clears the field
        await pilot.pause()
        assert app.cursor == START.replace(minute=31)
        await pilot.press("end")
        assert app.cursor == app.replay.instant(app.replay.end)
        await pilot.press("home")
        assert app.cursor == START
        await pilot.press("r", "k", "d")  # no action exists in replay
        await pilot.pause()
        assert len(app.screen_stack) == 1


async def test_home_and_end_are_the_focused_panes_rows_and_esc_gives_them_back(
    tmp_path,
) -> None:
    path = tmp_path / "fleet.warroom"
    session = await Session("bad-deploy", path, services=120).arun(60)
    session.recorder.journal.close()
    app = ReplayApp(Replay(Journal.open(path, read_only=True)))
    async with app.run_test(size=(120, 40)) as pilot:
        start, end = app.replay.instant(app.replay.start), app.replay.instant(app.replay.end)
        await pilot.press("end")  # the replay opens on its scrubber: the journal's end
        assert app.cursor == end
        await pilot.press("1", "home")  # Services focused: its first row, not the start
        await pilot.pause()
        services = app.query_one(ServicesPane)
        assert app.cursor == end
        assert services.selected() == services.table.keys[0]
        await pilot.press("end")
        await pilot.pause()
        assert app.cursor == end
        assert services.selected() == services.table.keys[-1] != services.table.keys[0]
        # esc resumes the pane, a second gives the keys back to the scrubber: the start
        await pilot.press("escape", "escape", "home")
        await pilot.pause()
        assert app.focused is app.query_one(Scrubber)
        assert app.cursor == start


async def test_playback_follows_recorded_time(recorded) -> None:
    app = ReplayApp(Replay(Journal.open(recorded, read_only=True)))
    async with app.run_test(size=(120, 40)) as pilot:
        app.playback.pause()  # the test steps playback itself, tick by tick
        await pilot.press("plus", "plus", "plus", "plus", "space")  # 60x
        assert app.playing
        for _ in range(4):
            app._tick()
        assert app.cursor == START + timedelta(seconds=4 * 0.25 * 60)  # 15 s per tick at 60x


def test_replay_command_refuses_bad_input(tmp_path) -> None:
    bad = tmp_path / "x.warroom"
    bad.write_text("nope")
    result = subprocess.run(
        [sys.executable, "-m", "tui", "replay", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (
        result.returncode == 2
        and result.stderr.startswith("warroom: ")
        and "Traceback" not in result.stderr
    )


async def test_a_start_outside_the_journal_is_held_to_its_ends(recorded) -> None:
    """`warroom replay J --at` a time before the journal began (a wrong day, a local time
    taken for UTC) drew its first instant while the scrubber said "at 00:00:00": a time the
    journal never saw. The replay starts at the journal's nearest end, as a seek does."""
    with Journal.open(recorded, read_only=True) as journal:
        record = Replay(journal)
        first, last = record.instant(record.start), record.instant(record.end)
        for asked, held in ((first - timedelta(days=400), first), (last + timedelta(days=1), last)):
            app = ReplayApp(record, asked)
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause()
                assert app.cursor == held
                assert f"at {held:%H:%M:%S}" in app.query_one(Scrubber)._text.plain
