"""PostgreSQL: connections by state and blocking chains, read with psycopg 3 (async)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import time
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from probes.check import CheckResult
from probes.postgres.queries import sample_script
from state.events import DatabaseSampled, DbSession, EventBase, Source
from state.text import inert, marked_name

if TYPE_CHECKING:
    from psycopg import AsyncConnection

APPLICATION_NAME = "warroom"

_KV_PASSWORD = re.compile(r"""(password\s*=\s*)('(?:[^'\\]|\\.)*'?|\S+)""", re.IGNORECASE)
_URI_USERINFO = re.compile(r"(postgres(?:ql)?://[^:/@\s]*):\S*@", re.IGNORECASE)  # to the last @
_SEVERITY = re.compile(r"\b(?:FATAL|ERROR):\s+")  # libpq's "failed: FATAL:  password ..."


class PostgresError(Exception):
    """A one-line, password-free reason the database could not be read or changed."""

    def __init__(self, reason: str, answered: bool = True) -> None:
        super().__init__(reason)
        self.answered = answered  # False: no server answered at all (refused, timed out)


def secrets_of(dsn: str | None) -> tuple[str, ...]:
    """The passwords this DSN (or libpq's environment) would send."""
    found = [os.environ.get("PGPASSWORD", "")]
    try:
        from psycopg.conninfo import conninfo_to_dict

        found.append(str(conninfo_to_dict(dsn or "").get("password") or ""))
    except Exception:  # a malformed DSN still gets the pattern-based redaction
        pass
    # very short literals would shred ordinary words of the message for no protection
    return tuple(s for s in found if len(s) >= 4)


def redact(text: object, secrets: Sequence[str] = ()) -> str:
    """`text` as one inert line with `password=...`, `user:pass@` and known secrets masked."""
    s = str(text)
    for secret in secrets:
        s = s.replace(secret, "***")
    return inert(mask_passwords(s), limit=200)


def mask_passwords(text: str) -> str:
    """`text` with libpq's `password=...` and a postgres URI's `user:pass@` masked; lines kept."""
    return _URI_USERINFO.sub(r"\1:***@", _KV_PASSWORD.sub(r"\1***", text))


# libpq's "connection to server at "h" (addr), port p failed: CAUSE", one line per address tried
_ATTEMPT = re.compile(
    r'^connection to server (?:at "(?P<host>[^"]*)"(?: \([^)]*\))?, port (?P<port>\d+)'
    r'|on socket "(?P<socket>[^"]*)") failed: (?P<cause>.*)$'
)
# libpq's causes, said so that the first words tell a person what is wrong
_CAUSES = (
    (re.compile(r"^Connection refused$"), "connection refused"),
    (re.compile(r"^Connection timed out$"), "connection timed out"),
    (re.compile(r"^received (invalid response.*)$"), r"\1"),
    (re.compile(r"^(expected authentication request from server.*)$"), r"invalid response: \1"),
    (re.compile(r"^(sorry, too many clients already)$"), r"too many connections (\1)"),
    (re.compile(r"^(remaining connection slots are reserved.*)$"), r"too many connections (\1)"),
)


def _cause_first(lines: list[str]) -> str | None:
    """`CAUSE (at host:port)` from libpq's connection attempts; None if it made none.

    Of several addresses tried, the first whose server answered (FATAL) says most.
    """
    attempts = [m for m in map(_ATTEMPT.match, lines) if m]
    if not attempts:
        return None
    found = next((m for m in attempts if _SEVERITY.search(m["cause"])), attempts[0])
    cause = _SEVERITY.sub("", found["cause"]).strip()
    for pattern, said in _CAUSES:
        cause = pattern.sub(said, cause)
    where = f"socket {found['socket']}" if found["socket"] else f"{found['host']}:{found['port']}"
    return f"{cause} (at {where})"


def reason(exc: BaseException, dsn: str | None) -> str:
    """One redacted line that leads with the cause and names the server after it.

    libpq says `connection to server at "h", port p failed: FATAL:  password ...` and
    appends hints on further lines; a pane's border cut at its width must still show the
    cause, so it comes first: `password authentication failed for user "x" (at h:p)`.
    """
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    lines[:1] = [re.sub(r"^connection (?:failed|is bad): ", "", lines[0])] if lines else []
    first = _cause_first(lines) or (_SEVERITY.sub("", lines[0]) if lines else type(exc).__name__)
    return redact(first, secrets_of(dsn))


async def connect(dsn: str | None, timeout: float) -> AsyncConnection[Any]:
    """An autocommit connection named `warroom`; raises PostgresError without the password."""
    import psycopg

    seconds = max(2, round(timeout))  # libpq's minimum is 2 s
    try:
        return await psycopg.AsyncConnection.connect(
            dsn or "",
            autocommit=True,
            application_name=APPLICATION_NAME,
            connect_timeout=seconds,
        )
    except psycopg.errors.ConnectionTimeout:
        # psycopg's own words name no server
        where = target_of(dsn)
        raise PostgresError(f"connection timed out after {seconds} s (at {where})", False) from None
    except psycopg.Error as exc:
        # libpq marks what the server itself said (bad password, no such database) as FATAL
        raise PostgresError(reason(exc, dsn), answered="FATAL:" in str(exc)) from None


