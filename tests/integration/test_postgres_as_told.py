"""Lock chains on a real server, as the timeline, the review and the confirmations tell them
(found live against PostgreSQL): two blockers at once are two chains, each with its own peak
and blocker (the review's "lock chain peak: 5 ... behind X" merged two); a chain that grows is
told as it grows (the timeline still read "1 session blocked" at 14); a statement the server
cut to track_activity_query_size (1 kB by default) is shown as cut, never as whole."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from state.console import ConsoleState
from state.events import DatabaseSampled, SessionStarted
from state.locks import LOCK_RULES, blocking_chains
from state.review.facts import gather
from state.review.files import review_files
from state.review.format import iso
from state.review.metrics import parts
from tests.integration.pg_probe import opened, sample, table
from tests.unit.helpers import fold_all
from tui.backend_now import backend_message
from widgets.lock_lines import detail_line

if TYPE_CHECKING:
    from probes.postgres.probe import PostgresProbe
    from tests.servers.postgres import PgServer
    from tests.servers.sessions import Sessions

pytestmark = pytest.mark.integration


@pytest.fixture
async def probe(pg_server: PgServer) -> AsyncIterator[PostgresProbe]:
    async with opened(pg_server.dsn()) as p:
        yield p


def begun(first: DatabaseSampled) -> SessionStarted:
    """A live session this version began a second before `first`."""
    at = first.at - timedelta(seconds=1)
    return SessionStarted(at=at, mode="live", version="test", operator="a", lock_rules=LOCK_RULES)


async def test_two_blockers_are_two_chains_and_a_growing_chain_is_told(
    probe: PostgresProbe, sessions: Sessions
) -> None:
    await table(sessions, "acc_a")
    await table(sessions, "acc_b")
    a = await sessions.hold("batch-a", "UPDATE acc_a SET balance = 0 WHERE id = 1")
    b = await sessions.hold("batch-b", "UPDATE acc_b SET balance = 0 WHERE id = 1")
    await sessions.wait("app-a1", "UPDATE acc_a SET balance = 1 WHERE id = 1")
    await sessions.wait("app-b1", "UPDATE acc_b SET balance = 1 WHERE id = 1")
    first = await sample(probe)
    for n in range(2, 5):
        await sessions.wait(f"app-a{n}", f"UPDATE acc_a SET balance = {n} WHERE id = 1")
    second = await sample(probe)  # behind a: 4, behind b: 1; 5 blocked in all

    start = begun(first)
    # the samples a second apart at least, as the probe's cadence has them
    later = second.model_copy(update={"at": max(second.at, first.at + timedelta(seconds=1))})
    events: list[SessionStarted | DatabaseSampled] = [start, first, later]

    (part,) = parts(gather(events))
    peaks = sorted((p.blocked, p.root) for p in part.impact.lock_peaks)
    assert peaks == [
        (1, f"pid {b} (postgres, idle in transaction) on acc_b"),
        (4, f"pid {a} (postgres, idle in transaction) on acc_a"),
    ]
    (review,) = [f.data.decode() for f in review_files(events) if f.name.endswith("review.md")]
    assert "- **Database lock chains:** 2, each at its own peak:" in review
    assert f"  - 4 sessions blocked at {iso(later.at)}, behind pid {a} " in review
    assert "5 sessions blocked at" not in review  # no chain ever had 5 (the timeline: all)

    told = [e.text for e in fold_all(ConsoleState(), events).timeline if "Lock chain" in e.text]
    assert told == [
        "Lock chain: 2 sessions blocked",
        f"Lock chain grew: 4 sessions blocked behind pid {a} on acc_a",  # b's stayed at 1
    ]


async def test_a_chain_that_clears_beside_another_is_told_by_its_blocker(
    probe: PostgresProbe, sessions: Sessions
) -> None:
    """Found live: a chain that cleared while another stood had no line; the IC learnt it
    only when every chain had cleared. Each is told, by its root blocker (pid, role,
    application), with how long it stood and how many chains still stand."""
    await table(sessions, "acc_c")
    await table(sessions, "acc_d")
    c = await sessions.hold("batch-c", "UPDATE acc_c SET balance = 0 WHERE id = 1")
    d = await sessions.hold("batch-d", "UPDATE acc_d SET balance = 0 WHERE id = 1")
    await sessions.wait("app-c1", "UPDATE acc_c SET balance = 1 WHERE id = 1")
    d1 = await sessions.wait("app-d1", "UPDATE acc_d SET balance = 1 WHERE id = 1")
    first = await sample(probe)
    await sessions.value("SELECT pg_terminate_backend(%s)", d)  # d's blocker ends
    assert await sessions.gone([d])
    await sessions.wait_state(d1, "wait_event_type IS DISTINCT FROM 'Lock'")
    second = await sample(probe)
    role = await sessions.value("SELECT current_user")

    start = begun(first)
    later = second.model_copy(update={"at": first.at + timedelta(seconds=75)})
    told = [
        e.text
        for e in fold_all(ConsoleState(), [start, first, later]).timeline
        if "Lock chain" in e.text
    ]
    assert told == [
        "Lock chain: 2 sessions blocked",
        f"Lock chain cleared after 1 min 15 s, behind pid {d} (role {role}, application "
        "batch-d) on acc_d; 1 chain still standing",
    ]
    assert c in {s.pid for s in later.sessions}  # the other still stands


async def test_a_statement_cut_by_the_server_is_marked_and_stays_inert(
    probe: PostgresProbe, sessions: Sessions
) -> None:
    assert await sessions.value("SHOW track_activity_query_size") == "1kB"  # the default
    await table(sessions, "acc_cut")
    # the blocker's statement is longer than 1 kB; hostile text sits in the part that is kept
    pad = "[bold red]x[/] \x1b[2J é" * 200
    holder = await sessions.hold(
        "batch", f"UPDATE acc_cut SET balance = 0 WHERE id = 1 /* {pad} */"
    )
    waiter = await sessions.wait("app", "UPDATE acc_cut SET balance = 1 WHERE id = 1")

    event = await sample(probe)

    by_pid = {s.pid: s for s in event.sessions}
    assert by_pid[holder].query_cut_at == 1024
    assert len(by_pid[holder].query.encode()) < 1024  # what the server kept, and no more
    assert by_pid[waiter].query_cut_at is None  # a short statement is whole
    (chain,) = blocking_chains(event.sessions)
    told = backend_message("terminate", chain, event.sessions)
    statement = told.splitlines()[1]
    assert statement.startswith("UPDATE acc_cut SET balance = 0 WHERE id = 1 /* [bold red]x[/]")
    assert statement.endswith("… (cut by the server at 1 kB)")
    assert "\x1b" not in told
    shown = detail_line(chain)
    assert shown.plain.startswith("(cut by the server at 1 kB) UPDATE acc_cut SET balance = 0")
    assert "[bold red]" in shown.plain  # text, never markup


def sized(table: str, ascii_bytes: int, then: str = " */") -> str:
    """A statement on `table`: `ascii_bytes` bytes of ASCII, then `then` (in UTF-8)."""
    head = f"UPDATE {table} SET balance = 0 WHERE id = 1 /* "
    return f"{head}{'x' * (ascii_bytes - len(head))}{then}"


async def test_the_server_cut_is_told_in_bytes_as_the_server_cuts(
    pg_server: PgServer, sessions: Sessions
) -> None:
    # the server keeps 1023 bytes of 1 kB, cut back to a whole character: a whole statement
    # of 1,021 bytes may be one cut before a character that did not fit (which the server
    # does not say), one of 1,019 cannot; the probe's own cut (100 characters, 400 bytes
    # read) comes first and hides neither
    cases = {
        "acc_whole": sized("acc_whole", 1016),  # 1,019 bytes
        "acc_maybe": sized("acc_maybe", 1018),  # 1,021 bytes
        "acc_midchar": sized("acc_midchar", 1022, "€ and more */"),  # € across byte 1,023
        "acc_long": sized("acc_long", 2045),  # 2,048 bytes
    }
    # the euro signs (3 bytes) fall across byte 1,023: the server keeps 1,022
    assert len(cases["acc_midchar"].encode()[:1023].decode("utf-8", "ignore").encode()) == 1022
    holders = {}
    for name, statement in cases.items():
        await table(sessions, name)
        holders[name] = await sessions.hold(f"batch-{name}", statement)
        await sessions.wait(f"app-{name}", f"UPDATE {name} SET balance = 1 WHERE id = 1")

    async with opened(pg_server.dsn(), query_chars=100) as probe:
        event = await sample(probe)

    by_pid = {s.pid: s for s in event.sessions}
    marks = {
        name: (by_pid[pid].query_cut_at, by_pid[pid].query_may_be_whole)
        for name, pid in holders.items()
    }
    assert marks == {
        "acc_whole": (None, False),
        "acc_maybe": (1024, True),
        "acc_midchar": (1024, True),
        "acc_long": (1024, False),
    }
    shown = {detail_line(c).plain[:40] for c in blocking_chains(event.sessions)}
    assert shown == {
        "UPDATE acc_whole SET balance = 0 WHERE i",
        "(may be cut by the server at 1 kB) UPDAT",
        "(cut by the server at 1 kB) UPDATE acc_l",
    }
