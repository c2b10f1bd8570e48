"""The console draws first and opens its session just after: what the commander sees meanwhile.

`warroom demo` builds the app with `opening`; pydantic, the fold and the simulation load
after the first frame, and a session that cannot open ends the console with one line.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

from state.journal.store import Journal, JournalError
from tests.play import OPERATOR, Session
from tests.pty_console import PtyProgram, warroom
from tests.tui.test_keys import header
from tests.tui.waiting import shown
from tui.app import WarroomApp
from tui.base import Wiring
from widgets.modals import DeclareScreen


class OpensOnCue(WarroomApp):
    """A session that takes its time to open (a slow disk): the test says when it has."""

    def _open(self) -> None:
        self.cue = lambda: WarroomApp._open(self)


async def test_the_console_is_drawn_before_its_session_opens(tmp_path) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(70)

    def opening() -> Wiring:
        return Wiring(session.recorder, session.clock, actions=session.actions)

    app = OpensOnCue(opening=opening, operator=OPERATOR, badge="DEMO", watch_terminal=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "DEMO  Opening the session's journal…" in header(app)
        assert [pane.border_subtitle for pane in app.console_screen.panes] == [
            "waiting for first sample"
        ] * 5
        await pilot.press("d")  # no journal to write a declaration to yet
        await pilot.pause()
        assert not isinstance(app.screen, DeclareScreen)
        assert any("Still opening" in n.message for n in app._notifications)
        assert app.check_action("remediate", ()) is True  # the footer does not change

        app.cue()
        await pilot.pause()
        assert "suggested  P1 CRITICAL  tracklist-service error rate" in header(app)
        await pilot.press("d")
        await shown(pilot, DeclareScreen)
        assert isinstance(app.screen, DeclareScreen)


async def test_a_session_that_cannot_open_ends_the_console(tmp_path) -> None:
    def opening() -> Wiring:
        raise JournalError(f"{tmp_path / 'j.warroom'}: event 3 is corrupt (bad deflate)")

    app = WarroomApp(opening=opening, operator=OPERATOR, watch_terminal=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
    assert app.return_code == 2
    assert isinstance(app.open_failure, JournalError)
    assert not app.opened


def said_on_exit(path: Path, tmp_path: Path) -> str:
    """What `warroom demo --journal PATH` printed on a real terminal; it must exit with 2."""
    program = PtyProgram(
        warroom("demo", "--journal", str(path)), (80, 24), {"WARROOM_DATA_DIR": str(tmp_path)}
    )
    try:
        for _ in range(300):  # reading as it draws, or it blocks writing to the terminal
            program.pump(0.1)
            if program.proc.poll() is not None:
                break
        program.pump(0.1)
        assert program.proc.returncode == 2, program.output[-400:]
    finally:
        program.close()
    said = program.output.decode(errors="replace")
    assert "Traceback" not in said
    return said


def begun_afresh(path: Path, tmp_path: Path) -> None:
    """`warroom demo --journal PATH` reconnecting after an SSH drop cut its opening short:
    a working console, whose timeline says the session began afresh."""
    program = PtyProgram(
        warroom("demo", "--journal", str(path)), (120, 40), {"WARROOM_DATA_DIR": str(tmp_path)}
    )
    try:
        program.wait_for(b"Begun afresh in a journal no session had begun in", timeout=60)
        program.wait_for(b"Running", timeout=30)  # samples drawn: the session goes on
    finally:
        program.close()
    with Journal.open(path, read_only=True) as journal:
        assert journal.first_kind() == "session_started"
        assert journal.meta()["scenario"] == "bad-deploy"


def test_a_journal_no_session_began_in_is_begun_afresh(tmp_path) -> None:
    """Killed after the schema was written, before the session's first event."""
    path = tmp_path / "j.warroom"
    Journal.create(path, {"mode": "live"}).close()  # whatever it was made for: nothing in it
    begun_afresh(path, tmp_path)


