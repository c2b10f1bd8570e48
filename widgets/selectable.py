"""Panes whose rows the commander picks a target from: a cursor, and a list that holds still.

Moving the cursor freezes the pane on what it showed (as pg_activity does), so the row
under the cursor cannot shift while a target is chosen; Escape or leaving resumes it.
The cursor follows what it is on, not a row number: when the live list reorders or grows
above it, it stays on the same session or service (`row_key`), so a key pressed later acts
on what the commander chose.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

from widgets.pane import Pane
from widgets.theme import INVERSE

if TYPE_CHECKING:
    from state.console import ConsoleState

FROZEN = "frozen while you choose · esc resumes"


class SelectablePane(Pane):
    can_focus = True
    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False, id="pane.cursor_up"),
        Binding("down", "cursor(1)", "Down", show=False, id="pane.cursor_down"),
        Binding("escape", "release", "Resume", show=False, id="pane.release"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cursor = 0
        self._key: Any = None  # what the cursor is on (row_key), once it has been moved
        self._frozen: tuple[ConsoleState, datetime] | None = None
        self._latest: tuple[ConsoleState, datetime] | None = None

    def rows(self, state: ConsoleState, now: datetime) -> list[Any]:
        """The selectable rows' keys, in the order they are drawn."""
        raise NotImplementedError

    def row_key(self, row: Any) -> Any:
        """What a row stands for, kept across refreshes: the row itself unless overridden."""
        return row

    def _follow(self, rows: list[Any]) -> None:
        """Put the cursor back on the row it was on, wherever that row is now; a row that
        has gone leaves the cursor where it was (clamped to the list)."""
        if self._key is not None:
            for i, row in enumerate(rows):
                if self.row_key(row) == self._key:
                    self.cursor = i
                    return
        self.cursor = max(0, min(self.cursor, len(rows) - 1))

    @property
    def frozen(self) -> bool:
        return self._frozen is not None

    def shown(self) -> tuple[ConsoleState, datetime] | None:
        """The state and time the pane is drawing: the frozen picture while choosing."""
        return self._frozen or self._latest

    def selected(self) -> Any | None:
        seen = self.shown()
        if seen is None:
            return None
        rows = self.rows(*seen)
        if not self._frozen:
            self._follow(rows)
        return rows[min(self.cursor, len(rows) - 1)] if rows else None

    def show(self, state: ConsoleState, now: datetime) -> None:
        self._latest = (state, now)
        if self._frozen is None and self.size.width:
            self._follow(self.rows(state, now))
        super().show(*(self._frozen or (state, now)))

    def staleness(self, state: ConsoleState, now: datetime) -> str | None:
        return FROZEN if self._frozen else super().staleness(state, now)

    def is_cursor(self, index: int) -> bool:
        return index == self.cursor

    def cursor_style(self, index: int) -> str:
        return INVERSE if index == self.cursor and self.has_focus else ""

    def action_cursor(self, delta: int) -> None:
        seen = self.shown()
        if seen is None:
            return
        self._frozen = self._frozen or seen
        self._place(self.cursor + delta)

    def action_cursor_to(self, index: int) -> None:
        """Home and End: the first row, or (`index` -1) the last."""
        seen = self.shown()
        if seen is None:
            return
        self._frozen = self._frozen or seen
        self._place(index if index >= 0 else len(self.rows(*self._frozen)) - 1)

    def _place(self, index: int) -> None:
        assert self._frozen is not None
        rows = self.rows(*self._frozen)
        self.cursor = max(0, min(index, len(rows) - 1)) if rows else 0
        self._key = self.row_key(rows[self.cursor]) if rows else None
        self._repaint()

    def action_release(self) -> None:
        self.release()

    def release(self) -> None:
        """Back to the live list."""
        if self._frozen is not None:
            self._frozen = None
            self._repaint()

    def on_focus(self) -> None:
        self._repaint()

    def on_blur(self) -> None:
        self._frozen = None
        self._repaint()

    def _repaint(self) -> None:
        self._body = None
        if self._latest:
            self.show(*self._latest)
