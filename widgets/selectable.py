"""Panes whose rows the commander picks a target from: a cursor, and a list that holds still.

Moving the cursor freezes the pane on what it showed (as pg_activity does), so the row
under the cursor cannot shift while a target is chosen; Escape or leaving resumes it.
The rows live in a scrolling widget of Textual's (a DataTable, a Tree) that the pane
focuses; it tells the pane when the commander moves its cursor (`choosing`). The cursor
follows what it is on, not a row number: when the live list reorders or grows above
it, it stays on the same session or service, so a key pressed later acts on what the
commander chose.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from textual.actions import SkipAction
from textual.binding import Binding

from widgets.pane import Pane

if TYPE_CHECKING:
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
        # the commander has put the cursor on a row: it follows that row from then on;
        # until then it stays on the top one, the worst
        self.chosen = False

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
        self.chosen = True
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
