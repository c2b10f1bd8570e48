"""Dialogs for reaching people: a status update to chosen channels, an escalation to a level.

They get plain data (channel rows, template texts) from the caller; they never send.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static, TextArea

from state.guide.escalation import LEVEL_NAMES
from state.guide.severity import IncidentStatus
from state.text import inert
from widgets.choices import Choice, Choices, Tick
from widgets.modals import Dialog, problem_line
from widgets.text_field import TextField
from widgets.theme import STRONG, themed

if TYPE_CHECKING:
    from textual import events
    from textual.app import ComposeResult


@dataclass(frozen=True)
class ChannelRow:
    name: str
    kind: str  # slack, pagerduty, statuspage, sink
    audience: str  # internal or public
    preselected: bool
    ready: bool
    problem: str = ""


@dataclass(frozen=True)
class UpdateDraft:
    status: IncidentStatus
    channels: tuple[str, ...]
    public_text: str
    internal_text: str


class Draft(TextArea):
    """A text of the update, edited in place. Textual's TextArea wraps its text again when
    resized but repaints only if that changes its line count: a text wrapped on as many
    lines at the new width stayed drawn at the old one, cut at the dialog's edge."""

    def on_resize(self, event: events.Resize) -> None:  # after TextArea's own _on_resize
        self.refresh()


class UpdateScreen(Dialog):
    """Status, channels, and the texts prefilled from the guide's templates, editable.

    It fits 80x24 as well as 120x40: the status on one line, the channels two to a line, the
    two texts sharing the rest. Enter in a text is a new line; ctrl+s (on the button), or
    Enter on the status or a channel, goes on to the review, which previews both texts.
    """

    AUTO_FOCUS = "#status"

    def __init__(
        self,
        status: IncidentStatus,
        channels: list[ChannelRow],
        texts: Callable[[IncidentStatus], tuple[str, str]],
    ) -> None:
        super().__init__()
        self.status, self.channels, self.texts = status, channels, texts

    def compose(self) -> ComposeResult:
        public, internal = self.texts(self.status)
        with Vertical(classes="dialog update"):
            yield Label("Post a status update", classes="dialog-title")
            yield Choices(
                *(
                    Choice(Text(s.word), value=s is self.status, id=f"status-{s.value}")
                    for s in IncidentStatus
                ),
                id="status",
                classes="across",
                compact=True,
            )
            with Grid(classes="channels"):
                for index, row in enumerate(self.channels):  # names like "#incidents" are not ids
                    # the audience says which text it gets; the name says what it is
                    label = Text(f"{inert(row.name)} ({row.audience})")
                    if not row.ready:
                        label.append(f": {inert(row.problem)}")
                    yield Tick(
                        label,
                        value=row.preselected and row.ready,
                        disabled=not row.ready,
                        id=f"channel-{index}",
                        classes="channel",
                        compact=True,
                    )
            yield Label("Internal update (Slack, PagerDuty)")
            yield Draft(internal, id="internal", classes="draft", compact=True)
            yield Label("Public text (status page)")
            yield Draft(public, id="public", classes="draft", compact=True)
            yield problem_line()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Review (ctrl+s)", variant="primary", id="ok", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_radio_set_changed(self, event: Choices.Changed) -> None:
        status = self._status()
        public, internal = self.texts(status)
        self.query_one("#public", TextArea).text = public
        self.query_one("#internal", TextArea).text = internal

    def _status(self) -> IncidentStatus:
        pressed = self.query_one("#status", Choices).pressed_button
        return (
            IncidentStatus(pressed.id.removeprefix("status-"))
            if pressed and pressed.id
            else self.status
        )

    def submit(self) -> None:
        chosen = tuple(
            row.name
            for index, row in enumerate(self.channels)
            if self.query_one(f"#channel-{index}", Tick).value
        )
        if not chosen:
            self.say("Choose at least one channel: nothing was sent")
            return
        self.dismiss(
            UpdateDraft(
                self._status(),
                chosen,
                self.query_one("#public", TextArea).text,
                self.query_one("#internal", TextArea).text,
            )
        )


def update_preview(draft: UpdateDraft, rows: list[ChannelRow]) -> str:
    """What the confirmation shows: every channel, then each text in full, with its line
    breaks, under the channels it goes to (internal ones get the internal update, public
    ones the status-page text)."""
    lines = [f"To: {', '.join(draft.channels)}"]
    for audience, heading, body in (
        ("internal", "Internal update", draft.internal_text),
        ("public", "Public status page text", draft.public_text),
    ):
        names = [r.name for r in rows if r.audience == audience and r.name in draft.channels]
        if names:
            lines += ["", f"{heading}, to {', '.join(names)}:", body.rstrip("\n")]
    return "\n".join(lines)


@dataclass(frozen=True)
class EscalationDraft:
    level: int
    reason: str


class EscalateScreen(Dialog):
    """Choose a level 1-5 and say why; shows who each level reaches and over which channels.

    `due`: opened by the guide's escalation timer, not a key; its title says so (a toast
    saying it would cover the dialog's buttons on an 80x24 terminal)."""

    AUTO_FOCUS = "#level"

    def __init__(
        self,
        level: int,
        reason: str,
        reach: Callable[[int], tuple[tuple[str, ...], tuple[str, ...]]],
        due: bool = False,
    ) -> None:
        super().__init__()
        self.level, self.reason, self.reach, self.due = level, reason, reach, due

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            title = "Escalate: the guide says now" if self.due else "Escalate"
            yield Label(title, classes="dialog-title")
            yield Choices(
                *(
                    Choice(Text(f"L{n} {LEVEL_NAMES[n]}"), value=n == self.level, id=f"level-{n}")
                    for n in LEVEL_NAMES
                ),
                id="level",
            )
            yield Static("", id="reach", classes="dialog-reason")
            yield TextField(
                value=inert(self.reason), placeholder="why: what you need from them", id="reason"
            )
            yield problem_line()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Review", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self._show_reach()

    def on_radio_set_changed(self, event: Choices.Changed) -> None:
        self._show_reach()

    def _level(self) -> int:
        pressed = self.query_one("#level", Choices).pressed_button
        return int(pressed.id.removeprefix("level-")) if pressed and pressed.id else self.level

    def _show_reach(self) -> None:
        contacts, channels = self.reach(self._level())
        text = Text()
        text.append("Contacts: ", STRONG)
        text.append(", ".join(map(inert, contacts)) or "none configured")
        text.append("\nChannels: ", STRONG)
        text.append(
            ", ".join(map(inert, channels)) or "none configured: the escalation is journaled only"
        )
        self.query_one("#reach", Static).update(themed(text))

    def submit(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.say("Say why you escalate: the reason goes with the page")
            self.query_one("#reason").focus()
            return
        self.dismiss(EscalationDraft(self._level(), reason))
