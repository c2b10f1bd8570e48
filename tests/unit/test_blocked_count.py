"""The sessions waiting on a lock, counted by change (state/timeline.py `blocked_count`): a
sample whose sessions are mostly the very objects of the one before (the journal's reader
and the probe keep an unchanged session) reads only the others, and counts what a count of
every session gives, which the timeline's "Lock chain" entries and the review read."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from state import events as ev
from state import timeline
from state.console import ConsoleState
from state.timeline import blocked_count
from tests.unit.helpers import at

IDLE = tuple(ev.DbSession(pid=1000 + i, state="idle") for i in range(12))


def sample(n: int, sessions: tuple[ev.DbSession, ...]) -> ConsoleState:
    db = ev.DatabaseSampled(
        at=at(2 * n), connections={"active": 1}, max_connections=100, sessions=sessions
    )
    return ConsoleState(database=db)


# one refresh: a session starts waiting, stops waiting (a new object at its place either
# way), a session ends or one begins (the lengths differ), or nothing changes
STEP = st.one_of(
    st.tuples(st.just("wait"), st.integers(0, 20)),
    st.tuples(st.just("free"), st.integers(0, 20)),
    st.tuples(st.just("end"), st.integers(0, 20)),
    st.just(("begin",)),
    st.just(("same",)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(STEP, max_size=40))
def test_a_count_by_change_is_a_count_of_every_session(steps):
    timeline._BLOCKED_COUNTED.clear()
    sessions = list(IDLE)
    for n, step in enumerate(steps, start=1):
        match step:
            case ("wait", i) if sessions:
                i %= len(sessions)
                sessions[i] = sessions[i].model_copy(update={"blocked_by": (sessions[0].pid,)})
            case ("free", i) if sessions:
                i %= len(sessions)
                sessions[i] = sessions[i].model_copy(update={"blocked_by": ()})
            case ("end", i) if sessions:
                del sessions[i % len(sessions)]
            case ("begin",):
                sessions.append(ev.DbSession(pid=5000 + n, blocked_by=(1000,)))
        state = sample(n, tuple(sessions))
        assert blocked_count(state) == sum(1 for s in sessions if s.blocked_by)


def test_a_session_that_starts_waiting_in_place_is_counted_and_one_freed_is_not():
    timeline._BLOCKED_COUNTED.clear()
    first = sample(1, IDLE)
    assert blocked_count(first) == 0
    waiting = IDLE[3].model_copy(update={"blocked_by": (1000,)})
    second = sample(2, (*IDLE[:3], waiting, *IDLE[4:]))
    assert blocked_count(second) == 1
    assert blocked_count(sample(3, IDLE)) == 0  # freed: the idle session back at its place
