"""PostgreSQL: connections by state and blocking chains, read with psycopg 3 (async)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import time
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from probes.check import CheckResult
from probes.postgres.connection import PostgresError, connect, decoded, reason, target_of
from probes.postgres.queries import prepared_blockers_sql, sample_script, sql
from state.events import DatabaseSampled, DbSession, EventBase, Source
from state.text import inert, marked_name, sql_literal

if TYPE_CHECKING:
    from psycopg import AsyncConnection


def db_session(
    pid: int,
    user: str | None,
    app: str | None,
    state: str | None,
    query: str | None,
    q_start: datetime | None,
    x_start: datetime | None,
    wait: str | None = None,
    blocked: Sequence[int] | None = None,
    relation: str | None = None,
    mode: str | None = None,
    began: datetime | None = None,
    visible: bool = True,
    gid: str | None = None,
    database: str | None = None,
    superuser: bool | None = None,
) -> DbSession:
    """A pg_stat_activity row (the idle sessions query's columns, in order) as the probe
    records it: names marked if changed to be shown, the query inert."""
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
        backend_start=began,
        visible=visible,
        prepared=marked_name(gid) if gid is not None else None,
        prepared_sql=sql_literal(gid) if gid is not None else None,
        database=marked_name(database) if database is not None else None,
        superuser=superuser,
    )


def chain_session(
    row: Sequence[Any], query_chars: int, query_limit: int = 0, multibyte: bool = True
) -> DbSession:
    """A row of the sessions query: its statement's bytes decoded with the encoding of the
    session's own database, per session, and cut to `query_chars` characters; marked as cut
    by the server (`query_cut_at`) by the statement's whole length in bytes as the server
    holds it (`query_octets`, whatever the probe read of it) against `query_limit`, the
    server's track_activity_query_size (0: not known). `multibyte`: the server's encoding
    has characters of more than one byte (server_encoding; SQL_ASCII and LATIN1 do not)."""
    pid, user, app, state, raw, octets, encoding, *rest = row
    superuser = rest.pop() if len(rest) > 8 else None  # pg_roles.rolsuper, the last column
    query = decoded(raw, encoding)
    session = db_session(pid, user, app, state, query and query[:query_chars], *rest)
    if superuser is not None:
        session = session.model_copy(update={"superuser": superuser})
    cut = server_cut(octets, query_limit, multibyte)
    if cut is None:
        return session
    return session.model_copy(update={"query_cut_at": query_limit, "query_may_be_whole": cut})


# PostgreSQL keeps at most track_activity_query_size - 1 bytes of a statement, and cuts that
# back to a whole character when it reads it (backend_status.c: pgstat_report_activity
# copies Min(strlen, size - 1) bytes; pgstat_clip_activity then pg_mbcliplen(..., size - 1)):
# a UTF-8 character is at most 4 bytes, so a cut one ends up to 3 bytes short of size - 1
MAX_CHAR_BYTES = 4


def server_cut(octets: int | None, limit: int, multibyte: bool = True) -> bool | None:
    """Was a statement of `octets` bytes, as pg_stat_activity shows it, cut by a server
    keeping `limit` bytes (track_activity_query_size)? None: whole. False: cut (it is
    `limit` - 1 bytes, all the server keeps; a statement of exactly that length cannot be
    told from it). True: it may be whole: it ends within a character of `limit` - 1 in a
    multi-byte encoding, so it is cut only if the next character did not fit, which the
    server does not say. In bytes, as the server counts."""
    if not limit or octets is None:
        return None
    kept = limit - 1
    if octets >= kept:
        return False
    if multibyte and octets > kept - MAX_CHAR_BYTES:
        return True
    return None


def query_limit(shown: str) -> int:
    """Bytes of `SHOW track_activity_query_size` ("1kB", "4096", "1MB"); 0 if unreadable."""
    units = {"B": 1, "kB": 1024, "MB": 1024 * 1024}
    digits = shown.rstrip("kMB")
    unit = shown[len(digits) :] or "B"
    return int(digits) * units[unit] if digits.isdigit() and unit in units else 0


# read once per connection: they change only with a server restart. The statement is clipped
# in the encoding of the database the reader is connected to (pg_mbcliplen)
SETTINGS = (
    "SELECT current_setting('track_activity_query_size'), current_setting('server_encoding'),"
    " current_setting('is_superuser') = 'on', "
    # whose backends the role may end or cancel (signalfuncs.c pg_signal_backend): any but a
    # superuser's with pg_signal_backend (NULL); else only those of the roles whose privileges
    # it has, itself first (has_privs_of_role: pg_has_role USAGE). Predefined roles (pg_*)
    # have no sessions.
    "CASE WHEN current_setting('is_superuser') = 'on'"
    " OR pg_has_role(current_user, 'pg_signal_backend', 'USAGE') THEN NULL"
    " ELSE ARRAY(SELECT rolname::text FROM pg_roles"
    " WHERE pg_has_role(current_user, oid, 'USAGE') AND rolname !~ '^pg_'"
    " ORDER BY rolname <> current_user, rolname) END"
)
# server encodings of one byte a character (PostgreSQL's "Character Set Support" table); any
# other may cut a statement short of the limit, before a character that did not fit
SINGLE_BYTE = frozenset(
    {"SQL_ASCII", "KOI8R", "KOI8U", "WIN866", "WIN874", "WIN1250", "WIN1251", "WIN1252"}
    | {"WIN1253", "WIN1254", "WIN1255", "WIN1256", "WIN1257", "WIN1258"}
    | {f"LATIN{n}" for n in range(1, 11)}
    | {f"ISO_8859_{n}" for n in range(5, 9)}
)


# what `warroom check` warns of for a role without pg_read_all_stats (pg_monitor has it)
BLIND_ROLE = (
    "the role sees only its own sessions: the Database pane cannot show other roles' "
    "states and statements and reads the database as unknown (grant pg_monitor)"
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
        self.query_chars = query_chars
        self.statement_timeout_ms = int(statement_timeout_ms)
        self.script = sample_script(long_query_s, query_chars, statement_timeout_ms)
        self._conn: AsyncConnection[Any] | None = None
        self._query_limit = 0  # the connection's track_activity_query_size, bytes
        self._multibyte = True  # the server's encoding has characters of several bytes
        self._superuser: bool | None = None  # the connection's role is a superuser
        self._signals: tuple[str, ...] | None = None  # the roles whose backends it may end

    async def prepare(self) -> None:
        """psycopg imported in a worker thread, before the first sample (probes/scheduler.py)."""
        await asyncio.to_thread(importlib.import_module, "psycopg")

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
        import psycopg

        if self._conn is None or self._conn.closed:
            conn = await connect(self.dsn, self.timeout)
            try:  # read once per connection: they change only with a restart, a new role
                async with conn.cursor() as cur:
                    # is_superuser: whether this role may end a superuser's backend, read as
                    # pg_activity reads it (the actions connect with the same DSN, as the
                    # same role)
                    await cur.execute(SETTINGS)
                    row = await cur.fetchone()
            except BaseException as exc:
                await conn.close()
                if isinstance(exc, psycopg.Error):
                    raise PostgresError(reason(exc, self.dsn)) from None
                raise
            self._query_limit = query_limit(str(row[0])) if row else 0
            self._multibyte = not row or str(row[1]) not in SINGLE_BYTE
            self._superuser = bool(row[2]) if row else None
            self._signals = tuple(marked_name(r) for r in row[3]) if row and row[3] else None
            self._conn = conn
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
        active, idle, in_xact, waiting, max_connections, hidden = counts
        limit = self._query_limit
        sessions = [chain_session(r, self.query_chars, limit, self._multibyte) for r in rows]
        if any(0 in s.blocked_by for s in sessions):
            sessions = await self._name_prepared(conn, sessions)
        return DatabaseSampled(
            at=now,
            connections={
                "active": active,
                "idle": idle,
                "idle in transaction": in_xact,
                "waiting": waiting,
            },
            max_connections=max_connections,
            sessions=tuple(sessions),
            hidden_sessions=hidden,
            console_superuser=self._superuser,
            console_signals=self._signals,
        )

    async def _name_prepared(
        self, conn: AsyncConnection[Any], sessions: list[DbSession]
    ) -> list[DbSession]:
        """`sessions` with each prepared transaction a waiter's pid 0 stands for as a row of
        its own (keyed by -xid, DbSession), and the waiters' 0 replaced by those keys; a 0
        left stands for one pg_prepared_xacts no longer names. A second read, made only
        when some session waits on a prepared transaction, under the same timeouts."""
        waiters = [s.pid for s in sessions if 0 in s.blocked_by]
        ms = self.statement_timeout_ms
        async with conn.transaction(), conn.cursor() as cur:
            await cur.execute(f"SET LOCAL statement_timeout = '{ms}ms'")
            await cur.execute(f"SET LOCAL lock_timeout = '{ms}ms'")
            await cur.execute(prepared_blockers_sql(), (waiters,))
            found = await cur.fetchall()
        keys: dict[int, list[int]] = {}
        prepared: dict[int, DbSession] = {}
        for waiter, key, gid, owner, database, at, relation, mode in found:
            keys.setdefault(waiter, []).append(key)
            if key not in prepared:
                row = (key, owner, None, "prepared", "", at, at)
                prepared[key] = db_session(
                    *row, relation=relation, mode=mode, gid=gid, database=database
                )

        def named(s: DbSession) -> DbSession:
            if s.pid not in keys:
                return s
            blocked = [p for p in s.blocked_by if p != 0] + keys[s.pid]
            return s.model_copy(update={"blocked_by": tuple(dict.fromkeys(blocked))})

        return [*prepared.values(), *map(named, sessions)]

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
            await cur.execute(sql("role"))
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
    blind = not (superuser or read_all_stats)
    see = (
        "pg_stat_activity: own sessions only (grant pg_monitor)"
        if blind
        else "pg_stat_activity: all users"
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
        warnings=(BLIND_ROLE,) if blind else (),
    )
