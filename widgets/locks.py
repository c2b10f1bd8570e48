"""The Database locks pane: connection counts, then each blocking chain as a tree."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from state.locks import BlockingChain, blocking_chains, connection_share, connections_used
from state.text import inert
from widgets.format import name_cell, since
from widgets.selectable import SelectablePane
from widgets.theme import BAD_STRONG, GOOD, MUTED, QUOTE, STRONG, WARN

if TYPE_CHECKING:
    from state.console import ConsoleState
    from state.events import DbSession


def flatten(chains: list[BlockingChain]) -> list[tuple[BlockingChain, int]]:
    """Each session of the trees with its depth, in the order the pane draws them."""
    return [found for chain in chains for found in chain.walk()]


class LocksPane(SelectablePane):
    SOURCES = ("postgres",)
    TITLE = "Database locks"

    def rows(self, state: ConsoleState, now: datetime) -> list[BlockingChain]:
        """Every session shown, blockers and waiters, as the chain rooted at it."""
        db = state.database
        return [chain for chain, _ in flatten(blocking_chains(db.sessions))] if db else []

    def alerting(self, state: ConsoleState) -> bool:
        db = state.database
        return bool(db and (any(s.blocked_by for s in db.sessions) or connection_share(db) > 0.9))

    def body(self, state: ConsoleState, now: datetime, width: int, height: int) -> Text:
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
        text.append("\n")
        chains = blocking_chains(db.sessions)
        if not chains:
            text.append("no blocking chains", GOOD)
            return text
        rows = flatten(chains)
        total = len(rows) + len(chains)  # a line per session, and each blocker's statement
        room = max(height - 2, 1)
        shown = room if total <= room else room - 1
        lines: list[Text] = []  # only those that fit: a lock queue can be thousands long
        for index, (chain, depth) in enumerate(rows):
            if len(lines) >= shown:
                break
            lines.append(self._session(chain, now, depth, self.cursor_style(index)))
            if depth == 0:  # the blocker's statement is what the commander must read in full
                lines.append(Text(f"  {inert(chain.session.query, 300)}", QUOTE))
        lines = lines[:shown]
        if total > room:
            lines.append(Text(f"… {total - room + 1} more lines", MUTED))
        for line in lines:
            text.append_text(line)
            text.append("\n")
        return text

    def _session(self, chain: BlockingChain, now: datetime, depth: int, cursor: str) -> Text:
        s: DbSession = chain.session
        line = Text(style=cursor)
        if depth == 0:
            line.append("▶ ", BAD_STRONG)
        else:
            line.append("  " * min(depth - 1, 3) + "└ ", MUTED)
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
