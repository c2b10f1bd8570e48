"""The console draws first and opens its session just after: what the commander sees meanwhile.

`warroom demo` builds the app with `opening`; pydantic, the fold and the simulation load
after the first frame, and a session that cannot open ends the console with one line.
"""

from __future__ import annotations

import os
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
from tui.environment import DATA_DIR
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
        warroom("demo", "--journal", str(path)), (80, 24), {DATA_DIR: str(tmp_path)}
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
        warroom("demo", "--journal", str(path)), (120, 40), {DATA_DIR: str(tmp_path)}
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


def run_code(code: str, data: Path) -> subprocess.CompletedProcess[str]:
    """`code` run by a fresh Python, with `data` as warroom's data folder."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, DATA_DIR: str(data)},
    )


# what `warroom live` runs before its first frame may not load: the event models, the fold,
# the probes' client libraries, nor pydantic and the config's models (validated aside); nor
# hashlib, whose OpenSSL digests were ~1 % of live's instructions to that frame, nor
# DataTable's module (~1 %: the service tables come with their first rows)
LIVE_HEAVY = (
    "hashlib",
    "textual.widgets._data_table",
    "pydantic",
    "tui.config",
    "state.events",
    "state.recorder",
    "state.fold",
    "kubernetes",
    "psycopg",
    "prometheus_api_client",
    "requests",
    "httpx",
    "yaml",
)


def test_live_draws_its_first_frame_before_loading_the_probes_or_pydantic(tmp_path) -> None:
    """`warroom live` itself on a terminal, stopped where its console would take over: the
    config's check runs aside (a child, at a lower priority) and is not waited for; nothing
    heavy is loaded here. The command line's --read-only is known at once."""
    config = tmp_path / "config.toml"
    config.write_text('[cluster]\nservices = ["api"]\nnamespace = "shop"\n')
    code = (
        "import sys\n"
        "from textual.app import App\n"
        "def run(self, *args, **kwargs):\n"
        "    heavy = [m for m in sys.modules if m.split('.')[0] in HEAVY or m in HEAVY]\n"
        "    print('loaded:', ','.join(sorted(heavy)))\n"
        "    print('read_only:', self.read_only, 'badge:', self.badge)\n"
        "    return 0\n"
        f"HEAVY = {LIVE_HEAVY!r}\n"
        "App.run = run\n"
        "import tui.cli\n"
        "tui.cli.require_terminal = lambda journal=None: None  # stopped before the terminal\n"
        "tui.cli.has_terminal = lambda: True\n"
        "from tui.cli import main\n"
        f"main(['live', '--config', {str(config)!r}, '--read-only',"
        f" '--journal', {str(tmp_path / 'j.warroom')!r}])\n"
    )
    result = run_code(code, tmp_path)
    assert "loaded: \n" in result.stdout, result.stdout + result.stderr
    assert "read_only: True badge: READ-ONLY" in result.stdout  # the command line's
    assert not list(tmp_path.rglob("*.warroom"))  # the session opens once checked


def test_a_live_config_whose_keys_cannot_apply_is_refused_before_the_first_frame(
    tmp_path,
) -> None:
    """A [keys] table that cannot be applied is found without pydantic, so live waits for
    its check before drawing: one line per problem (not only the keys'), exit 2, no console
    drawn, no journal. Other problems end a drawn console (tests/tui/test_live_check.py)."""
    config = tmp_path / "config.toml"
    config.write_text('[cluster]\nservices = ["api"]\nbogus = 1\n[keys]\n"nope.nothing" = "z"\n')
    program = PtyProgram(
        warroom("live", "--config", str(config)), (80, 24), {DATA_DIR: str(tmp_path)}
    )
    try:
        code = program.wait_exit(60)
    finally:
        program.close()
    said = program.output.decode(errors="replace")
    assert code == 2, said
    assert f"warroom: {config}: cluster.bogus: unknown key" in said
    assert "nope.nothing" in said  # every problem, the keymap's too
    assert "Opening the session" not in said
    assert "Traceback" not in said
    assert not list(tmp_path.rglob("*.warroom"))


def test_a_live_config_broken_after_its_check_ends_the_console_in_one_line(tmp_path) -> None:
    """Checked aside, read again as the session opens: a config changed in between ends the
    console as a bad config does, one line per problem, exit 2, creating no journal."""
    config = tmp_path / "config.toml"
    config.write_text('[cluster]\nservices = ["api"]\n')
    code = (
        "import asyncio, pathlib\n"
        "from textual.app import App\n"
        "def run(self, *args, **kwargs):\n"  # the console drew, was checked, then the file changed
        "    asyncio.run(self._until())\n"
        f"    pathlib.Path({str(config)!r}).write_text('[cluster]\\nservices = 3\\n')\n"
        "    try:\n"
        "        self._opening()\n"
        "    except Exception as exc:\n"
        "        self.open_failure = exc\n"
        "    return 2\n"
        "App.run = run\n"
        "import tui.cli\n"
        "tui.cli.require_terminal = lambda journal=None: None  # stopped before the terminal\n"
        "tui.cli.has_terminal = lambda: True\n"
        "from tui.cli import main\n"
        f"main(['live', '--config', {str(config)!r},"
        f" '--journal', {str(tmp_path / 'j.warroom')!r}])\n"
    )
    result = run_code(code, tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"warroom: {config}: cluster.services"), result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.rglob("*.warroom"))


def test_a_journal_another_console_is_writing_is_refused_until_that_console_ends(
    tmp_path,
) -> None:
    """An IC reconnecting over SSH while the first console still runs (under tmux): a second
    console on the same journal would interleave a second session's events into it. It is
    refused, naming the console that holds it, with the journal untouched; once that
    console is gone, however it ended, the same command resumes the session."""
    path = tmp_path / "j.warroom"
    env = {DATA_DIR: str(tmp_path)}
    first = PtyProgram(warroom("demo", "--journal", str(path)), (120, 40), env)
    try:
        first.wait_for(b"Running", timeout=60)
        with Journal.open(path, read_only=True) as journal:
            events = journal.count()
        said = said_on_exit(path, tmp_path)
        assert f"{path} is open in another console (pid {first.proc.pid})" in said
        assert f"warroom replay {path}" in said
        assert "Opening the session" not in said  # refused before the console drew
        with Journal.open(path, read_only=True) as journal:
            kinds = [event.kind for event in journal.events()]
        assert "session_resumed" not in kinds  # the second console wrote nothing
        assert len(kinds) >= events  # and the first goes on writing
    finally:
        first.proc.kill()  # a dropped console: its lock goes with it
        first.close()
    second = PtyProgram(warroom("demo", "--journal", str(path)), (120, 40), env)
    try:
        second.wait_for(b"Session resumed", timeout=60)
    finally:
        second.close()
    with Journal.open(path, read_only=True) as journal:
        kinds = [event.kind for event in journal.events()]
    assert kinds.count("session_started") == 1
    assert kinds.count("session_resumed") == 1
