"""The service panes' rows (Services, Error rate, p95): every one reachable, worst first.

Each pane composes its heading and one line per service as Text (its `body`); a Textual
DataTable of one column shows them, so every row is reachable by keyboard (up, down, page
up/down, ctrl+home/end) and mouse (wheel, click), and only the lines in view are drawn.
The rows are sorted worst first: down, then past a guide threshold, then by name, so a row
keeps its place between refreshes while its rank holds. The console's filter (`/`, by name,
a substring as in k9s) applies to the three at once. The border says what is cut
("12 of 300") and which filter is on.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from state.guide.signals import service_down
from state.text import inert, shown_name
from widgets.selectable import SelectablePane
from widgets.theme import resolved

if TYPE_CHECKING:
    from textual.widget import Widget

    from state.console import ConsoleState

COLUMN = "row"
SCROLLBAR = 1  # cells the table's scroll bar takes at the right
DOWN, P1_PAST, P2_PAST, UNKNOWN_RANK, CLEAR = range(5)  # ranks, worst first


def matches(name: str, query: str) -> bool:
    """k9s's filter: a case-insensitive substring of the name as it is shown."""
    return not query or query.casefold() in shown_name(name)[0].casefold()


def cut_mark(first: int, last: int, count: int, total: int, query: str) -> str:
    """What the border says of the rows in view: '12 of 300' (or '13–24 of 300' scrolled
    down), with a filter '/pay: 3 of 300' (or '/a: 12 of 140 (300)'); '' when every row is
    in view and no filter is on. `count` rows match the filter of `total`."""
    shown = last - first
    cut = shown < count
    where = (f"{shown}" if first == 0 else f"{first + 1}–{last}") + f" of {count}"
    if query:
        return f"/{query}: " + (f"{where} ({total})" if cut else f"{count} of {total}")
    return where if cut else ""


