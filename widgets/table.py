"""The service panes' rows (Services, Error rate, p95): every one reachable, worst first.

Each pane composes its heading and one line per service as Text (its `body`); a Textual
DataTable of one column shows them, so every row is reachable by keyboard (up, down, page
up/down, home/end) and mouse (wheel, click), and only the lines in view are drawn.
The rows are sorted worst first: down, then past a guide threshold, then by name, so a row
keeps its place between refreshes while its rank holds. The console's filter (`/`, by name,
a substring as in k9s) applies to the three at once. The border says what is cut
("12 of 300") and which filter is on.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text

from state.guide.signals import service_down
from state.memo import last_answer, same
from state.text import inert, shown_name
from widgets.selectable import SelectablePane
from widgets.theme import BAD_STRONG, themed

if TYPE_CHECKING:
    from textual.widget import Widget

    from state.console import ConsoleState
    from widgets.pane_table import PaneTable

COLUMN = "row"
SCROLLBAR = 1  # cells the table's scroll bar takes at the right
TITLE_MARGIN = 6  # cells of a border the title cannot take: two corners, a line and a space each
DOWN, P1_PAST, P2_PAST, UNKNOWN_RANK, CLEAR = range(5)  # ranks, worst first


@lru_cache(maxsize=8192)
def _shown(name: str) -> str:
    """The name as shown (state/text.py `shown_name`), folded for sorting and filtering;
    computed once per name, not once per row per refresh."""
    return shown_name(name)[0].casefold()


def _down_parts(state: ConsoleState) -> tuple[object, ...]:
    return (state.services, state.health, state.deployments)


@last_answer(_down_parts)
def down(state: ConsoleState) -> frozenset[str]:
    """The configured services down (state/guide/signals.py `service_down`), worked out once
    per change of the health checks or deployments, not once per pane per row per refresh;
    the very same set again while its content holds, so that it compares by identity."""
    found = frozenset(s for s in state.services if service_down(state, s))
    return _down_before[0] if _down_before and _down_before[0] == found else _keep(found)


_down_before: list[frozenset[str]] = []


def _keep(found: frozenset[str]) -> frozenset[str]:
    _down_before[:] = [found]
    return found


def matches(name: str, query: str) -> bool:
    """k9s's filter: a case-insensitive substring of the name as it is shown."""
    return not query or query.casefold() in _shown(name)


def hidden_words(counts: Counter[str]) -> str:
    """'2 down, 1 >5% hidden': what the filter hides that is past a line, in the order
    of `counts` (worst first); '' when it hides nothing of that kind."""
    said = ", ".join(f"{n} {word}" for word, n in counts.items() if n)
    return f"{said} hidden" if said else ""


def cut_mark(first: int, last: int, count: int, total: int, query: str) -> str:
    """What the border says of the rows in view: '12 of 300' (or '13–24 of 300' scrolled
    down), with a filter '/pay: 3 of 300' (or '/a: 12 of 140 (300)'; with `total` 0,
    '/pay: 3', '/a: 12 of 140'); '' when every row is in view and no filter is on. `count`
    rows match the filter of `total`."""
    shown = last - first
    cut = shown < count
    where = (f"{shown}" if first == 0 else f"{first + 1}–{last}") + f" of {count}"
    if query and not total:  # the total left out, for a narrow border
        return f"/{query}: " + (where if cut else f"{count}")
    if query:
        return f"/{query}: " + (f"{where} ({total})" if cut else f"{count} of {total}")
    return where if cut else ""


