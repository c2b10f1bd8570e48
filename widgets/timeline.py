"""The Timeline pane: what happened, newest first, in words a person reads."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from widgets.format import TONE_STYLE, clock_time
from widgets.pane import Pane
from widgets.theme import MUTED

if TYPE_CHECKING:
    from state.console import ConsoleState


class TimelinePane(Pane):
    TITLE = "Timeline"

    def body(self, state: ConsoleState, now: datetime, width: int, height: int) -> Text:
        text = Text(overflow="fold")
        shown = [e for e in state.timeline if e.at <= now][-max(height, 1) :]
        if not shown:
            text.append("nothing yet", MUTED)
            return text
        for entry in reversed(shown):
            text.append(f"{clock_time(entry.at)} ", MUTED)
            text.append(
                entry.text, TONE_STYLE.get(entry.tone, "")
            )  # already made inert by the fold
            text.append("\n")
        text.rstrip()
        return text
