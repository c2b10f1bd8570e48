"""The replay's scrubber: start, cursor and end times, the timeline's events as marks."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text

from widgets.format import TONE_STYLE, clock_time
from widgets.text_line import TextLine
from widgets.theme import BAD_STRONG, CURRENT, EVENT, GOOD_STRONG, MUTED, STRONG, WARN_STRONG

if TYPE_CHECKING:
    from state.console import TimelineEntry

BAR_MIN = 10


class Scrubber(TextLine):
    """One line: 09:26:00 ├──┼───●──┼──┤ 10:14:33, then where the cursor is and how it plays.

    It takes the focus when the replay opens, on a click and on esc from a pane: with it
    focused, home and end go to the journal's start and end; a focused pane keeps them
    for its own first and last row.
    """

    can_focus = True

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
        end_said: str = "",
    ) -> None:
        """`end_said`: what is true of the journal's end, after the speed ("live", "live ·
        NOT RECORDING since …"); in the alarm style unless it is "live" alone."""
        width = max(self.content_size.width, 40)
        tail = f" {'▶' if playing else '❚❚'} {speed:g}x"
        said = f" · {end_said}" if end_said else ""
        at = f"  at {clock_time(cursor)}"
        head, last = f" {clock_time(start)} ", f" {clock_time(end)}"
        # the bar gives way, then the start and end times: the cursor, play state and speed
        # are what the commander reads, and are always whole
        fixed = cell_len(at) + cell_len(tail) + cell_len(said) + 2  # and the bar's ends, ├ ┤
        if width - fixed - cell_len(head) - cell_len(last) < BAR_MIN:
            head, last = " ", ""
        bar_w = max(width - fixed - cell_len(head) - cell_len(last), BAR_MIN)
        span = max((end - start).total_seconds(), 1e-9)

        def column(when: datetime) -> int:
            share = (when - start).total_seconds() / span
            return min(max(int(share * (bar_w - 1) + 0.5), 0), bar_w - 1)

        cells: list[tuple[str, str]] = [("─", MUTED)] * bar_w
        for mark in marks:
            cells[column(mark.at)] = ("┼", TONE_STYLE.get(mark.tone, "") or EVENT)
        cells[column(cursor)] = ("●", CURRENT)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(head, MUTED)
        text.append("├", MUTED)
        for char, style in cells:
            text.append(char, style)
        text.append("┤", MUTED)
        text.append(last, MUTED)
        text.append(at, STRONG)
        style = GOOD_STRONG if playing else WARN_STRONG
        text.append(tail, style)
        if said:
            text.append(said, style if end_said == "live" else BAD_STRONG)
        self.show_text(text)