def target_of(dsn: str | None) -> str:
    """host:port/dbname of a DSN, never its password; libpq's environment fills the gaps."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        params = conninfo_to_dict(dsn or "")
    except Exception:
        return "postgres (unparsable DSN)"
    host = params.get("host") or os.environ.get("PGHOST") or "localhost"
    port = params.get("port") or os.environ.get("PGPORT") or "5432"
    db = params.get("dbname") or os.environ.get("PGDATABASE") or params.get("user") or ""
    return redact(f"{host}:{port}/{db}")


def _session(row: Sequence[Any]) -> DbSession:
    pid, user, app, state, query, q_start, x_start, wait, blocked, relation, mode = row
    return DbSession(
        pid=pid,
        user=marked_name(user) if user is not None else None,
        application=marked_name(app) if app else None,
        state=state,
        query=inert(query or ""),
        query_start=q_start,
        xact_start=x_start,
        wait_event_type=wait,
        blocked_by=tuple(dict.fromkeys(blocked or ())),  # a pid may be listed once per lock
        relation=marked_name(relation) if relation else None,
        lock_mode=mode,
    )


class PostgresProbe:
    """Samples pg_stat_activity and the lock graph over one long-lived connection."""

    source: Source = "postgres"

    def __init__(
        self,
        dsn: str | None = None,
        *,
        interval: float = 2.0,
        timeout: float = 2.0,
        long_query_s: float = 5.0,
        query_chars: int = 1000,
        statement_timeout_ms: int = 500,
    ) -> None:
        self.dsn = dsn or None  # None: libpq reads PGHOST, PGUSER, PGPASSWORD, ...
        self.interval = interval
        self.timeout = timeout
        self.script = sample_script(long_query_s, query_chars, statement_timeout_ms)
        self._conn: AsyncConnection[Any] | None = None

    @property
    def backend_pid(self) -> int | None:
        """The pid of the probe's own backend, while connected."""
        return self._conn.info.backend_pid if self._conn and not self._conn.closed else None

    async def sample(self, now: datetime) -> Sequence[EventBase]:
        """One DatabaseSampled; a connection found dead is replaced once within the sample."""
        import psycopg

        reused = self._conn is not None and not self._conn.closed
        for attempt in (1, 2):
            conn = await self._connection()
            try:
                return [await self._read(conn, now)]
            except psycopg.Error as exc:
                if not (conn.broken or conn.closed):  # e.g. lock_timeout: keep the connection
                    await self._rollback()
                    raise PostgresError(reason(exc, self.dsn)) from None
                await self.close()
                if not reused or attempt == 2:
                    raise PostgresError(reason(exc, self.dsn)) from None
            except BaseException:  # cancelled mid-query: the connection's state is unknown
                await self.close()
                raise
        raise AssertionError("unreachable")

    async def _connection(self) -> AsyncConnection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = await connect(self.dsn, self.timeout)
        return self._conn

    async def _read(self, conn: AsyncConnection[Any], now: datetime) -> DatabaseSampled:
        results = []
        async with conn.cursor() as cur:
            await cur.execute(self.script)
            while True:
                if cur.description is not None:
                    results.append(await cur.fetchall())
                if not cur.nextset():
                    break
        (counts,), rows = results
        active, idle, in_xact, waiting, max_connections = counts
        return DatabaseSampled(
            at=now,
            connections={
                "active": active,
                "idle": idle,
                "idle in transaction": in_xact,
                "waiting": waiting,
            },
            max_connections=max_connections,
            sessions=tuple(_session(r) for r in rows),
        )

    async def _rollback(self) -> None:
        try:
            if self._conn is not None and not self._conn.closed:
                await self._conn.rollback()
        except Exception:
            await self.close()

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # a broken connection has nothing to report
                await conn.close()


_CHECK = """
SELECT current_setting('server_version'),
       r.rolsuper,
       pg_has_role(current_user, 'pg_read_all_stats', 'USAGE'),
       pg_has_role(current_user, 'pg_signal_backend', 'USAGE')
FROM pg_roles r WHERE r.rolname = current_user
"""


async def check_postgres(dsn: str | None, timeout: float = 5.0) -> CheckResult:
    """Can the console read this database, see every session, and end backends?

    The latency is that of a new connection and its first query, as a client sees it.
    """
    target = target_of(dsn)
    start = time.perf_counter()
    try:
        conn = await connect(dsn, timeout)
    except PostgresError as exc:
        return CheckResult("postgres", target, reachable=exc.answered, problems=(str(exc),))
    try:
        async with asyncio.timeout(timeout), conn.cursor() as cur:
            await cur.execute(_CHECK)
            row = await cur.fetchone()
        latency = (time.perf_counter() - start) * 1000
    except TimeoutError:
        problem = f"connected, but no answer to a query within {timeout:g} s"
        return CheckResult("postgres", target, reachable=True, problems=(problem,))
    except Exception as exc:
        return CheckResult("postgres", target, reachable=True, problems=(reason(exc, dsn),))
    finally:
        await conn.close()
    assert row is not None
    version, superuser, read_all_stats, signal = row
    see = (
        "pg_stat_activity: all users"
        if superuser or read_all_stats
        else "pg_stat_activity: own sessions only (grant pg_monitor)"
    )
    if superuser:
        kill = "terminate backends: yes (superuser)"
    elif signal:
        kill = "terminate backends: yes (pg_signal_backend; not superusers')"
    else:
        kill = "terminate backends: own role only (grant pg_signal_backend)"
    return CheckResult(
        "postgres",
        target,
        reachable=True,
        version=inert(version),
        latency_ms=round(latency, 1),
        permissions=(see, kill),
    )
