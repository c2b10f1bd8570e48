"""Blocking chains: who blocks whom, as the locks pane shows it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from state.events import DbSession
from state.locks import BlockingChain, blocking_chains, chain_key, chain_sizes


def s(pid: int, *blocked_by: int) -> DbSession:
    return DbSession(pid=pid, blocked_by=blocked_by)


def tree(chain: BlockingChain):
    """(pid, [waiters...]) for comparing whole shapes."""
    return (chain.session.pid, [tree(w) for w in chain.waiters])


def shapes(sessions) -> list:
    return [tree(c) for c in blocking_chains(sessions)]


def all_pids(chain: BlockingChain) -> list[int]:
    return [chain.session.pid] + [p for w in chain.waiters for p in all_pids(w)]


def test_no_sessions_no_chains():
    assert blocking_chains([]) == []


def test_sessions_that_neither_block_nor_wait_are_not_chains():
    assert blocking_chains([s(1), s(2)]) == []


def test_simple_chain():
    chains = blocking_chains([s(4242), s(5001, 4242)])
    assert [tree(c) for c in chains] == [(4242, [(5001, [])])]
    assert chains[0].size == 1


def test_tree_with_several_waiters():
    chains = blocking_chains([s(5001, 4242), s(4242), s(5002, 4242), s(5003, 4242)])
    assert [tree(c) for c in chains] == [(4242, [(5001, []), (5002, []), (5003, [])])]
    assert chains[0].size == 3


def test_nested_chain_counts_every_depth():
    # 4242 <- 5001 <- 5002, 5003;  5002 <- 5004
    chains = blocking_chains([s(4242), s(5001, 4242), s(5002, 5001), s(5003, 5001), s(5004, 5002)])
    assert [tree(c) for c in chains] == [(4242, [(5001, [(5002, [(5004, [])]), (5003, [])])])]
    assert chains[0].size == 4
    assert chains[0].waiters[0].size == 3


def test_a_waiter_blocked_by_two_sessions_is_shown_once_and_names_the_other():
    # two SHARE holders, one EXCLUSIVE waiter: killing 10 alone would leave 30 waiting on 20
    chains = blocking_chains([s(10), s(20), s(30, 10, 20)])
    everyone = [p for c in chains for p in all_pids(c)]
    assert sorted(everyone) == [10, 20, 30]
    assert [tree(c) for c in chains] == [(10, [(30, [])]), (20, [])]
    first, second = chains
    assert first.waiters[0].also == (20,)
    assert (first.blocks, second.blocks) == (1, 1)  # 20 blocks 30 too, drawn under 10


def test_a_blocker_missing_from_the_sample_is_an_unsampled_root():
    # 999 ended between the reads; 0 is a prepared transaction the probe could not name
    chains = blocking_chains([s(5001, 999), s(5002, 5001), s(6001, 0)])
    assert [tree(c) for c in chains] == [(999, [(5001, [(5002, [])])]), (0, [(6001, [])])]
    assert [c.sampled for c in chains] == [False, False]
    assert chains[0].blocks == 2 and chains[0].waiters[0].sampled
    assert chains[1].session.is_prepared


def test_a_cycle_does_not_loop_forever_and_is_shown_once():
    chains = blocking_chains([s(1, 2), s(2, 1)])
    assert len(chains) == 1
    assert sorted(all_pids(chains[0])) == [1, 2]


def test_a_three_way_cycle_with_a_tail():
    sessions = [s(1, 3), s(2, 1), s(3, 2), s(7, 2)]
    chains = blocking_chains(sessions)
    assert len(chains) == 1
    assert sorted(all_pids(chains[0])) == [1, 2, 3, 7]


def test_a_cycle_beside_an_ordinary_chain_is_still_shown():
    chains = blocking_chains([s(1, 2), s(2, 1), s(10), s(11, 10), s(12, 10)])
    assert sorted(p for c in chains for p in all_pids(c)) == [1, 2, 10, 11, 12]


def test_two_separate_cycles_are_both_shown():
    chains = blocking_chains([s(1, 2), s(2, 1), s(3, 4), s(4, 3)])
    assert sorted(sorted(all_pids(c)) for c in chains) == [[1, 2], [3, 4]]


def test_a_cycle_whose_tail_has_lower_pids_is_rooted_in_the_cycle():
    # 10 and 20 deadlock; 5 waits on 10 and 6 on 5
    chains = blocking_chains([s(10, 20), s(20, 10), s(5, 10), s(6, 5)])
    assert len(chains) == 1
    assert chains[0].session.pid in (10, 20)
    assert sorted(all_pids(chains[0])) == [5, 6, 10, 20]


def test_largest_chain_first_then_by_pid():
    sessions = [
        s(100),
        s(101, 100),
        s(50),
        s(51, 50),
        s(52, 50),
        s(53, 52),
        s(70),
        s(71, 70),
    ]
    chains = blocking_chains(sessions)
    assert [c.session.pid for c in chains] == [50, 70, 100]
    assert [c.size for c in chains] == [3, 1, 1]


def canonical(shape):
    pid, waiters = shape
    return (pid, sorted(canonical(w) for w in waiters))


def test_input_order_changes_only_the_order_of_siblings():
    sessions = [s(4242), s(5001, 4242), s(5002, 5001), s(5003, 4242), s(9, 8), s(8)]
    forward = [canonical(x) for x in shapes(sessions)]
    backward = [canonical(x) for x in shapes(list(reversed(sessions)))]
    assert forward == backward == [(4242, [(5001, [(5002, [])]), (5003, [])]), (8, [(9, [])])]


def test_waiters_keep_the_order_they_were_sampled_in():
    chains = blocking_chains([s(1), s(30, 1), s(10, 1), s(20, 1)])
    assert [w.session.pid for w in chains[0].waiters] == [30, 10, 20]


def test_a_queue_thousands_deep_is_a_chain_not_a_recursion_error():
    """A lock queue deeper than Python's recursion limit (a storm of thousands of UPDATEs)."""
    depth = 5000
    sessions = [s(1), *(s(pid, pid - 1) for pid in range(2, depth + 1))]
    (chain,) = blocking_chains(sessions)
    assert chain.size == depth - 1
    assert [c.session.pid for c, _ in chain.walk()] == list(range(1, depth + 1))
    assert max(d for _, d in chain.walk()) == depth - 1


