"""What each line of the Database locks pane says: the counts over the tree, a session's
line, a root's statement, the other blockers a waiter waits on, how many a cut stands for.

Text with style roles (widgets/theme.py), every outside value inert (state/text.py); the
pane resolves the roles for its Tree, which draws Rich Text.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from state.locks import (
    BlockingChain,
    blocker_name,
    blocking_chains,
    connection_share,
    connections_used,
    cut_mark,
    unseen,
)
from state.text import inert
from widgets.format import name_cell, since
from widgets.lock_plan import ALSO, CUT, DETAIL, SESSION, Planned, outline, plan
from widgets.theme import BAD_STRONG, GOOD, MUTED, QUOTE, STRONG, WARN, WARN_STRONG

if TYPE_CHECKING:
    from state.console import ConsoleState
    from state.events import DbSession

APP_CELLS = 18  # an application_name names the service behind a lock; its cut is marked


def who(s: DbSession) -> str:
    """The service behind a session: its application_name, else its role."""
    return s.application or s.user or "?"


def whole(state: ConsoleState, now: datetime, height: int = 10**9) -> Text:
    """What the pane holds of `state` when `height` lines tall inside, every line uncut,
    with the tree's guides: the counts, then each chain (for checks with no console)."""
    db = state.database
    chains = blocking_chains(db.sessions) if db else []
    text = counts(state, chains)
    room = max(height - len(text.plain.splitlines()), 1)
    for guide, p in outline(plan(chains, room)):
        text.append("\n" + guide)
        text.append_text(words(p, now, db.sessions if db else ()))
    return text


def words(p: Planned, now: datetime, sessions: tuple[DbSession, ...]) -> Text:
    """A node's text with style roles, uncut: a session's line, a root's statement, the
    other blockers a waiter waits on, or how many sessions a cut or a fold stands for."""
    kind = p.line.kind
    if kind == SESSION:
        return session_line(p.chain, p.depth, now)
    if kind == DETAIL:
        return detail_line(p.chain)
    if kind == ALSO:
        names = ", ".join(blocker_name(pid, sessions) for pid in p.chain.also)
        return Text(f"↳ also waits on {names}", WARN)
    more = "more " if kind == CUT else ""
    return Text(f"… {p.hidden} {more}waiting · enter shows them", MUTED)


def counts(state: ConsoleState, chains: list[BlockingChain]) -> Text:
    """The counts over the tree, and what the role cannot see; the tree's own lines
    when it has none ("no blocking chains")."""
    text = Text(no_wrap=True, overflow="ellipsis")
    db = state.database
    if db is None:
        text.append("no sample yet", MUTED)
        return text
    c = db.connections
    share = connection_share(db)
    text.append("connections ", STRONG)
    text.append(
        f"{connections_used(db)}/{db.max_connections}",
        BAD_STRONG if share > 0.9 else WARN if share > 0.75 else "",
    )
    waiting = c.get("waiting", 0)
    text.append("  waiting ", STRONG)
    text.append(str(waiting), BAD_STRONG if waiting else "")
    in_tx = c.get("idle in transaction", 0)
    text.append(f"\nactive {c.get('active', 0)} · idle {c.get('idle', 0)} · idle in tx ")
    text.append(str(in_tx), WARN if in_tx else "")
    if db.hidden_sessions:  # the counts are of the sessions the role sees: the rest are none
        text.append(f" · {db.hidden_sessions} unknown", WARN)
    if state.cache:
        cache = state.cache
        top = f"/{cache.max_memory_mb:.0f}" if cache.max_memory_mb else ""
        text.append(f" · redis {cache.used_memory_mb:.0f}{top} MB", MUTED)
    blind = unseen(db)
    if blind:  # never all clear when the role cannot see: say so before anything else
        text.append("\n")
        text.append(blind, WARN_STRONG)
    if not chains:
        text.append("\n")
        if blind:
            text.append("no blocking chain in pg_locks; states and statements unknown", MUTED)
        else:
            text.append("no blocking chains", GOOD)
    return text


def session_line(chain: BlockingChain, depth: int, now: datetime) -> Text:
    """A session's line: a root's pid, service, state, age, how many it blocks and on what;
    a waiter's pid, service, how long it has waited, its statement and lock mode."""
    s: DbSession = chain.session
    line = Text()
    if depth == 0:
        line.append("▶ ", BAD_STRONG)
    if s.is_prepared:
        line.append("prepared transaction", STRONG)
        if s.prepared is not None:
            line.append(" ")
            line.append_text(name_cell(f"'{s.prepared}'", 30, STRONG, pad=False))
        line.append(f" {since(now, s.xact_start)}" if s.xact_start else "", STRONG)
        _blocks(line, chain)
        return line
    if not chain.sampled:
        line.append(f"{s.pid}", STRONG)
        _blocks(line, chain)
        return line
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
    if depth == 0:
        _blocks(line, chain)
        return line
    line.append("  ")
    if s.visible:
        line.append_text(statement(s, "", short=True))
    else:
        line.append("statement hidden: grant pg_monitor", MUTED)
    if s.lock_mode:
        line.append(f"  {inert(s.lock_mode, 24)}", MUTED)
    return line


def detail_line(chain: BlockingChain) -> Text:
    """A root's second line: its statement (what the commander must read), or for a
    prepared transaction its owner and database, or why nothing more is known."""
    s = chain.session
    if s.is_prepared:
        if s.prepared is None:
            return Text("pg_blocking_pids() says 0: no prepared transaction found", MUTED)
        detail = Text("no backend · owner ", MUTED)
        detail.append_text(name_cell(s.user or "?", 20, pad=False))
        detail.append(" · database ", MUTED)
        detail.append_text(name_cell(s.database or "?", 20, pad=False))
        return detail
    if not chain.sampled:
        return Text("not in pg_stat_activity: it ended as it was read", MUTED)
    if not s.visible:
        return Text("statement hidden: grant pg_monitor", MUTED)
    return statement(s, QUOTE)


def statement(s: DbSession, style: str, limit: int = 300, short: bool = False) -> Text:
    """`s`'s statement, inert, cut to `limit`; one the server cut is marked before it, where
    the pane's cut to its width leaves the mark: "(cut by the server at 1 kB) UPDATE …", or
    `short` on a waiter's row, which holds its pid, service and age too: "(cut at 1 kB)"."""
    mark = cut_mark(s, short)
    if mark is None:
        return Text(inert(s.query, limit), style)
    text = Text(f"({mark}) ", WARN)
    text.append(f"{inert(s.query, limit).removesuffix('…')}…", style)
    return text


def _blocks(line: Text, chain: BlockingChain) -> None:
    if chain.blocks:
        line.append(f" blocks {chain.blocks}", BAD_STRONG)
    s = chain.session
    if s.relation:
        line.append(" on ")
        line.append_text(name_cell(s.relation, 40, pad=False))
