"""Panes whose rows the commander picks a target from: a cursor, and a list that holds still.

Moving the cursor freezes the pane on what it showed (as pg_activity does), so the row
under the cursor cannot shift while a target is chosen; Escape or leaving resumes it.
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
        self._frozen: tuple[ConsoleState, datetime] | None = None
        self._latest: tuple[ConsoleState, datetime] | None = None

    def rows(self, state: ConsoleState, now: datetime) -> list[Any]:
        """The selectable rows' keys, in the order they are drawn."""
        raise NotImplementedError

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
        return rows[min(self.cursor, len(rows) - 1)] if rows else None

    def show(self, state: ConsoleState, now: datetime) -> None:
        self._latest = (state, now)
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
        count = len(self.rows(*self._frozen))
        self.cursor = max(0, min(self.cursor + delta, count - 1)) if count else 0
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
