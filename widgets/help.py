"""`?`: every key the console has, by section, and how to move in a dialog."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from rich.text import Text
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Static

from widgets.modals import Dialog
from widgets.theme import MUTED, STRONG, themed

if TYPE_CHECKING:
    from textual.app import ComposeResult

# how every dialog moves: Textual's focus keys and the dialogs' own (widgets/modals.py)
DIALOG_KEYS: tuple[tuple[str, str], ...] = (
    ("tab", "Next field or button"),
    ("shift+tab", "Previous field or button"),
    ("enter", "Press the focused button; in a field, the dialog's safe primary action"),
    ("esc", "Cancel and close the dialog: nothing is done"),
)
IN_A_DIALOG = "In a dialog"


def help_rows(
    sections: list[tuple[str, list[tuple[str, str]]]],
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Help's sections: the console's keys, then how to move in a dialog."""
    return [*sections, (IN_A_DIALOG, list(DIALOG_KEYS))]


class HelpScreen(Dialog):
    """Every key and what it does, by section; it scrolls where the terminal is short."""

    AUTO_FOCUS = "#help-keys"

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.sections = help_rows(sections)

    @property
    def keys(self) -> list[tuple[str, str]]:
        """Every (key, what it does) row, in order."""
        return [row for _, rows in self.sections for row in rows]

    def compose(self) -> ComposeResult:
        width = max((len(key) for key, _ in self.keys), default=1)
        # the box is 100 columns, or 96% of a narrower terminal; less its border, padding,
        # scrollbar and the key column: a description wraps under itself, not under the keys
        room = max(min(100, self.app.size.width * 96 // 100) - 8 - width - 4, 20)
        text = Text()
        for i, (section, rows) in enumerate(self.sections):
            text.append(f"{'' if i == 0 else chr(10)}{section}\n", STRONG)
            for key, does in rows:
                text.append(f"  {key:>{width}}  ", STRONG)
                hang = "\n" + " " * (width + 4)
                text.append(hang.join(textwrap.wrap(does, room)) + "\n")
        text.append("\nPanes show 'stale' with the age and reason when a probe fails.\n", MUTED)
        text.append("Everything you do is written to the journal before it is shown.", MUTED)
        with Vertical(classes="dialog help"):
            yield Label("warroom keys", classes="dialog-title")
            with VerticalScroll(id="help-keys", classes="help-keys"):
                yield Static(themed(text))
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", id="cancel")
