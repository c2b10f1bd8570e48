"""A dropped SSH session must not leave the console spinning: it exits when its terminal goes."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from state.journal.store import Journal
from tests.pty_console import PtyProgram, warroom
from tui.environment import DATA_DIR


@pytest.fixture
def console(tmp_path):
    program = PtyProgram(
        warroom("demo", "--journal", str(tmp_path / "j.warroom")),
        (80, 24),
        {DATA_DIR: str(tmp_path)},
    )
    program.wait_for(b"Services", timeout=30)
    yield program
    program.close()


def test_exits_when_the_terminal_hangs_up(console) -> None:
    os.close(console.master)  # the SSH connection drops: the pty hangs up
    console.master = os.open("/dev/null", os.O_RDONLY)  # so close() has something to close
    assert console.proc.wait(timeout=15) in (129, -signal.SIGHUP)


def test_exits_cleanly_on_sighup(console) -> None:
    console.proc.send_signal(signal.SIGHUP)
    for _ in range(150):
        console.pump(0.1)
        if console.proc.poll() is not None:
            break
    assert console.proc.returncode == 129


def test_a_hang_up_leaves_the_journal_one_self_contained_file(console, tmp_path) -> None:
    """The -wal of a dropped session held every event: a copy of the main file alone said
    'not a warroom journal'. Now the journal is checkpointed before the process ends."""
    console.wait_for(b"Running", timeout=30)  # a first sample drawn: the journal is open
    os.close(console.master)  # the SSH connection drops: the pty hangs up
    console.master = os.open("/dev/null", os.O_RDONLY)
    assert console.proc.wait(timeout=15) in (129, -signal.SIGHUP)
    journal = tmp_path / "j.warroom"
    assert not (tmp_path / "j.warroom-wal").exists()
    alone = tmp_path / "copy" / "j.warroom"
    alone.parent.mkdir()
    shutil.copyfile(journal, alone)  # the main file alone, as someone would copy it
    with Journal.open(alone, read_only=True) as copy:
        assert copy.first_kind() == "session_started"


def _stopped(pid: int) -> bool:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "T"


def test_brought_back_to_the_foreground_it_draws_the_whole_screen(console) -> None:
    """ctrl+z then `fg` (SIGTSTP, SIGCONT): the terminal comes back blank, and the console
    redrew only what changed meanwhile, leaving the header, borders and key bar unseen."""
    console.wait_for(b"Quit", timeout=30)
    console.pump(1.5)  # the first frame written out whole, not cut by the stop
    console.proc.send_signal(signal.SIGTSTP)
    deadline = time.monotonic() + 10
    while not _stopped(console.proc.pid) and time.monotonic() < deadline:
        console.pump(0.1)
    assert _stopped(console.proc.pid)
    console.pump(0.3)
    console.output.clear()
    console.proc.send_signal(signal.SIGCONT)  # `fg`
    console.pump(3)
    drawn = bytes(console.output)
    for text in (b"DEMO", b"Services", b"Quit", "╭".encode()):  # header, tab, key bar, border
        assert text in drawn, text
