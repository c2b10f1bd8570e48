"""The Database locks pane's Tree: the blocking chains, every session reachable.

Textual's Tree draws the guides, scrolls (keys, wheel, scroll bar) and keeps its cursor on
a node; this one draws each node's line from the pane (`LocksPane.label`), only when it is
in view, so a sample of a thousand sessions costs the lines on screen, not the thousand.
The cursor stops on sessions (and on the "… N more" lines, which enter opens), never on a
root's statement or a waiter's "↳ also waits on" line, which belong to the session above.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.strip import Strip
from textual.widgets import Tree

from widgets.lock_plan import ALSO, DETAIL, PICKABLE, Line

if TYPE_CHECKING:
    from rich.style import Style
    from textual import events
    from textual.widgets.tree import TreeNode

    from widgets.locks import LocksPane

GUIDE = 2  # cells per level: "└ " as the pane drew it before it was a Tree


class LockTree(Tree[Line], inherit_bindings=False):
    """A Tree of `Line`s (a session's key and what its line says), drawn by its pane."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "step(-1)", "Up", show=False, id="pane.cursor_up"),
        Binding("down", "step(1)", "Down", show=False, id="pane.cursor_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="pane.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="pane.page_down"),
        # the first and last session, as the service tables' first and last row (a focused
        # pane takes them before replay's start and end)
        Binding("home,ctrl+home", "to_end(0)", "First row", show=False, id="pane.first"),
        Binding("end,ctrl+end", "to_end(-1)", "Last row", show=False, id="pane.last"),
        Binding("enter", "fold", "Fold or open", show=False, id="pane.fold"),
    ]

    def __init__(self, pane: LocksPane) -> None:
        super().__init__(Text("locks"), id="lock-tree")  # a Text: no markup, no emoji table
        self.pane = pane
        self.show_root = False
        self.guide_depth = GUIDE
        self.auto_expand = False  # a click moves the cursor; enter folds
        self._said: dict[int, Text] = {}  # by node id: the words its line was last drawn with
        # by line: the strip Tree drew and the one with the detail guide put in (`render_line`)
        self._recut: dict[int, tuple[Strip, Strip]] = {}

    # ---- drawing -------------------------------------------------------------------------

    def render_label(self, node: TreeNode[Line], base_style: Style, style: Style) -> Text:
        """The node's line as the pane words it now, cut to the cells left after its guides."""
        if node.data is None:
            return self.process_label("")
        said = self._said[node.id] = self.pane.label(node.data)
        room = self.scrollable_content_region.width - GUIDE * depth(node)
        label = said.copy()
        label.truncate(max(room, 1), overflow="ellipsis")
        label.stylize(style)
        return label

    def get_label_width(self, node: TreeNode[Line]) -> int:
        # lines are cut to the width: never a horizontal scroll, and never a thousand lines
        # composed to measure them
        return 1

    def render_line(self, y: int) -> Strip:
        """A detail line continues its session's guide (│ or nothing) instead of branching
        from it (├ └): it is part of the session above, not a session of its own."""
        strip = super().render_line(y)
        line = self.scroll_offset.y + y
        node = self.get_node_at_line(line)
        if node is None or node.data is None or node.data.kind not in (DETAIL, ALSO):
            return strip
        x = GUIDE * (depth(node) - 1) - self.scroll_offset.x
        if x < 0 or x + GUIDE > strip.cell_length:
            return strip
        cut = self._recut.get(line)
        if cut is not None and cut[0] is strip:  # Tree's line cache gave the same strip
            return cut[1]
        glyph = "  " if node.is_last else "│ "
        style = next(iter(strip.crop(x, x + 1)), Segment("")).style
        guide = Strip([Segment(glyph, style)], GUIDE)
        out = Strip.join([strip.crop(0, x), guide, strip.crop(x + GUIDE, strip.cell_length)])
        if len(self._recut) > 4 * max(self.size.height, 16):
            self._recut.clear()  # kept for the lines in view, not for every line ever drawn
        self._recut[line] = (strip, out)
        return out

    def in_view(self) -> list[TreeNode[Line]]:
        """The nodes whose lines are on screen."""
        top = self.scroll_offset.y
        found = (self.get_node_at_line(y) for y in range(top, top + self.size.height))
        return [node for node in found if node is not None]

    def refresh_stale(self) -> None:
        """Lines in view whose words have changed since they were drawn are drawn again,
        and only those: a sample that moves the sessions' ages on repaints their lines, not
        a root's statement; a line scrolled into view says what is true now."""
        said: dict[int, Text] = self._said
        kept: dict[int, Text] = {}
        for node in self.in_view():
            if node.data is None:
                continue
            drawn = said.get(node.id)
            if drawn is None or drawn != self.pane.label(node.data):
                node.refresh()  # render_label records the new words
            else:
                kept[node.id] = drawn
        self._said = kept  # the lines in view: one scrolled away is drawn again when back

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.refresh_stale()  # lines scrolled into view say what is true now
        top, height = self.scroll_offset.y, self.size.height
        if height and self.cursor_line >= 0 and not top <= self.cursor_line < top + height:
            # scrolled (the wheel, the scroll bar) past the cursor: it follows, so `k` acts
            # on a session in view, never on one scrolled away
            below = self.cursor_line < top
            at = self.nearest(top if below else top + height - 1, 1 if below else -1)
            if top <= at < top + height:
                self.cursor_line = at
                self.pane.remember()
        self.pane.view_moved()

    def on_resize(self) -> None:
        self.pane.view_moved()  # the border says what is in view once the tree has a size

    # ---- the cursor: sessions only ------------------------------------------------------

    def pickable(self, line: int) -> bool:
        node = self.get_node_at_line(line)
        return node is not None and node.data is not None and node.data.kind in PICKABLE

    def nearest(self, line: int, step: int) -> int:
        """The first line from `line` on, going `step` (1 or -1), the cursor may stop on;
        else the nearest the other way; -1 for none."""
        last = self.last_line
        for direction in (step, -step):
            at = max(0, min(line, last))
            while 0 <= at <= last:
                if self.pickable(at):
                    return at
                at += direction
        return -1

    def place(self, line: int, step: int = 1) -> None:
        """The cursor to the pickable line nearest `line`, scrolled into view."""
        at = self.nearest(line, step)
        if at >= 0:
            self.cursor_line = at
            self.scroll_to_line(at, animate=False)

    def _moved(self, line: int, step: int) -> None:
        self.pane.choosing()
        self.place(line, step)
        self.pane.remember()

    def action_step(self, step: int) -> None:
        start = self.cursor_line if self.cursor_line >= 0 else -step
        at = self.nearest(start + step, step)
        if at >= 0 and (at - start) * step > 0:  # never back past the cursor at an end
            self._moved(at, step)
        else:
            self.pane.choosing()

    def action_page(self, step: int) -> None:
        height = max(self.scrollable_content_region.height - 1, 1)
        self._moved(max(self.cursor_line, 0) + step * height, step)

    def action_to_end(self, index: int) -> None:
        self._moved(0 if index >= 0 else self.last_line, 1 if index >= 0 else -1)

    def action_fold(self) -> None:
        """Enter: fold a session's waiters into one line, or open a fold or a cut."""
        node = self.cursor_node
        if node is not None and node.data is not None:
            self.pane.choosing()
            self.pane.toggle(node.data)

    async def _on_click(self, event: events.Click) -> None:
        self.pane.choosing()
        await super()._on_click(event)
        if self.cursor_line >= 0 and not self.pickable(self.cursor_line):
            self.place(self.cursor_line, -1)  # a detail line: its session, above it
        self.pane.remember()


def depth(node: TreeNode[Line]) -> int:
    """0 for a root's node, 1 for a waiter drawn under it, ..."""
    level = 0
    while node.parent is not None and node.parent.parent is not None:
        node = node.parent
        level += 1
    return level
