"""The lead's reproduction without a tmpfs: `warroom demo` on a pty under RLIMIT_FSIZE (SIGXFSZ
ignored), so the OS refuses its journal's writes with EFBIG a few seconds in. It crashed
(exit 70); it must keep watching, say NOT RECORDED, and write everything once the limit is
lifted from outside (as an operator frees the disk)."""

from __future__ import annotations

import re
import resource
import sys
from pathlib import Path

from state.clock import from_epoch
from state.events import JournalWrittenAgain
from state.journal.store import Journal
from tests.pty_console import PtyProgram
from tui.crash import EXIT_CRASH
from tui.environment import DATA_DIR

LIMIT = 400 * 1024  # bytes a file of the console may grow to: the journal's -wal fills it
# the limit is set, and SIGXFSZ ignored, in the child before it becomes the console: both
# survive exec
PRELUDE = (
    "import os, resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
    "hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]; "
    f"resource.setrlimit(resource.RLIMIT_FSIZE, ({LIMIT}, hard)); "
    "os.execv(sys.executable, [sys.executable, '-m', 'tui', *sys.argv[1:]])"
)
# the same, as tests/tui/crashing_console.py: showing its help raises (a bug) when `?` is pressed
CRASHING = PRELUDE.replace("'-m', 'tui'", "'-m', 'tests.tui.crashing_console'")


def env_of(tmp_path: Path) -> dict[str, str]:
    return {DATA_DIR: str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}


def limited_demo(journal: Path, tmp_path: Path, prelude: str = PRELUDE) -> PtyProgram:
    """`warroom demo --speed 60` writing `journal` on a pty, under the file size limit."""
    argv = [sys.executable, "-c", prelude, "demo", "--speed", "60", "--journal", str(journal)]
    return PtyProgram(argv, (120, 40), env_of(tmp_path))


def test_a_demo_whose_journal_hits_the_file_size_limit_keeps_watching(tmp_path) -> None:
    journal = tmp_path / "c.warroom"
    program = limited_demo(journal, tmp_path)
    try:
        program.wait_for(b"NOT RECORDED since", timeout=120)
        program.wait_for(b"file size limit reached", timeout=10)
        program.pump(4)  # it retried (every 3 s), still refused: still running
        assert program.proc.poll() is None
        hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
        resource.prlimit(program.proc.pid, resource.RLIMIT_FSIZE, (hard, hard))  # room again
        program.wait_for(b"Journal written again", timeout=30)
        program.send(b"q")
        code = program.wait_exit(30)
        assert code == 0, bytes(program.output[-4000:])  # what the screen last said
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
    program = limited_demo(journal, tmp_path, CRASHING)
    try:
        program.wait_for(b"NOT RECORDED since", timeout=120)
        program.send(b"?")  # showing the help raises
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


def test_a_hang_up_with_events_held_leaves_the_truth_beside_the_journal(tmp_path) -> None:
    """The SSH session drops while the journal holds events: the lost-events line had no
    terminal to go to. The note beside the journal, made while the disk had room and
    rewritten in place, says it, and `warroom journals` shows it."""
    import os
    import signal
    import subprocess

    from state.journal.note import SIZE, note_path, read

    folder = tmp_path / "journals"
    folder.mkdir()
    journal = folder / "c.warroom"
    program = limited_demo(journal, tmp_path)
    try:
        program.wait_for(b"NOT RECORDED since", timeout=120)
        program.pump(1)
        assert note_path(journal).stat().st_size == SIZE  # made as the journal was opened
        (holding,) = read(journal)  # said beside the journal as it began
        assert holding.pid == program.proc.pid and not holding.ended and holding.held > 0
        os.close(program.master)  # the SSH connection drops: the pty hangs up
        program.master = os.open("/dev/null", os.O_RDONLY)
        assert program.proc.wait(timeout=30) in (129, -signal.SIGHUP)
    finally:
        program.close()
    (lost,) = read(journal)
    assert lost.ended and lost.held >= holding.held and lost.since == holding.since
    assert lost.reason == "file size limit reached (ulimit -f)"
    assert note_path(journal).stat().st_size == SIZE  # rewritten in place, never grown
    listed = subprocess.run(
        [sys.executable, "-m", "tui", "journals"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env_of(tmp_path)},
        check=True,
    ).stdout.splitlines()
    assert len(listed) == 2, listed  # the header, and the journal: its note is no session
    assert listed[1].endswith(
        f"({lost.held:,} events after {from_epoch(lost.since):%Y-%m-%dT%H:%M:%SZ} NOT RECORDED "
        "(file size limit reached (ulimit -f)): the console ended with them)"
    ), listed[1]
