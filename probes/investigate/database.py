"""The investigation's PostgreSQL reads: slow statements (pg_stat_statements), the largest
tables and the time a new connection takes, each on its own short-lived connection."""

from __future__ import annotations

import time
from typing import Any

from probes.investigate.base import NotConfigured
from probes.postgres.connection import connect
from probes.postgres.queries import sql
from state.events import Finding
from state.guide.investigation import SLOW_STATEMENT_MS
from state.text import inert

STATEMENT_TIMEOUT_MS = 3000  # a monitoring query never holds the database long


async def _rows(dsn: str | None, timeout: float, name: str, **params: Any) -> list[tuple]:
    conn = await connect(dsn, timeout)
    try:
        async with conn.cursor() as cur:
            await cur.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
            await cur.execute(sql(name), params or None)
            return list(await cur.fetchall())
    finally:
        await conn.close()


async def slow_statements(dsn: str | None, timeout: float) -> list[Finding]:
    import psycopg

    try:
        rows = await _rows(dsn, timeout, "slow_statements", slow_ms=SLOW_STATEMENT_MS)
    except psycopg.errors.UndefinedTable:
        raise NotConfigured(
            "the pg_stat_statements extension is absent (CREATE EXTENSION pg_stat_statements; "
            "needs shared_preload_libraries)"
        ) from None
    except psycopg.errors.ObjectNotInPrerequisiteState:
        raise NotConfigured(
            "pg_stat_statements is not loaded (add it to shared_preload_libraries)"
        ) from None
    out = [
        Finding(
            part="Slow statements",
            text=f"{inert(query, 160)}: calls {calls}, mean {mean / 1000:.1f} s, "
            f"total {total / 1000:.0f} s",
            tone="bad",
        )
        for query, total, calls, mean, _ in rows
    ]
    return out or [
        Finding(
            part="Slow statements",
            text=f"no statement with mean > {SLOW_STATEMENT_MS / 1000:g} s in pg_stat_statements",
            tone="good",
            found=False,
        )
    ]


async def largest_tables(dsn: str | None, timeout: float) -> list[Finding]:
    rows = await _rows(dsn, timeout, "largest_tables")
    return [
        Finding(
            part="Largest tables",
            text=f"{inert(schema, 60)}.{inert(table, 80)} {inert(size, 20)}, "
            f"{ops or 0} rows written since stats reset",
        )
        for schema, table, size, ops in rows
    ] or [Finding(part="Largest tables", text="no user tables", found=False)]


async def connection_time(dsn: str | None, timeout: float) -> list[Finding]:
    started = time.perf_counter()
    conn = await connect(dsn, timeout)
    took = (time.perf_counter() - started) * 1000
    await conn.close()
    return [
        Finding(
            part="Connection",
            text=f"connected in {took:.0f} ms",
            tone="good" if took < 1000 else "warn",
        )
    ]
