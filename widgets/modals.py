"""Modal dialogs: declare, change severity, add a note, confirm.

Every dialog cancels with Escape. Where its primary action is safe (declare, a note, a role,
a severity, or a Review that leads to a confirmation), Enter on any field submits it: an
input, a choice or a checkbox; a multi-line field takes Enter as a new line and submits with
ctrl+s, which its button shows. A confirmation of something that changes production or
reaches people keeps the focus on Cancel: its primary button is one shift+Tab away, or `y`,
which the button shows. Keys typed while a dialog opens go to it (type-ahead).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from state.guide.severity import Severity
from state.text import inert, inert_lines
from widgets.choices import Choice, Choices, Tick
from widgets.text_field import TextField

if TYPE_CHECKING:
    from textual.app import App, ComposeResult


class Dialog(ModalScreen):
    """A centred box that Escape dismisses with None (or False for a confirmation).

    Where its primary action is `SAFE` (nothing changes until a confirmation, or what changes
    is the incident's own record), Enter in any of its inputs, choices or checkboxes submits,
    as its OK button does, and ctrl+s submits from anywhere, a multi-line field included. What
    has the focus when it opens is `AUTO_FOCUS` (a selector): Cancel unless the dialog names
    another widget. `say()` answers input that cannot be taken, in the dialog itself.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("ctrl+s", "submit_safe", "Submit", show=False, id="dialog.submit"),
    ]
    speaking = False  # saying its own problem as a toast: shown over it (tui/toasts.py)
    AUTO_FOCUS = "#cancel"
    CANCEL_RESULT: object = None
    SAFE = True

    def __init__(self) -> None:
        super().__init__()
        self._early: list[events.Key] = []
        self._abandoned = False  # its asker is gone: closed once it is on top again

    def action_cancel(self) -> None:
        self.dismiss(self.CANCEL_RESULT)

    def abandon(self) -> None:
        """Nobody awaits its answer any more (the worker that asked was cancelled: another
        action's key, an automatic prompt, quitting): close it, now if it is on top, else
        as soon as it is again. Left open, its yes went nowhere: nothing was done, and
        nothing said so."""
        try:
            if self not in self.app.screen_stack:
                return  # answered, and closed
        except Exception:  # the app is gone (its exit cancelled the worker): nothing to close
            return
        if self.is_active:
            self.app.pop_screen()  # its answer's future is left unset: nobody reads it
        else:
            self._abandoned = True

    def on_screen_resume(self) -> None:
        if self._abandoned and self.is_active:
            self.app.pop_screen()

    def action_submit_safe(self) -> None:
        if self.SAFE:
            self.submit()

    def _forward_event(self, event: events.Event) -> None:
        """Type-ahead: a key pressed after `n` but before the dialog has focused its field
        reaches the screen (Textual sends keys to the screen when nothing has the focus) and
        would be lost. Keep it for the field the dialog focuses."""
        if isinstance(event, events.Key) and not event.is_forwarded and self.focused is None:
            event._set_forwarded()
            self._early.append(event)
            if len(self._early) == 1:
                self.call_after_refresh(self._replay_early, EARLY_TRIES)
            return
        super()._forward_event(event)

    def _replay_early(self, tries: int) -> None:
        """Once the dialog is composed and has focused its field (a few refreshes at most),
        hand it the keys kept for it, in order."""
        if self.focused is None:
            self._update_auto_focus()
        target = self.focused
        if target is None and tries > 1:
            self.call_after_refresh(self._replay_early, tries - 1)
            return
        keys, self._early = self._early, []
        if target is None:  # nothing to type into: the keys go nowhere, as before
            return
        for key in keys:
            target._forward_event(events.Key(key.key, key.character))

    def say(self, problem: str) -> None:
        """Why nothing happened, in the dialog's `#problem` line (and as a toast if it has
        none): the commander's input is kept, to be corrected."""
        found = self.query("#problem")
        if found:
            line = found.first(Static)
            line.update(Text(problem))
            line.add_class("-said")
        else:  # about this dialog: shown over it (tui/toasts.py holds the others)
            self.speaking = True
            try:
                self.notify(problem, severity="warning", markup=False)
            finally:
                self.speaking = False

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.SAFE:
            self.submit()

    def on_choices_entered(self, event: Choices.Entered) -> None:
        event.stop()
        if self.SAFE:
            self.submit()
        elif isinstance(event.field, Tick):  # a confirmation's option: Enter ticks it
            event.field.toggle()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "cancel":
            self.action_cancel()
        else:
            self.submit()

    def submit(self) -> None:
        """Take the dialog's input and dismiss it with its result; by default nothing to
        take (help, a menu, a score card: their buttons and options close them)."""


