"""PostgresActions against a real server: ending the chosen backend, and only that one."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from probes.actions import BACKEND_ACTIONS, ActionRefused
from probes.postgres.actions import PostgresActions
from state.locks import blocking_chains
from tests.integration.pg_probe import opened, sample
from tests.servers.postgres import (
    WATCHER,
    WATCHER_PASSWORD,
    PgServer,
    free_port,
    remove_server,
)
from tests.servers.sessions import Sessions, eventually

if TYPE_CHECKING:
    from probes.postgres.probe import PostgresProbe
    from state.events import DbSession

pytestmark = pytest.mark.integration
NOW = datetime(2026, 3, 14, 9, 27, 20, tzinfo=UTC)


@pytest.fixture
async def probe(pg_server: PgServer) -> AsyncIterator[PostgresProbe]:
    async with opened(pg_server.dsn(), long_query_s=0.1) as p:
        yield p


def chosen(session: DbSession) -> dict[str, Any]:
    """The params the console sends for the session picked in the locks pane."""
    began = session.backend_start.isoformat() if session.backend_start else None
    return {"pid": session.pid, "user": session.user, "backend_start": began}


async def shown(probe: PostgresProbe, pid: int) -> DbSession:
    event = await eventually(lambda: sample(probe), lambda e: pid in {s.pid for s in e.sessions})
    return next(s for s in event.sessions if s.pid == pid)


async def lock_chain(sessions: Sessions, table: str) -> tuple[int, int]:
    """A holder idle in a transaction with a row locked, and a waiter on it: their pids."""
    await sessions.rows(
        f"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (id int PRIMARY KEY, n int);"
        f" INSERT INTO {table} VALUES (1, 0)"
    )
    holder = await sessions.hold("holder", f"UPDATE {table} SET n = 1 WHERE id = 1")
    waiter = await sessions.wait("waiter", f"UPDATE {table} SET n = 2 WHERE id = 1")
    return holder, waiter


async def test_terminating_the_blocker_dissolves_the_chain(
    pg_server: PgServer, probe: PostgresProbe, sessions: Sessions
) -> None:
    holder, waiter = await lock_chain(sessions, "acc_act")
    (chain,) = blocking_chains((await sample(probe)).sessions)
    assert chain.session.pid == holder

    actions = PostgresActions(pg_server.dsn())
    params = chosen(chain.session)
    result = await actions.run("terminate_backend", f"pid {holder}", params, False, NOW)
    assert result == f"terminated pid {holder}"
    event = await eventually(lambda: sample(probe), lambda e: not blocking_chains(e.sessions))
    assert blocking_chains(event.sessions) == []
    assert await sessions.gone([holder])
    assert not await sessions.gone([waiter], timeout=0)  # it got its lock and lives on


async def test_cancel_stops_the_query_and_keeps_the_session(
    pg_server: PgServer, probe: PostgresProbe, sessions: Sessions
) -> None:
    pid, task = await sessions.run("sleeper", "SELECT pg_sleep(60)")
    params = chosen(await shown(probe, pid))
    actions = PostgresActions(pg_server.dsn())
    result = await actions.run("cancel_backend", f"pid {pid}", params, False, NOW)
    assert result == f"cancelled the query of pid {pid}"
    with pytest.raises(psycopg.errors.QueryCanceled):
        await asyncio.wait_for(task, 10)
    await sessions.wait_state(pid, "state = 'idle'")


async def test_a_pid_that_is_no_longer_the_chosen_session_is_refused(
    pg_server: PgServer, probe: PostgresProbe, sessions: Sessions
) -> None:
    pid, task = await sessions.run("sleeper", "SELECT pg_sleep(60)")
    session = await shown(probe, pid)
    actions = PostgresActions(pg_server.dsn())
    assert session.backend_start is not None
    earlier = session.backend_start - timedelta(microseconds=1)
    reused = [  # the same pid, as another backend would show it
        chosen(session.model_copy(update={"backend_start": earlier})),
        {**chosen(session), "user": "someone-else"},
    ]
    hidden = {"pid": pid, "user": f"{session.user}\u26a0", "backend_start": None}
    with pytest.raises(ActionRefused, match=f"^pid {pid}: its user's name is not shown as it"):
        await actions.run("terminate_backend", f"pid {pid}", hidden, False, NOW)
    for params in reused:
        for action in ("terminate_backend", "cancel_backend"):
            with pytest.raises(ActionRefused, match=f"^pid {pid} is no longer the session you"):
                await actions.run(action, f"pid {pid}", params, False, NOW)
    assert not await sessions.gone([pid], timeout=0)
    await sessions.value("SELECT pg_terminate_backend(%s, 5000)", pid)
    with pytest.raises(psycopg.errors.AdminShutdown):  # ended here: never cancelled before
        await asyncio.wait_for(task, 10)
    with pytest.raises(ActionRefused, match=f"^pid {pid} has ended"):
        await actions.run("terminate_backend", f"pid {pid}", chosen(session), False, NOW)


async def test_a_new_query_since_the_pick_is_still_the_chosen_backend(
    pg_server: PgServer, probe: PostgresProbe, sessions: Sessions
) -> None:
    holder, _ = await lock_chain(sessions, "acc_next")
    (chain,) = blocking_chains((await sample(probe)).sessions)
    picked = chain.session
    assert picked.pid == holder and picked.backend_start is not None
    blocker = next(c for c in sessions.conns if c.info.backend_pid == holder)
    await blocker.execute("SELECT 1")  # the blocker moves on: a new query_start, same backend
    now_start = await sessions.value(
        "SELECT query_start FROM pg_stat_activity WHERE pid = %s", picked.pid
    )
    assert now_start != picked.query_start
    actions = PostgresActions(pg_server.dsn())
    result = await actions.run("terminate_backend", f"pid {picked.pid}", chosen(picked), False, NOW)
    assert result == f"terminated pid {picked.pid}"
    assert await sessions.gone([picked.pid])


async def test_no_such_pid_and_dry_run_are_refused(pg_server: PgServer) -> None:
    actions = PostgresActions(pg_server.dsn())
    with pytest.raises(ActionRefused, match=r"^pid 1 has ended"):
        await actions.run("terminate_backend", "pid 1", {"pid": 1}, False, NOW)
    with pytest.raises(ActionRefused, match="cannot dry-run"):
        await actions.run("terminate_backend", "pid 1", {"pid": 1}, True, NOW)


async def test_terminate_idle_ends_only_the_sessions_shown_and_still_idle(
    pg_server: PgServer, sessions: Sessions
) -> None:
    conns = []
    for i in range(5):
        conn = await sessions.open(f"leaked-{i}")
        await conn.execute("SELECT 1")
        conns.append(conn)
    pids = [c.info.backend_pid for c in conns]
    actions = PostgresActions(pg_server.dsn())
    idle = await eventually(
        lambda: actions.idle_sessions(2.0, NOW), lambda found: set(pids) <= {s.pid for s in found}
    )
    assert {s.state for s in idle} == {"idle"}
    began = {s.pid: s.backend_start for s in idle}
    assert all(began[pid] is not None for pid in pids)
    await conns[2].execute("SELECT 1")  # in use again since the list was shown
    shown = pids[:4]  # the fifth was not on the list the commander confirmed
    starts = [began[pid].isoformat() for pid in shown]  # type: ignore[union-attr]
    # the fourth's pid, as another backend that took it would show it: a later start
    starts[3] = (began[pids[3]] + timedelta(seconds=1)).isoformat()  # type: ignore[operator]
    params = {"older_than": 2.0, "pids": shown, "backend_starts": starts}
    result = await actions.run("terminate_idle", "4 idle sessions", params, False, NOW)
    assert result == (
        "terminated 2 idle sessions; 1 no longer idle or already gone; "
        "1 pid now another backend, left alone"
    )
    assert await sessions.gone(pids[:2])
    alive = "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)"
    assert await sessions.value(alive, pids[2:]) == 3  # busy, another backend, not shown


async def test_terminate_idle_without_start_times_compares_pids(
    pg_server: PgServer, sessions: Sessions
) -> None:
    """A request without backend_starts (as before they were sent) ends the pids shown."""
    conn = await sessions.open("leaked")
    await conn.execute("SELECT 1")
    pid = conn.info.backend_pid
    actions = PostgresActions(pg_server.dsn())
    await eventually(lambda: actions.idle_sessions(1.0, NOW), lambda f: pid in {s.pid for s in f})
    params = {"older_than": 1.0, "pids": [pid, pid]}
    assert await actions.run("terminate_idle", "1", params, False, NOW) == (
        "terminated 1 idle session"
    )
    assert await sessions.gone([pid])


async def test_a_session_that_never_ran_a_statement_is_idle_since_it_connected(
    pg_server: PgServer, sessions: Sessions
) -> None:
    """Seen live: 50 sessions connected for 15 minutes, never used (a pool's spares, the
    connections that fill a server), and `i` said 'No idle sessions older than 10 minutes':
    their query_start is NULL, which the guide's query never matches."""
    spare = await sessions.open("pool-spare")  # connected, nothing run on it
    pid = spare.info.backend_pid
    actions = PostgresActions(pg_server.dsn())
    idle = await eventually(
        lambda: actions.idle_sessions(0.5, NOW), lambda found: pid in {s.pid for s in found}
    )
    (found,) = [s for s in idle if s.pid == pid]
    began = await sessions.value("SELECT backend_start FROM pg_stat_activity WHERE pid = %s", pid)
    assert found.query_start == began  # "idle since" it connected
    params = {"older_than": 0.5, "pids": [pid]}
    result = await actions.run("terminate_idle", "1 idle session", params, False, NOW)
    assert result == "terminated 1 idle session"
    assert await sessions.gone([pid])


