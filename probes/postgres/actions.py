"""The database half of the Actions: end or cancel the chosen backend, clear idle sessions.

Each action opens its own short-lived connection (actions are rare; the probe's connection
stays a reader) under its own statement_timeout, and acts on the pid only while it still
is the session the commander chose.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from probes.actions import BACKEND_ACTIONS, ActionRefused
from probes.postgres.probe import PostgresError, check_postgres, connect, reason
from probes.postgres.statements import (
    cancel_backend,
    idle_sessions,
    terminate_backend,
    terminate_idle,
)
from state.text import marked_name

if TYPE_CHECKING:
    from psycopg import AsyncConnection

    from state.events import DbSession

# Above the 5 s pg_terminate_backend waits for the session to end, yet short: a statement
# stuck behind a lock on pg_stat_activity's catalogs must not hold the action for long.
STATEMENT_TIMEOUT_MS = 6000
_WHO = "SELECT usename, query_start FROM pg_stat_activity WHERE pid = %s"


class PostgresActions:
    """terminate_backend, cancel_backend and terminate_idle against one database."""

    def __init__(self, dsn: str | None = None, *, timeout: float = 5.0) -> None:
        self.dsn = dsn or None  # None: libpq reads PGHOST, PGUSER, PGPASSWORD, ...
        self.timeout = timeout

    async def _connect(self) -> AsyncConnection[Any]:
        try:
            conn = await connect(self.dsn, self.timeout)
            await conn.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
        except PostgresError as exc:
            raise ActionRefused(str(exc)) from None
        except Exception as exc:  # psycopg.Error from SET
            raise ActionRefused(reason(exc, self.dsn)) from None
        return conn

    async def permissions(self) -> dict[str, str | None]:
        """Allowed when the role may signal other roles' backends (as `warroom check` reports)."""
        result = await check_postgres(self.dsn, self.timeout)
        why: str | None = None
        if result.problems:
            why = result.problems[0]
        elif not any(p.startswith("terminate backends: yes") for p in result.permissions):
            why = "the role may signal only its own sessions (grant pg_signal_backend)"
        return dict.fromkeys(BACKEND_ACTIONS, why)

    async def run(
        self, action: str, target: str, params: Mapping[str, Any], dry_run: bool, now: datetime
    ) -> str:
        """Do `action`; the one-line result. PostgreSQL has no dry run: refused, never faked."""
        if action not in BACKEND_ACTIONS:
            raise ActionRefused(f"{action} is not a database action")
        if dry_run:
            raise ActionRefused("PostgreSQL cannot dry-run ending a backend")
        conn = await self._connect()
        try:
            if action == "terminate_idle":
                return await self._terminate_idle(conn, params)
            pid = int(params["pid"])
            await self._still_chosen(conn, pid, params)
            end = terminate_backend if action == "terminate_backend" else cancel_backend
            return await end(conn, pid)
        except PostgresError as exc:
            raise ActionRefused(str(exc)) from None
        finally:
            await conn.close()

    async def _still_chosen(
        self, conn: AsyncConnection[Any], pid: int, params: Mapping[str, Any]
    ) -> None:
        """Refuse when `pid` now belongs to another session (pids are reused) or has ended."""
        import psycopg

        try:
            async with conn.cursor() as cur:
                await cur.execute(_WHO, (pid,))
                row = await cur.fetchone()
        except psycopg.Error as exc:
            raise PostgresError(reason(exc, self.dsn)) from None
        if row is None:
            raise ActionRefused(f"pid {pid} has ended: there is no session to act on")
        user = marked_name(row[0]) if row[0] is not None else None  # as the probe recorded it
        chosen_start = params.get("query_start")
        if isinstance(chosen_start, str):
            chosen_start = datetime.fromisoformat(chosen_start)
        same_user = "user" not in params or params["user"] == user
        same_start = "query_start" not in params or chosen_start == row[1]
        if not (same_user and same_start):
            raise ActionRefused(f"pid {pid} is no longer the session you chose")

    async def _terminate_idle(self, conn: AsyncConnection[Any], params: Mapping[str, Any]) -> str:
        older_than = float(params.get("older_than", 600.0))
        if "pids" not in params:
            return await terminate_idle(conn, older_than)
        # only the sessions the commander was shown, and only if they are still idle that long
        shown = {int(p) for p in params["pids"]}
        still = [s.pid for s in await idle_sessions(conn, older_than) if s.pid in shown]
        ended, failed = 0, []
        for pid in still:
            try:
                await terminate_backend(conn, pid)
                ended += 1
            except PostgresError as exc:
                failed.append(str(exc))
        if failed and not ended:
            raise ActionRefused(failed[0])
        result = f"terminated {ended} idle session{'s' if ended != 1 else ''}"
        if len(shown) > len(still):
            result += f"; {len(shown) - len(still)} no longer idle or already gone"
        return result + (f"; {len(failed)} not ended: {failed[0]}" if failed else "")

    async def idle_sessions(self, older_than: float, now: datetime) -> list[DbSession]:
        """The sessions `terminate_idle` would end."""
        conn = await self._connect()
        try:
            return await idle_sessions(conn, older_than)
        except PostgresError as exc:
            raise ActionRefused(str(exc)) from None
        finally:
            await conn.close()
