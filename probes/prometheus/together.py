"""The error rate's and the p95's instant queries in one request a refresh (issue #10).

Both panes sample at the same ticks (probes/scheduler.py) from the same Prometheus: asked
apart, each refresh made two round trips, two worker-thread hand-offs and two replies to
parse. Asked together, the p95's series come back marked with PART_LABEL
(`label_replace`, which changes no value, so each part is exactly its own query's answer)
beside the error rate's and its request rate's, and `or` keeps every series (no marked
label set matches an unmarked one).

The first probe of a tick asks, for both; the other takes its part of that answer if it
asks within half a refresh of it (else it asks again, for both). A server that refuses the
query's form (bad_data: a Prometheus-compatible backend without `or` or label_replace)
costs nothing: each probe asks alone from then on, as before. A failure of the server (a
503, a timeout) is each pane's own, as it would be asked apart.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from probes.prometheus.queries import LATENCY_PART, PART_LABEL

if TYPE_CHECKING:
    from probes.prometheus.client import Prometheus

Parts = dict[str, dict[str, float]]  # part ("" unmarked) -> {service: value}


def together_query(error_rate: str, latency: str) -> str:
    """`error_rate` (with its request rate, or not) and `latency`, marked, in one query."""
    return f'({error_rate}) or label_replace(({latency}), "{PART_LABEL}", "{LATENCY_PART}", "", "")'


class InstantTogether:
    """One instant query a tick for the two probes of one Prometheus (`ask`)."""

    def __init__(self, prometheus: Prometheus, interval: float) -> None:
        self.prometheus = prometheus
        self.window = interval / 2  # s: an answer this fresh is the same tick's
        self.apart = False  # refused together once: each probe asks alone from then on
        self._task: asyncio.Task[Parts] | None = None
        self._asked_at = 0.0  # loop time
        self._asked_for = datetime.min.replace(tzinfo=UTC)  # the `now` asked at
        self._taken: set[str] = set()  # the probes that took their part of the answer

    async def ask(
        self, metric: str, query: str, now: datetime, parse: Callable[[Any], Parts]
    ) -> Parts:
        """Every part of the answer to `query` at `now`, or of the one the other probe asked
        within the window (in loop time and in `now`) that `metric` has not taken yet.

        Raises PrometheusError as Prometheus.query does."""
        loop = asyncio.get_running_loop()
        task = self._task
        fresh = (
            loop.time() - self._asked_at < self.window
            and abs((now - self._asked_for).total_seconds()) < self.window
        )
        if task is None or not fresh or metric in self._taken:
            task = self._task = asyncio.create_task(self.prometheus.query(query, now, parse))
            # read here or by whoever awaits it; never "exception was never retrieved"
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
            self._asked_at, self._asked_for, self._taken = loop.time(), now, set()
        self._taken.add(metric)
        # a probe timed out by the scheduler leaves the request to the other probe
        return await asyncio.shield(task)

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