async def test_permissions_follow_the_role(pg_server: PgServer, sessions: Sessions) -> None:
    assert await PostgresActions(pg_server.dsn()).permissions() == dict.fromkeys(BACKEND_ACTIONS)
    watcher = PostgresActions(pg_server.dsn(WATCHER, password=WATCHER_PASSWORD))
    reason = "the role may signal only its own sessions (grant pg_signal_backend)"
    assert await watcher.permissions() == dict.fromkeys(BACKEND_ACTIONS, reason)
    await sessions.rows(f"GRANT pg_signal_backend TO {WATCHER}")
    try:
        assert await watcher.permissions() == dict.fromkeys(BACKEND_ACTIONS)
    finally:
        await sessions.rows(f"REVOKE pg_signal_backend FROM {WATCHER}")
    port = free_port()
    dead = PostgresActions(f"host=127.0.0.1 port={port} password={WATCHER_PASSWORD}")
    answers = await dead.permissions()
    assert set(answers.values()) == {f"connection refused (at 127.0.0.1:{port})"}
    assert not any(WATCHER_PASSWORD in (why or "") for why in answers.values())
    with pytest.raises(ActionRefused, match=r"^connection refused ") as caught:
        await dead.run("terminate_backend", "pid 1", {"pid": 1}, False, NOW)
    assert WATCHER_PASSWORD not in str(caught.value)


