"""A statement PostgreSQL cut to track_activity_query_size is shown as cut, never as whole
(found live: pg_stat_activity.query keeps 1 kB by default and the console showed the part as
if it were the statement)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest

from state.locks import blocking_chains
from tests.integration.pg_probe import opened, sample, table
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
    assert shown.plain.endswith("… (cut by the server at 1 kB)")
    assert "[bold red]" in shown.plain and not shown.spans  # text, never markup
