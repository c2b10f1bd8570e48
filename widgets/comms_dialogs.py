"""Dialogs for reaching people: a status update to chosen channels, an escalation to a level.

They get plain data (channel rows, template texts) from the caller; they never send.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static, TextArea

from state.guide.escalation import LEVEL_NAMES
from state.guide.severity import IncidentStatus
from state.text import inert
from widgets.modals import Dialog
from widgets.theme import STRONG, themed

if TYPE_CHECKING:
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


class UpdateScreen(Dialog):
    """Status, channels, and the texts prefilled from the guide's templates, editable."""

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
        with VerticalScroll(classes="dialog"):
            yield Label("Post a status update", classes="dialog-title")
            yield RadioSet(
                *(
                    RadioButton(Text(s.word), value=s is self.status, id=f"status-{s.value}")
                    for s in IncidentStatus
                ),
                id="status",
            )
            for index, row in enumerate(self.channels):  # names like "#incidents" are not ids
                label = Text(f"{inert(row.name)} ({row.kind}, {row.audience})")
                if not row.ready:
                    label.append(f": {inert(row.problem)}")
                yield Checkbox(
                    label,
                    value=row.preselected and row.ready,
                    disabled=not row.ready,
                    id=f"channel-{index}",
                    classes="channel",
                )
            yield Label("Public text (status page)")
            yield TextArea(public, id="public", classes="draft")
            yield Label("Internal text (Slack, PagerDuty)")
            yield TextArea(internal, id="internal", classes="draft")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Review", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        status = self._status()
        public, internal = self.texts(status)
        self.query_one("#public", TextArea).text = public
        self.query_one("#internal", TextArea).text = internal

    def _status(self) -> IncidentStatus:
        pressed = self.query_one("#status", RadioSet).pressed_button
        return (
            IncidentStatus(pressed.id.removeprefix("status-"))
            if pressed and pressed.id
            else self.status
        )

    def submit(self) -> None:
        chosen = tuple(
            row.name
            for index, row in enumerate(self.channels)
            if self.query_one(f"#channel-{index}", Checkbox).value
        )
        if not chosen:
            self.notify("Choose at least one channel", severity="warning")
            return
        self.dismiss(
            UpdateDraft(
                self._status(),
                chosen,
                self.query_one("#public", TextArea).text,
                self.query_one("#internal", TextArea).text,
            )
        )


@dataclass(frozen=True)
class EscalationDraft:
    level: int
    reason: str


class EscalateScreen(Dialog):
    """Choose a level 1-5 and say why; shows who each level reaches and over which channels."""

    AUTO_FOCUS = "#level"

    def __init__(
        self,
        level: int,
        reason: str,
        reach: Callable[[int], tuple[tuple[str, ...], tuple[str, ...]]],
    ) -> None:
        super().__init__()
        self.level, self.reason, self.reach = level, reason, reach

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Escalate", classes="dialog-title")
            yield RadioSet(
                *(
                    RadioButton(
                        Text(f"L{n} {LEVEL_NAMES[n]}"), value=n == self.level, id=f"level-{n}"
                    )
                    for n in LEVEL_NAMES
                ),
                id="level",
            )
            yield Static("", id="reach", classes="dialog-reason")
            yield Input(
                value=inert(self.reason), placeholder="why: what you need from them", id="reason"
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Review", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self._show_reach()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self._show_reach()

    def _level(self) -> int:
        pressed = self.query_one("#level", RadioSet).pressed_button
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
            self.notify("Say why you escalate", severity="warning")
            return
        self.dismiss(EscalationDraft(self._level(), reason))