EARLY_TRIES = 20  # refreshes a dialog gets to focus its field before early keys are dropped


async def ask(app: App, dialog: Dialog) -> Any:
    """`dialog`'s answer (`app.push_screen_wait`, from a worker), the dialog closed however
    the wait ends: a worker cancelled while its dialog was open left the dialog on screen,
    and its yes, or a draft's Send, did nothing (`Dialog.abandon`)."""
    try:
        return await app.push_screen_wait(dialog)
    finally:
        dialog.abandon()


def problem_line() -> Static:
    """Where a dialog says why it did not submit (`Dialog.say`)."""
    return Static("", id="problem", classes="dialog-problem")


def _severity_choices(selected: Severity) -> Choices:
    buttons = [Choice(Text(s.label), value=(s is selected), id=f"sev-{s.value}") for s in Severity]
    return Choices(*buttons, id="severity", classes="across")


def _chosen(radio: Choices) -> Severity:
    pressed = radio.pressed_button
    return Severity(pressed.id.removeprefix("sev-")) if pressed and pressed.id else Severity.P3


class DeclareScreen(Dialog):
    """Declare an incident with the suggested severity preselected and its reason shown:
    `d` then Enter declares it."""

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
            yield TextField(value=inert(self.default_title), id="title")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Declare", variant="error", id="ok")
                yield Button("Cancel", id="cancel")

    def submit(self) -> None:
        severity = _chosen(self.query_one("#severity", Choices))
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
            yield TextField(placeholder="reason for the change", id="reason")
            yield problem_line()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Change", variant="warning", id="ok")
                yield Button("Cancel", id="cancel")

    def submit(self) -> None:
        severity = _chosen(self.query_one("#severity", Choices))
        reason = self.query_one("#reason", Input)
        if severity is self.current:
            self.say(f"{severity.label} is the severity already: choose another, or Escape")
            self.query_one("#severity").focus()
        elif not reason.value.strip():
            self.say("Say why it changes: the reason goes on the timeline and in the review")
            reason.focus()
        else:
            self.dismiss((severity, reason.value.strip()))


class NoteScreen(Dialog):
    """Add a note to the timeline."""

    AUTO_FOCUS = "#note"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Add a note to the timeline", classes="dialog-title")
            yield TextField(placeholder="what you saw, decided or did", id="note")
            yield problem_line()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def submit(self) -> None:
        text = self.query_one("#note", Input).value.strip()
        if text:
            self.dismiss(text)
        else:
            self.say("The note is empty: nothing was added (Escape closes)")


@dataclass(frozen=True)
class Confirmed:
    """What a confirmation returns when the commander says yes: a live confirmation's
    `subject` too, what its facts were about as yes was pressed (`Look.subject`)."""

    dry_run: bool = False
    subject: object = None


