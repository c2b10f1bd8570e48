"""The PostgreSQL probe as its integration tests open and sample it against the test server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from probes.postgres.probe import PostgresProbe
from state.events import DatabaseSampled


@asynccontextmanager
async def opened(dsn: str, **options: Any) -> AsyncIterator[PostgresProbe]:
    """A PostgresProbe on `dsn` (`options` as PostgresProbe takes them), closed at the end."""
    probe = PostgresProbe(dsn, **options)
    try:
        yield probe
    finally:
        await probe.close()


async def sample(probe: PostgresProbe) -> DatabaseSampled:
    """One sample taken now; it is a DatabaseSampled (a ProbeFailed fails the test)."""
    (event,) = await probe.sample(datetime.now(UTC))
    assert isinstance(event, DatabaseSampled)
    return event
