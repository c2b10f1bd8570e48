"""Blocking chains from pg_blocking_pids(): who blocks whom, as a tree."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from state.events import DatabaseSampled, DbSession


@dataclass(frozen=True)
class BlockingChain:
    """One session and the sessions waiting on it, directly or through others."""

    session: DbSession
    waiters: tuple[BlockingChain, ...] = field(default=())

    @property
    def size(self) -> int:
        """How many sessions wait behind this one, at any depth."""
        return sum(1 for _ in self.walk()) - 1

    def walk(self) -> Iterator[tuple[BlockingChain, int]]:
        """This chain and every chain under it with its depth (0 here), in drawing order.

        Without recursion: a lock queue can be thousands of sessions deep.
        """
        stack: list[tuple[BlockingChain, int]] = [(self, 0)]
        while stack:
            chain, depth = stack.pop()
            yield chain, depth
            stack.extend((w, depth + 1) for w in reversed(chain.waiters))


def blocking_chains(sessions: Sequence[DbSession]) -> list[BlockingChain]:
    """The trees rooted at sessions that block others but wait on nobody, largest first.

    A waiter blocked by several sessions appears under the first of them only. Cycles
    (deadlocks in the making) are cut where they close, and each is shown once, rooted at
    its lowest pid.
    """
    by_pid = {s.pid: s for s in sessions}
    parent: dict[int, int] = {}  # each waiter hangs under its first visible blocker
    children: dict[int, list[DbSession]] = {}
    for s in sessions:
        parents = [p for p in s.blocked_by if p in by_pid]
        if parents:
            parent[s.pid] = parents[0]
            children.setdefault(parents[0], []).append(s)
    # roots block others, or wait on a session that is not visible, and wait on no visible one
    roots = [
        s
        for s in sessions
        if (s.pid in children or s.blocked_by) and not any(p in by_pid for p in s.blocked_by)
    ]

    def build(root: DbSession) -> BlockingChain:
        # each session hangs under one parent, so a pid met again closes a cycle: cut there
        order: list[tuple[DbSession, int]] = []  # depth first: (session, how many waiters)
        seen, stack = {root.pid}, [root]
        while stack:
            session = stack.pop()
            kids = [c for c in children.get(session.pid, []) if c.pid not in seen]
            seen.update(c.pid for c in kids)
            order.append((session, len(kids)))
            stack.extend(reversed(kids))
        built: list[BlockingChain] = []  # then bottom up, each chain from its waiters' chains
        for session, count in reversed(order):
            waiters = tuple(reversed(built[len(built) - count :])) if count else ()
            del built[len(built) - count :]
            built.append(BlockingChain(session, waiters))
        return built[0]

    chains = [build(r) for r in roots]
    shown = {c.session.pid for chain in chains for c, _ in chain.walk()}
    # what is left waits on somebody all the way up: a cycle, with perhaps a tail behind it
    for pid in sorted(parent):
        if pid in shown:
            continue
        path, on_path = [pid], {pid}
        while parent[path[-1]] not in on_path:
            path.append(parent[path[-1]])
            on_path.add(path[-1])
        cycle = path[path.index(parent[path[-1]]) :]
        chain = build(by_pid[min(cycle)])
        chains.append(chain)
        shown.update(c.session.pid for c, _ in chain.walk())
    return sorted(chains, key=lambda c: (-c.size, c.session.pid))


def connections_used(db: DatabaseSampled) -> int:
    """Sessions holding a connection (waiting ones are counted in their state already)."""
    return sum(v for k, v in db.connections.items() if k != "waiting")


def connection_share(db: DatabaseSampled) -> float:
    return connections_used(db) / db.max_connections if db.max_connections else 0.0
