"""The lead's reproduction without a tmpfs: `warroom demo` on a pty under RLIMIT_FSIZE (SIGXFSZ
ignored), so the OS refuses its journal's writes with EFBIG a few seconds in. It crashed
(exit 70); it must keep watching, say NOT RECORDED, and write everything once the limit is
lifted from outside (as an operator frees the disk)."""

from __future__ import annotations

import re
import resource
import sys

from state.events import JournalWrittenAgain
from state.journal.store import Journal
from tests.pty_console import PtyProgram
from tui.crash import EXIT_CRASH

LIMIT = 400 * 1024  # bytes a file of the console may grow to: the journal's -wal fills it
# the limit is set, and SIGXFSZ ignored, in the child before it becomes the console: both
# survive exec
PRELUDE = (
    "import os, resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
    "hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]; "
    f"resource.setrlimit(resource.RLIMIT_FSIZE, ({LIMIT}, hard)); "
    "os.execv(sys.executable, [sys.executable, '-m', 'tui', *sys.argv[1:]])"
)
# the same, as tests/tui/crashing_console.py: its Help dialog raises (a bug) when `?` is pressed
CRASHING = PRELUDE.replace("'-m', 'tui'", "'-m', 'tests.tui.crashing_console'")


def test_a_demo_whose_journal_hits_the_file_size_limit_keeps_watching(tmp_path) -> None:
    journal = tmp_path / "c.warroom"
    argv = [sys.executable, "-c", PRELUDE, "demo", "--speed", "60", "--journal", str(journal)]
    program = PtyProgram(
        argv, (120, 40), {"WARROOM_DATA_DIR": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    )
    try:
        program.wait_for(b"NOT RECORDED since", timeout=120)
        program.wait_for(b"file size limit reached", timeout=10)
        program.pump(4)  # it retried (every 3 s), still refused: still running
        assert program.proc.poll() is None
        hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
        resource.prlimit(program.proc.pid, resource.RLIMIT_FSIZE, (hard, hard))  # room again
        program.wait_for(b"Journal written again", timeout=30)
        program.send(b"q")
        assert program.wait_exit(30) == 0
    finally:
        program.close()
    assert b"crashed" not in program.output
    with Journal.open(journal, read_only=True) as reading:
        said = [e for e in reading.events() if isinstance(e, JournalWrittenAgain)]
    assert len(said) == 1 and said[0].reason == "file size limit reached (ulimit -f)"
    assert said[0].held > 0


def test_a_crash_while_events_are_held_says_one_true_thing_of_the_journal(tmp_path) -> None:
    """A bug ends the console while the journal holds events: its one line said "the journal
    keeps the session", and a second line that it does not. One line, the true one."""
    journal = tmp_path / "c.warroom"
    argv = [sys.executable, "-c", CRASHING, "demo", "--speed", "60", "--journal", str(journal)]
    program = PtyProgram(
        argv, (120, 40), {"WARROOM_DATA_DIR": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    )
    try:
        program.wait_for(b"NOT RECORDED since", timeout=120)
        program.send(b"?")  # the Help dialog raises as it is built
        assert program.wait_exit(30) == EXIT_CRASH, program.output[-600:]
    finally:
        program.close()
    said = program.output.decode(errors="replace")
    after = said[said.rindex("\x1b[?1049l") :].replace("\r", "")  # the screen given back
    lines = [line for line in after.split("\n") if "warroom" in line or "journal" in line]
    assert len(lines) == 1, after
    line = lines[0][lines[0].index("warroom: ") :]
    assert line.startswith("warroom: crashed (RuntimeError); the traceback is in ")
    assert re.search(
        rf"; the journal {re.escape(str(journal))} ends at \d\d:\d\d:\d\d: [\d,]+ events "
        r"since then were NOT recorded \(file size limit reached \(ulimit -f\)\)$",
        line,
    ), line
    assert "keeps the session" not in said
