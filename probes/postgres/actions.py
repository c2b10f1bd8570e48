"""The database's write side: end or cancel the chosen backend, clear idle sessions (the
guide's runbook).

Each action opens its own short-lived connection (actions are rare; the probe's connection
stays a reader) under its own statement_timeout, and acts on the pid only while it still
is the backend the commander chose. A server with every connection slot taken ("sorry, too
many clients already": the guide's Database Performance runbook, whose fix is ending idle
sessions) refuses a new one, so one more is held open from the console's start (`prepare`)
and serves an action only then. The statements are also usable on a caller's connection or
a DSN (terminate_backend, cancel_backend, idle_sessions, terminate_idle).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from probes.actions import BACKEND_ACTIONS, ActionRefused, shown_sessions
from probes.postgres.connection import (
    TOO_MANY,
    PostgresError,
    connect,
    reason,
    redact,
    secrets_of,
)
from probes.postgres.probe import check_postgres, db_session
from probes.postgres.queries import NO_QUERY, signal_chosen_sql, sql, terminate_idle_sql
from state.text import NAME_MARK, marked_name

if TYPE_CHECKING:
    from psycopg import AsyncConnection

    from state.events import DbSession


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


async def _one(
    target: AsyncConnection[Any] | str | None,
    query: str,
    params: Sequence[object] | Mapping[str, object],
) -> Any:
    import psycopg

    dsn = target if isinstance(target, str) else None
    async with _connected(target) as conn:
        try:
            async with conn.cursor() as cur:
                await cur.execute(query, params)
                row = await cur.fetchone()
        except psycopg.Error as exc:
            raise PostgresError(refusal(exc, dsn)) from None
    return row[0] if row else None


def refusal(exc: BaseException, dsn: str | None) -> str:
    """`reason`'s one line, and for a privilege refused (SQLSTATE 42501) the server's detail
    after it, which says why: PostgreSQL 16 on says only "permission denied to terminate
    process", the rule that refused it ("Only roles with privileges of the role whose process
    is being terminated or with privileges of the "pg_signal_backend" role may …") in its
    DETAIL, which psycopg keeps out of the message."""
    said = reason(exc, dsn)
    diag = getattr(exc, "diag", None)
    detail = diag.message_detail if getattr(exc, "sqlstate", None) == "42501" and diag else None
    if not detail:
        return said
    return f"{said}: {redact(' '.join(detail.split()), secrets_of(dsn))}"


async def _signal(target: AsyncConnection[Any] | str | None, pid: int, statement: str) -> None:
    done = await _one(target, sql(statement), (pid, pid))
    if done is None:
        raise PostgresError(f"pid {pid} is the console's own connection")
    if not done:
        raise PostgresError(f"pid {pid} is not a PostgreSQL session (already gone?)")


async def terminate_backend(target: AsyncConnection[Any] | str | None, pid: int) -> str:
    """pg_terminate_backend(pid), waiting up to 5 s for the session to end (PostgreSQL 14+)."""
    await _signal(target, pid, "terminate_backend")
    return f"terminated pid {pid}"


async def cancel_backend(target: AsyncConnection[Any] | str | None, pid: int) -> str:
    """pg_cancel_backend(pid): the running query stops, the session stays."""
    await _signal(target, pid, "cancel_backend")
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
                await cur.execute(sql("idle_sessions"), {"idle_s": older_than_s})
                rows = await cur.fetchall()
        except psycopg.Error as exc:
            raise PostgresError(reason(exc, dsn)) from None
    return [
        db_session(pid, user, app, state, query, q_start, x_start, began=began, superuser=su)
        for pid, user, app, state, query, q_start, x_start, began, su in rows
    ]


async def terminate_idle(
    target: AsyncConnection[Any] | str | None, older_than_s: float = 600
) -> str:
    """The guide's fix for too many connections: end sessions idle for `older_than_s`."""
    count = await _one(target, terminate_idle_sql(), {"idle_s": older_than_s})
    return f"terminated {count} idle session{'s' if count != 1 else ''}"