class ConfirmScreen(Dialog):
    """Yes or no about one exact thing; Cancel has the focus, Escape cancels (None).

    Yes is one shift+Tab (or Tab) from Cancel, or `y`; Enter presses the focused button,
    Cancel unless the commander moved. A long message scrolls (Up, Down, PageUp, PageDown),
    the buttons stay in view.
    """

    BINDINGS = [
        Binding("y", "confirm", "Yes", show=False, id="dialog.confirm"),
        # the message scrolls from the buttons: focus stays on Cancel, one Tab from yes
        Binding("down", "scroll(1)", "Scroll", show=False, id="dialog.scroll_down"),
        Binding("up", "scroll(-1)", "Scroll", show=False, id="dialog.scroll_up"),
        Binding("pagedown", "scroll(8)", "Scroll", show=False, id="dialog.page_down"),
        Binding("pageup", "scroll(-8)", "Scroll", show=False, id="dialog.page_up"),
    ]
    SAFE = False

    def __init__(self, title: str, message: str, confirm: str, offer_dry_run: bool = False) -> None:
        super().__init__()
        self.title_text, self.message, self.confirm = title, message, confirm
        self.offer_dry_run = offer_dry_run

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog confirm"):
            yield Label(Text(inert(self.title_text)), classes="dialog-title")
            with VerticalScroll(classes="dialog-body", can_focus=False):
                yield Static(Text(inert_lines(self.message)), classes="dialog-reason")
            if self.offer_dry_run:
                yield Tick("Server-side dry run (dryRun=All): change nothing", id="dry-run")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Text(f"{self.confirm} (y)"), variant="error", id="ok")
                yield Button("Cancel", id="cancel")

    def action_confirm(self) -> None:
        self.submit()

    def reword(self, title: str, message: str, confirm: str) -> None:
        """Say the question as it stands now (what it is about changed while it was open)."""
        if (title, message, confirm) == (self.title_text, self.message, self.confirm):
            return
        self.title_text, self.message, self.confirm = title, message, confirm
        if self.is_mounted:
            self.query_one(".dialog-title", Label).update(Text(inert(title)))
            self.query_one(".dialog-reason", Static).update(Text(inert_lines(message)))
            self.query_one("#ok", Button).label = Text(f"{confirm} (y)")

    def action_scroll(self, lines: int) -> None:
        self.query_one(".dialog-body", VerticalScroll).scroll_relative(y=lines, animate=False)

    def submit(self) -> None:
        dry = self.query("#dry-run")
        self.dismiss(Confirmed(dry_run=bool(dry) and dry.first(Tick).value, subject=self.subject()))

    def subject(self) -> object:
        """What yes is said about, beyond the words (None: the words say it all)."""
        return None


@dataclass(frozen=True)
class Look:
    """What a live confirmation shows now: its `message` (the facts), `as_of` (how old they
    are: a line that changes every second), and why it can no longer be confirmed (None: it
    can). `subject`: the very things the facts name, never drawn (the pods named, with their
    uids), handed back in `Confirmed` as yes is pressed, so the act is on what was read."""

    message: str
    as_of: str = ""
    refusal: str | None = None
    subject: object = None


class LiveConfirmScreen(ConfirmScreen):
    """A confirmation of a destructive act on something that changes while it is open (a
    backend that blocks 3 sessions, then 5, then ends): the current truth, never the truth
    of when it opened.

    `look()` says it now (`Look`); the dialog looks again every `EVERY` seconds and as yes
    is pressed. A refusal disables yes and says why. Facts (`Look.message`) that changed as
    yes was pressed, since they were last drawn, are drawn and asked about again: what the
    commander confirms is what they read. `Look.as_of` moves freely (an age, a service's
    latest numbers) and is never asked about again.
    """

    EVERY = 0.25  # seconds: a sample lands at most this long before it is drawn

    def __init__(
        self, title: str, look: Callable[[], Look], confirm: str, offer_dry_run: bool = False
    ) -> None:
        self.look = look
        self.seen = look()
        super().__init__(title, self._text(self.seen), confirm, offer_dry_run)

    @staticmethod
    def _text(seen: Look) -> str:
        return f"{seen.message}\n{seen.as_of}" if seen.as_of else seen.message

    def on_mount(self) -> None:
        self.query_one(".dialog").mount(problem_line(), before=self.query_one(".dialog-buttons"))
        self.call_after_refresh(self._show, self.seen, True)
        self.looking = self.set_interval(self.EVERY, self.look_again, name="look-again")

    def look_again(self) -> bool:
        """Look now and draw what changed; whether the facts (not their age) changed."""
        seen = self.look()
        changed = (seen.message, seen.refusal) != (self.seen.message, self.seen.refusal)
        if seen != self.seen:
            self._show(seen)
        return changed

    def _show(self, seen: Look, first: bool = False) -> None:
        refused = seen.refusal != self.seen.refusal
        self.seen = seen
        self.message = self._text(seen)
        self.query_one(".dialog-reason", Static).update(Text(inert_lines(self.message)))
        if refused or first:  # else what `say` said stays
            self.query_one("#ok", Button).disabled = seen.refusal is not None
            problem = self.query_one("#problem", Static)
            problem.update(Text(seen.refusal or ""))
            problem.set_class(seen.refusal is not None, "-said")

    def submit(self) -> None:
        if self.look_again() and self.seen.refusal is None:
            self.say("It changed as you pressed yes: read it again, then confirm")
            return
        if self.seen.refusal is not None:
            self.say(self.seen.refusal)
            return
        super().submit()

    def subject(self) -> object:
        return self.seen.subject


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
