"""A line (or two) of Rich Text that repaints only when it changes: header, tabs, keys, scrubber."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Static

from widgets.theme import themed

if TYPE_CHECKING:
    from rich.text import Text
    from textual.content import Content


class Lines(Static):
    """A Static whose new content lays the screen out again only when its height changes.

    Textual's `update` lays out the whole screen by default, and then draws every widget on
    it again (the tables' scroll bars, three hundred rows' worth, among them): a pane whose
    text changes each second (a lock held for 52 s, then 53 s) would cost the whole screen
    each second. The same number of lines needs no layout, only its own repaint.
    """

    _laid_out: tuple[int, int] | None = None  # (width, height) of the content last laid out

    def show_lines(self, content: Text | Content) -> None:
        """Show `content` (Text or Content, never a str: Textual would read it as markup); a
        layout only when it takes a different number of lines."""
        width = self.content_size.width
        self.update(content, layout=False)
        height = self.get_content_height(self.size, self.size, width) if width else 0
        if not width or (width, height) != self._laid_out:
            self._laid_out = (width, height) if width else None
            self.refresh(layout=True)


class TextLine(Lines):
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
            self.show_lines(themed(text))