# Above the 5 s pg_terminate_backend waits for the session to end, yet short: a statement
# stuck behind a lock on pg_stat_activity's catalogs must not hold the action for long.
STATEMENT_TIMEOUT_MS = 6000
# how often the reserve connection is checked, and opened again if need be (one SELECT 1)
RESERVE_EVERY = 30.0


class PostgresActions:
    """terminate_backend, cancel_backend and terminate_idle against one database."""

    def __init__(self, dsn: str | None = None, *, timeout: float = 5.0) -> None:
        self.dsn = dsn or None  # None: libpq reads PGHOST, PGUSER, PGPASSWORD, ...
        self.timeout = timeout
        self._reserve: AsyncConnection[Any] | None = None  # for when no slot is left

    async def _open(self) -> AsyncConnection[Any]:
        try:
            conn = await connect(self.dsn, self.timeout)
            await conn.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
        except PostgresError as exc:
            raise ActionRefused(str(exc)) from None
        except Exception as exc:  # psycopg.Error from SET
            raise ActionRefused(reason(exc, self.dsn)) from None
        return conn

    async def prepare(self) -> None:
        """Have the reserve connection open and answering: opened if there is none, or
        opened again if it no longer answers (the server restarted). A database that does
        not answer now leaves none; each action still opens its own."""
        import psycopg

        reserve = self._reserve
        if reserve is not None and not reserve.closed:
            try:
                await reserve.execute("SELECT 1")
                return
            except psycopg.Error:
                await reserve.close()
        try:
            self._reserve = await self._open()
        except ActionRefused:
            self._reserve = None

    async def keep_ready(self, every: float = RESERVE_EVERY) -> None:
        """`prepare` now and every `every` seconds, for the console's life: a console that
        started while the server was full, or a server restarted since, gets its reserve
        back once a slot is free."""
        while True:
            await self.prepare()
            await asyncio.sleep(every)

    async def _connect(self) -> AsyncConnection[Any]:
        """A connection of the action's own; the reserve when the server has no slot left."""
        try:
            return await self._open()
        except ActionRefused as exc:
            reserve = self._reserve
            if not str(exc).startswith(TOO_MANY) or reserve is None or reserve.closed:
                raise
            return reserve

    async def _done_with(self, conn: AsyncConnection[Any]) -> None:
        if conn is self._reserve:
            if conn.broken:
                await conn.close()
            return
        await conn.close()

    async def close(self) -> None:
        reserve, self._reserve = self._reserve, None
        if reserve is not None:
            await reserve.close()

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
            if pid <= 0:  # the key of a prepared transaction, which has no backend to signal
                raise ActionRefused(
                    "a prepared transaction has no backend: it ends with COMMIT PREPARED "
                    "or ROLLBACK PREPARED"
                )
            return await self._end_chosen(conn, action, pid, params)
        except PostgresError as exc:
            raise ActionRefused(str(exc)) from None
        finally:
            await self._done_with(conn)

    async def _signal_chosen(
        self, conn: AsyncConnection[Any], action: str, pid: int, chosen: Mapping[str, Any]
    ) -> str | None:
        """Signal `pid` in one statement, only while it still is the backend chosen; the
        statement's word (signal_chosen.sql), None when the pid has ended.

        The backend is the one chosen when its user and `backend_start` (`chosen`, ISO 8601)
        are those sampled; a key absent from `chosen` is not compared. A new query since the
        pick is still the same backend. A role that cannot see another role's
        `backend_start` (no pg_read_all_stats) sees NULL both when it samples and here, so
        for those sessions only the user is compared. `chosen["idle_s"]`: it must also still
        be idle that long. The server offers no signal by pid and start time: the pid can
        still pass to another backend between the statement's read of pg_stat_activity and
        its signal, within the one statement (microseconds), never across a round trip.
        """
        user = chosen.get("user")
        check_user = "user" in chosen and not (isinstance(user, str) and user.endswith(NAME_MARK))
        began = chosen.get("backend_start")
        if isinstance(began, str):
            began = datetime.fromisoformat(began)
        if "user" in chosen and not check_user and began is None:
            # the probe changed the name to show it: the server cannot compare it, and nothing
            # else names the backend
            raise ActionRefused(
                f"pid {pid}: its user's name is not shown as it is and its start is hidden from "
                "the console's role, so it cannot be told from another backend (grant "
                "pg_read_all_stats)"
            )
        params = {
            "pid": pid,
            "check_user": check_user,
            "user": user if check_user else None,
            "check_start": "backend_start" in chosen,
            "began": began,
            "idle_s": chosen.get("idle_s"),
        }
        query = signal_chosen_sql(action, still_idle="idle_s" in chosen)
        word = await _one(conn, query, params)
        if word == "own":
            raise ActionRefused(f"pid {pid} is the console's own connection")
        return cast("str | None", word)

    async def _end_chosen(
        self, conn: AsyncConnection[Any], action: str, pid: int, params: Mapping[str, Any]
    ) -> str:
        """End or cancel the backend chosen (params: pid, user, backend_start), or refuse
        saying why in one line: it has ended, its pid names another backend, it is the
        console's own connection."""
        word = await self._signal_chosen(conn, action, pid, params)
        if word is None:
            raise ActionRefused(f"pid {pid} has ended: there is no session to act on")
        if word == "another":
            raise ActionRefused(f"pid {pid} is no longer the session you chose")
        if word.startswith(NO_QUERY):
            # pg_cancel_backend() says true and ends nothing: no query, the locks stay
            state = word.removeprefix(NO_QUERY)
            stays = "; its transaction and locks stay" if "transaction" in state else ""
            raise ActionRefused(
                f"pid {pid} runs no query ({marked_name(state)}): nothing to cancel{stays}"
            )
        if word != "signalled":
            raise ActionRefused(f"pid {pid} is not a PostgreSQL session (already gone?)")
        if action == "terminate_backend":
            return f"terminated pid {pid}"
        return f"cancelled the query of pid {pid}"

    async def _terminate_idle(self, conn: AsyncConnection[Any], params: Mapping[str, Any]) -> str:
        older_than = float(params.get("older_than", 600.0))
        if "pids" not in params:
            return await terminate_idle(conn, older_than)
        # only the sessions the commander was shown, each while it still is the backend
        # listed (pid and backend_start) and still idle that long: one statement each
        shown = shown_sessions(params) or {}
        ended, another, left = 0, 0, 0  # left: no longer idle, or gone
        failed: list[str] = []
        for pid, began in shown.items():
            chosen: dict[str, Any] = {"idle_s": older_than}
            if params.get("backend_starts") is not None:
                chosen["backend_start"] = began
            try:
                word = await self._signal_chosen(conn, "terminate_backend", pid, chosen)
            except (PostgresError, ActionRefused) as exc:
                failed.append(str(exc))
                continue
            ended += word == "signalled"
            another += word == "another"
            left += word not in ("signalled", "another")
        if failed and not ended:
            raise ActionRefused(failed[0])
        result = f"terminated {ended} idle session{'s' if ended != 1 else ''}"
        if left:
            result += f"; {left} no longer idle or already gone"
        if another:
            result += (
                f"; {another} pid{'s' if another != 1 else ''} now another backend, left alone"
            )
        return result + (f"; {len(failed)} not ended: {failed[0]}" if failed else "")

    async def idle_sessions(self, older_than: float, now: datetime) -> list[DbSession]:
        """The sessions `terminate_idle` would end."""
        conn = await self._connect()
        try:
            return await idle_sessions(conn, older_than)
        except PostgresError as exc:
            raise ActionRefused(str(exc)) from None
        finally:
            await self._done_with(conn)
