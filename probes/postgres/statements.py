"""PostgreSQL's write side: end or cancel a backend, clear idle sessions (the guide's runbook)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from probes.postgres.probe import PostgresError, connect, reason
from state.events import DbSession
from state.text import inert, marked_name

if TYPE_CHECKING:
    from psycopg import AsyncConnection

# The guide's "Too Many Connections" query, less the console itself and non-client backends.
_IDLE = """
SELECT pid, usename, application_name, state, left(query, 1000), query_start, xact_start
FROM pg_stat_activity
WHERE state = 'idle' AND query_start < now() - make_interval(secs => %s)
  AND backend_type = 'client backend' AND pid <> pg_backend_pid()
ORDER BY query_start, pid
"""
_TERMINATE_IDLE = f"SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM ({_IDLE}) idle"


@asynccontextmanager
async def _connected(target: AsyncConnection[Any] | str | None) -> AsyncIterator[Any]:
    """Use the caller's connection as it is, or open (and close) one from a DSN."""
    if target is not None and not isinstance(target, str):
        yield target
        return
    conn = await connect(target, timeout=5.0)
    try:
        yield conn
    finally:
        await conn.close()


async def _one(target: AsyncConnection[Any] | str | None, sql: str, *params: object) -> Any:
    import psycopg

    dsn = target if isinstance(target, str) else None
    async with _connected(target) as conn:
        try:
            async with conn.cursor() as cur:
                await cur.execute(sql, params)
                row = await cur.fetchone()
        except psycopg.Error as exc:
            raise PostgresError(reason(exc, dsn)) from None
    return row[0] if row else None


async def _signal(target: AsyncConnection[Any] | str | None, pid: int, call: str) -> None:
    # one statement on one connection: the own-backend check must see the connection that acts
    sql = f"SELECT CASE WHEN pg_backend_pid() = %s THEN NULL ELSE {call} END"
    done = await _one(target, sql, pid, pid)
    if done is None:
        raise PostgresError(f"pid {pid} is the console's own connection")
    if not done:
        raise PostgresError(f"pid {pid} is not a PostgreSQL session (already gone?)")


async def terminate_backend(target: AsyncConnection[Any] | str | None, pid: int) -> str:
    """pg_terminate_backend(pid), waiting up to 5 s for the session to end (PostgreSQL 14+)."""
    await _signal(target, pid, "pg_terminate_backend(%s, 5000)")
    return f"terminated pid {pid}"


async def cancel_backend(target: AsyncConnection[Any] | str | None, pid: int) -> str:
    """pg_cancel_backend(pid): the running query stops, the session stays."""
    await _signal(target, pid, "pg_cancel_backend(%s)")
    return f"cancelled the query of pid {pid}"


async def idle_sessions(
    target: AsyncConnection[Any] | str | None, older_than_s: float = 600
) -> list[DbSession]:
    """Sessions idle since their last query ended more than `older_than_s` ago."""
    import psycopg

    dsn = target if isinstance(target, str) else None
    async with _connected(target) as conn:
        try:
            async with conn.cursor() as cur:
                await cur.execute(_IDLE, (older_than_s,))
                rows = await cur.fetchall()
        except psycopg.Error as exc:
            raise PostgresError(reason(exc, dsn)) from None
    return [
        DbSession(
            pid=pid,
            user=marked_name(user) if user is not None else None,
            application=marked_name(app) if app else None,
            state=state,
            query=inert(query or ""),
            query_start=q_start,
            xact_start=x_start,
        )
        for pid, user, app, state, query, q_start, x_start in rows
    ]


async def terminate_idle(
    target: AsyncConnection[Any] | str | None, older_than_s: float = 600
) -> str:
    """The guide's fix for too many connections: end sessions idle for `older_than_s`."""
    count = await _one(target, _TERMINATE_IDLE, older_than_s)
    return f"terminated {count} idle session{'s' if count != 1 else ''}"
