"""Ending a superuser's backend from a console whose role is not a superuser: PostgreSQL
refuses it, and the confirmation says so before the commander presses y.

Before: `k` on a blocker of the `postgres` role asked "Terminate backend: pid N?" as for
any other, and only the result said PostgreSQL had refused. The probe reads each session's
role's `rolsuper` (pg_roles) with the sessions, and the console's own role's
`is_superuser` once per connection, as pg_activity reads it.
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
from tui.backend_now import backend_message, superuser_refuses

if TYPE_CHECKING:
    from tests.servers.postgres import PgServer
    from tests.servers.sessions import Sessions

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 14, 9, 27, 20, tzinfo=UTC)
REFUSES = "PostgreSQL will refuse: its role (postgres) is a superuser and the console's role"


async def test_a_superusers_backend_is_said_to_be_refused_before_it_is_tried(
    pg_server: PgServer, sessions: Sessions
) -> None:
    await table(sessions, "acc_su")
    holder = await sessions.hold("batch", "UPDATE acc_su SET balance = 0 WHERE id = 1")
    await sessions.wait("app", "UPDATE acc_su SET balance = 1 WHERE id = 1")
    watcher_dsn = pg_server.dsn(WATCHER, password=WATCHER_PASSWORD)
    # a monitoring role that may read every session and signal other roles' backends
    await sessions.rows(f"GRANT pg_monitor, pg_signal_backend TO {WATCHER}")
    try:
        async with opened(watcher_dsn) as probe:
            event = await sample(probe)
        assert event.console_superuser is False
        by_pid = {s.pid: s for s in event.sessions}
        assert by_pid[holder].superuser is True  # the test's sessions are the postgres role's
        (chain,) = blocking_chains(event.sessions)
        told = backend_message("terminate_backend", chain, event.sessions, False)
        assert told.splitlines()[1].startswith(REFUSES), told
        # and it is the truth: the server refuses it, and the backend stays
        actions = PostgresActions(watcher_dsn)
        params = {"pid": holder, "user": "postgres"}
        with pytest.raises(ActionRefused, match=r"(?i)superuser"):
            await actions.run("terminate_backend", f"pid {holder}", params, False, NOW)
        assert await sessions.value("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", holder)
        # the idle sessions' list reads it too, for the kill-idle dialog
        idle = await actions.idle_sessions(0.0, NOW)
        assert all(s.superuser is not None for s in idle)
    finally:
        await sessions.rows(f"REVOKE pg_monitor, pg_signal_backend FROM {WATCHER}")

    async with opened(pg_server.dsn()) as probe:  # a superuser console: no such line
        event = await sample(probe)
    assert event.console_superuser is True
    (chain,) = blocking_chains(event.sessions)
    assert not superuser_refuses(chain.session, event.console_superuser)
    told = backend_message("terminate_backend", chain, event.sessions, True)
    assert "will refuse" not in told
