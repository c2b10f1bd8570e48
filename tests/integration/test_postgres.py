"""The PostgreSQL probe against a real server: counts, real lock chains, outages, secrets."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from probes.postgres.connection import PostgresError
from probes.postgres.probe import PostgresProbe
from probes.scheduler import ProbeScheduler
from state.clock import FrozenClock
from state.events import DatabaseSampled, EventBase, ProbeFailed, ProbeRecovered
from state.locks import BlockingChain, blocking_chains
from tests.integration.pg_probe import opened, sample, table
from tests.servers.postgres import WATCHER, WATCHER_PASSWORD, PgServer, free_port
from tests.servers.sessions import Sessions, eventually

pytestmark = pytest.mark.integration

# The guide's "Check for Locks" query, verbatim.
GUIDE_LOCKS = """
SELECT blocked_locks.pid AS blocked_pid,
       blocked_activity.usename AS blocked_user,
       blocking_locks.pid AS blocking_pid,
       blocking_activity.usename AS blocking_user,
       blocked_activity.query AS blocked_statement,
       blocking_activity.query AS current_statement_in_blocking_process
FROM pg_catalog.pg_locks blocked_locks
JOIN pg_catalog.pg_stat_activity blocked_activity ON blocked_activity.pid = blocked_locks.pid
JOIN pg_catalog.pg_locks blocking_locks ON blocking_locks.locktype = blocked_locks.locktype
JOIN pg_catalog.pg_stat_activity blocking_activity ON blocking_activity.pid = blocking_locks.pid
WHERE NOT blocked_locks.granted AND blocking_locks.granted;
"""


@pytest.fixture
async def probe(pg_server: PgServer) -> AsyncIterator[PostgresProbe]:
    async with opened(pg_server.dsn()) as p:
        yield p


def tree(chain: BlockingChain) -> tuple[Any, ...]:
    s = chain.session
    return (
        s.pid,
        s.application,
        s.state,
        s.wait_event_type,
        s.blocked_by,
        s.relation,
        s.lock_mode,
        [tree(w) for w in chain.waiters],
    )


def backend_pid(probe: PostgresProbe) -> int | None:
    """The pid of the probe's own backend, while it is connected."""
    conn = probe._conn
    return conn.info.backend_pid if conn is not None and not conn.closed else None


def assert_not_listed(probe: PostgresProbe, event: DatabaseSampled) -> None:
    assert backend_pid(probe) is not None
    assert backend_pid(probe) not in {s.pid for s in event.sessions}
    assert not any("pg_blocking_pids" in s.query for s in event.sessions)


async def test_counts_by_state_leave_out_the_console(
    probe: PostgresProbe, sessions: Sessions
) -> None:
    for i in range(3):
        conn = await sessions.open(f"idle-{i}")
        await conn.execute("SELECT 1")
    await sessions.hold("in-xact", "SELECT 1")
    await sessions.run("sleeper", "SELECT pg_sleep(60)")
    # the admin session of `sessions` is idle too
    want = {"active": 1, "idle": 4, "idle in transaction": 1, "waiting": 0}
    event = await eventually(lambda: sample(probe), lambda e: e.connections == want)
    assert event.connections == want
    assert event.max_connections == 300
    assert event.sessions == ()  # nobody blocks, nothing runs longer than 5 s
    assert_not_listed(probe, event)


async def test_lock_chain_with_a_soft_block(probe: PostgresProbe, sessions: Sessions) -> None:
    await table(sessions, "acc_tree")
    holder = await sessions.hold("holder", "UPDATE acc_tree SET balance = 0 WHERE id = 1")
    migrate = await sessions.wait("migrate", "LOCK TABLE acc_tree IN ACCESS EXCLUSIVE MODE")
    index = await sessions.wait("index", "LOCK TABLE acc_tree IN SHARE MODE")
    # AccessShare conflicts only with migrate's queued AccessExclusive, not with holder's lock
    report = await sessions.wait("report", "SELECT count(*) FROM acc_tree")

    event = await sample(probe)

    assert [tree(c) for c in blocking_chains(event.sessions)] == [
        (holder, "holder", "idle in transaction", "Client", (), "acc_tree", "RowExclusiveLock", [
            (migrate, "migrate", "active", "Lock", (holder,), "acc_tree", "AccessExclusiveLock", [
                (report, "report", "active", "Lock", (migrate,), "acc_tree", "AccessShareLock", []),
            ]),
            (index, "index", "active", "Lock", (holder, migrate), "acc_tree", "ShareLock", []),
        ]),
    ]  # fmt: skip
    assert {s.pid for s in event.sessions} == {holder, migrate, index, report}
    assert event.connections["waiting"] == 3
    assert event.connections["idle in transaction"] == 1
    assert_not_listed(probe, event)
    by_pid = {s.pid: s for s in event.sessions}
    assert by_pid[holder].query == "UPDATE acc_tree SET balance = 0 WHERE id = 1"
    assert by_pid[holder].xact_start is not None and by_pid[holder].xact_start.tzinfo is not None

    # pg_blocking_pids sees the soft block; the guide's self-join cannot (it joins granted locks)
    assert await sessions.value("SELECT pg_blocking_pids(%s)", report) == [migrate]
    pairs = {(r[0], r[2]) for r in await sessions.rows(GUIDE_LOCKS)}
    assert (migrate, holder) in pairs
    assert (report, migrate) not in pairs


