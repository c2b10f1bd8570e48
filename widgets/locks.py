"""The Database locks pane: connection counts, then each blocking chain as a tree.

The chains are a Textual Tree: every session is reachable by keyboard and mouse however
long the queue grows, the tree grows with its chain (tui/layout.py), and the cursor picks
the backend `k` and `c` act on.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Tree

from state.locks import BlockingChain, blocking_chains, connection_share, connections_used
from state.text import inert
from widgets.format import name_cell, since
from widgets.selectable import SelectablePane, holds_still
from widgets.theme import BAD_STRONG, GOOD, MUTED, QUOTE, STRONG, WARN, resolved, themed

if TYPE_CHECKING:
    from textual.widget import Widget
    from textual.widgets.tree import TreeNode

    from state.console import ConsoleState
    from state.events import DbSession

NEST = 4  # deeper waiters hang at this depth: a queue thousands long stays readable


def flatten(chains: list[BlockingChain]) -> list[tuple[BlockingChain, int]]:
    """Each session of the trees with its depth, in the order the pane draws them."""
    return [found for chain in chains for found in chain.walk()]


@holds_still(
    "action_cursor_up",
    "action_cursor_down",
    "action_page_up",
    "action_page_down",
    "action_scroll_home",
    "action_scroll_end",
    "_on_click",
)
class ChainTree(Tree[BlockingChain], inherit_bindings=False):
    """The blocking chains; moving its cursor holds the pane still while a backend is chosen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False, id="pane.cursor_up"),
        Binding("down", "cursor_down", "Down", show=False, id="pane.cursor_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="pane.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="pane.page_down"),
        Binding("ctrl+home", "scroll_home", "First row", show=False, id="pane.first"),
        Binding("ctrl+end", "scroll_end", "Last row", show=False, id="pane.last"),
    ]

    def __init__(self, pane: LocksPane) -> None:
        super().__init__("chains")
        self.pane = pane
        self.show_root = False
        self.auto_expand = False
        self.guide_depth = 2
        self.shape: tuple[tuple[int, int], ...] = ()
        self.lines: list[Text] = []
        self._theme = ""

    def watch_scroll_y(self, old: float, new: float) -> None:
        """Scrolled past the cursor's line: the cursor follows, so `k` never acts on a
        session out of view."""
        super().watch_scroll_y(old, new)
        self.call_after_refresh(self._keep_cursor_in_view)

    def _keep_cursor_in_view(self) -> None:
        first = round(self.scroll_y)
        last = min(first + self.scrollable_content_region.height, self.last_line + 1)
        if last > first and not first <= self.cursor_line < last:
            self.cursor_line = min(max(self.cursor_line, first), last - 1)

    def fill(self, rows: list[tuple[BlockingChain, int, Text, Text | None]]) -> None:
        """One node per session (and under each blocker its statement), nested by depth;
        only labels change while the chains keep their shape, and the cursor stays on its
        backend."""
        parse = self.app.stylesheet.parse_style

        def look(text: Text) -> Text:
            return resolved(text, lambda role: parse(role).rich_style)

        shape = tuple((chain.session.pid, depth) for chain, depth, _, _ in rows)
        lines = [t for _, _, line, query in rows for t in (line, query) if t is not None]
        if shape == self.shape and self.app.theme == self._theme:
            if lines != self.lines:
                nodes = [n for n in self._walk() if n is not self.root]
                for node, old, new in zip(nodes, self.lines, lines, strict=True):
                    if old != new:
                        node.set_label(look(new))
                self.lines = lines
            return
        at = self.cursor_node
        chosen = at.data.session.pid if at is not None and at.data is not None else None
        self.clear()
        parents: list[TreeNode[BlockingChain]] = [self.root]
        for chain, depth, line, query in rows:
            parent = parents[min(depth, NEST)]
            node = parent.add(look(line), chain, expand=True, allow_expand=False)
            if query is not None:
                node.add_leaf(look(query), chain)
            del parents[min(depth, NEST) + 1 :]
            parents.append(node)
        self.shape, self.lines, self._theme = shape, lines, self.app.theme
        self.call_after_refresh(self._choose, chosen)

    def _choose(self, pid: int | None) -> None:
        for line, node in enumerate(n for n in self._walk() if n is not self.root):
            if node.data is not None and node.data.session.pid == pid:
                self.cursor_line = line
                break
        else:
            self.cursor_line = max(self.cursor_line, 0)
        self._keep_cursor_in_view()

    def _walk(self) -> list[TreeNode[BlockingChain]]:
        """Every node in drawing order (all are expanded)."""
        out, stack = [], [self.root]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(node.children))
        return out


