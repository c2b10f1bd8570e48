"""The Database locks pane: connection counts, then each blocking chain as a tree."""

from __future__ import annotations

from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding

from state.locks import (
    BlockingChain,
    blocker_name,
    blocking_chains,
    connection_share,
    connections_used,
    unseen,
)
from state.text import inert
from widgets.format import name_cell, since
from widgets.selectable import CursorPane
from widgets.theme import BAD_STRONG, GOOD, MUTED, QUOTE, STRONG, WARN, WARN_STRONG

if TYPE_CHECKING:
    from state.console import ConsoleState
    from state.events import DbSession

APP_CELLS = 18  # an application_name names the service behind a lock; its cut is marked


def flatten(chains: list[BlockingChain]) -> list[tuple[BlockingChain, int]]:
    """Each session of the trees with its depth, in the order the pane draws them."""
    return [found for chain in chains for found in chain.walk()]


def lines_of(chain: BlockingChain, depth: int) -> int:
    """How many lines the pane draws for one session: a root's second line says what it
    runs, and a waiter on several blockers gets a line naming the others."""
    return 1 + (depth == 0) + bool(chain.also)


Drawn = tuple[BlockingChain, int] | str  # a session and its depth, or a "… N more" line


def layout(chains: list[BlockingChain], room: int) -> list[Drawn]:
    """What the pane draws of `chains` in `room` lines: every session when they fit; else
    every root (each is a blocker the commander must see; its line says how many wait
    behind it), and of each chain as many waiters as leave room for the roots after it,
    with a "… N more" line where sessions are left out (a lock queue can be thousands
    long)."""
    rows = flatten(chains)
    if sum(lines_of(chain, depth) for chain, depth in rows) <= room:
        return list(rows)
    heads = [lines_of(chain, 0) for chain in chains]
    drawn: list[Drawn] = []
    used = 0
    for i, chain in enumerate(chains):
        later = sum(heads[i + 1 :])
        waiters = chain.size
        if used + heads[i] + later > room:  # not every root fits
            for j in range(i, len(chains)):
                if used + heads[j] + 1 > room:
                    drawn.append(f"… {len(chains) - j} more blockers")
                    break
                drawn.append((chains[j], 0))
                used += heads[j]
            return drawn
        drawn.append((chain, 0))
        used += heads[i]
        for k, (waiter, depth) in enumerate(islice(chain.walk(), 1, None)):
            lines = lines_of(waiter, depth)
            if used + lines + later + (k < waiters - 1) > room:
                if used + 1 + later <= room:  # else the root's "blocks N" says it alone
                    drawn.append(f"  … {waiters - k} more waiting")
                    used += 1
                break
            drawn.append((waiter, depth))
            used += lines
    return drawn


def who(s: DbSession) -> str:
    """The service behind a session: its application_name, else its role."""
    return s.application or s.user or "?"


