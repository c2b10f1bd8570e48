"""The error rate's and the p95's instant values in one request a refresh (issue #10), against
a real Prometheus scraping a driven exporter: each pane's values are exactly its own query's
answer, and Prometheus counts one instant query a refresh where it counted two."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx
import pytest

from probes.prometheus.probe import (
    ERROR_RATE_QUERY,
    LATENCY_P95_QUERY,
    PrometheusProbe,
    pair,
)
from probes.prometheus.queries import request_rate_query
from probes.scheduler import ProbeScheduler
from state.clock import FrozenClock
from state.events import EventBase, MetricSampled, ProbeFailed
from tests.integration.test_prometheus import BAD_DATA, direct, same, settled
from tests.servers.fake_http import FakeHttp
from tests.servers.prometheus import wait_for_data

if TYPE_CHECKING:
    from tests.servers.fixtures import PromStack

pytestmark = pytest.mark.integration
INSTANT = re.compile(
    r'^prometheus_http_requests_total\{code="200",handler="/api/v1/query"\} (\S+)$'
)


def instant_queries_answered(url: str) -> int:
    """What Prometheus counts of its own instant queries answered (its /metrics: no query)."""
    for line in httpx.get(f"{url}/metrics").text.splitlines():
        found = INSTANT.match(line)
        if found:
            return int(float(found[1]))
    return 0


def paired(url: str) -> tuple[PrometheusProbe, PrometheusProbe]:
    # no baseline: its own query, every minute, would be counted with the values'
    error_rate, latency = PrometheusProbe("error_rate", url), PrometheusProbe("latency", url)
    latency.baseline_query = None
    pair(error_rate, latency)
    return error_rate, latency


def sampled(events: list[EventBase], metric: str) -> list[MetricSampled]:
    return [e for e in events if isinstance(e, MetricSampled) and e.metric == metric]


async def test_one_request_a_refresh_gives_each_pane_exactly_its_own_query(
    prometheus_server: PromStack,
) -> None:
    url = prometheus_server.url
    wait_for_data(url, ERROR_RATE_QUERY, {"checkout", "search"}, lag=8)
    wait_for_data(url, LATENCY_P95_QUERY, {"checkout", "search"}, lag=8)
    events: list[EventBase] = []
    probes = paired(url)
    scheduler = ProbeScheduler(list(probes), FrozenClock(settled()), events.append)
    last = settled()
    ticks = [last - timedelta(seconds=4), last - timedelta(seconds=2), last]
    before = instant_queries_answered(url)
    try:
        for now in ticks:  # both probes at each tick, as the console samples them
            await scheduler.cycle(now)
    finally:
        await scheduler.stop()
    assert instant_queries_answered(url) - before == len(ticks)  # apart: two a tick
    errors, p95s = sampled(events, "error_rate"), sampled(events, "latency")
    assert [e.at for e in errors] == ticks and [e.at for e in p95s] == ticks
    for now, error, p95 in zip(ticks, errors, p95s, strict=True):
        assert same(error.values, direct(url, ERROR_RATE_QUERY, now))
        assert same(error.request_rate, direct(url, request_rate_query(), now))
        assert same(p95.values, direct(url, LATENCY_P95_QUERY, now))
        assert p95.request_rate == {}
        assert error.values and p95.values and set(error.values) == set(p95.values)


class NoTogether(FakeHttp):
    """A Prometheus-compatible server that refuses the two queries asked as one (400
    bad_data) and answers each alone with one series, error rate 3 and p95 40."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        super().__init__()

    def handle(self, handler) -> None:
        query = httpx.URL(handler.path).params.get("query", "")
        self.asked.append(query)
        if '"latency"' in query:
            self.status, self.body = 400, BAD_DATA
        else:
            value = "40" if "histogram_quantile" in query else "3"
            result = [{"metric": {"service": "a"}, "value": [1, value]}]
            data = {"resultType": "vector", "result": result}
            self.status, self.body = 200, json.dumps({"status": "success", "data": data}).encode()
        super().handle(handler)


async def test_a_server_refusing_the_joint_query_gets_each_asked_alone() -> None:
    events: list[EventBase] = []
    with NoTogether() as fake:
        probes = paired(fake.url)
        scheduler = ProbeScheduler(list(probes), FrozenClock(datetime.now(UTC)), events.append)
        now = datetime(2026, 3, 14, tzinfo=UTC)
        try:
            await scheduler.cycle(now)
            refused = len(fake.asked)
            await scheduler.cycle(now + timedelta(seconds=2))
        finally:
            await scheduler.stop()
    assert not [e for e in events if isinstance(e, ProbeFailed)]
    assert [e.values for e in sampled(events, "error_rate")] == [{"a": 3.0}] * 2
    assert [e.values for e in sampled(events, "latency")] == [{"a": 40.0}] * 2
    assert all('"latency"' not in q for q in fake.asked[refused:])  # not asked so again
    assert probes[0].together is not None and probes[0].together.apart


async def test_a_failing_server_is_each_panes_failure() -> None:
    events: list[EventBase] = []
    with FakeHttp(503, b"") as fake:
        probes = paired(fake.url)
        scheduler = ProbeScheduler(list(probes), FrozenClock(datetime.now(UTC)), events.append)
        try:
            await scheduler.cycle(datetime(2026, 3, 14, tzinfo=UTC))
        finally:
            await scheduler.stop()
    failed = sorted((e.source, e.reason) for e in events if isinstance(e, ProbeFailed))
    assert failed == [
        ("error_rate", "HTTP 503 from Prometheus"),
        ("latency", "HTTP 503 from Prometheus"),
    ]
    assert probes[0].together is not None and not probes[0].together.apart  # asked again
