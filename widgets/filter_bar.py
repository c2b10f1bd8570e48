"""The filter line `/` opens: the services whose name holds what is typed (k9s's convention)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.containers import Horizontal
from textual.widgets import Input, Static

if TYPE_CHECKING:
    from textual import events

FILTER_LIMIT = 80  # characters: longer than any service name


class FilterInput(Input):
    """What is typed. A paste longer than the limit keeps what fits, and the bar says what
    it left out (Textual's Input drops such a paste whole, without a word)."""

    def __init__(self) -> None:
        super().__init__(placeholder="filter services by name", max_length=FILTER_LIMIT)
        self.left_out = 0  # characters of the last paste that did not fit

    def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # Input's own handler would drop it whole
        event.stop()
        if not event.text:
            return
        line = event.text.splitlines()[0] if event.text.splitlines() else ""
        start, end = sorted(self.selection)
        room = FILTER_LIMIT - (len(self.value) - (end - start))
        kept = line[: max(room, 0)]
        self.left_out = len(line) - len(kept)
        self.replace(kept, start, end)
        self.parent_bar().said(self.left_out, len(line))

    def parent_bar(self) -> FilterBar:
        bar = self.parent
        assert isinstance(bar, FilterBar)
        return bar


class FilterBar(Horizontal):
    """One line above the key bar; Enter keeps the filter, Escape clears it (tui/screen.py).

    Its field and note are mounted when `/` first opens it: hidden until then, they were two
    widgets, and Input's styles, that the console's first frame styled for nothing."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.display = False

    async def open(self) -> None:
        """Show the line with the cursor in its field, mounting them the first time."""
        if not self.children:
            await self.mount(FilterInput(), Static("", id="filter-note"))
        self.display = True
        self.focus()

    @property
    def input(self) -> FilterInput:
        return self.query_one(FilterInput)

    @property
    def value(self) -> str:
        return self.input.value if self.children else ""

    @value.setter
    def value(self, text: str) -> None:
        if not self.children and not text:
            return  # never opened: nothing typed to clear
        self.input.value = text
        if not text:
            self.said(0, 0)

    def focus(self, scroll_visible: bool = True) -> FilterBar:
        self.input.focus(scroll_visible)
        return self

    def said(self, left_out: int, pasted: int) -> None:
        """Say, at the line's end, that a paste of `pasted` characters lost `left_out`."""
        note = self.query_one("#filter-note", Static)
        if left_out:
            words = f"paste cut: {left_out} of its {pasted} characters left out"
            note.update(Text(f"{words} (limit {FILTER_LIMIT})"))
        else:
            note.update(Text())
