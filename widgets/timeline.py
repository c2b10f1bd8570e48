"""The Timeline pane: what happened, newest first, in words a person reads.

Focused (`5`), it scrolls back through older entries: Down and Up by one, PageDown and PageUp
by a pane, End to the oldest, Home back to the newest. Scrolled back, it holds still on the
entries it shows while new ones arrive, and says how many newer ones are above; live and in
replay alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding

from widgets.format import TONE_STYLE, clock_time
from widgets.pane import Pane
from widgets.theme import MUTED, STRONG

if TYPE_CHECKING:
    from state.console import ConsoleState


class TimelinePane(Pane):
    TITLE = "Timeline"
    can_focus = True
    BINDINGS = [
        Binding("down", "older(1)", "Older", show=False, id="timeline.older"),
        Binding("up", "older(-1)", "Newer", show=False, id="timeline.newer"),
        Binding("pagedown", "older_page(1)", "Older page", show=False, id="timeline.older_page"),
        Binding("pageup", "older_page(-1)", "Newer page", show=False, id="timeline.newer_page"),
        Binding("end", "oldest", "Oldest", show=False, id="timeline.oldest"),
        Binding("home", "newest", "Newest", show=False, id="timeline.newest"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        # the index of the newest entry shown, counted from the oldest; None follows the
        # newest. An index, not a distance from the newest: new entries leave it in place
        self.pinned: int | None = None
        self._count = 0  # entries up to now, as last drawn
        self._rows = 1  # entries the pane had room for, as last drawn
        self._height = 1  # lines the pane had, as last drawn

    def body(self, state: ConsoleState, now: datetime, width: int, height: int) -> Text:
        text = Text(overflow="fold")
        entries = [e for e in state.timeline if e.at <= now]
        self._count, self._height = len(entries), height
        if not entries:
            text.append("nothing yet", MUTED)
            return text
        newest = len(entries) - 1 if self.pinned is None else min(self.pinned, len(entries) - 1)
        newer = len(entries) - 1 - newest
        rows = max(height - (1 if newer else 0), 1)  # the line saying what is above
        self._rows = rows
        if newer:
            text.append(f"▲ {newer} newer", STRONG)
            text.append(" · Home: newest · ↓ PgDn End: older\n", MUTED)
        for entry in reversed(entries[max(newest - rows + 1, 0) : newest + 1]):
            text.append(f"{clock_time(entry.at)} ", MUTED)
            # already made inert by the fold
            text.append(entry.text, TONE_STYLE.get(entry.tone, ""))
            text.append("\n")
        text.rstrip()
        return text

    def _newest_shown(self) -> int:
        return self._count - 1 if self.pinned is None else min(self.pinned, self._count - 1)

    def _move_to(self, newest: int) -> None:
        # scrolled back, a line says what is above: the oldest page is one entry shorter
        oldest_page = max(self._height - 1, 1) - 1
        newest = max(newest, oldest_page)
        self.pinned = None if newest >= self._count - 1 else newest
        self._body = None
        if self._seen:
            self.show(*self._seen)

    def action_older(self, entries: int) -> None:
        self._move_to(self._newest_shown() - entries)

    def action_older_page(self, pages: int) -> None:
        self.action_older(pages * max(self._rows - 1, 1))

    def action_oldest(self) -> None:
        self._move_to(0)

    def action_newest(self) -> None:
        self._move_to(self._count - 1)