def test_a_cycle_thousands_long_is_cut_once():
    depth = 3000
    sessions = [s(pid, pid - 1 if pid > 1 else depth) for pid in range(1, depth + 1)]
    (chain,) = blocking_chains(sessions)
    assert chain.session.pid == 1 and chain.size == depth - 1


# A sample as pg_blocking_pids() can give it: pids 1..12, each blocked by any others, by
# pids missing from the sample (13..15), by prepared transactions (< 0) or by 0.
samples = st.dictionaries(
    st.integers(1, 12),
    st.lists(st.integers(-3, 15), max_size=4),
    max_size=12,
).map(lambda found: [s(pid, *blocked) for pid, blocked in found.items()])


@given(samples)
def test_every_pid_in_every_blocked_by_is_drawn(sessions):
    drawn = [(c, d) for chain in blocking_chains(sessions) for c, d in chain.walk()]
    pids = [c.session.pid for c, _ in drawn]
    named = {p for x in sessions for p in x.blocked_by if p != x.pid}
    waiting = {x.pid for x in sessions if set(x.blocked_by) - {x.pid}}
    assert named | waiting <= set(pids)
    assert len(pids) == len(set(pids))  # each session drawn once


@given(samples)
def test_a_waiter_is_drawn_under_one_blocker_and_names_the_rest(sessions):
    by_pid = {x.pid: x for x in sessions}
    for chain in blocking_chains(sessions):
        parents = {chain.session.pid: None}
        for c, _ in chain.walk():
            parents.update((w.session.pid, c.session.pid) for w in c.waiters)
        for c, _ in chain.walk():
            pid = c.session.pid
            blocked = set(by_pid[pid].blocked_by) - {pid} if pid in by_pid else set()
            drawn_under = parents[pid]
            assert drawn_under is None or drawn_under in blocked
            assert set(c.also) | ({drawn_under} - {None}) == blocked


# ---- what the pane's tree holds in the lines it has (widgets/lock_plan.py) ----------------


def nodes(planned) -> list:
    """Every planned node in drawing order, as the Tree lists its lines."""
    from widgets.lock_plan import outline

    return [p for _, p in outline(planned)]


def sessions_in(planned) -> list[int]:
    from widgets.lock_plan import SESSION

    return [p.chain.session.pid for p in nodes(planned) if p.line.kind == SESSION]


def test_every_root_is_in_view_before_a_long_queue_fills_the_pane():
    from widgets.lock_plan import CUT, plan

    # 1 holds a lock 50 sessions queue behind; 200 and 300 each block one session
    sessions = [s(1), *(s(pid, 1) for pid in range(2, 52)), s(200), s(201, 200), s(300)]
    sessions.append(s(301, 300))
    planned = plan(blocking_chains(sessions), 12)
    drawn = nodes(planned)
    assert len(drawn) == 12
    roots = [p.chain.session.pid for p in planned]
    assert roots == [1, 200, 300]
    [cut] = [p for p in drawn if p.line.kind == CUT]
    assert cut.hidden == 47 and cut.line.key[0] == 1  # right under the chain it cuts, 3 shown
    assert sessions_in(planned) == [1, 2, 3, 4, 200, 201, 300, 301]


