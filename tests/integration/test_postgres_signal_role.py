"""Ending another role's backend from a console whose role has neither superuser nor
pg_signal_backend: PostgreSQL refuses it, and the confirmation says so before `y`, naming
the backend's role and the console's. If it is tried anyway, the refusal is one line that
says why.

Before: `warroom check` said "terminate backends: own role only (grant pg_signal_backend)",
but `k` asked "Terminate backend: pid N?" as for any other, and only the result said
PostgreSQL had refused. The probe reads, once per connection, whose backends its role may
signal: any but a superuser's (superuser, or pg_signal_backend), or only those of the roles
whose privileges it has (PostgreSQL's own rule, pg_has_role USAGE), itself first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from probes.actions import ActionRefused
from probes.postgres.actions import PostgresActions
from state.locks import blocking_chains
from tests.integration.pg_probe import opened, sample, table
from tests.servers.postgres import WATCHER, WATCHER_PASSWORD
from tui.backend_now import backend_message

if TYPE_CHECKING:
    from tests.servers.postgres import PgServer
    from tests.servers.sessions import Sessions

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 14, 9, 27, 20, tzinfo=UTC)
ROLE = "sig_batch"  # an application's role, not a superuser
REFUSES = (
    f"PostgreSQL will refuse: its role ({ROLE}) is not the console's ({WATCHER}), which is "
    "neither a superuser nor a member of pg_signal_backend; it may end or cancel only its own "
    f"role's ({WATCHER}) backends (grant pg_signal_backend to end others')."
)

# why the server refuses, up to PostgreSQL 15 (16 on: 'permission denied to terminate
# process', and why in its DETAIL: test_a_refusal_says_the_servers_detail_after_it)
WHY = (
    "must be a member of the role whose process is being terminated or member of pg_signal_backend"
)
PG16 = (
    "Only roles with privileges of the role whose process is being terminated or with "
    'privileges of the "pg_signal_backend" role may terminate this process.'
)


async def told(dsn: str) -> tuple[object, str, int]:
    """(the console's signal roles as sampled, the dialog's second line, the root's pid)."""
    async with opened(dsn) as probe:
        event = await sample(probe)
    (chain,) = blocking_chains(event.sessions)
    message = backend_message(
        "terminate_backend",
        chain,
        event.sessions,
        event.console_superuser,
        event.console_signals,
    )
    return event.console_signals, message.splitlines()[1], chain.session.pid


async def test_another_roles_backend_is_said_to_be_refused_before_it_is_tried(
    pg_server: PgServer, sessions: Sessions
) -> None:
    await table(sessions, "acc_sig")
    await sessions.rows(  # left by an earlier run against the same server
        f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN "
        f"DROP OWNED BY {ROLE}; DROP ROLE {ROLE}; END IF; END $$"
    )
    await sessions.rows(f"CREATE ROLE {ROLE} LOGIN; GRANT ALL ON acc_sig TO {ROLE}")
    owner = await sessions.open("batch", pg_server.dsn(ROLE))
    await owner.execute("BEGIN")
    await owner.execute("UPDATE acc_sig SET balance = 0 WHERE id = 1")
    holder = owner.info.backend_pid
    await sessions.wait("app", "UPDATE acc_sig SET balance = 1 WHERE id = 1")
    watcher_dsn = pg_server.dsn(WATCHER, password=WATCHER_PASSWORD)
    await sessions.rows(f"GRANT pg_monitor TO {WATCHER}")  # sees every session, signals none
    try:
        signals, line, root = await told(watcher_dsn)
        assert root == holder
        assert signals == (WATCHER,)
        assert line == REFUSES
        # and it is the truth: the server refuses it, in one line that says why
        actions = PostgresActions(watcher_dsn)
        params = {"pid": holder, "user": ROLE}
        with pytest.raises(ActionRefused) as refused:
            await actions.run("terminate_backend", f"pid {holder}", params, False, NOW)
        said = str(refused.value)
        assert said.startswith(WHY), said  # as this server says it (PostgreSQL 15 and before)
        assert "\n" not in said and "Traceback" not in said
        assert await sessions.value("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", holder)

        await sessions.rows(f"GRANT pg_signal_backend TO {WATCHER}")  # any role's now
        signals, line, _ = await told(watcher_dsn)
        assert signals is None
        assert "will refuse" not in line
        await sessions.rows(f"REVOKE pg_signal_backend FROM {WATCHER}")
        signals, line, _ = await told(pg_server.dsn())  # a superuser console: nothing to say
        assert signals is None
        assert "will refuse" not in line

        await sessions.rows(f"GRANT {ROLE} TO {WATCHER}")  # a member has its privileges
        signals, line, _ = await told(watcher_dsn)
        assert signals == (WATCHER, ROLE)
        assert "will refuse" not in line
        done = await actions.run("terminate_backend", f"pid {holder}", params, False, NOW)
        assert done == f"terminated pid {holder}"
        await actions.close()
    finally:
        await sessions.rows(f"REVOKE pg_monitor FROM {WATCHER}")
        await sessions.rows(f"REVOKE pg_signal_backend FROM {WATCHER}")
        await sessions.rows(f"REVOKE {ROLE} FROM {WATCHER}")


async def test_a_refusal_says_the_servers_detail_after_it(pg_server: PgServer) -> None:
    """PostgreSQL 16 on refuses with 'permission denied to terminate process' and says why in
    its DETAIL, which psycopg keeps out of the message: raised here as that server raises it
    (SQLSTATE 42501, the same message and detail), it reads as one line with the why."""
    from probes.postgres.actions import _one
    from probes.postgres.connection import PostgresError

    raise_it = (
        "DO $$ BEGIN RAISE EXCEPTION 'permission denied to terminate process' "
        f"USING ERRCODE = '42501', DETAIL = '{PG16}'; END $$"
    )
    with pytest.raises(PostgresError) as refused:
        await _one(pg_server.dsn(), raise_it, ())
    assert str(refused.value) == f"permission denied to terminate process: {PG16}"
