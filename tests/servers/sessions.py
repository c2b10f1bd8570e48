"""Concurrent client sessions against the test server, to build real lock chains."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import psycopg

T = TypeVar("T")


async def eventually(
    check: Callable[[], Awaitable[T]], ok: Callable[[T], bool], timeout: float = 15.0
) -> T:
    """Poll `check` until `ok(result)` or the deadline; return the last result either way."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await check()
        if ok(result) or loop.time() >= deadline:
            return result
        await asyncio.sleep(0.05)


class Sessions:
    """Opens named sessions, runs statements in the background, closes everything at the end."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.conns: list[psycopg.AsyncConnection[Any]] = []
        self.tasks: list[asyncio.Task[Any]] = []
        self.admin: psycopg.AsyncConnection[Any] | None = None

    async def open(self, name: str, dsn: str | None = None) -> psycopg.AsyncConnection[Any]:
        conn = await psycopg.AsyncConnection.connect(
            dsn or self.dsn, autocommit=True, application_name=name
        )
        self.conns.append(conn)
        return conn

    async def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        """Every row of `sql`, run on a private admin connection (superuser)."""
        if self.admin is None:
            self.admin = await psycopg.AsyncConnection.connect(
                self.dsn, autocommit=True, application_name="test-admin"
            )
        async with self.admin.cursor() as cur:
            await cur.execute(sql, params or None)  # type: ignore[arg-type]
            return await cur.fetchall() if cur.description else []

    async def value(self, sql: str, *params: object) -> Any:
        """The first value of `sql` on the admin connection."""
        rows = await self.rows(sql, *params)
        return rows[0][0] if rows else None

    async def wait_state(self, pid: int, sql_condition: str, timeout: float = 15.0) -> None:
        """Wait until pg_stat_activity shows `pid` in the given condition."""
        sql = f"SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND ({sql_condition})"
        found = await eventually(lambda: self.value(sql, pid), lambda n: n == 1, timeout)
        assert found == 1, f"pid {pid} never reached: {sql_condition}"

    async def hold(self, name: str, *statements: str) -> int:
        """A session that runs `statements` in an open transaction and stays idle in it."""
        conn = await self.open(name)
        await conn.execute("BEGIN")
        for sql in statements:
            await conn.execute(sql)  # type: ignore[arg-type]
        return conn.info.backend_pid

    async def wait(self, name: str, sql: str) -> int:
        """A session whose `sql` (in a transaction) blocks on a lock; returns once it waits."""
        conn = await self.open(name)
        pid = conn.info.backend_pid

        async def run() -> None:
            async with conn.transaction():
                await conn.execute(sql)  # type: ignore[arg-type]

        self.tasks.append(asyncio.create_task(run()))
        await self.wait_state(pid, "wait_event_type = 'Lock'")
        return pid

    async def run(self, name: str, sql: str) -> tuple[int, asyncio.Task[Any]]:
        """A session running `sql` in the background (e.g. pg_sleep); returns pid and task."""
        conn = await self.open(name)
        task = asyncio.create_task(conn.execute(sql))  # type: ignore[arg-type]
        self.tasks.append(task)
        await self.wait_state(conn.info.backend_pid, "state = 'active'")
        return conn.info.backend_pid, task

    async def gone(self, pids: list[int], timeout: float = 15.0) -> bool:
        """Whether every pid has left pg_stat_activity by the deadline."""
        sql = "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)"
        return await eventually(lambda: self.value(sql, pids), lambda n: n == 0, timeout) == 0

    async def close(self) -> None:
        pids = [c.info.backend_pid for c in self.conns if not c.closed]
        for conn in self.conns:
            if not conn.closed:
                conn.pgconn.finish()  # no round trip: a waiting session cannot answer one
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        try:
            # a backend in pg_sleep() would not notice its client left; the next test counts
            # sessions from a clean slate
            await self.rows(
                "SELECT pg_terminate_backend(pid, 5000) FROM unnest(%s::int[]) pid", pids
            )
            assert await self.gone(pids), "test sessions outlived their test"
        finally:
            if self.admin is not None:
                await self.admin.close()
