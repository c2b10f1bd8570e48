"""The PostgreSQL probe on real-world setups (issue 15): another database's encoding, a
monitor role without pg_monitor, a prepared transaction as the blocker, a waiter with
several blockers, and the service behind each lock; each against the real test server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from probes.actions import ActionRefused
from probes.postgres.actions import PostgresActions
from probes.postgres.probe import PostgresProbe
from probes.scheduler import ProbeScheduler
from state.clock import FrozenClock
from state.console import ConsoleState
from state.events import DatabaseSampled, EventBase
from state.fold import fold
from state.guide.signals import suggestion
from state.locks import blocking_chains
from tests.integration.pg_probe import locks_text, opened, sample, table
from tests.servers.postgres import WATCHER, WATCHER_PASSWORD, PgServer
from tests.servers.sessions import Sessions, eventually

pytestmark = pytest.mark.integration


@pytest.fixture
async def probe(pg_server: PgServer) -> AsyncIterator[PostgresProbe]:
    async with opened(pg_server.dsn(), long_query_s=0.2) as p:
        yield p


# ---- another database's encoding -------------------------------------------------------------


@pytest.fixture(scope="module")
def odd_databases(pg_server: PgServer) -> Iterator[tuple[str, str]]:
    """A LATIN1 database, and a SQL_ASCII one (its text is whatever bytes clients sent)."""
    if not pg_server.running():
        pg_server.start()
    for name, encoding in (("latin_db", "LATIN1"), ("raw_db", "SQL_ASCII")):
        pg_server.psql(
            f"CREATE DATABASE {name} TEMPLATE template0 ENCODING '{encoding}'"
            " LC_COLLATE 'C' LC_CTYPE 'C'"
        )
    try:
        yield "latin_db", "raw_db"
    finally:
        pg_server.psql("DROP DATABASE latin_db WITH (FORCE)")
        pg_server.psql("DROP DATABASE raw_db WITH (FORCE)")


async def running(
    sessions: Sessions, pg_server: PgServer, dbname: str, query: bytes | str, **options: Any
) -> int:
    """A session of `dbname` running `query` (bytes: sent as they are), once it is active."""
    conn = await psycopg.AsyncConnection.connect(
        pg_server.dsn(dbname=dbname), autocommit=True, **options
    )
    sessions.conns.append(conn)
    sessions.tasks.append(asyncio.create_task(conn.execute(query)))  # type: ignore[arg-type]
    pid = conn.info.backend_pid
    await sessions.wait_state(pid, "state = 'active' AND starts_with(query, 'SELECT')")
    return pid


async def test_a_latin1_session_never_fails_the_sample(
    pg_server: PgServer, sessions: Sessions, odd_databases: tuple[str, str]
) -> None:
    latin, raw = odd_databases
    cafe = await running(
        sessions, pg_server, latin, "SELECT 'café crème', pg_sleep(60)",
        client_encoding="LATIN1", application_name="billing",
    )  # fmt: skip
    # bytes no encoding can read, with an escape sequence, in a database that checks none
    junk = await running(
        sessions, pg_server, raw, b"SELECT 'caf\xe9 \xff\xfe \x1b[2J', pg_sleep(60)",
        client_encoding="SQL_ASCII",
    )  # fmt: skip
    probe = PostgresProbe(pg_server.dsn(), long_query_s=0.1)
    events: list[EventBase] = []
    scheduler = ProbeScheduler([probe], FrozenClock(datetime.now(UTC)), events.append)
    try:
        await sessions.wait_state(junk, "query_start < now() - interval '0.2 s'")
        for _ in range(3):
            await scheduler.sample_once(probe)
    finally:
        await probe.close()
    assert [type(e) for e in events] == [DatabaseSampled] * 3  # before: ProbeFailed, stale
    by_pid = {s.pid: s for s in events[-1].sessions}  # type: ignore[attr-defined]
    # decoded per session with its own database's encoding
    assert by_pid[cafe].query == "SELECT 'café crème', pg_sleep(60)"
    assert by_pid[cafe].application == "billing"
    # what cannot be decoded is replaced in that field only, and drawn inert
    assert by_pid[junk].query == "SELECT 'caf\ufffd \ufffd\ufffd ', pg_sleep(60)"
    assert "\x1b" not in locks_text(events[-1])  # type: ignore[arg-type]


async def test_idle_latin1_sessions_list_leniently(
    pg_server: PgServer, sessions: Sessions, odd_databases: tuple[str, str]
) -> None:
    from probes.postgres.actions import idle_sessions

    latin, _ = odd_databases
    conn = await psycopg.AsyncConnection.connect(
        pg_server.dsn(dbname=latin), autocommit=True, client_encoding="LATIN1"
    )
    sessions.conns.append(conn)
    await conn.execute("SELECT 'café crème'")
    pid = conn.info.backend_pid
    # the `i` key's list reads query text through the connection's lenient text loader
    found = await eventually(
        lambda: idle_sessions(pg_server.dsn(), older_than_s=0.2),
        lambda listed: pid in {s.pid for s in listed},
    )
    (idle,) = [s for s in found if s.pid == pid]
    assert idle.query == "SELECT 'caf\ufffd cr\ufffdme'"


# ---- a monitor role without pg_monitor -----------------------------------------------------


async def test_a_role_without_pg_monitor_says_what_it_cannot_see(
    pg_server: PgServer, sessions: Sessions
) -> None:
    await table(sessions, "acc_blind")
    holder = await sessions.hold("billing", "UPDATE acc_blind SET balance = 0 WHERE id = 1")
    waiter = await sessions.wait("checkout", "UPDATE acc_blind SET balance = 1 WHERE id = 1")
    for i in range(3):
        await sessions.open(f"idle-{i}")
    others = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
    count = await sessions.value(others)  # every session here is the superuser's
    dsn = pg_server.dsn(WATCHER, password=WATCHER_PASSWORD)
    async with opened(dsn) as probe:
        event = await eventually(lambda: sample(probe), lambda e: e.hidden_sessions == count)
        assert event.hidden_sessions == count  # 6 here: before, nothing said them
        # what it may read: none of it, but pg_locks (every role's) says who waits
        assert event.connections == {"active": 0, "idle": 0, "idle in transaction": 0, "waiting": 1}
        # pg_locks and pg_blocking_pids() are every role's: the chain is still drawn
        (chain,) = blocking_chains(event.sessions)
        assert (chain.session.pid, chain.session.application) == (holder, "billing")
        assert not chain.session.visible and chain.session.query == ""
        assert [w.session.pid for w in chain.waiters] == [waiter]
        text = locks_text(event)
        assert f"cannot see {count} sessions of other roles: grant pg_monitor" in text
        assert "no blocking chains" not in text
        assert f"▶ {holder} billing state hidden blocks 1 on acc_blind" in text
        assert "statement hidden: grant pg_monitor" in text
        # the guide's rules read the database as unknown, never as all clear
        hint = suggestion(fold(ConsoleState(), event))
        assert not hint.all_clear
        assert hint.unknown == (f"database: {text.splitlines()[2]}",)

        await sessions.rows(f"GRANT pg_monitor TO {WATCHER}")
        try:
            await probe.close()  # role membership is read at login
            event = await eventually(lambda: sample(probe), lambda e: e.hidden_sessions == 0)
        finally:
            await sessions.rows(f"REVOKE pg_monitor FROM {WATCHER}")
    assert event.hidden_sessions == 0 and event.connections["idle in transaction"] == 1
    assert suggestion(fold(ConsoleState(), event)).all_clear
    assert "cannot see" not in locks_text(event)


# ---- a prepared transaction as the blocker ---------------------------------------------------


@pytest.fixture
async def prepared(sessions: Sessions) -> AsyncIterator[list[str]]:
    """gids to roll back at the end: a prepared transaction outlives its session."""
    gids: list[str] = []
    try:
        yield gids
    finally:
        for gid in gids:
            await sessions.rows(f"ROLLBACK PREPARED '{gid}'")


async def prepare(sessions: Sessions, gid: str, *statements: str) -> None:
    conn = await sessions.open("coordinator")
    await conn.execute("BEGIN")
    for statement in statements:
        await conn.execute(statement)  # type: ignore[arg-type]
    await conn.execute(f"PREPARE TRANSACTION '{gid}'")  # type: ignore[arg-type]


async def test_a_prepared_transaction_is_the_blocker_not_its_victim(
    pg_server: PgServer, probe: PostgresProbe, sessions: Sessions, prepared: list[str]
) -> None:
    await table(sessions, "acc_2pc")
    await table(sessions, "acc_2pc_ddl")
    await prepare(sessions, "pay-7f3a", "UPDATE acc_2pc SET balance = 0 WHERE id = 1")
    prepared.append("pay-7f3a")
    await prepare(sessions, "ddl-0001", "LOCK TABLE acc_2pc_ddl IN ACCESS EXCLUSIVE MODE")
    prepared.append("ddl-0001")
    row = await sessions.wait("checkout", "UPDATE acc_2pc SET balance = 1 WHERE id = 1")
    behind = await sessions.wait("checkout-2", "UPDATE acc_2pc SET balance = 2 WHERE id = 1")
    report = await sessions.wait("report", "SELECT count(*) FROM acc_2pc_ddl")
    assert await sessions.value("SELECT pg_blocking_pids(%s)", row) == [0]
    xacts = dict(
        await sessions.rows("SELECT gid, transaction::text::bigint FROM pg_prepared_xacts")
    )

    event = await sample(probe)

    chains = {c.session.prepared: c for c in blocking_chains(event.sessions)}
    assert set(chains) == {"pay-7f3a", "ddl-0001"}  # no waiter is drawn as a root
    pay, ddl = chains["pay-7f3a"].session, chains["ddl-0001"].session
    assert (pay.pid, pay.user, pay.database, pay.relation) == (
        -xacts["pay-7f3a"],
        "postgres",
        "postgres",
        "acc_2pc",
    )
    assert pay.xact_start is not None and pay.xact_start <= event.at
    assert (ddl.relation, ddl.lock_mode) == ("acc_2pc_ddl", "AccessExclusiveLock")
    assert [[w.session.pid for w, _ in c.walk()] for c in chains.values()] in (
        [[pay.pid, row, behind], [ddl.pid, report]],
        [[ddl.pid, report], [pay.pid, row, behind]],
    )
    text = locks_text(event, height=20)
    assert "▶ prepared transaction 'pay-7f3a'" in text and "blocks 2 on acc_2pc" in text
    assert "│ no backend · owner postgres · database postgres" in text
    assert "waits on pid 0" not in text

    # k on it: no backend to end; the database half refuses its key outright as well
    actions = PostgresActions(pg_server.dsn())
    with pytest.raises(ActionRefused, match="COMMIT PREPARED or ROLLBACK PREPARED"):
        await actions.run("terminate_backend", "x", {"pid": pay.pid}, False, event.at)
    assert await sessions.value("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", row) == 1

    # ended as the explanation says: the chain goes
    await sessions.rows("ROLLBACK PREPARED 'pay-7f3a'")
    prepared.remove("pay-7f3a")
    event = await eventually(lambda: sample(probe), lambda e: len(blocking_chains(e.sessions)) == 1)
    assert [c.session.prepared for c in blocking_chains(event.sessions)] == ["ddl-0001"]


# ---- a waiter with several blockers ----------------------------------------------------------


async def test_every_blocker_of_a_waiter_is_drawn(probe: PostgresProbe, sessions: Sessions) -> None:
    await table(sessions, "acc_share")
    first = await sessions.hold("reports", "LOCK TABLE acc_share IN SHARE MODE")
    second = await sessions.hold("exports", "LOCK TABLE acc_share IN SHARE MODE")
    migrate = await sessions.wait("migrations", "LOCK TABLE acc_share IN EXCLUSIVE MODE")
    blockers = await sessions.value("SELECT pg_blocking_pids(%s)", migrate)
    assert sorted(blockers) == sorted([first, second])

    event = await sample(probe)

    chains = blocking_chains(event.sessions)
    drawn = {c.session.pid for chain in chains for c, _ in chain.walk()}
    assert drawn == {first, second, migrate}  # before: `second` was nowhere
    assert {c.session.pid for c in chains} == {first, second}
    (waiter,) = [c for chain in chains for c, d in chain.walk() if d]
    (other,) = waiter.also
    assert {other, chains[0].session.pid} == {first, second}
    assert all(c.blocks == 1 for c in chains)
    text = locks_text(event)
    assert f"↳ also waits on {other}" in text
    assert f"▶ {first} reports idle in tx" in text and f"▶ {second} exports idle in tx" in text

    # ending one blocker leaves the waiter waiting, and the tree says on whom
    await sessions.value("SELECT pg_terminate_backend(%s, 5000)", first)
    event = await eventually(
        lambda: sample(probe), lambda e: first not in {s.pid for s in e.sessions}
    )
    (chain,) = blocking_chains(event.sessions)
    assert [c.session.pid for c, _ in chain.walk()] == [second, migrate]


# ---- the service behind the lock, and what it runs --------------------------------------------


async def test_the_tree_names_each_service_and_its_statement_at_120_columns(
    probe: PostgresProbe, sessions: Sessions
) -> None:
    await table(sessions, "acc_apps")
    holder = await sessions.hold("tracks-reindex", "UPDATE acc_apps SET balance = 0 WHERE id = 1")
    await sessions.wait("schema-migrations", "LOCK TABLE acc_apps IN ACCESS EXCLUSIVE MODE")
    await sessions.wait("analysis-service", "UPDATE acc_apps SET balance = 2 WHERE id = 2")

    event = await sample(probe)

    lines = locks_text(event).splitlines()  # cut as a 120-column terminal cuts the pane
    assert any(f"▶ {holder} tracks-reindex idle in tx" in line for line in lines)
    assert any("UPDATE acc_apps SET balance = 0" in line for line in lines)
    migration = next(line for line in lines if "schema-migrations" in line)
    update = next(line for line in lines if "analysis-service" in line)
    assert "LOCK TABLE acc_apps" in migration
    assert "UPDATE acc_apps" in update


async def test_a_hostile_gid_is_inert_and_marked(probe: PostgresProbe, sessions: Sessions) -> None:
    from psycopg import sql

    from tests.hostile import assert_inert

    gid = "[@click=app.quit]pay\x1b[2J\x1b]0;t\x07'q"
    await table(sessions, "acc_gid")
    conn = await sessions.open("coordinator")
    await conn.execute("BEGIN")
    await conn.execute("LOCK TABLE acc_gid IN ACCESS EXCLUSIVE MODE")
    await conn.execute(sql.SQL("PREPARE TRANSACTION {}").format(sql.Literal(gid)))
    try:
        await sessions.wait("checkout", "SELECT count(*) FROM acc_gid")
        (chain,) = blocking_chains((await sample(probe)).sessions)
        shown = chain.session.prepared
        assert shown is not None and shown.endswith("⚠")  # changed to be shown: marked
        assert_inert(shown)
        assert shown.startswith("[@click=app.quit]pay")  # literal text, never markup
        # the literal `k` shows is printable, and pasted as it is it names the exact gid
        literal = chain.session.prepared_sql
        assert literal == "E'[@click=app.quit]pay\\x1b[2J\\x1b]0;t\\x07''q'"
        assert_inert(literal)
        assert await sessions.value(f"SELECT {literal}") == gid
        await sessions.rows(f"ROLLBACK PREPARED {literal}")
        assert await sessions.value("SELECT count(*) FROM pg_prepared_xacts") == 0
    except BaseException:
        await sessions.rows(sql.SQL("ROLLBACK PREPARED {}").format(sql.Literal(gid)).as_string())
        raise


@pytest.mark.parametrize(
    "gid", ["pay-7f3a", "it's", "back\\slash", "tab\there", "bidi\u202eevil", "nbsp\u00a0x", "é ok"]
)
async def test_a_gid_literal_reads_back_as_the_gid(sessions: Sessions, gid: str) -> None:
    from state.text import sql_literal

    literal = sql_literal(gid)
    assert literal.isprintable()
    assert await sessions.value(f"SELECT {literal}") == gid