async def test_row_lock_chain_has_the_simulators_shape(
    probe: PostgresProbe, sessions: Sessions
) -> None:
    await table(sessions, "acc_rows")
    batch = await sessions.hold("batch", "UPDATE acc_rows SET balance = 0 WHERE id = 2")
    first = await sessions.wait("app-1", "UPDATE acc_rows SET balance = balance + 1 WHERE id = 2")
    second = await sessions.wait("app-2", "UPDATE acc_rows SET balance = balance + 2 WHERE id = 2")

    event = await sample(probe)

    # the first waiter waits on the holder's transaction id, the next on the first's tuple lock
    assert [tree(c) for c in blocking_chains(event.sessions)] == [
        (batch, "batch", "idle in transaction", "Client", (), "acc_rows", "RowExclusiveLock", [
            (first, "app-1", "active", "Lock", (batch,), "acc_rows", "ShareLock", [
                (second, "app-2", "active", "Lock", (first,), "acc_rows", "ExclusiveLock", []),
            ]),
        ]),
    ]  # fmt: skip


async def test_long_running_query_is_listed_inert(pg_server: PgServer, sessions: Sessions) -> None:
    probe = PostgresProbe(pg_server.dsn(), long_query_s=0.5)
    try:
        pid, _ = await sessions.run("slow", "SELECT /* \x1b[31mred\x1b[0m\x07 */ pg_sleep(60)")
        event = await eventually(lambda: sample(probe), lambda e: len(e.sessions) == 1)
        (slow,) = event.sessions
        assert (slow.pid, slow.state, slow.blocked_by) == (pid, "active", ())
        assert slow.query == "SELECT /* red */ pg_sleep(60)"
        assert blocking_chains(event.sessions) == []
        assert_not_listed(probe, event)
    finally:
        await probe.close()


async def test_monitoring_query_gives_up_on_a_locked_catalog(
    probe: PostgresProbe, sessions: Sessions
) -> None:
    # connected before the catalog is locked: new logins read it too
    await sample(probe)
    await sessions.value("SELECT 1")
    pid = backend_pid(probe)
    locker = await sessions.hold(
        "locker", "LOCK TABLE pg_catalog.pg_database IN ACCESS EXCLUSIVE MODE"
    )
    loop = asyncio.get_running_loop()
    start = loop.time()
    with pytest.raises(PostgresError, match=r"due to (statement|lock) timeout"):
        await probe.sample(datetime.now(UTC))
    assert loop.time() - start < 1.5  # lock_timeout 500 ms, well inside the probe's 2 s
    await sessions.value("SELECT pg_terminate_backend(%s, 5000)", locker)
    event = await sample(probe)
    assert backend_pid(probe) == pid  # the same connection, rolled back, not replaced
    assert event.max_connections == 300


async def test_outage_fails_once_then_recovers(pg_server: PgServer) -> None:
    probe = PostgresProbe(pg_server.dsn())
    events: list[EventBase] = []
    scheduler = ProbeScheduler(
        [probe], FrozenClock(datetime(2026, 3, 14, tzinfo=UTC)), events.append
    )
    try:
        await scheduler.sample_once(probe)
        assert isinstance(events[-1], DatabaseSampled)
        pg_server.stop("fast")
        try:
            with pytest.raises(PostgresError, match=r"^No such file or directory \(at socket /"):
                await probe.sample(datetime.now(UTC))
            for _ in range(3):
                await scheduler.sample_once(probe)
        finally:
            pg_server.start()
        failed = [e for e in events if isinstance(e, ProbeFailed)]
        assert len(failed) == 1, failed
        assert failed[0].source == "postgres"
        assert "No such file or directory" in failed[0].reason  # the socket is gone
        await scheduler.sample_once(probe)
        assert [type(e) for e in events[-2:]] == [ProbeRecovered, DatabaseSampled]
    finally:
        await probe.close()