class RowsPane(SelectablePane):
    """A pane of one row per service in a DataTable, sorted worst first and filtered."""

    CLOCKED = False  # a row shows the last sample, never its age
    # what the border calls a row of each rank the filter hides ('2 down hidden'): an IC
    # filtering for "pay" must still see that "auth" went down; clear and unknown go unsaid
    HIDDEN: ClassVar[dict[int, str]] = {DOWN: "down", P1_PAST: "past P1", P2_PAST: "past P2"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._table: PaneTable | None = None
        self.filter_text = ""  # the console's filter (tui/screen.py)
        self._order: tuple[tuple[object, ...], str, list[str]] | None = None
        self._drawn: tuple[tuple[object, ...], tuple[int, ...]] | None = None
        self.title_text = Text(self.TITLE)  # the border title as set: Text, never markup
        self._total = 0
        self.hidden = ""  # what the filter hides that is past a line: '2 down hidden'
        self.hidden_down: frozenset[str] = frozenset()  # the services down it hides

    @property
    def table(self) -> PaneTable:
        """The pane's rows (widgets/pane_table.py), made when first asked for (the pane's
        first state drawn, a key): DataTable's module loaded before the first frame was
        ~2 % of live's instructions to it."""
        if self._table is None:
            from widgets.pane_table import PaneTable

            self._table = PaneTable(self)
            # shown with its first rows (`_draw`), as the lock tree is: empty, it was laid
            # out and drawn in the first frame only to be hidden by the pane's first draw
            self._table.display = False
        return self._table

    def compose(self):
        yield self.content  # the table comes with the first state drawn (`mount_rows`)

    def focus_target(self) -> Widget | None:
        return self.mount_rows(self.table)

    def names(self, state: ConsoleState) -> list[str]:
        """Every service this pane has a row for, in the config's order."""
        return list(state.services)

    def inputs(self, state: ConsoleState) -> tuple[object, ...]:
        """The parts of `state` this pane's rows (their order and their lines) are drawn
        from, compared by identity (`same`): while they are the same objects, a refresh (the
        clock's, another probe's sample) composes and sorts nothing again."""
        return (state.services, down(state), state.unconfigured)

    def rank(self, state: ConsoleState, name: str) -> int:
        """How bad the service looks in this pane: DOWN, P1_PAST ... CLEAR."""
        return DOWN if name in down(state) else CLEAR

    def ordered(self, state: ConsoleState) -> list[str]:
        """The rows drawn: those the filter matches, worst first, then by name."""
        inputs = self.inputs(state)
        if self._order and same(inputs, self._order[0]) and self._order[1] == self.filter_text:
            return self._order[2]
        every = self.names(state)
        self._total = len(every)
        kept = [n for n in every if matches(n, self.filter_text)]
        rows = sorted(kept, key=lambda n: (self.rank(state, n), _shown(n), n))
        self._order = (inputs, self.filter_text, rows)
        self._count_hidden(state, every, kept)
        return rows

    def _count_hidden(self, state: ConsoleState, every: list[str], kept: list[str]) -> None:
        """What the filter hides that is down or past a threshold, for the border."""
        counts: Counter[str] = Counter({word: 0 for word in self.HIDDEN.values()})
        down_hidden = []
        if len(kept) < len(every):
            shown = set(kept)
            for name in every:
                if name in shown:
                    continue
                rank = self.rank(state, name)
                if rank in self.HIDDEN:
                    counts[self.HIDDEN[rank]] += 1
                if rank == DOWN:
                    down_hidden.append(name)
        self.hidden = hidden_words(counts)
        self.hidden_down = frozenset(down_hidden)

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

    def body(
        self,
        state: ConsoleState,
        now: datetime,
        width: int,
        height: int,
        rows: list[str] | None = None,
    ) -> Text:
        """The heading and a line per service of `rows` (all of `ordered`, by default), the
        columns sized for all of them so that they do not move as the view scrolls."""
        raise NotImplementedError

    def _draw(self, state: ConsoleState, now: datetime) -> None:
        self.mount_rows(self.table)
        unfed = self.not_configured(state)
        if unfed is not None:  # no backend for it: which section to add, not an empty table
            if unfed != self._body:
                self._body = unfed
                self.content.show_lines(themed(unfed))
                self.content.display, self.table.display = True, False
            self._subtitled(state, now)
            return
        width = max(self.content_size.width - SCROLLBAR, 1)
        height = self.content_size.height
        keys, table = self.ordered(state), self.table
        if table.needs_all(width):
            table.reset(width)
        moved = keys != table.keys
        if moved:
            table.place(keys)
            self._drawn = None
        first, last = table.in_view()
        missing = table.uncomposed(keys)
        drawn = (self.inputs(state), (width, height, first, last))
        if not missing and self._body is not None and self._unchanged(drawn):
            self.mark_cut()
            self._subtitled(state, now)
            return
        self._drawn = drawn
        # the rows in view, and those never composed (new services, a new width): the rest
        # keep their lines until they scroll into view
        rows = keys[first:last] + [key for key in missing if key not in keys[first:last]]
        body = self.body(state, now, width, height, rows=rows)
        if body != self._body or missing or moved:
            self._body = body
            lines = body.split("\n", allow_blank=True)
            heading = lines[0]
            composed = [line for line in lines[1:] if line.plain]
            self.content.display = not keys
            table.display = bool(keys)
            if not keys:
                self.content.show_lines(Text(self.empty_text(state)))
            table.update_view(heading, dict(zip(rows, composed, strict=True)))
        self.mark_cut()
        self._subtitled(state, now)

    def _unchanged(self, drawn: tuple[tuple[object, ...], tuple[int, ...]]) -> bool:
        """Whether the rows in view were drawn from these very inputs, at this size."""
        return self._drawn is not None and (
            drawn[1] == self._drawn[1] and same(drawn[0], self._drawn[0])
        )

    def view_moved(self) -> None:
        """Scrolled: compose the rows now in view, and say which they are."""
        self._body = None
        self.show_again()

    def empty_text(self, state: ConsoleState) -> str:
        if self.filter_text:
            return f"no service matches /{inert(self.filter_text, 80)}"
        return "no services yet"

    def mark_cut(self) -> None:
        """The border title: the pane's name, what the filter hides that is down or past a
        line, and what of its rows is in view. Too long for the border, the filter's mark
        gives way ('/a: 13–24 of 140 (300)', '/a: 13–24 of 140', '/a: 13–24/140', '/a: 140',
        then the border's end cuts it), never what it hides."""
        first, last = self.table.in_view()
        count, query = len(self.table.keys), self.filter_text
        room = self.outer_size.width - TITLE_MARGIN
        marks = [cut_mark(first, last, count, self._total, inert(query, 40))]
        if query:
            shown = (f"{last}" if first == 0 else f"{first + 1}–{last}") + f"/{count}"
            marks += [
                cut_mark(first, last, count, 0, inert(query, 40)),
                f"/{inert(query, 40)}: {shown if last - first < count else count}",
                f"/{inert(query, 40)}: {count}",
                f"/{inert(query, 12)}",
            ]
        for mark in marks:
            title = Text(self.TITLE)
            if self.hidden:
                title.append(" · ")
                title.append(self.hidden, BAD_STRONG)
            if mark:  # the query is the commander's own typing: Text, inert
                title.append(f" · {mark}")
            if title.cell_len <= room:
                break
        if title != self.title_text:
            self.title_text = title
            self.border_title = themed(self.title_text)  # Content, never markup

    def wanted(self, state: ConsoleState) -> int:
        """Lines the pane would take to show every row: heading, rows, border."""
        return len(self.ordered(state)) + 3

    def cannot_draw(self, error: BaseException) -> None:
        self.content.display = True
        self.table.display = False
        super().cannot_draw(error)
