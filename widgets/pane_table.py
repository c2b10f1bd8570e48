"""The service panes' table (widgets/table.py RowsPane): one column of composed lines, a
list's keys. Its own module so that DataTable's loads with the pane's first rows, not before
live's first frame."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.widgets import DataTable

from widgets.selectable import holds_still
from widgets.table import COLUMN
from widgets.theme import resolved

if TYPE_CHECKING:
    from widgets.table import RowsPane


@holds_still(
    "action_cursor_up",
    "action_cursor_down",
    "action_page_up",
    "action_page_down",
    "action_scroll_top",
    "action_scroll_bottom",
    "_on_click",
)
class PaneTable(DataTable[Text], inherit_bindings=False):
    """A DataTable for a pane: one column of composed lines, the keys of a list, not a grid.

    Home and end go to the first and last row; left and right are left to the console
    (replay steps with them).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False, id="pane.cursor_up"),
        Binding("down", "cursor_down", "Down", show=False, id="pane.cursor_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="pane.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="pane.page_down"),
        # the focused pane's own first and last row, before replay's start and end (a
        # replay gives them back to its scrubber once the scrubber has the focus)
        Binding("home,ctrl+home", "scroll_top", "First row", show=False, id="pane.first"),
        Binding("end,ctrl+end", "scroll_bottom", "Last row", show=False, id="pane.last"),
    ]

    def __init__(self, pane: RowsPane) -> None:
        # the cells' own colours show through the cursor: a P1 row stays red under it
        super().__init__(
            cursor_type="row",
            cell_padding=0,
            zebra_stripes=False,
            cursor_foreground_priority="renderable",
        )
        self.pane = pane
        self.keys: list[str] = []
        self.lines: list[Text] = []
        self._width = 0
        self._theme = ""
        self._sized = Size(0, 0)  # the size the view was last kept at (`_keep_cursor_in_view`)
        self._reset_from: tuple[float, str | None] | None = None  # scroll and row before `reset`
        # service -> its line as composed, and as drawn (styles resolved): at this width and theme
        self._composed: dict[str, tuple[Text, Text]] = {}

    def in_view(self) -> tuple[int, int]:
        """(first, last + 1): the rows wholly in view, by index."""
        room = max(self.scrollable_content_region.height - self.header_height, 0)
        first = min(round(self.scroll_y), max(len(self.keys) - 1, 0))
        return first, min(first + room, len(self.keys))

    def watch_scroll_y(self, old: float, new: float) -> None:
        """Scrolled (the wheel, the scroll bar) past the cursor's row: the cursor follows,
        so the row a key acts on is always one in view."""
        super().watch_scroll_y(old, new)
        self.pane.call_after_refresh(self._keep_cursor_in_view)

    def on_resize(self) -> None:
        self.call_after_refresh(self._keep_cursor_in_view)

    def _keep_cursor_in_view(self) -> None:
        """Scrolled by the commander: the cursor comes into the view. Resized (a terminal
        or layout change, which moves the view too): the view goes to the cursor, so the
        row chosen stays chosen and in view (`r` acts on it)."""
        first, last = self.in_view()
        if last > first and not first <= self.cursor_row < last:
            if self.size != self._sized:
                self._scroll_cursor_into_view()
            else:
                self.move_cursor(row=min(max(self.cursor_row, first), last - 1), scroll=False)
        self._sized = self.size
        self.pane.view_moved()

    def needs_all(self, width: int) -> bool:
        """Whether every row must be composed again: a new width or theme, or no column yet."""
        return width != self._width or self.app.theme != self._theme or not self.columns

    def reset(self, width: int) -> None:
        """No rows, one column `width` cells wide: every line is composed again. The row
        chosen and the scroll are put back once the rows are placed again (`place`): a
        terminal resized mid-choice once left the cursor on the first row, another service."""
        current = self.keys[self.cursor_row] if self.cursor_row < len(self.keys) else None
        self._reset_from = (self.scroll_y, current)
        self.clear(columns=True)
        self.add_column("", width=width, key=COLUMN)
        self._width, self._theme, self.keys, self.lines = width, self.app.theme, [], []
        self._composed.clear()

    def _look(self, text: Text) -> Text:
        parse = self.app.stylesheet.parse_style
        return resolved(text, lambda role: parse(role).rich_style)

    def uncomposed(self, keys: list[str]) -> list[str]:
        """The services of `keys` that have no line composed at this width and theme yet."""
        return [key for key in keys if key not in self._composed]

    def update_view(self, heading: Text, lines: dict[str, Text]) -> None:
        """The lines composed again (by service: those in view, and any never composed);
        only the rows whose line changed are touched. Rows out of view keep the last line
        of their service until they scroll into view (`view_moved`): a refresh costs the
        rows on screen, not the three hundred."""
        self._label(heading)
        for service, new in lines.items():
            if self._composed.get(service, (None,))[0] != new:
                self._composed[service] = (new, self._look(new))
        self._show_composed()

    def _show_composed(self) -> None:
        for index, service in enumerate(self.keys):
            line = self._composed[service][0] if service in self._composed else Text(service)
            if index == len(self.lines):
                self.add_row(self._looked(service), key=str(index))
                self.lines.append(line)
            elif self.lines[index] is not line:
                self.lines[index] = line
                self.update_cell(str(index), COLUMN, self._looked(service))

    def _looked(self, service: str) -> Text:
        """The row of `service` as drawn: its composed line in the theme's styles (a Text,
        never markup: it holds names from outside)."""
        composed = self._composed.get(service)
        return composed[1] if composed else Text(service)

    def _label(self, heading: Text) -> None:
        column = self.columns[self.ordered_columns[0].key]
        if column.label.plain != heading.plain:
            column.label = self._look(heading)
            self.refresh()

    def place(self, keys: list[str]) -> None:
        """Show the services `keys` in this order (re-sorted or filtered); the row under the
        cursor stays under it while it is still shown.

        A row is a place, not a service (row i shows the i-th service): re-sorting changes
        the cells of the rows whose service moved, instead of removing every row and adding
        it again (300 rows at large took ~100 ms of the UI loop, and a key pressed then
        waited for it). Each row shows the line last composed for its service; `_draw`
        composes those in view and any never composed. Fewer rows than before: the table
        is emptied and filled again (removing rows one by one costs the table's length each).
        """
        if keys == self.keys:
            return
        current = self.keys[self.cursor_row] if self.cursor_row < len(self.keys) else None
        top = self.scroll_y
        if self._reset_from is not None:  # emptied for a new width: where it was before
            (top, current), self._reset_from = self._reset_from, None
        if len(keys) < len(self.lines):
            self.clear()
            self.lines = []
        self.keys = list(keys)
        self.call_after_refresh(self._restore, top, current)

    def _restore(self, top: float, current: str | None) -> None:
        """After the rows were re-sorted or filtered: the same scroll, the same row chosen;
        a cursor the commander never moved stays on the top row in view (the worst)."""
        self.scroll_to(y=top, animate=False, immediate=True)
        if current in self.keys and self.pane.chosen:
            self.move_cursor(row=self.keys.index(current), scroll=True)
        self._keep_cursor_in_view()
