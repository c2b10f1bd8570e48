"""`?`: every key the console has, by section, and how to move in a dialog."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from widgets.journal_alarm import JournalAlarm
from widgets.modals import Dialog
from widgets.theme import MUTED, STRONG, themed

if TYPE_CHECKING:
    from textual.app import ComposeResult

# how every dialog moves: Textual's focus keys and the dialogs' own (widgets/modals.py)
DIALOG_KEYS: tuple[tuple[str, str], ...] = (
    ("tab", "Next field or button"),
    ("shift+tab", "Previous field or button"),
    ("enter", "Press the focused button; in a field, the dialog's safe primary action"),
    ("↑ ↓", "Choose among options: a severity, a status, a role, a level"),
    ("ctrl+s", "Submit from a text of several lines (a status update), where Enter is a new line"),
    ("y", "Yes, in a confirmation, which opens on Cancel"),
    ("esc", "Cancel and close the dialog: nothing is done"),
)
IN_A_DIALOG = "In a dialog"


def help_rows(
    sections: list[tuple[str, list[tuple[str, str]]]],
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Help's sections: the console's keys, then how to move in a dialog."""
    return [*sections, (IN_A_DIALOG, list(DIALOG_KEYS))]


class HelpScreen(Dialog):
    """Every key and what it does, by section; it scrolls where the terminal is short (the
    arrows, PageUp/PageDown, Home/End), and Escape or `?` closes it."""

    AUTO_FOCUS = "#help-keys"
    BINDINGS = [Binding("question_mark", "cancel", "Close", show=False, id="help.close")]

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.sections = help_rows(sections)

    @property
    def keys(self) -> list[tuple[str, str]]:
        """Every (key, what it does) row, in order."""
        return [row for _, rows in self.sections for row in rows]

    def on_screen_resume(self) -> None:
        """Opened (again: the console keeps it, tui/view.py): from the top, as a new one."""
        self.query_one("#help-keys").scroll_home(animate=False)

    def compose(self) -> ComposeResult:
        # the box is 96% of the terminal, less its border, padding and scrollbar; a
        # description wraps under itself, not under the keys
        box = self.app.size.width * 96 // 100 - 6
        text = Text()
        for section, rows in self.sections:
            width = max(len(key) for key, _ in rows)
            text.append(f"{section}\n", STRONG)
            for key, does in rows:
                text.append(f"  {key:<{width}}  ", STRONG)
                hang = "\n" + " " * (width + 4)
                text.append(hang.join(textwrap.wrap(does, max(box - width - 4, 20))) + "\n")
        text.append(
            "Panes say 'stale' with the age and reason when a probe fails. Everything you do "
            "is written to the journal before it is shown.",
            MUTED,
        )
        yield JournalAlarm()
        with Vertical(classes="dialog help"):
            yield Label(Text("warroom keys  (esc or ? closes)"), classes="dialog-title")
            with VerticalScroll(id="help-keys", classes="help-keys"):
                yield Static(themed(text))
