"""The journal's alarm on a screen that covers the console's header: the help (`?`),
Investigate (`g`) and the runbook (`b`) fill the terminal, and a commander reading them for
minutes must still see that what happens is not being recorded (widgets/header.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Static

if TYPE_CHECKING:
    from rich.text import Text


class JournalAlarm(Static):
    """One line docked at the top of its screen, shown only while there is something to say:
    the header's own alarm or warning line (`header.alarm_line`), set by the console."""

    DEFAULT_CSS = """
    JournalAlarm {
        dock: top;
        height: 1;
        display: none;
    }
    """

    def say(self, line: Text | None) -> None:
        """Show `line`, or nothing (None): the journal takes everything again."""
        if line is None:
            if self.display:
                self.display = False
            return
        self.update(line)
        self.display = True