class PaneTable(DataTable[Text], inherit_bindings=False):
    """A DataTable for a pane: one column of composed lines, the keys of a list, not a grid.

    Left, right, home and end are left to the console (replay steps with them).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False, id="pane.cursor_up"),
        Binding("down", "cursor_down", "Down", show=False, id="pane.cursor_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="pane.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="pane.page_down"),
        Binding("ctrl+home", "scroll_top", "First row", show=False, id="pane.first"),
        Binding("ctrl+end", "scroll_bottom", "Last row", show=False, id="pane.last"),
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

    # the commander moves the cursor: the pane holds its list still while a target is chosen
    def action_cursor_up(self) -> None:
        self.pane.choosing()
        super().action_cursor_up()

    def action_cursor_down(self) -> None:
        self.pane.choosing()
        super().action_cursor_down()

    def action_page_up(self) -> None:
        self.pane.choosing()
        super().action_page_up()

    def action_page_down(self) -> None:
        self.pane.choosing()
        super().action_page_down()

    def action_scroll_top(self) -> None:
        self.pane.choosing()
        super().action_scroll_top()

    def action_scroll_bottom(self) -> None:
        self.pane.choosing()
        super().action_scroll_bottom()

    async def _on_click(self, event: Any) -> None:
        self.pane.choosing()
        await super()._on_click(event)

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

    def _keep_cursor_in_view(self) -> None:
        first, last = self.in_view()
        if last > first and not first <= self.cursor_row < last:
            self.move_cursor(row=min(max(self.cursor_row, first), last - 1), scroll=False)
        self.pane.mark_cut()

    def fill(self, heading: Text, keys: list[str], lines: list[Text], width: int) -> None:
        """Show `lines` (one per service in `keys`) under `heading`, touching only what
        changed; the row under the cursor stays under it while it is still shown.

        The lines' styles are roles (widgets/theme.py): the DataTable draws Rich Text, so
        they are resolved here, and again for every row when the theme changes.
        """
        parse = self.app.stylesheet.parse_style

        def look(text: Text) -> Text:
            return resolved(text, lambda role: parse(role).rich_style)

        if width != self._width or self.app.theme != self._theme or not self.columns:
            self.clear(columns=True)
            self.add_column(look(heading), width=width, key=COLUMN)
            self._width, self._theme, self.keys, self.lines = width, self.app.theme, [], []
        column = self.columns[self.ordered_columns[0].key]
        if column.label.plain != heading.plain:
            column.label = look(heading)
            self.refresh()
        if keys == self.keys:
            for key, old, new in zip(keys, self.lines, lines, strict=True):
                if old != new:
                    self.update_cell(key, COLUMN, look(new))
            self.lines = lines
            return
        current = self.keys[self.cursor_row] if self.cursor_row < len(self.keys) else None
        top = self.scroll_y
        self.clear()
        for key, line in zip(keys, lines, strict=True):
            self.add_row(look(line), key=key)
        self.keys, self.lines = keys, lines
        self.call_after_refresh(self._restore, top, current)

    def _restore(self, top: float, current: str | None) -> None:
        """After the rows were re-sorted or filtered: the same scroll, the same row chosen."""
        self.scroll_to(y=top, animate=False, immediate=True)
        if current in self.keys:
            self.move_cursor(row=self.keys.index(current), scroll=True)
        self._keep_cursor_in_view()


class RowsPane(SelectablePane):
    """A pane of one row per service in a DataTable, sorted worst first and filtered."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.table = PaneTable(self)
        self.filter_text = ""  # the console's filter (tui/screen.py)
        self._order: tuple[ConsoleState, str, list[str]] | None = None
        self.title_text = Text(self.TITLE)  # the border title as set: Text, never markup
        self._total = 0

    def compose(self):
        yield self.content
        yield self.table

    def focus_target(self) -> Widget | None:
        return self.table

    def names(self, state: ConsoleState) -> list[str]:
        """Every service this pane has a row for, in the config's order."""
        return list(state.services)

    def rank(self, state: ConsoleState, name: str) -> int:
        """How bad the service looks in this pane: DOWN, P1_PAST ... CLEAR."""
        return DOWN if service_down(state, name) else CLEAR

    def ordered(self, state: ConsoleState) -> list[str]:
        """The rows drawn: those the filter matches, worst first, then by name."""
        if self._order and self._order[0] is state and self._order[1] == self.filter_text:
            return self._order[2]
        every = self.names(state)
        self._total = len(every)
        rows = sorted(
            (n for n in every if matches(n, self.filter_text)),
            key=lambda n: (self.rank(state, n), shown_name(n)[0]),
        )
        self._order = (state, self.filter_text, rows)
        return rows

    def filter(self, query: str) -> None:
        """Show only the rows whose name holds `query` (k9s's substring); '' shows all."""
        if query != self.filter_text:
            self.filter_text = query
            self._repaint()

    def selected(self) -> str | None:
        seen = self.shown()
        if seen is None or not self.table.keys:
            return None
        return self.table.keys[min(self.table.cursor_row, len(self.table.keys) - 1)]

    def _draw(self, state: ConsoleState, now: datetime) -> None:
        width = max(self.content_size.width - SCROLLBAR, 1)
        body = self.body(state, now, width, self.content_size.height)
        if body != self._body:
            self._body = body
            lines = body.split("\n", allow_blank=True)
            heading, rows = lines[0], [line for line in lines[1:] if line.plain]
            keys = self.ordered(state)
            empty = not rows
            self.content.display = empty
            self.table.display = not empty
            if empty:
                self.content.update(Text(self.empty_text(state)))
            self.table.fill(heading, keys[: len(rows)], rows, width)
        self.mark_cut()
        self._subtitled(state, now)

    def empty_text(self, state: ConsoleState) -> str:
        if self.filter_text:
            return f"no service matches /{inert(self.filter_text, 80)}"
        return "no services yet"

    def mark_cut(self) -> None:
        """The border title: the pane's name, and what of its rows is in view."""
        first, last = self.table.in_view()
        mark = cut_mark(first, last, len(self.table.keys), self._total, inert(self.filter_text, 40))
        title = Text(self.TITLE)
        if mark:
            title.append(f" · {mark}")  # the query is the commander's own typing: Text, inert
        if title != self.title_text:
            self.title_text = title
            self.border_title = title

    def wanted(self, state: ConsoleState) -> int:
        """Lines the pane would take to show every row: heading, rows, border."""
        return len(self.ordered(state)) + 3

    def cannot_draw(self, error: BaseException) -> None:
        self.content.display = True
        self.table.display = False
        super().cannot_draw(error)
