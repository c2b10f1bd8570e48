"""The replay's scrubber: start, cursor and end times, the timeline's events as marks."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from widgets.format import TONE_STYLE, clock_time
from widgets.text_line import TextLine

if TYPE_CHECKING:
    from state.console import TimelineEntry


class Scrubber(TextLine):
    """One line: 09:26:00 ├──┼───●──┼──┤ 10:14:33, then where the cursor is and how it plays."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)

    def show(
        self,
        start: datetime,
        end: datetime,
        cursor: datetime,
        marks: tuple[TimelineEntry, ...],
        playing: bool,
        speed: float,
        following: bool,
    ) -> None:
        width = max(self.content_size.width, 40)
        tail = f" {'▶' if playing else '❚❚'} {speed:g}x{' · live' if following else ''}"
        head = f" {clock_time(start)} "
        bar_w = max(width - len(head) - len(clock_time(end)) - len(tail) - 14, 10)
        span = max((end - start).total_seconds(), 1e-9)

        def column(when: datetime) -> int:
            share = (when - start).total_seconds() / span
            return min(max(int(share * (bar_w - 1) + 0.5), 0), bar_w - 1)

        cells: list[tuple[str, str]] = [("─", "dim")] * bar_w
        for mark in marks:
            cells[column(mark.at)] = ("┼", TONE_STYLE.get(mark.tone, "") or "white")
        cells[column(cursor)] = ("●", "bold reverse")
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(head, "dim")
        text.append("├", "dim")
        for char, style in cells:
            text.append(char, style)
        text.append("┤", "dim")
        text.append(f" {clock_time(end)}", "dim")
        text.append(f"  at {clock_time(cursor)}", "bold")
        text.append(tail, "bold green" if playing else "bold yellow")
        self.show_text(text)
