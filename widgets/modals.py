"""Modal dialogs: declare, change severity, add a note, confirm.

Every dialog cancels with Escape and submits with Enter in an input. A confirmation's default
focus is Cancel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static

from state.guide.severity import Severity
from state.text import inert, inert_lines

if TYPE_CHECKING:
    from textual.app import ComposeResult


class Dialog(ModalScreen):
    """A centred box that Escape dismisses with None (or False for a confirmation).

    Enter in any of its inputs submits, as its OK button does. What has the focus when it
    opens is `AUTO_FOCUS` (a selector): Cancel unless the dialog names another widget.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]
    AUTO_FOCUS = "#cancel"
    CANCEL_RESULT: object = None

    def action_cancel(self) -> None:
        self.dismiss(self.CANCEL_RESULT)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "cancel":
            self.action_cancel()
        else:
            self.submit()

    def submit(self) -> None:
        raise NotImplementedError


def _severity_choices(selected: Severity) -> RadioSet:
    buttons = [
        RadioButton(Text(s.label), value=(s is selected), id=f"sev-{s.value}") for s in Severity
    ]
    return RadioSet(*buttons, id="severity")


def _chosen(radio: RadioSet) -> Severity:
    pressed = radio.pressed_button
    return Severity(pressed.id.removeprefix("sev-")) if pressed and pressed.id else Severity.P3


class DeclareScreen(Dialog):
    """Declare an incident with the suggested severity preselected and its reason shown."""

    AUTO_FOCUS = "#severity"

    def __init__(self, suggested: Severity, reason: str, title: str) -> None:
        super().__init__()
        self.suggested, self.reason, self.default_title = suggested, reason, title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Declare an incident", classes="dialog-title")
            yield Static(
                Text(f"Suggested {self.suggested.label}: {inert(self.reason)}"),
                classes="dialog-reason",
            )
            yield _severity_choices(self.suggested)
            yield Label("Title")
            yield Input(value=inert(self.default_title), id="title")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Declare", variant="error", id="ok")
                yield Button("Cancel", id="cancel")

    def submit(self) -> None:
        severity = _chosen(self.query_one("#severity", RadioSet))
        title = self.query_one("#title", Input).value.strip() or self.default_title
        self.dismiss((severity, title))


class SeverityScreen(Dialog):
    """Change the incident's severity, saying why."""

    AUTO_FOCUS = "#severity"

    def __init__(self, current: Severity, suggested: Severity, reason: str) -> None:
        super().__init__()
        self.current, self.suggested, self.reason = current, suggested, reason

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(f"Change severity (now {self.current.label})"), classes="dialog-title")
            yield Static(
                Text(f"Signals suggest {self.suggested.label}: {inert(self.reason)}"),
                classes="dialog-reason",
            )
            yield _severity_choices(self.current)
            yield Label("Why")
            yield Input(placeholder="reason for the change", id="reason")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Change", variant="warning", id="ok")
                yield Button("Cancel", id="cancel")

    def submit(self) -> None:
        severity = _chosen(self.query_one("#severity", RadioSet))
        reason = self.query_one("#reason", Input).value.strip()
        self.dismiss((severity, reason) if severity is not self.current else None)


class NoteScreen(Dialog):
    """Add a note to the timeline."""

    AUTO_FOCUS = "#note"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Add a note to the timeline", classes="dialog-title")
            yield Input(placeholder="what you saw, decided or did", id="note")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def submit(self) -> None:
        text = self.query_one("#note", Input).value.strip()
        self.dismiss(text or None)


@dataclass(frozen=True)
class Confirmed:
    """What a confirmation returns when the commander says yes."""

    dry_run: bool = False


class ConfirmScreen(Dialog):
    """Yes or no about one exact thing; Cancel has the focus, Escape cancels (None)."""

    def __init__(self, title: str, message: str, confirm: str, offer_dry_run: bool = False) -> None:
        super().__init__()
        self.title_text, self.message, self.confirm = title, message, confirm
        self.offer_dry_run = offer_dry_run

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(inert(self.title_text)), classes="dialog-title")
            yield Static(Text(inert_lines(self.message)), classes="dialog-reason")
            if self.offer_dry_run:
                yield Checkbox("Server-side dry run (dryRun=All): change nothing", id="dry-run")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Text(self.confirm), variant="error", id="ok")
                yield Button("Cancel", id="cancel")

    def submit(self) -> None:
        dry = self.query("#dry-run")
        self.dismiss(Confirmed(dry_run=bool(dry) and dry.first(Checkbox).value))


class NoticeScreen(Dialog):
    """Something a person must read before acting, with nothing to confirm: Close only."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text, self.message = title, message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(inert(self.title_text)), classes="dialog-title")
            yield Static(Text(inert_lines(self.message)), classes="dialog-reason")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", id="cancel")
