"""A drill's end: closing the score card, with Escape too, prints the card on the terminal as
plain text, with the journal's path, so a trainee never loses it."""

from __future__ import annotations

import re

import pytest

from tests.pty_console import PtyProgram, warroom
from tui.environment import DATA_DIR

LEAVE_SCREEN = b"\x1b[?1049l"  # the alternate screen ends: what follows stays in the terminal
MODES = re.compile(r"\x1b\[[?>]?[0-9;]*[hlu]")


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
def test_escape_on_the_score_card_prints_it(tmp_path, size) -> None:
    journal = tmp_path / "drill.warroom"
    program = PtyProgram(
        warroom("drill", "service-down", "--journal", str(journal), "--speed", "20"),
        size,
        {DATA_DIR: str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)},
    )
    try:
        program.wait_for(b"Running", timeout=60)
        program.send(b"q")
        program.wait_for(b"End the drill?", timeout=40)
        program.send(b"\t\r")  # from Cancel to "End and score"
        program.wait_for(b"Drill score card", timeout=40)
        program.send(b"\x1b")  # Escape: the card closes, the drill ends
        assert program.wait_exit(40) == 0
    finally:
        program.close()
    after = bytes(program.output).rsplit(LEAVE_SCREEN, 1)[1].decode()
    after = MODES.sub("", after)  # Textual handing back the terminal's modes (mouse, cursor)
    lines = [line.rstrip() for line in after.replace("\r", "").splitlines() if line.strip()]
    assert lines[0] == "Drill score card: service-down"
    assert ["MILESTONE", "TOOK", "TARGET", "VERDICT", "POINTS"] in [line.split() for line in lines]
    assert any(line.startswith("Score ") and "Grade " in line for line in lines)
    assert lines[-1] == f"journal: {journal}"
    assert "\x1b[" not in "\n".join(lines)  # plain text: no colour, no cursor moves