class LocksPane(CursorPane):
    # Home and End in the lock tree, which can be hundreds of sessions long (a focused pane
    # takes them before replay's start and end)
    BINDINGS = [
        Binding("home", "cursor_to(0)", "First", show=False, id="pane.cursor_first"),
        Binding("end", "cursor_to(-1)", "Last", show=False, id="pane.cursor_last"),
    ]
    SOURCES = ("postgres",)
    TITLE = "Database locks"

    def wanted(self, state: ConsoleState) -> int:
        """Lines to draw every session of the chains (tui/layout.py grows the pane with
        them): the counts, what the role cannot see, the sessions, the border."""
        db = state.database
        if db is None:
            return 5
        rows = flatten(blocking_chains(db.sessions))
        sessions = sum(lines_of(chain, depth) for chain, depth in rows) or 1
        return 2 + bool(unseen(db)) + sessions + 2

    def rows(self, state: ConsoleState, now: datetime) -> list[BlockingChain]:
        """Every session drawn, blockers and waiters, as the chain rooted at it."""
        drawn = self._drawn(state, self.content_size.height)
        return [item[0] for item in drawn if not isinstance(item, str)]

    @staticmethod
    def _drawn(state: ConsoleState, height: int) -> list[Drawn]:
        db = state.database
        if db is None:
            return []
        room = max(height - 2 - bool(unseen(db)), 1)  # under the counts and what it cannot see
        return layout(blocking_chains(db.sessions), room)

    def row_key(self, row: BlockingChain) -> tuple[int, object]:
        """A session is its pid with its backend's start (a pid is reused, the start is not);
        a prepared transaction is its gid."""
        s = row.session
        return (s.pid, s.prepared if s.is_prepared else s.backend_start)

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
        blind = unseen(db)
        if blind:  # never all clear when the role cannot see: say so before anything else
            text.append(blind, WARN_STRONG)
            text.append("\n")
        drawn = self._drawn(state, height)
        if not drawn:
            if blind:
                text.append("no blocking chain in pg_locks; states and statements unknown", MUTED)
            else:
                text.append("no blocking chains", GOOD)
            return text
        index = 0
        for item in drawn:
            if isinstance(item, str):
                text.append(item, MUTED)
                text.append("\n")
                continue
            chain, depth = item
            for line in self._session(chain, db.sessions, now, depth, self.cursor_style(index)):
                text.append_text(line)
                text.append("\n")
            index += 1
        return text

    def _session(
        self,
        chain: BlockingChain,
        sessions: tuple[DbSession, ...],
        now: datetime,
        depth: int,
        cursor: str,
    ) -> list[Text]:
        """The session's line, then for a root its statement (what the commander must read)
        and for one that waits on more than one blocker, the others it waits on."""
        s: DbSession = chain.session
        line = Text(style=cursor)
        if depth == 0:
            line.append("▶ ", BAD_STRONG)
        else:
            line.append("  " * min(depth - 1, 3) + "└ ", MUTED)
        lines = [line]
        if s.is_prepared:
            self._prepared(line, chain, now)
            self._blocks(line, chain)
            lines.append(self._prepared_detail(chain))
        elif not chain.sampled:
            line.append(f"{s.pid}", STRONG)
            self._blocks(line, chain)
            lines.append(Text("  not in pg_stat_activity: it ended as it was read", MUTED))
        else:
            line.append(f"{s.pid} ", STRONG)
            line.append_text(name_cell(who(s), APP_CELLS, STRONG if depth == 0 else "", pad=False))
            line.append(" ")
            if not s.visible:
                line.append("state hidden", MUTED)
            else:
                if depth == 0 or s.state != "active":  # a waiter is active: it waits
                    shown = inert(s.state or "?", 40).replace("idle in transaction", "idle in tx")
                    line.append(f"{shown} ", WARN if shown.startswith("idle in tx") else "")
                started = s.xact_start if depth == 0 else s.query_start
                line.append(since(now, started), STRONG if depth == 0 else "")
            statement = inert(s.query, 300) if s.visible else "statement hidden: grant pg_monitor"
            if depth == 0:
                self._blocks(line, chain)
                lines.append(Text(f"  {statement}", QUOTE if s.visible else MUTED))
            else:
                line.append(f"  {statement}", "" if s.visible else MUTED)
                if s.lock_mode:
                    line.append(f"  {inert(s.lock_mode, 24)}", MUTED)
        if chain.also:
            names = ", ".join(blocker_name(p, sessions) for p in chain.also)
            pad = "  " * min(depth, 4)
            lines.append(Text(f"{pad}  ↳ also waits on {names}", WARN))
        return lines

    @staticmethod
    def _blocks(line: Text, chain: BlockingChain) -> None:
        if chain.blocks:
            line.append(f" blocks {chain.blocks}", BAD_STRONG)
        s = chain.session
        if s.relation:
            line.append(" on ")
            line.append_text(name_cell(s.relation, 40, pad=False))

    @staticmethod
    def _prepared(line: Text, chain: BlockingChain, now: datetime) -> None:
        s = chain.session
        line.append("prepared transaction", STRONG)
        if s.prepared is not None:
            line.append(" ")
            line.append_text(name_cell(f"'{s.prepared}'", 30, STRONG, pad=False))
        line.append(f" {since(now, s.xact_start)}" if s.xact_start else "", STRONG)

    @staticmethod
    def _prepared_detail(chain: BlockingChain) -> Text:
        s = chain.session
        if s.prepared is None:
            return Text("  pg_blocking_pids() says 0: no prepared transaction found", MUTED)
        detail = Text("  no backend · owner ", MUTED)
        detail.append_text(name_cell(s.user or "?", 20, pad=False))
        detail.append(" · database ", MUTED)
        detail.append_text(name_cell(s.database or "?", 20, pad=False))
        return detail