def test_an_opened_cut_draws_every_waiter_of_its_chain():
    from widgets.lock_plan import CUT, key_of, plan

    sessions = [s(1), *(s(pid, 1) for pid in range(2, 52)), s(200), s(201, 200)]
    chains = blocking_chains(sessions)
    assert [p.line.kind for p in nodes(plan(chains, 8))].count(CUT) == 1
    planned = plan(chains, 8, opened=frozenset({key_of(chains[0])}))
    assert sessions_in(planned) == [1, *range(2, 52), 200, 201]  # scrolled, not fitted
    assert not [p for p in nodes(planned) if p.line.kind == CUT]


def test_a_folded_session_stands_for_its_waiters_in_one_line():
    from widgets.lock_plan import FOLDED, key_of, plan

    # 1 <- 2 <- 3, 4;  1 <- 5
    chains = blocking_chains([s(1), s(2, 1), s(3, 2), s(4, 2), s(5, 1)])
    folded = frozenset({key_of(chains[0].waiters[0])})
    planned = plan(chains, 100, folded=folded)
    assert sessions_in(planned) == [1, 2, 5]
    [fold] = [p for p in nodes(planned) if p.line.kind == FOLDED]
    assert fold.hidden == 2 and fold.line.key == key_of(chains[0].waiters[0])


def test_a_deep_queue_is_drawn_no_deeper_than_the_pane_can_read():
    from widgets.lock_plan import DEPTH, outline, plan

    # 1 <- 2 <- 3 <- ... <- 200: each waits on the one before
    chains = blocking_chains([s(1), *(s(pid, pid - 1) for pid in range(2, 201))])
    lines = [guide for guide, _ in outline(plan(chains, 1000))]
    assert len(lines) == 201  # the root, its statement, 199 waiters: every one
    assert max(len(g) for g in lines) == 2 * DEPTH  # "      ├ " at most
    assert lines[:5] == ["", "│ ", "└ ", "  └ ", "    └ "]
    assert lines[5:7] == ["      ├ ", "      ├ "] and lines[-1] == "      └ "


def test_the_guides_show_who_waits_under_whom():
    from widgets.lock_plan import outline, plan

    # 10 <- 11 <- 12;  10 <- 13;  13 also waits on 20
    chains = blocking_chains([s(10), s(11, 10), s(12, 11), s(13, 10, 20), s(20)])
    drawn = [(g, p.chain.session.pid, p.line.kind) for g, p in outline(plan(chains, 100))]
    assert drawn[:6] == [
        ("", 10, "session"),
        ("│ ", 10, "detail"),  # the root's statement continues its guide
        ("├ ", 11, "session"),
        ("│ └ ", 12, "session"),
        ("└ ", 13, "session"),
        ("    ", 13, "also"),  # "↳ also waits on 20", under the session it belongs to
    ]


@given(samples, st.integers(1, 40))
def test_the_plan_fits_its_room_when_it_can_and_keeps_every_session_reachable(sessions, room):
    from widgets.lock_plan import CUT, FOLDED, PICKABLE, lines_of, plan

    chains = blocking_chains(sessions)
    planned = plan(chains, room)
    drawn = nodes(planned)
    heads = sum(lines_of(c, 0) for c in chains)
    if heads + len(chains) <= room:
        assert len(drawn) <= room
    assert [p.chain for p in planned] == chains  # every root, in order
    # every session is a line, or counted by the cut that stands for it
    shown = sum(1 for p in drawn if p.line.kind == "session")
    hidden = sum(p.hidden for p in drawn if p.line.kind in (CUT, FOLDED))
    assert shown + hidden == sum(1 + c.size for c in chains)
    assert all(p.line.kind in PICKABLE or p.line.kind in ("detail", "also") for p in drawn)


def test_how_many_wait_reads_with_its_grammar():
    from state.locks import waiting_words

    assert waiting_words(1) == "1 session waits on it."
    assert waiting_words(3) == "3 sessions wait on it."


@given(samples)
def test_the_chain_sizes_read_without_the_trees_are_the_trees_own(sessions):
    """chain_sizes (read at each sample whose blocked count moved, for the timeline) counts
    each chain's root and sessions as blocking_chains does, cycles and unsampled roots too."""
    trees = {chain_key(c.session): c.blocks for c in blocking_chains(sessions)}
    assert chain_sizes(sessions) == trees
