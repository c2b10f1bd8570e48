"""On a real terminal: a journal full of hostile text writes no byte of it as a sequence.

`warroom replay` runs on a pseudo-terminal, as over SSH, on a journal whose every drawn
field holds the whole corpus of tests/hostile.py, including a probe failure reason (the
border). What reaches the terminal is Textual's own output only: CSI sequences and its
pointer-shape OSC 22; no OSC 52 clipboard write, no window title, no clear screen, no
8-bit control, no BEL. The console draws, and quits on `q` with exit code 0.
"""

from __future__ import annotations

import os
import re

from state.events import ProbeFailed
from state.journal.store import Journal
from state.recorder import Recorder
from tests.hostile import CORPUS
from tests.pty_console import PtyProgram, warroom
from tests.tui.test_hostile_console import events
from tui.environment import DATA_DIR

CSI = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]")
POINTER_SHAPE = re.compile(rb"\x1b\]22;[a-z-]+\x07")  # Textual's own OSC: the mouse pointer


def test_replaying_hostile_text_writes_only_textuals_sequences(tmp_path) -> None:
    text = "".join(CORPUS.values())
    started, *rest = events(text)
    failed = ProbeFailed(at=started.at, source="postgres", reason=text)  # shown from the start
    recorder = Recorder(Journal.create(tmp_path / "j.warroom"))
    for event in (started, failed, *rest):
        recorder.record(event)
    recorder.journal.close()

    program = PtyProgram(
        warroom("replay", str(tmp_path / "j.warroom")),
        (120, 40),
        {DATA_DIR: str(tmp_path)},
    )
    try:
        program.wait_for(b"REPLAY", 30)
        program.pump(1.0)
        os.write(program.master, b"q")
        for _ in range(100):  # read while it restores the terminal, or it blocks writing
            program.pump(0.1)
            if program.proc.poll() is not None:
                break
        program.pump(0.2)
    finally:
        program.close()
    out = bytes(program.output)
    assert program.proc.returncode == 0, out[-600:]
    assert b"\x1b]52" not in out and b"\x1b]0;" not in out and b"\x1b]2;" not in out
    assert b"\x1b[2J" not in out and b"\x1b[3J" not in out
    assert not re.search(rb"\xc2[\x80-\x9f]", out)  # no C1 control, UTF-8 encoded
    rest = POINTER_SHAPE.sub(b"", CSI.sub(b"", out))
    stray = re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", rest)  # \t \n \r are fine
    assert stray is None, rest[max(stray.start() - 80, 0) : stray.start() + 40]
    assert b"stale" in out and b"Traceback" not in out
