"""Blocking chains from pg_blocking_pids(): who blocks whom, as a tree."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from state.text import inert

if TYPE_CHECKING:
    from state.events import DatabaseSampled, DbSession

# the lock-chain reading this console writes (SessionStarted.lock_rules): 2 tells the chains
# as they grow, all counted together (state/timeline.py), and each chain's own peak in the
# review (state/review/metrics.py); 3 tells each chain's growth apart, by its root blocker
# (ConsoleState.lock_told); 4 tells each chain's clearing apart, by its root blocker, how
# long it stood and how many still stand (ConsoleState.lock_standing), the chains read again
# whenever a session's waits moved. A journal replays under the rules it says, as it was
# shown then; one that does not say under 1 (a chain told once, as it appeared, one peak
# over every chain)
LOCK_RULES = 4


@dataclass(frozen=True)
class BlockingChain:
    """One session and the sessions waiting on it, directly or through others.

    `also`: the other sessions this one waits on, besides the one it is drawn under (all of
    them for a root that closes a cycle); each of those is drawn elsewhere in the trees.
    `blocks`: for a root, every session waiting behind it in the lock graph, those drawn
    under another blocker included; for a waiter, those drawn under it (`size`).
    `sampled`: False for a blocker known only from a waiter's `blocked_by` (it ended
    between the two reads, or it is a prepared transaction the probe could not name).
    `size`: how many sessions are drawn under this one, at any depth (kept, not counted
    again: a lock queue can be thousands deep).
    """

    session: DbSession
    waiters: tuple[BlockingChain, ...] = field(default=())
    also: tuple[int, ...] = ()
    blocks: int = 0
    sampled: bool = True
    size: int = 0

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

    Every pid in any `blocked_by` is in the trees: a waiter blocked by several sessions is
    drawn under the first and names the others in `also`, and each of those is drawn as a
    root of its own or as a waiter elsewhere; a blocker missing from the sample is a root
    with `sampled` False. Cycles (deadlocks in the making) are cut where they close, and
    each is shown once, rooted at its lowest pid.
    """
    from state.events import DbSession  # on use: the first frame waits for no pydantic

    by_pid = {s.pid: s for s in sessions}
    unsampled: set[int] = set()
    blockers: dict[int, tuple[int, ...]] = {}  # waiter -> the sessions it waits on, in order
    for s in sessions:
        found = tuple(p for p in dict.fromkeys(s.blocked_by) if p != s.pid)
        if found:
            blockers[s.pid] = found
        for p in found:
            if p not in by_pid:
                by_pid[p] = DbSession(pid=p, visible=False)
                unsampled.add(p)
    parent = {pid: found[0] for pid, found in blockers.items()}  # drawn under its first
    children: dict[int, list[DbSession]] = {}
    waiting_on: dict[int, list[int]] = {}  # blocker -> every session waiting on it
    for pid, found in blockers.items():
        children.setdefault(found[0], []).append(by_pid[pid])
        for p in found:
            waiting_on.setdefault(p, []).append(pid)
    roots = [s for pid, s in by_pid.items() if pid in waiting_on and pid not in blockers]

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
            pid, is_root = session.pid, session is root
            found = blockers.get(pid, ())
            if is_root or len(found) < 2:
                also = found if is_root else ()
            else:
                also = tuple(p for p in found if p != parent[pid])
            size = count + sum(w.size for w in waiters)
            blocks = _behind(waiting_on, pid) if is_root else size
            sampled = pid not in unsampled
            built.append(BlockingChain(session, waiters, also, blocks, sampled, size))
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
    return sorted(chains, key=lambda c: (-c.blocks, c.session.pid))


def chain_sizes(sessions: Sequence[DbSession]) -> dict[str, int]:
    """{chain_key(root): its `blocks`} for each chain of `blocking_chains(sessions)`, without
    building the trees: read at every sample whose count of blocked sessions changed
    (state/timeline.py chains_told), a thousand sessions in a fraction of the trees' cost.
    A cycle (no root reaches some waiter) is read through `blocking_chains`."""
    waiting_on: dict[int, list[int]] = {}
    parent: dict[int, int] = {}  # a waiter -> the first it waits on, as the trees hang it
    for s in sessions:
        if not s.blocked_by:
            continue
        for p in dict.fromkeys(s.blocked_by):
            if p != s.pid:
                parent.setdefault(s.pid, p)
                waiting_on.setdefault(p, []).append(s.pid)
    if _in_a_cycle(parent):  # rooted where blocking_chains roots it
        return {chain_key(c.session): c.blocks for c in blocking_chains(sessions)}
    by_pid = {s.pid: s for s in sessions if s.pid in waiting_on}
    out: dict[str, int] = {}
    for root in waiting_on.keys() - parent.keys():
        found = by_pid.get(root)
        key = chain_key(found) if found is not None else _unsampled_key(root)
        out[key] = _behind(waiting_on, root)
    return out


def _behind(waiting_on: dict[int, list[int]], pid: int) -> int:
    """How many sessions wait on `pid`, directly or through others (`waiting_on`: each
    blocker's pid -> the pids waiting on it)."""
    seen, stack = {pid}, [pid]
    while stack:
        for w in waiting_on.get(stack.pop(), ()):
            if w not in seen:
                seen.add(w)
                stack.append(w)
    return len(seen) - 1


