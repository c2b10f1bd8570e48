"""The Prometheus probe's requests honour the environment as `requests` does (a proxy, NO_PROXY),
read once when the probe's session is made: requests read it again at every request, a third
of an instant query's CPU. A loopback stand-in answers as Prometheus, and as the proxy."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from probes.prometheus.probe import PrometheusProbe
from probes.scheduler import ProbeScheduler
from state.clock import FrozenClock
from state.events import EventBase, MetricSampled, ProbeFailed
from tests.servers.postgres import free_port
from tests.servers.refusing_prometheus import RefusingPrometheus

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
VALUES = {"checkout": 7.0, "search": 1.0}


async def sample_twice(probe: PrometheusProbe, between: object = None) -> list[EventBase]:
    events: list[EventBase] = []
    scheduler = ProbeScheduler([probe], FrozenClock(T0), events.append)
    try:
        await scheduler.sample_once(probe)
        if callable(between):
            between()
        await scheduler.sample_once(probe)
    finally:
        await probe.close()
    return events


async def test_the_proxy_is_read_once_and_used(environment: pytest.MonkeyPatch) -> None:
    """HTTP_PROXY names the stand-in: a Prometheus whose name resolves nowhere is reached
    through it. Changed after the first query, the environment is not read again."""
    with RefusingPrometheus(VALUES) as proxy:
        environment.setenv("HTTP_PROXY", proxy.url)
        probe = PrometheusProbe("error_rate", "http://prometheus.invalid:9090")
        dead = f"http://127.0.0.1:{free_port()}"
        events = await sample_twice(probe, lambda: environment.setenv("HTTP_PROXY", dead))
        sampled = [e for e in events if isinstance(e, MetricSampled)]
        assert [e.values for e in sampled] == [VALUES, VALUES], events
        assert proxy.instants == 2


async def test_no_proxy_is_honoured(environment: pytest.MonkeyPatch) -> None:
    """A proxy that refuses every connection, and NO_PROXY naming Prometheus's host: the
    queries go straight to it. Without NO_PROXY they go to the proxy, and the pane says so."""
    dead = f"http://127.0.0.1:{free_port()}"
    environment.setenv("HTTP_PROXY", dead)
    with RefusingPrometheus(VALUES, accept_step=0) as prometheus:
        environment.setenv("NO_PROXY", "127.0.0.1")
        direct = await sample_twice(PrometheusProbe("error_rate", prometheus.url))
        assert [e.values for e in direct if isinstance(e, MetricSampled)] == [VALUES, VALUES]
        environment.delenv("NO_PROXY")
        proxied = await sample_twice(PrometheusProbe("error_rate", prometheus.url))
        (failed,) = proxied  # once per reason
        assert isinstance(failed, ProbeFailed)
        assert failed.reason.startswith(f"cannot reach Prometheus at 127.0.0.1:{prometheus.port}")
        assert prometheus.instants == 2
