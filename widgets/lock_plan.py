"""What the Database locks tree holds: each blocking chain as nodes, cut to keep every root
in view, with the commander's folds. Pure: the pane (widgets/locks.py) draws it in a Tree.

A session is one node; a root's statement and a waiter's other blockers are detail nodes
under it. A lock queue can be thousands deep: below DEPTH the waiters hang from the
session at DEPTH - 1 in the order they queue, so a line's indent stays readable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Iterator

    from state.locks import BlockingChain

SESSION, DETAIL, ALSO, CUT, FOLDED = "session", "detail", "also", "cut", "folded"
PICKABLE = frozenset({SESSION, CUT, FOLDED})  # the lines the cursor stops on
DEPTH = 4  # the deepest level drawn: a waiter below it is drawn at it

SessionKey = tuple[int, object]


class Line(NamedTuple):
    """A tree node's data: the session it belongs to (`key`) and what the line says of it."""

    key: SessionKey
    kind: str = SESSION


def key_of(chain: BlockingChain) -> SessionKey:
    """A session is its pid with its backend's start (a pid is reused, the start is not);
    a prepared transaction is its gid."""
    s = chain.session
    return (s.pid, s.prepared if s.is_prepared else s.backend_start)


@dataclass
class Planned:
    """One node: its line, the session's chain and depth in the lock graph, its children;
    for a CUT or FOLDED line, `hidden` is how many sessions it stands for."""

    line: Line
    chain: BlockingChain
    depth: int
    children: list[Planned] = field(default_factory=list)
    hidden: int = 0


def lines_of(chain: BlockingChain, depth: int) -> int:
    """How many lines one session takes: a root's second line says what it runs, and a
    waiter on several blockers gets a line naming the others."""
    return 1 + (depth == 0) + bool(chain.also)


def allowance(
    chains: list[BlockingChain], room: int, opened: frozenset[SessionKey] = frozenset()
) -> list[int | None]:
    """How many waiters of each chain to draw (None: all) so that every root and the cut
    marks fit in `room` lines, roots first: each is a blocker the commander must see, and
    its line says how many wait behind it. The largest chains come first and take what the
    roots after them leave; a chain the commander opened (`opened`) is drawn whole, and
    the others keep the room they had: it is scrolled through, not fitted."""
    walks = [list(chain.walk())[1:] for chain in chains]
    needs = [sum(lines_of(c, d) for c, d in walk) for walk in walks]
    heads = [lines_of(chain, 0) for chain in chains]
    if sum(heads) + sum(needs) <= room:
        return [None] * len(chains)
    budget = room - sum(heads)
    out: list[int | None] = []
    for i, (chain, walk, need) in enumerate(zip(chains, walks, needs, strict=True)):
        if key_of(chain) in opened:  # the commander scrolls it: the others keep their share
            out.append(None)
            continue
        later = len(chains) - i - 1  # a line kept for each chain after it: a waiter or a cut
        if need <= budget - later:
            out.append(None)
            budget -= need
            continue
        used = taken = 0
        for waiter, depth in walk:
            lines = lines_of(waiter, depth)
            if used + lines + 1 > budget - later:  # and a line to say how many more
                break
            used += lines
            taken += 1
        out.append(taken)
        budget -= used + 1
    return out


def plan(
    chains: list[BlockingChain],
    room: int,
    opened: frozenset[SessionKey] = frozenset(),
    folded: frozenset[SessionKey] = frozenset(),
) -> list[Planned]:
    """The tree's top-level nodes, one per root, in the chains' order (largest first).

    In: the chains (state/locks.py `blocking_chains`), the lines the tree has (`room`),
    the roots whose cut the commander opened and the sessions folded. Out: every root, each
    with its detail lines, then its waiters in queue order, cut where `allowance` says with
    a CUT node ("… N more waiting"), or a FOLDED node in place of a folded session's waiters.
    """
    return [
        _grow(chain, limit, folded)
        for chain, limit in zip(chains, allowance(chains, room, opened), strict=True)
    ]


def _details(chain: BlockingChain, depth: int) -> list[Planned]:
    key = key_of(chain)
    out = [Planned(Line(key, DETAIL), chain, depth)] if depth == 0 else []
    if chain.also:
        out.append(Planned(Line(key, ALSO), chain, depth))
    return out


def _grow(root: BlockingChain, limit: int | None, folded: frozenset[SessionKey]) -> Planned:
    top = Planned(Line(key_of(root)), root, 0, _details(root, 0))
    if key_of(root) in folded:
        top.children.append(Planned(Line(key_of(root), FOLDED), root, 0, hidden=root.size))
        return top
    placed = seen = 0  # waiters drawn (lines), and sessions drawn or folded away
    # depth first, without recursion: (a waiter, its depth, the node it is drawn under)
    stack = [(w, 1, top) for w in reversed(root.waiters)]
    while stack:
        chain, depth, parent = stack.pop()
        if limit is not None and placed >= limit:
            cut = Planned(Line(key_of(root), CUT), root, depth, hidden=root.size - seen)
            parent.children.append(cut)
            break
        node = Planned(Line(key_of(chain)), chain, depth, _details(chain, depth))
        parent.children.append(node)
        placed += 1
        seen += 1
        if not chain.waiters:
            continue
        if key_of(chain) in folded:
            node.children.append(
                Planned(Line(key_of(chain), FOLDED), chain, depth, hidden=chain.size)
            )
            seen += chain.size
            continue
        under = node if depth < DEPTH else parent
        stack.extend((w, depth + 1, under) for w in reversed(chain.waiters))
    return top


def outline(planned: list[Planned]) -> Iterator[tuple[str, Planned]]:
    """Every node in drawing order with the guides the tree draws before it ("│ ├ "), a
    detail line continuing its session's guide (│) rather than branching from it (├)."""
    # (node, the guides of the levels above it, whether it is its parent's last child)
    stack: list[tuple[Planned, str | None, bool]] = [(p, None, True) for p in reversed(planned)]
    while stack:
        node, above, last = stack.pop()
        if above is None:  # a root: no guide, and none for its children's level
            guide, below = "", ""
        else:
            detail = node.line.kind in (DETAIL, ALSO)
            guide = above + (("  " if last else "│ ") if detail else ("└ " if last else "├ "))
            below = above + ("  " if last else "│ ")
        yield guide, node
        last_index = len(node.children) - 1
        stack.extend(
            (child, below, i == last_index) for i, child in reversed(list(enumerate(node.children)))
        )
