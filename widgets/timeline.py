"""The Timeline pane: what happened, newest first, in words a person reads.

Every entry is reachable: focused (key 5), up/down, page up/down and ctrl+home/end scroll
it, as the mouse wheel does. Only the entries in view are composed, so a session of
thousands costs no more to draw than one of ten. Scrolled back, the view holds on the same
entries while new ones arrive above it; the border says which are in view ("13–24 of 300").
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding, BindingType

from widgets.format import TONE_STYLE, clock_time
from widgets.pane import Pane
from widgets.theme import MUTED

if TYPE_CHECKING:
    from textual import events
    from textual.widget import Widget

    from state.console import ConsoleState

WHEEL = 3  # entries per step of the mouse wheel
TIME_W = 9  # "09:26:00 " before each entry


class TimelinePane(Pane):
    TITLE = "Timeline"
    can_focus = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "scroll(-1)", "Newer", show=False, id="timeline.newer"),
        Binding("down", "scroll(1)", "Older", show=False, id="timeline.older"),
        Binding("pageup", "page(-1)", "Page newer", show=False, id="timeline.page_newer"),
        Binding("pagedown", "page(1)", "Page older", show=False, id="timeline.page_older"),
        Binding("ctrl+home", "edge(0)", "Newest", show=False, id="timeline.newest"),
        Binding("ctrl+end", "edge(1)", "Oldest", show=False, id="timeline.oldest"),
        Binding("home", "edge(0)", "Newest", show=False, id="timeline.home"),
        Binding("end", "edge(1)", "Oldest", show=False, id="timeline.end"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.skip = 0  # entries newer than the first one in view: 0 follows the newest
        self._count = 0  # entries there were at the last draw
        self._title = Text(self.TITLE)

    def focus_target(self) -> Widget | None:
        return self

    def body(self, state: ConsoleState, now: datetime, width: int, height: int) -> Text:
        text = Text(overflow="fold")
        entries = [e for e in state.timeline if e.at <= now]
        if self.skip and len(entries) > self._count:  # scrolled back: hold on what is in view
            self.skip += len(entries) - self._count
        self._count = len(entries)
        room = max(height, 1)
        self.skip = max(min(self.skip, len(entries) - 1), 0)
        end = len(entries) - self.skip
        start, lines = end, 0
        # as many as fit, a long entry taking the lines it wraps to; the last may be cut at
        # the border (a blank rest would read as a quiet timeline)
        while start > 0 and lines < room:
            lines += -(-(TIME_W + cell_len(entries[start - 1].text)) // max(width, 1))
            start -= 1
        shown = entries[start:end]
        cut = int(lines > room and end - start > 1)  # the oldest in view, cut: not counted
        self._mark(start + cut, end, len(entries))
        if not shown:
            text.append("nothing yet", MUTED)
            return text
        for entry in reversed(shown):
            text.append(f"{clock_time(entry.at)} ", MUTED)
            # already made inert by the fold
            text.append(entry.text, TONE_STYLE.get(entry.tone, ""))
            text.append("\n")
        text.rstrip()
        return text

    def tick(self, state: ConsoleState, now: datetime) -> None:
        """The clock's second: an entry shows once the clock reaches its time, and nothing else
        in the pane moves with it (its times are of the day). With every entry of the state
        last drawn already shown, only the border is redrawn: recomposing the entries in view
        every second was about half of what the second cost at small (py-spy)."""
        seen = self._seen
        if seen is not None and seen[0] is state and self._count == len(state.timeline):
            self._ticked(state, now)
        else:
            super().tick(state, now)

    def _mark(self, first: int, end: int, count: int) -> None:
        """'Timeline · 12 of 300' (newest first), '13–24 of 300' scrolled back."""
        title = Text(self.TITLE)
        shown = end - first
        if shown < count:
            where = f"{shown}" if not self.skip else f"{self.skip + 1}–{self.skip + shown}"
            title.append(f" · {where} of {count}")
        if title != self._title:
            self._title = title
            self.border_title = self._title  # Text, never markup

    def _rows(self) -> int:
        return max(self.content_size.height, 1)

    def action_scroll(self, delta: int) -> None:
        self.skip = max(self.skip + delta, 0)
        self._body = None
        self.show_again()

    def action_page(self, direction: int) -> None:
        self.action_scroll(direction * self._rows())

    def action_edge(self, end: int) -> None:
        self.action_scroll(-self.skip if not end else self._count)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.action_scroll(WHEEL)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.action_scroll(-WHEEL)