async def test_hung_backend_times_out_and_is_replaced(pg_server: PgServer) -> None:
    probe = PostgresProbe(pg_server.dsn(), timeout=1.0)
    events: list[EventBase] = []
    scheduler = ProbeScheduler(
        [probe], FrozenClock(datetime(2026, 3, 14, tzinfo=UTC)), events.append
    )
    try:
        await probe.sample(datetime.now(UTC))  # connected, without the 1 s deadline
        hung = backend_pid(probe)
        assert hung is not None
        os.kill(hung, signal.SIGSTOP)  # the server process answers nothing, like a dead host
        try:
            await scheduler.sample_once(probe)
        finally:
            os.kill(hung, signal.SIGCONT)
        assert isinstance(events[-1], ProbeFailed)
        assert events[-1].reason == "timed out after 1 s"
        assert backend_pid(probe) is None  # a connection cancelled mid-query is not reused
        await scheduler.sample_once(probe)
        assert [type(e) for e in events[-2:]] == [ProbeRecovered, DatabaseSampled]
        assert backend_pid(probe) not in (None, hung)
    finally:
        await probe.close()


async def test_dead_connection_is_replaced_within_one_sample(
    probe: PostgresProbe, sessions: Sessions
) -> None:
    await sample(probe)
    old = backend_pid(probe)
    await sessions.value("SELECT pg_terminate_backend(%s, 5000)", old)
    event = await sample(probe)  # no failure: the stale connection is retried once
    assert backend_pid(probe) not in (None, old)
    assert event.max_connections == 300


BAD_PASSWORD = "Nope-" + WATCHER_PASSWORD


def bad_dsns(server: PgServer) -> list[str]:
    port = server.port
    return [
        server.dsn(WATCHER, password=BAD_PASSWORD),
        server.dsn(WATCHER, "nosuchdb", password=WATCHER_PASSWORD),
        f"host=127.0.0.1 port={port} user={WATCHER} password={WATCHER_PASSWORD} sslmode=bogus",
        f"host=127.0.0.1 port=notaport user={WATCHER} password='{WATCHER_PASSWORD}'",
        f"postgresql://{WATCHER}:{WATCHER_PASSWORD}@127.0.0.1:{port}/postgres?nosuch=1",
        f"password={WATCHER_PASSWORD} host=127.0.0.1 port={port} bogus",
    ]


async def test_password_never_reaches_a_failure_reason(pg_server: PgServer) -> None:
    reasons = []
    for dsn in bad_dsns(pg_server):
        probe = PostgresProbe(dsn)
        events: list[EventBase] = []
        scheduler = ProbeScheduler(
            [probe], FrozenClock(datetime(2026, 3, 14, tzinfo=UTC)), events.append
        )
        await scheduler.sample_once(probe)
        await probe.close()
        (failed,) = events
        assert isinstance(failed, ProbeFailed)
        reasons.append(failed.reason)
    for reason in reasons:
        assert WATCHER_PASSWORD not in reason
        assert BAD_PASSWORD not in reason
        assert "\n" not in reason and reason
    assert 'password authentication failed for user "watcher"' in reasons[0]
    assert 'database "nosuchdb" does not exist' in reasons[1]