def test_a_zero_byte_journal_is_begun_afresh(tmp_path) -> None:
    """Killed before SQLite wrote the file's first page."""
    path = tmp_path / "j.warroom"
    path.touch(mode=0o600)
    begun_afresh(path, tmp_path)


def test_a_journal_of_events_but_no_session_start_is_refused_saying_so(tmp_path) -> None:
    path = tmp_path / "j.warroom"
    Session("bad-deploy", path).run(3).recorder.journal.close()
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("DELETE FROM events WHERE seq = 1")
    before = path.read_bytes()
    said = said_on_exit(path, tmp_path)
    assert "but no session start; it cannot be resumed as a demo session" in said
    assert "Opening the session" not in said  # refused before the console drew anything
    assert path.read_bytes() == before


def test_a_journal_of_another_mode_is_refused_saying_what_it_holds(tmp_path) -> None:
    path = tmp_path / "j.warroom"
    Session("bad-deploy", path).run(3).recorder.journal.close()
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('mode', 'live')")
    said = said_on_exit(path, tmp_path)
    assert f"warroom: {path} holds a live session; it cannot be resumed as a demo" in said


def test_replay_and_export_of_a_journal_no_session_began_in_say_so(tmp_path) -> None:
    schema_only, zero_bytes = tmp_path / "a.warroom", tmp_path / "b.warroom"
    Journal.create(schema_only, {"mode": "demo"}).close()
    zero_bytes.touch()
    for path in (schema_only, zero_bytes):
        for args in (["replay", str(path)], ["export", str(path), "--out", str(tmp_path)]):
            result = subprocess.run(warroom(*args), capture_output=True, text=True, timeout=60)
            assert result.returncode == 2
            assert result.stderr.strip() == f"warroom: no session was recorded in {path}"


def test_a_corrupt_event_found_while_opening_ends_the_console_in_one_line(tmp_path) -> None:
    """Found only by reading the events, just after the first frame."""
    path = tmp_path / "j.warroom"
    Session("bad-deploy", path).run(10).recorder.journal.close()
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("UPDATE events SET encoding = 0, body = x'7b7d' WHERE seq = 5")
    rows = events_of(path)
    said = said_on_exit(path, tmp_path)
    assert f"warroom: {path}: event 5 is corrupt" in said
    assert events_of(path) == rows


def events_of(path: Path) -> list[tuple]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT * FROM events").fetchall()


def test_the_first_frame_waits_for_no_pydantic(tmp_path) -> None:
    """What runs before the demo's first frame: the command line, the checks, the app."""
    code = (
        "import sys, pathlib\n"
        "from tui.cli import main\n"
        "from tui.opening import session_start\n"
        "from tui.app import WarroomApp\n"
        f"start = session_start('demo', pathlib.Path({str(tmp_path)!r}) / 'j.warroom', 'x',"
        " scenario='bad-deploy')\n"
        "WarroomApp(opening=lambda: None, operator='x')\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_live_checks_its_config_before_the_first_frame_and_loads_no_more(tmp_path) -> None:
    """Live validates the config (pydantic) before it draws, as demo checks its scenario, but
    the event models, the journal's fold and the probes wait for the opening."""
    config = tmp_path / "config.toml"
    config.write_text('[cluster]\nservices = ["api"]\n')
    code = (
        "import sys, pathlib\n"
        "from tui.cli import load_config\n"
        "from tui.contexts import label\n"
        "from tui.opening import session_start\n"
        "from tui.app import WarroomApp\n"
        f"selected = load_config(pathlib.Path({str(config)!r}), secrets=True)\n"
        f"start = session_start('live', pathlib.Path({str(tmp_path)!r}) / 'j.warroom', 'x',"
        " label=label(selected))\n"
        "WarroomApp(opening=lambda: None, operator='x')\n"
        "heavy = ('state.events', 'state.recorder', 'state.fold', 'kubernetes', 'httpx')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
