"""Panes whose rows the commander picks a target from: a cursor, and a list that holds still.

Moving the cursor freezes the pane on what it showed (as pg_activity does), so the row
under the cursor cannot shift while a target is chosen; Escape or leaving resumes it.
The rows live in a scrolling widget of Textual's (a DataTable, a Tree) that the pane
focuses; it tells the pane when the commander moves its cursor (`choosing`). A CursorPane's
cursor follows what it is on, not a row number: when the live list reorders or grows above
it, it stays on the same session (`row_key`), so a key pressed later acts on what the
commander chose.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from textual.actions import SkipAction
from textual.binding import Binding

from widgets.pane import Pane
from widgets.theme import INVERSE

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.widget import Widget

    from state.console import ConsoleState

FROZEN = "frozen while you choose · esc resumes"

W = TypeVar("W")


def holds_still(*names: str):
    """Class decorator for the scrolling widget of a SelectablePane (its `pane`): each of
    the methods `names` (the cursor's actions, the click) first holds the pane still."""

    def decorate(cls: type[W]) -> type[W]:
        for name in names:
            original = getattr(cls, name)

            def moved(self, *args: Any, _original=original) -> Any:
                self.pane.choosing()
                return _original(self, *args)

            setattr(cls, name, moved)
        return cls

    return decorate


class SelectablePane(Pane):
    BINDINGS = [
        Binding("escape", "release", "Resume", show=False, id="pane.release"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._frozen: tuple[ConsoleState, datetime] | None = None
        self._latest: tuple[ConsoleState, datetime] | None = None

    def selected(self) -> Any | None:
        """The row under the cursor, always one the pane shows; None when it shows none."""
        raise NotImplementedError

    def focus_target(self) -> Widget | None:
        """The widget that takes the keys when the pane is chosen."""
        raise NotImplementedError

    @property
    def frozen(self) -> bool:
        return self._frozen is not None

    def shown(self) -> tuple[ConsoleState, datetime] | None:
        """The state and time the pane is drawing: the frozen picture while choosing."""
        return self._frozen or self._latest

    def show(self, state: ConsoleState, now: datetime) -> None:
        self._latest = (state, now)
        super().show(*(self._frozen or (state, now)))

    def _ticked(self, state: ConsoleState, now: datetime) -> None:
        self._latest = (state, now)
        super()._ticked(*(self._frozen or (state, now)))

    def staleness(self, state: ConsoleState, now: datetime) -> str | None:
        return FROZEN if self._frozen else super().staleness(state, now)

    def choosing(self) -> None:
        """The commander moves the cursor: hold the list still on what it shows."""
        if self._frozen is None and self._latest is not None:
            self._frozen = self._latest
            self._repaint()

    def action_release(self) -> None:
        if self._frozen is None:
            raise SkipAction()  # nothing held: Escape goes on to the console (clears a filter)
        self.release()

    def release(self) -> None:
        """Back to the live list."""
        if self._frozen is not None:
            self._frozen = None
            self._repaint()

    def on_descendant_blur(self) -> None:
        self.release()

    def on_mount(self) -> None:
        # its rows are Rich Text with the theme's colours resolved (widgets/theme.py
        # `resolved`): a new theme draws them again
        # (after the stylesheet has the new theme's variables: its signal, not `theme`)
        self.app.theme_changed_signal.subscribe(self, lambda _: self._repaint())

    def show_again(self) -> None:
        # the latest state, not the last drawn: that is the frozen one while choosing
        if self._latest:
            self.show(*self._latest)

    def _repaint(self) -> None:
        self._body = None
        self.show_again()


class CursorPane(SelectablePane):
    """A selectable pane that draws its own rows and cursor (the Database locks pane, whose
    rows are laid out to keep every blocker in view): the pane itself takes the keys."""

    can_focus = True
    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False, id="pane.cursor_up"),
        Binding("down", "cursor(1)", "Down", show=False, id="pane.cursor_down"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cursor = 0
        self._key: Any = None  # what the cursor is on (row_key), once it has been moved

    def rows(self, state: ConsoleState, now: datetime) -> list[Any]:
        """The selectable rows' keys, in the order they are drawn (only those drawn)."""
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

    def focus_target(self) -> Widget | None:
        return self

    def selected(self) -> Any | None:
        seen = self.shown()
        if seen is None:
            return None
        rows = self.rows(*seen)
        if not self.frozen:
            self._follow(rows)
        return rows[min(self.cursor, len(rows) - 1)] if rows else None

    def show(self, state: ConsoleState, now: datetime) -> None:
        if not self.frozen and self.size.width:
            self._follow(self.rows(state, now))
        super().show(state, now)

    def cursor_style(self, index: int) -> str:
        return INVERSE if index == self.cursor and self.has_focus else ""

    def action_cursor(self, delta: int) -> None:
        self._place(lambda count: self.cursor + delta)

    def action_cursor_to(self, index: int) -> None:
        """Home and End: the first row, or (`index` -1) the last."""
        self._place(lambda count: index if index >= 0 else count - 1)

    def _place(self, where: Callable[[int], int]) -> None:
        self.choosing()
        seen = self.shown()
        if seen is None:
            return
        rows = self.rows(*seen)
        self.cursor = max(0, min(where(len(rows)), len(rows) - 1)) if rows else 0
        self._key = self.row_key(rows[self.cursor]) if rows else None
        self._repaint()

    def on_focus(self) -> None:
        self._repaint()

    def on_blur(self) -> None:
        self.release()
        self._repaint()
