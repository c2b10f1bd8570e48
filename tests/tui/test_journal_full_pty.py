"""The lead's reproduction without a tmpfs: `warroom demo` on a pty under RLIMIT_FSIZE (SIGXFSZ
ignored), so the OS refuses its journal's writes with EFBIG a few seconds in. It crashed
(exit 70); it must keep watching, say NOT RECORDED, and write everything once the limit is
lifted from outside (as an operator frees the disk)."""

from __future__ import annotations

import resource
import sys

from state.events import JournalWrittenAgain
from state.journal.store import Journal
from tests.pty_console import PtyProgram

LIMIT = 400 * 1024  # bytes a file of the console may grow to: the journal's -wal fills it
# the limit is set, and SIGXFSZ ignored, in the child before it becomes the console: both
# survive exec
PRELUDE = (
    "import os, resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
    "hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]; "
    f"resource.setrlimit(resource.RLIMIT_FSIZE, ({LIMIT}, hard)); "
    "os.execv(sys.executable, [sys.executable, '-m', 'tui', *sys.argv[1:]])"
)


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
