"""A line (or two) of Rich Text that repaints only when it changes: header, tabs, keys, scrubber."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Static

from widgets.theme import themed

if TYPE_CHECKING:
    from rich.text import Text


class TextLine(Static):
    """Shows Text as given, never as markup; an unchanged Text touches nothing on screen.

    Its Text's styles are roles (widgets/theme.py), coloured by the theme as it is drawn.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._text: Text | None = None

    def cannot_draw(self, error: BaseException) -> None:
        """A placeholder where drawing the line raised; the next repaint tries again."""
        from widgets.format import cannot_draw

        self.show_text(cannot_draw(error))

    def show_text(self, text: Text) -> None:
        if text != self._text:
            self._text = text
            self.update(themed(text))