class LocksPane(SelectablePane):
    SOURCES = ("postgres",)
    TITLE = "Database locks"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.chains = ChainTree(self)
        self._rows: int = 0

    def compose(self):
        yield self.content
        yield self.chains

    def focus_target(self) -> Widget | None:
        return self.chains

    def selected(self) -> BlockingChain | None:
        """The session under the tree's cursor, as the chain rooted at it."""
        node = self.chains.cursor_node
        if self.shown() is None or not self.chains.display or node is None:
            return None
        return node.data

    def alerting(self, state: ConsoleState) -> bool:
        db = state.database
        return bool(db and (any(s.blocked_by for s in db.sessions) or connection_share(db) > 0.9))

    def wanted(self, state: ConsoleState) -> int:
        """Lines the pane would take to show every session: counts, the tree, border."""
        db = state.database
        rows = flatten(blocking_chains(db.sessions)) if db else []
        return 2 + 2 + (len(rows) + sum(1 for _, depth in rows if depth == 0) or 1)

    def _draw(self, state: ConsoleState, now: datetime) -> None:
        unfed = self.not_configured(state)
        summary, rows = unfed or self.summary(state), [] if unfed else self.chain_rows(state, now)
        body = summary.copy()
        for _, _, line, query in rows:
            body.append("\n")
            body.append_text(line)
            if query is not None:
                body.append("\n")
                body.append_text(query)
        if body != self._body:
            self._body = body
            self.content.update(themed(summary))
            self.chains.display = bool(rows)
            self.chains.fill(rows)
        self._subtitled(state, now)

    def cannot_draw(self, error: BaseException) -> None:
        self.chains.display = False
        super().cannot_draw(error)

    def summary(self, state: ConsoleState) -> Text:
        """Connections by state, Redis memory, and 'no blocking chains' when there are none."""
        text = Text(no_wrap=True, overflow="ellipsis")
        db = state.database
        if db is None:
            text.append("no sample yet", MUTED)
            return text
        c = db.connections
        used = connections_used(db)
        share = connection_share(db)
        text.append("connections ", STRONG)
        text.append(
            f"{used}/{db.max_connections}",
            BAD_STRONG if share > 0.9 else WARN if share > 0.75 else "",
        )
        waiting = c.get("waiting", 0)
        text.append("  waiting ", STRONG)
        text.append(str(waiting), BAD_STRONG if waiting else "")
        in_tx = c.get("idle in transaction", 0)
        text.append(f"\nactive {c.get('active', 0)} · idle {c.get('idle', 0)} · idle in tx ")
        text.append(str(in_tx), WARN if in_tx else "")
        if state.cache:
            cache = state.cache
            top = f"/{cache.max_memory_mb:.0f}" if cache.max_memory_mb else ""
            text.append(f" · redis {cache.used_memory_mb:.0f}{top} MB", MUTED)
        if not blocking_chains(db.sessions):
            text.append("\n")
            text.append("no blocking chains", GOOD)
        return text

    def chain_rows(
        self, state: ConsoleState, now: datetime
    ) -> list[tuple[BlockingChain, int, Text, Text | None]]:
        """Per session of the chains: the chain rooted at it, its depth, its line, and for
        a blocker the statement the commander must read in full."""
        db = state.database
        if db is None:
            return []
        rows = []
        for chain, depth in flatten(blocking_chains(db.sessions)):
            query = Text(inert(chain.session.query, 300), QUOTE) if depth == 0 else None
            rows.append((chain, depth, self._session(chain, now, depth), query))
        return rows

    def _session(self, chain: BlockingChain, now: datetime, depth: int) -> Text:
        s: DbSession = chain.session
        line = Text()
        if depth == 0:
            line.append("▶ ", BAD_STRONG)
        line.append(f"{s.pid} ", STRONG)
        line.append_text(name_cell(s.user or "?", 12, pad=False))
        line.append(" ")
        state = inert(s.state or "?", 40).replace("idle in transaction", "idle in tx")
        line.append(f"{state} ", WARN if state.startswith("idle in tx") else "")
        started = s.xact_start if depth == 0 else s.query_start
        line.append(since(now, started), STRONG if depth == 0 else "")
        if depth == 0:
            if chain.size:
                line.append(f" blocks {chain.size}", BAD_STRONG)
            if s.relation:
                line.append(" on ")
                line.append_text(name_cell(s.relation, 40, pad=False))
            if s.blocked_by:
                pids = ", ".join(map(str, s.blocked_by))
                line.append(f" (waits on pid {pids}, not visible)", MUTED)
        else:
            if s.lock_mode:
                line.append(f" {inert(s.lock_mode, 24)}", MUTED)
            line.append(f"  {inert(s.query, 200)}", MUTED)
        return line
