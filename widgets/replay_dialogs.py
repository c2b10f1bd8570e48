"""The replay's dialog: go to a time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from widgets.modals import Dialog

if TYPE_CHECKING:
    from textual.app import ComposeResult


def parse_time(text: str, day: datetime) -> datetime | None:
    """HH:MM:SS (or HH:MM) on the replayed day, or an ISO 8601 instant (UTC if no zone)."""
    text = text.strip()
    for fmt in ("%H:%M:%S", "%H:%M"):
        try:
            clock = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return day.replace(hour=clock.hour, minute=clock.minute, second=clock.second, microsecond=0)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


class GoToScreen(Dialog):
    AUTO_FOCUS = "#when"

    def __init__(self, cursor: datetime) -> None:
        super().__init__()
        self.cursor = cursor

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Go to a time (HH:MM:SS, or ISO 8601; UTC)", classes="dialog-title")
            yield Input(value=f"{self.cursor:%H:%M:%S}", id="when")
            yield Static("", id="problem", classes="dialog-reason")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Go", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def submit(self) -> None:
        when = parse_time(self.query_one("#when", Input).value, self.cursor)
        if when is None:
            self.query_one("#problem", Static).update("not a time: use HH:MM:SS or ISO 8601")
            return
        self.dismiss(when)