def _in_a_cycle(parent: dict[int, int]) -> bool:
    """Does following each waiter's first blocker ever come back round, short of a root?"""
    ends: dict[int, bool] = {}  # a waiter -> its first blockers end at a root
    for start in parent:
        path, on_path, pid = [], set(), start
        while pid in parent and pid not in ends and pid not in on_path:
            path.append(pid)
            on_path.add(pid)
            pid = parent[pid]
        rooted = ends.get(pid, pid not in on_path)
        if not rooted:
            return True
        ends.update(dict.fromkeys(path, True))
    return False


def _unsampled_key(pid: int) -> str:
    """chain_key of a blocker missing from the sample (blocking_chains: no backend_start)."""
    return f"xid:{-pid}" if pid < 0 else f"{pid}@"


def chain_key(root: DbSession) -> str:
    """A root blocker over time: its pid and backend_start (a pid is reused, the pair is
    not), or a prepared transaction's gid (it has no backend)."""
    if root.pid < 0:
        return f"gid:{root.prepared}" if root.prepared is not None else f"xid:{-root.pid}"
    started = root.backend_start.isoformat() if root.backend_start else ""
    return f"{root.pid}@{started}"


def root_words(chain: BlockingChain, sessions: Sequence[DbSession]) -> str:
    """A chain's root blocker, short, for a line of its own: "pid 4242 on accounts",
    "prepared transaction 'tx-7'"."""
    root = chain.session
    name = f"pid {root.pid}" if root.pid > 0 else blocker_name(root.pid, sessions)
    on = f" on {root.relation}" if root.relation else ""
    return inert(name + on, 80)


def root_named(sessions: Sequence[DbSession], key: str) -> str:
    """The root blocker of the chain `key` (chain_key) in `sessions`, for the line that tells
    the chain cleared once it may be gone: "pid 4242 (role batch, application billing) on
    accounts", "prepared transaction 'tx-7' (role batch)", or "pid 4242" for a blocker the
    sample did not show."""
    head = key.partition("@")[0]
    pid = int(head) if head.isdigit() else None  # else a prepared transaction: pid < 0
    found = (s for s in sessions if (s.pid == pid if pid else s.pid < 0))
    root = next((s for s in found if chain_key(s) == key), None)
    if root is None:
        return f"pid {pid}" if pid else "a prepared transaction"
    name = f"pid {root.pid}" if root.pid > 0 else blocker_name(root.pid, sessions)
    who = [f"role {root.user}"] if root.user else []
    if root.application and root.pid > 0:
        who.append(f"application {root.application}")
    said = name + (f" ({', '.join(who)})" if who else "")
    return inert(said + (f" on {root.relation}" if root.relation else ""), 160)


def connections_used(db: DatabaseSampled) -> int:
    """Sessions holding a connection (waiting ones are counted in their state already),
    those the console's role may not see included."""
    return sum(v for k, v in db.connections.items() if k != "waiting") + db.hidden_sessions


def connection_share(db: DatabaseSampled) -> float:
    return connections_used(db) / db.max_connections if db.max_connections else 0.0


def unseen(db: DatabaseSampled) -> str | None:
    """Why the database signal is unknown rather than healthy, or None when the console's
    role sees every session: "cannot see 37 sessions of other roles: grant pg_monitor"."""
    n = db.hidden_sessions
    if not n:
        return None
    return f"cannot see {n} session{'s' if n != 1 else ''} of other roles: grant pg_monitor"


def blocker_name(pid: int, sessions: Sequence[DbSession] = ()) -> str:
    """How a blocker is named to a person: its pid, or the prepared transaction's gid."""
    if pid > 0:
        return str(pid)
    found = next((s for s in sessions if s.pid == pid and s.prepared is not None), None)
    return f"prepared transaction '{found.prepared}'" if found else "a prepared transaction"


def statement_words(s: DbSession, limit: int) -> str:
    """`s.query` made inert and cut to `limit` characters; a statement the server cut at its
    track_activity_query_size (`query_cut_at`) ends in "…" and says so, so nobody reads a
    part as the whole: "UPDATE ... WHERE id IN (1, 2… (cut by the server at 1 kB)"."""
    text = inert(s.query, limit)
    mark = cut_mark(s)
    return text if mark is None else f"{text.removesuffix('…')}… ({mark})"


def cut_mark(s: DbSession, short: bool = False) -> str | None:
    """Whether the server cut `s`'s statement, in words: "cut by the server at 1 kB", "may be
    cut by the server at 1 kB" (it ends within a character of the limit: `query_may_be_whole`);
    `short`, for a line that holds more than the statement: "cut at 1 kB", "maybe cut at 1 kB".
    None when it is whole."""
    size = s.query_cut_at
    if size is None:
        return None
    kb = f"{size // 1024} kB" if size % 1024 == 0 else f"{size} bytes"
    if short:
        return f"{'maybe ' if s.query_may_be_whole else ''}cut at {kb}"
    return f"{'may be ' if s.query_may_be_whole else ''}cut by the server at {kb}"


def waiting_words(n: int) -> str:
    """'1 session waits on it.', '3 sessions wait on it.': how many wait behind a blocker."""
    return f"{n} session waits on it." if n == 1 else f"{n} sessions wait on it."
