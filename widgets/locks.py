"""The Database locks pane: connection counts, then each blocking chain as a tree.

The chains live in a Textual Tree (widgets/lock_tree.py) whose nodes carry each session's
key: every session is reachable by keyboard (up, down, page up/down, home, end) and mouse,
the cursor stays on its session when the tree changes, and a new sample updates the nodes
in place (those that came, went or moved), so a refresh costs what changed and the lines
in view. When the chains do not fit, every root stays in view and the longest queues are
cut with a "… N more waiting" line that enter opens; enter on a session folds its waiters.
The border says which sessions are in view ("1–36 of 702 sessions").
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from state.locks import BlockingChain, blocking_chains, connection_share, connections_used, unseen
from widgets.lock_lines import counts, words
from widgets.lock_plan import (
    CUT,
    FOLDED,
    SESSION,
    Line,
    Planned,
    SessionKey,
    lines_of,
    outline,
    plan,
)
from widgets.lock_tree import LockTree
from widgets.selectable import SelectablePane
from widgets.theme import resolved, themed

if TYPE_CHECKING:
    from textual.widget import Widget
    from textual.widgets.tree import TreeNode

    from state.console import ConsoleState
    from state.events import DatabaseSampled


class LocksPane(SelectablePane):
    SOURCES = ("postgres",)
    TITLE = "Database locks"
    # a session's age is as of the sample that saw it (pg_activity's TIME moves with its
    # refresh too): between samples nobody knows the session still holds its lock, and a
    # late sample says so in the border (staleness ticks every second), not in the ages
    CLOCKED = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lock_tree = LockTree(self)
        self.lock_tree.display = False
        self.opened: set[SessionKey] = set()  # roots whose cut the commander opened
        self.folded: set[SessionKey] = set()  # sessions whose waiters the commander folded
        self.title_text = Text(self.TITLE)
        self._chains: list[tuple[DatabaseSampled, list[BlockingChain]]] = []
        self._total = 0  # sessions in the chains drawn
        self._planned: dict[Line, Planned] = {}
        self._plan_of: tuple[list[BlockingChain], tuple[object, ...]] | None = None
        self._node_of: dict[Line, TreeNode[Line]] = {}
        self._labels: dict[Line, Text] = {}
        self._drawing: tuple[object, object, str] | None = None  # sample, plan, theme drawn
        self._key: Line | None = None  # the line the commander put the cursor on
        self._sessions_at: list[int] = []  # the tree's lines that are sessions, in order
        self._tops: list[Planned] = []  # the tree as last planned
        self._wanted: tuple[list[BlockingChain] | None, int] = (None, 0)
        self._db: DatabaseSampled | None = None  # the sample drawn: its ages are as of it

    def compose(self):
        yield self.content  # the tree comes with the first state drawn (`mount_rows`)

    def focus_target(self) -> Widget | None:
        return self.mount_rows(self.lock_tree)

    # ---- what the pane holds -------------------------------------------------------------

    def chains(self, state: ConsoleState) -> list[BlockingChain]:
        """The blocking chains of the state's database sample, computed once per sample."""
        db = state.database
        if db is None:
            return []
        for seen, chains in self._chains:
            if seen is db:
                return chains
        # two kept: while the commander chooses, the pane draws the held sample and the
        # layout asks about the latest
        found = blocking_chains(db.sessions)
        self._chains = [(db, found), *self._chains[:1]]
        return found

    def wanted(self, state: ConsoleState) -> int:
        """Lines to draw every session of the chains (tui/layout.py grows the pane with
        them): the counts, what the role cannot see, the sessions, the border."""
        db = state.database
        if db is None:
            return 5
        chains = self.chains(state)
        if self._wanted[0] is not chains:  # once per sample: a walk of every session
            lines = sum(lines_of(c, depth) for chain in chains for c, depth in chain.walk())
            self._wanted = (chains, lines)
        return 2 + bool(unseen(db)) + (self._wanted[1] or 1) + 2

    def alerting(self, state: ConsoleState) -> bool:
        db = state.database
        return bool(db and (any(s.blocked_by for s in db.sessions) or connection_share(db) > 0.9))

    def flag(self, state: ConsoleState) -> str | None:
        db = state.database
        if db is None:
            return None
        blocked = sum(1 for s in db.sessions if s.blocked_by)
        if blocked:
            return f"{blocked} session{'s' if blocked != 1 else ''} blocked"
        return f"connections {connections_used(db)}/{db.max_connections}"

    def selected(self) -> BlockingChain | None:
        """The session under the cursor (a blocker or a waiter); None on a "… more" line."""
        node = self.lock_tree.cursor_node
        if not self.lock_tree.display or node is None or node.data is None:
            return None
        if node.data.kind in (CUT, FOLDED):
            return None
        found = self._planned.get(node.data)
        return found.chain if found else None

    # ---- drawing -------------------------------------------------------------------------

    def body(self, state: ConsoleState, now: datetime, width: int, height: int) -> Text:
        """The counts over the tree (`counts`)."""
        return counts(state, self.chains(state))

    def _draw(self, state: ConsoleState, now: datetime) -> None:
        self.mount_rows(self.lock_tree)
        fresh = self._body is None  # a repaint: the theme or the frozen picture changed
        body = self.not_configured(state) or self.body(
            state, now, self.content_size.width, self.content_size.height
        )
        if body != self._body:
            self._body = body
            self.content.show_lines(themed(body))
        chains = [] if self._unfed(state) else self.chains(state)
        self.lock_tree.display = bool(chains)
        if not chains and self._tops:  # the chains have gone: so have their sessions
            self._plan_of = None
            self._sync([])
        if chains:
            db = state.database
            room = max(self.content_size.height - len(body.plain.splitlines()), 1)
            wish = (room, frozenset(self.opened), frozenset(self.folded))
            # the chains by identity: a thousand sessions are never compared field by field
            if self._plan_of is None or self._plan_of[0] is not chains or self._plan_of[1] != wish:
                self._plan_of = (chains, wish)
                self._total = sum(1 + chain.size for chain in chains)
                self._sync(plan(chains, *wish))
            # the words change with the sample, the plan (folds, cuts) and the theme alone;
            # the tree repaints the lines whose words changed (`LockTree.refresh_stale`)
            drawing = (db, self._plan_of, self.app.theme)
            if fresh or not _same(self._drawing, drawing):
                self._drawing = drawing
                self._labels.clear()
                self._db = db
                self.lock_tree.refresh_stale()
        self.mark_cut()
        self._subtitled(state, now)

    def _sync(self, planned: list[Planned]) -> None:
        """The tree's nodes made those of `planned`, in place: a node whose line stays keeps
        its place and the cursor; only nodes that came, went or moved are touched."""
        self._tops, self._planned = planned, {}
        for p in _every(planned):
            self._planned[p.line] = p
        self._children(self.lock_tree.root, planned)
        self.lock_tree.last_line  # noqa: B018 - lays the lines out before the cursor is placed
        self._sessions_at = [
            y for y in range(self.lock_tree.last_line + 1) if self._line_kind(y) == SESSION
        ]
        node = self._node_of.get(self._key) if self._key else None
        if node is not None:
            self.lock_tree.move_cursor(node)
        else:
            self.lock_tree.place(max(self.lock_tree.cursor_line, 0))

    def _line_kind(self, y: int) -> str | None:
        node = self.lock_tree.get_node_at_line(y)
        return node.data.kind if node is not None and node.data is not None else None

    def _children(self, parent: TreeNode[Line], planned: list[Planned]) -> None:
        want = [p.line for p in planned]
        have = [child.data for child in parent.children]
        if want != have:
            wanted = set(want)
            if not wanted.intersection(have):
                for child in parent.children:
                    self._forget(child)
                parent.remove_children()
            else:
                for child in list(parent.children):
                    if child.data not in wanted:
                        self._forget(child)
                        child.remove()
            kept = [child.data for child in parent.children]
            staying = set(kept)
            if kept != [line for line in want if line in staying]:  # reordered: start over
                for child in parent.children:
                    self._forget(child)
                parent.remove_children()
                kept = []
            at = 0
            for index, line in enumerate(want):
                if at < len(kept) and kept[at] == line:
                    at += 1
                    continue
                node = parent.add("", line, before=index, expand=True, allow_expand=False)
                self._node_of[line] = node
        for p, child in zip(planned, parent.children, strict=True):
            self._children(child, p.children)

    def _forget(self, node: TreeNode[Line]) -> None:
        """Drop `node` and those under it from the index (a line moved keeps its new node)."""
        stack = [node]
        while stack:
            n = stack.pop()
            if n.data is not None and self._node_of.get(n.data) is n:
                del self._node_of[n.data]
            stack.extend(n.children)

    def cannot_draw(self, error: BaseException) -> None:
        self.lock_tree.display = False  # the placeholder alone, not a tree of the last sample
        super().cannot_draw(error)

    # ---- the commander -------------------------------------------------------------------

    def remember(self) -> None:
        """The cursor was moved: it stays on that line's session across refreshes."""
        node = self.lock_tree.cursor_node
        self._key = node.data if node is not None else None
        self.mark_cut()

    def toggle(self, line: Line) -> None:
        """Enter on `line`: open a cut, open a fold, or fold a session's waiters."""
        p = self._planned.get(line)
        if p is None:
            return
        if line.kind == CUT:
            self.opened.add(line.key)
        elif line.kind == FOLDED:
            self.folded.discard(line.key)
            self._key = Line(line.key)
        elif p.chain.waiters:
            self.folded.symmetric_difference_update({line.key})
            self._key = Line(line.key)
        self._repaint()
        self.remember()  # an opened cut: the first of its sessions, now in its line

    def view_moved(self) -> None:
        self.mark_cut()

    def mark_cut(self) -> None:
        """The border title: the pane's name, and which sessions are in view when not all."""
        total = self._total if self.lock_tree.display else 0
        top, height = self.lock_tree.scroll_offset.y, self.lock_tree.size.height
        first, last = (
            bisect_left(self._sessions_at, top),
            bisect_left(self._sessions_at, top + height),
        )
        title = Text(self.TITLE)
        if last > first and last - first < total:
            first += 1
            where = f"{last}" if first == 1 else f"{first}–{last}"
            title.append(f" · {where} of {total} sessions")
        if title != self.title_text:
            self.title_text = title
            self.border_title = self.title_text  # Text, never markup

    # ---- a line's words ------------------------------------------------------------------

    def label(self, line: Line) -> Text:
        """What `line` says now, its styles resolved for the Tree (it draws Rich Text)."""
        found = self._labels.get(line)
        if found is None:
            parse = self.app.stylesheet.parse_style
            db = self._db
            if db is None or line not in self._planned:
                return Text()  # nothing drawn yet: no words before the first sample
            said = words(self._planned[line], db.at, db.sessions)
            found = resolved(said, lambda role: parse(role).rich_style)
            self._labels[line] = found
        return found

    def text(self) -> str:
        """Every line the pane holds, as plain text, guides included and nothing cut: the
        counts, then the tree line by line, those out of view too (for tests and checks)."""
        lines = self._body.plain.splitlines() if self._body else []
        db = self._db
        if self.lock_tree.display and db is not None:
            lines += [g + words(p, db.at, db.sessions).plain for g, p in outline(self._tops)]
        return "\n".join(lines)


def _same(drawn: tuple[object, object, str] | None, drawing: tuple[object, object, str]) -> bool:
    """The same sample and plan (by identity: never compared field by field) and theme."""
    return (
        drawn is not None
        and drawn[0] is drawing[0]
        and drawn[1] is drawing[1]
        and drawn[2] == drawing[2]
    )


def _every(planned: list[Planned]):
    stack = list(planned)
    while stack:
        p = stack.pop()
        yield p
        stack.extend(p.children)