@pytest.fixture
async def crowded() -> AsyncIterator[tuple[PgServer, Sessions]]:
    """A private server of 10 connection slots, and sessions for filling them."""
    root = Path(tempfile.mkdtemp(prefix="warroom-pg-crowded-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    server = PgServer(root, free_port(), max_connections=10)
    opened = Sessions(server.dsn())
    try:
        server.init()
        server.start()
        yield server, opened
    finally:
        await opened.close()
        remove_server(server)


async def fill(sessions: Sessions) -> int:
    """Open sessions until the server says 'too many clients'; how many were opened."""
    count = 0
    while True:
        try:
            await sessions.open(f"crowd-{count}")
        except psycopg.OperationalError as exc:
            assert "too many clients" in str(exc)
            return count
        count += 1


async def test_a_server_with_no_connection_slot_left_still_takes_the_commanders_actions(
    crowded: tuple[PgServer, Sessions],
) -> None:
    """Every slot taken (the guide's Database Performance runbook: too many connections, fixed
    by ending idle sessions): a new connection is refused, so the console holds one from its
    start. Seen live at 400/400: `k` on the blocker failed, 'too many connections (sorry, too
    many clients already)', and `i` could not even list the idle sessions."""
    server, sessions = crowded
    await sessions.rows("CREATE TABLE slots (id int PRIMARY KEY); INSERT INTO slots VALUES (1)")
    holder = await sessions.hold("holder", "UPDATE slots SET id = 1 WHERE id = 1")
    await sessions.wait("waiter", "UPDATE slots SET id = 1 WHERE id = 1")
    idle = await sessions.open("leaked")
    await idle.execute("SELECT 1")
    actions = PostgresActions(server.dsn())
    await actions.prepare()
    assert await fill(sessions) > 0
    refused = PostgresActions(server.dsn())  # one that held nothing: how it was before
    with pytest.raises(ActionRefused, match=r"^too many connections \(sorry, too many clients"):
        await refused.idle_sessions(0.0, NOW)

    listed = await actions.idle_sessions(0.0, NOW)
    assert idle.info.backend_pid in {s.pid for s in listed}
    assert "warroom" not in {s.application for s in listed}  # never its own reserve
    began = "SELECT backend_start FROM pg_stat_activity WHERE pid = %s"
    params = {
        "pid": holder,
        "user": "postgres",
        "backend_start": (await sessions.value(began, holder)).isoformat(),
    }
    result = await actions.run("terminate_backend", f"pid {holder}", params, False, NOW)
    assert result == f"terminated pid {holder}"
    assert await sessions.gone([holder])
    # and again: the reserve stays open for the next action
    shown = {"older_than": 0.0, "pids": [idle.info.backend_pid]}
    result = await actions.run("terminate_idle", "1 idle session", shown, False, NOW)
    assert result == "terminated 1 idle session"
    await actions.close()


async def test_a_console_that_started_on_a_full_server_gets_its_reserve_once_a_slot_frees(
    crowded: tuple[PgServer, Sessions],
) -> None:
    """The reserve is checked again (`prepare`, every 30 s in the console): none while the
    server is full, taken as soon as a slot frees, and opened again after a restart."""
    server, sessions = crowded
    await sessions.rows("SELECT 1")  # the admin connection, for closing them all at the end
    await fill(sessions)
    actions = PostgresActions(server.dsn())
    await actions.prepare()  # no slot: no reserve
    await sessions.conns.pop().close()
    await actions.prepare()  # the freed slot is the reserve's now
    with pytest.raises(ActionRefused, match=r"^too many connections"):
        await PostgresActions(server.dsn()).idle_sessions(0.0, NOW)
    assert len(await actions.idle_sessions(0.0, NOW)) > 0

    for conn in sessions.conns:
        conn.pgconn.finish()
    sessions.conns.clear()
    sessions.admin = None
    server.stop()
    server.start()
    await actions.prepare()  # its reserve died with the server: opened again
    await sessions.rows("SELECT 1")  # idle since a query: what `i` lists
    await fill(sessions)
    assert len(await actions.idle_sessions(0.0, NOW)) > 0
    await actions.close()


async def test_cancel_on_a_blocker_idle_in_transaction_says_there_is_no_query_to_cancel(
    pg_server: PgServer, probe: PostgresProbe, sessions: Sessions
) -> None:
    """PostgreSQL ignores a cancel while a backend waits for its client's next command; the
    console said 'cancelled the query of pid N' and the lock chain stood as it was."""
    holder, waiter = await lock_chain(sessions, "acc_quiet")
    (chain,) = blocking_chains((await sample(probe)).sessions)
    assert chain.session.pid == holder
    actions = PostgresActions(pg_server.dsn())
    result = await actions.run("cancel_backend", f"pid {holder}", chosen(chain.session), False, NOW)
    assert result == f"pid {holder} is idle in transaction: no query to cancel, its locks are kept"
    (still,) = blocking_chains((await sample(probe)).sessions)
    assert still.session.pid == holder and waiter in {w.session.pid for w in still.waiters}