@contextlib.contextmanager
def not_postgres() -> Iterator[int]:
    """A loopback port whose server answers every connection with an HTTP error, then closes."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        listener.close()


async def failure_reason(dsn: str) -> str:
    """The one reason the scheduler reports for `dsn` over three cycles (the pane's border)."""
    probe = PostgresProbe(dsn, timeout=3.0)
    events: list[EventBase] = []
    scheduler = ProbeScheduler(
        [probe], FrozenClock(datetime(2026, 3, 14, tzinfo=UTC)), events.append
    )
    try:
        for _ in range(3):
            await scheduler.sample_once(probe)
    finally:
        await probe.close()
    (failed,) = events
    assert isinstance(failed, ProbeFailed)
    return failed.reason


@pytest.fixture(scope="module")
def locked_out(pg_server: PgServer) -> Iterator[str]:
    """A database PUBLIC may not CONNECT to, and a role allowed no connection at all."""
    if not pg_server.running():
        pg_server.start()
    pg_server.psql("CREATE DATABASE locked_db")
    pg_server.psql("REVOKE CONNECT ON DATABASE locked_db FROM PUBLIC")
    pg_server.psql(f"CREATE ROLE no_slots LOGIN PASSWORD '{WATCHER_PASSWORD}' CONNECTION LIMIT 0")
    try:
        yield "locked_db"
    finally:
        pg_server.psql("DROP ROLE no_slots")
        pg_server.psql("DROP DATABASE locked_db")


async def test_a_failure_leads_with_its_cause_and_names_the_server_after(
    pg_server: PgServer, locked_out: str
) -> None:
    port, pw = pg_server.port, WATCHER_PASSWORD
    at = f"(at 127.0.0.1:{port})"
    closed = free_port()
    with not_postgres() as garbage:
        cases = {
            pg_server.dsn(WATCHER, password=BAD_PASSWORD):
                f'password authentication failed for user "watcher" {at}',
            pg_server.dsn(WATCHER, "nosuchdb", password=pw):
                f'database "nosuchdb" does not exist {at}',
            pg_server.dsn(WATCHER, locked_out, password=pw):
                f'permission denied for database "{locked_out}" {at}',
            pg_server.dsn("no_slots", password=pw):
                f'too many connections for role "no_slots" {at}',
            f"host=127.0.0.1 port={closed} user=watcher password={pw}":
                f"connection refused (at 127.0.0.1:{closed})",
            f"host=127.0.0.1 port={garbage} user=watcher password={pw} sslmode=disable":
                "invalid response: expected authentication request from server, but received H"
                f" (at 127.0.0.1:{garbage})",
            f"host=127.0.0.1 port={garbage} user=watcher password={pw} sslmode=prefer":
                f"invalid response to SSL negotiation: H (at 127.0.0.1:{garbage})",
        }  # fmt: skip
        reasons = {dsn: await failure_reason(dsn) for dsn in cases}
    assert reasons == cases
    for reason in reasons.values():
        assert pw not in reason and BAD_PASSWORD not in reason


async def test_a_server_that_never_answers_times_out_naming_it() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never says a word
        port = silent.getsockname()[1]
        probe = PostgresProbe(f"host=127.0.0.1 port={port} user=w password=Secret-1", timeout=4)
        try:
            with pytest.raises(PostgresError) as caught:
                await probe.sample(datetime.now(UTC))
        finally:
            await probe.close()
    assert str(caught.value) == f"connection timed out after 4 s (at 127.0.0.1:{port}/w)"
    assert not caught.value.answered


async def test_password_from_the_environment_is_redacted(
    pg_server: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "PGHOST": "127.0.0.1",
        "PGPORT": str(pg_server.port),
        "PGUSER": WATCHER,
        "PGPASSWORD": WATCHER_PASSWORD,
        "PGDATABASE": "postgres",
    }.items():
        monkeypatch.setenv(name, value)
    probe = PostgresProbe(None)
    try:
        event = await sample(probe)  # libpq's environment alone is enough
        assert WATCHER_PASSWORD not in event.model_dump_json()
    finally:
        await probe.close()
    monkeypatch.setenv("PGDATABASE", f"db_{WATCHER_PASSWORD}")
    probe = PostgresProbe("")
    try:
        with pytest.raises(PostgresError) as caught:
            await probe.sample(datetime.now(UTC))
    finally:
        await probe.close()
    assert "does not exist" in str(caught.value)
    assert WATCHER_PASSWORD not in str(caught.value)


async def test_cancel_keeps_the_session(pg_server: PgServer, sessions: Sessions) -> None:
    from probes.postgres.actions import cancel_backend

    pid, task = await sessions.run("sleeper", "SELECT pg_sleep(60)")
    assert await cancel_backend(pg_server.dsn(), pid) == f"cancelled the query of pid {pid}"
    with pytest.raises(psycopg.errors.QueryCanceled):
        await asyncio.wait_for(task, 10)
    await sessions.wait_state(pid, "state = 'idle'")


async def test_terminate_ends_the_chain(probe: PostgresProbe, sessions: Sessions) -> None:
    from probes.postgres.actions import terminate_backend

    await table(sessions, "acc_kill")
    holder = await sessions.hold("holder", "UPDATE acc_kill SET balance = 0 WHERE id = 1")
    waiter = await sessions.wait("waiter", "UPDATE acc_kill SET balance = 1 WHERE id = 1")
    assert len(blocking_chains((await sample(probe)).sessions)) == 1

    dsn = probe.dsn
    assert await terminate_backend(dsn, holder) == f"terminated pid {holder}"
    event = await eventually(lambda: sample(probe), lambda e: not e.sessions)
    assert blocking_chains(event.sessions) == []
    assert await sessions.gone([holder])
    assert not await sessions.gone([waiter], timeout=0)  # the waiter got its lock and lives on


async def test_terminate_refuses_the_console_and_unknown_pids(pg_server: PgServer) -> None:
    from probes.postgres.actions import cancel_backend, terminate_backend
    from probes.postgres.connection import connect

    conn = await connect(pg_server.dsn(), 5)
    try:
        with pytest.raises(PostgresError, match="console's own"):
            await terminate_backend(conn, conn.info.backend_pid)
        with pytest.raises(PostgresError, match="not a PostgreSQL session"):
            await cancel_backend(conn, 1)
        assert not conn.closed  # the caller's connection is the caller's to close
    finally:
        await conn.close()


async def test_terminate_without_permission_names_no_password(
    pg_server: PgServer, sessions: Sessions
) -> None:
    from probes.postgres.actions import terminate_backend

    pid, _ = await sessions.run("superuser-work", "SELECT pg_sleep(60)")
    with pytest.raises(PostgresError) as caught:
        await terminate_backend(pg_server.dsn(WATCHER, password=WATCHER_PASSWORD), pid)
    assert "must be a superuser to terminate superuser process" in str(caught.value)
    assert WATCHER_PASSWORD not in str(caught.value)


async def test_terminate_idle_uses_the_guides_rule(pg_server: PgServer, sessions: Sessions) -> None:
    from probes.postgres.actions import idle_sessions, terminate_idle

    dsn = pg_server.dsn()
    old = []
    for i in range(3):
        conn = await sessions.open(f"leaked-{i}")
        await conn.execute("SELECT 1")
        old.append(conn.info.backend_pid)
    fresh = await sessions.open("fresh")
    busy, _ = await sessions.run("busy", "SELECT pg_sleep(60)")

    listed = await eventually(
        lambda: idle_sessions(dsn, older_than_s=1.0),
        lambda found: set(old) <= {s.pid for s in found},
    )
    assert set(old) <= {s.pid for s in listed}
    assert {s.state for s in listed} == {"idle"}
    await fresh.execute("SELECT 1")  # idle, but only for a moment
    await sessions.value("SELECT 1")
    assert await terminate_idle(dsn, older_than_s=1.0) == "terminated 3 idle sessions"
    assert await sessions.gone(old)
    alive = await sessions.value(
        "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [fresh.info.backend_pid, busy]
    )
    assert alive == 2


async def test_check_reports_version_and_permissions(
    pg_server: PgServer, sessions: Sessions
) -> None:
    from probes.postgres.probe import check_postgres

    su = await check_postgres(pg_server.dsn(), 5)
    assert su.ok and su.version == await sessions.value("SHOW server_version")
    assert su.target == f"{pg_server.socket_dir}:{pg_server.port}/postgres"
    assert su.latency_ms is not None and su.latency_ms > 0
    assert su.permissions == ("pg_stat_activity: all users", "terminate backends: yes (superuser)")

    dsn = pg_server.dsn(WATCHER, password=WATCHER_PASSWORD)
    watcher = await check_postgres(dsn, 5)
    assert watcher.ok and watcher.target == f"127.0.0.1:{pg_server.port}/postgres"
    assert watcher.permissions == (
        "pg_stat_activity: own sessions only (grant pg_monitor)",
        "terminate backends: own role only (grant pg_signal_backend)",
    )
    assert su.warnings == () and len(watcher.warnings) == 1  # `check`: ready with warnings
    sleeper, _ = await sessions.run("superuser-job", "SELECT pg_sleep(60)")
    probe = PostgresProbe(dsn, long_query_s=0.1)
    try:
        await sessions.wait_state(sleeper, "query_start < now() - interval '0.2 s'")
        # another role's session shows no state nor query to a role without pg_monitor
        event = await sample(probe)
        assert sleeper not in {s.pid for s in event.sessions}
        assert event.connections["active"] == 0
        await sessions.rows(f"GRANT pg_monitor, pg_signal_backend TO {WATCHER}")
        granted = await check_postgres(dsn, 5)
        assert granted.permissions == (
            "pg_stat_activity: all users",
            "terminate backends: yes (pg_signal_backend; not superusers')",
        )
        assert granted.warnings == ()
        await probe.close()  # role membership is read at login
        event = await eventually(lambda: sample(probe), lambda e: len(e.sessions) == 1)
        assert [(s.pid, s.query) for s in event.sessions] == [(sleeper, "SELECT pg_sleep(60)")]
    finally:
        await sessions.rows(f"REVOKE pg_monitor, pg_signal_backend FROM {WATCHER}")
        await probe.close()

    wrong = await check_postgres(pg_server.dsn(WATCHER, password=BAD_PASSWORD), 5)
    assert wrong.reachable and not wrong.ok  # the server answered: the password is wrong
    assert 'password authentication failed for user "watcher"' in wrong.problems[0]
    port = free_port()
    dead = await check_postgres(f"host=127.0.0.1 port={port} password={WATCHER_PASSWORD}", 2)
    assert not dead.reachable
    assert dead.problems == (f"connection refused (at 127.0.0.1:{port})",)
    for result in (watcher, wrong, dead):
        assert WATCHER_PASSWORD not in repr(result) and BAD_PASSWORD not in repr(result)


async def test_a_host_that_does_not_resolve_is_unknown_not_down(pg_server: PgServer) -> None:
    """The same real server named by a `.invalid` host (RFC 2606: never resolves): nothing
    answered, so the database is unknown from this console with its reason, never
    "database unreachable", and never the guide's P1; the server refusing is down."""
    from state.console import ConsoleState
    from state.guide.milestones import flags
    from state.guide.signals import signals, suggestion
    from tests.unit.helpers import fold_all

    pw, port = WATCHER_PASSWORD, pg_server.port
    clock = FrozenClock(datetime(2026, 3, 14, 9, 30, tzinfo=UTC))

    async def cycles(dsn: str) -> list[EventBase]:
        probe, events = PostgresProbe(dsn, timeout=3.0), []
        scheduler = ProbeScheduler([probe], clock, events.append)
        try:
            for _ in range(2):
                await scheduler.sample_once(probe)
                clock.advance(200)  # past the guide's 2 minutes
        finally:
            await probe.close()
        return events

    real = pg_server.dsn(WATCHER, password=pw)  # over TCP to 127.0.0.1
    seen = await cycles(real)
    assert [type(e) for e in seen] == [DatabaseSampled, DatabaseSampled]
    nowhere = await cycles(real.replace("@127.0.0.1:", "@warroom-db.invalid:"))
    (failed,) = nowhere
    assert isinstance(failed, ProbeFailed) and failed.unknown
    assert failed.reason == "DNS lookup failed (cannot resolve warroom-db.invalid)"
    state = fold_all(ConsoleState(), [*seen, *nowhere])
    assert not signals(state).database_unreachable and "database unreachable" not in flags(state)
    assert suggestion(state).severity.value == "P3"  # calm in what it sees, blind to the rest
    assert suggestion(state).unknown == (
        "database: DNS lookup failed (cannot resolve warroom-db.invalid), from this console",
    )
    assert not state.episodes  # not seeing is no breach
    assert state.timeline[-1].text == (
        "PostgreSQL unknown from this console: "
        "DNS lookup failed (cannot resolve warroom-db.invalid)"
    )
    with pytest.raises(PostgresError) as caught:  # as `warroom check` reports it
        await PostgresProbe(real.replace("@127.0.0.1:", "@warroom-db.invalid:")).sample(
            datetime.now(UTC)
        )
    assert caught.value.unknown and not caught.value.answered and pw not in str(caught.value)
    refused = await cycles(real.replace(f":{port}/", f":{free_port()}/"))
    down = fold_all(ConsoleState(), [*seen, *refused])
    assert isinstance(refused[0], ProbeFailed) and not refused[0].unknown
    assert signals(down).database_unreachable and "database unreachable" in flags(down)
    assert suggestion(down).severity.value == "P1"
