"""The PostgreSQL probe as its integration tests open and sample it against the test server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from probes.postgres.probe import PostgresProbe
from state.events import DatabaseSampled

if TYPE_CHECKING:
    from tests.servers.sessions import Sessions


@asynccontextmanager
async def opened(dsn: str, **options: Any) -> AsyncIterator[PostgresProbe]:
    """A PostgresProbe on `dsn` (`options` as PostgresProbe takes them), closed at the end."""
    probe = PostgresProbe(dsn, **options)
    try:
        yield probe
    finally:
        await probe.close()


async def table(sessions: Sessions, name: str) -> None:
    """A fresh table `name` (id, balance) with rows 1 and 2, for building lock chains on."""
    await sessions.rows(
        f"DROP TABLE IF EXISTS {name}; CREATE TABLE {name} (id int PRIMARY KEY, balance int);"
        f" INSERT INTO {name} VALUES (1, 100), (2, 200)"
    )


async def sample(probe: PostgresProbe) -> DatabaseSampled:
    """One sample taken now; it is a DatabaseSampled (a ProbeFailed fails the test)."""
    (event,) = await probe.sample(datetime.now(UTC))
    assert isinstance(event, DatabaseSampled)
    return event


def locks_text(event: DatabaseSampled, width: int = 56, height: int = 14) -> str:
    """What the Database locks pane draws for `event`: one line per row, each cut to `width`
    cells as the pane cuts it (56: the pane's width in a 120-column terminal)."""
    from rich.console import Console

    from state.console import ConsoleState
    from state.fold import fold
    from widgets.lock_lines import whole

    body = whole(fold(ConsoleState(), event), event.at, height)
    console = Console(width=width, color_system=None, legacy_windows=False)
    with console.capture() as captured:
        console.print(body, crop=True, no_wrap=True, overflow="ellipsis")
    return "\n".join(line.rstrip() for line in captured.get().splitlines())
