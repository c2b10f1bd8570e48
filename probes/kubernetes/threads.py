"""One context's API connection, opened lazily, and the threads its blocking calls run in.

The official client is synchronous: every call runs in a pool of our own, so a hung API
server cannot starve the event loop or the other probes.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from probes.kubernetes.client import Connection, connect


class ApiThreads:
    def __init__(
        self,
        context: str | None,
        namespace: str | None,
        kubeconfig: str | Path | None,
        workers: int,
        name: str,
    ) -> None:
        self.context, self.namespace, self.kubeconfig = context, namespace, kubeconfig
        self._workers, self._name = workers, name
        self._conn: Connection | None = None
        self._pool: ThreadPoolExecutor | None = None

    async def _in_thread(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix=self._name)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))

    async def connection(self) -> Connection:
        """The connection, opened on first use (importing the client in a worker thread)."""
        if self._conn is None:
            self._conn = await self._in_thread(
                connect, self.context, self.namespace, self.kubeconfig
            )
        return self._conn

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await self._in_thread(conn.api.close)
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.shutdown(wait=False, cancel_futures=True)
