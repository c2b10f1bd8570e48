"""A Prometheus that refuses range queries while instant queries work (a loopback stand-in
answering as real servers do): the values are shown, the history is marked missing in the
pane and asked again later at a coarser step; a slow one costs only the history too. And the
same stand-in behind https, for the TLS options."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import TYPE_CHECKING

import pytest

from probes.prometheus.probe import PrometheusProbe
from probes.scheduler import ProbeScheduler
from state.clock import FrozenClock
from state.console import ConsoleState
from state.events import (
    EventBase,
    MetricHistoryLoaded,
    MetricPartMissing,
    MetricSampled,
    ProbeFailed,
    SessionStarted,
)
from state.fold import fold
from tests.servers.refusing_prometheus import TOO_MANY_POINTS, TOO_MANY_SAMPLES, RefusingPrometheus
from tests.servers.tls import serve_tls, short_lived_certificate
from widgets.error_rate import ErrorRatePane

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
VALUES = {"checkout": 7.0, "search": 1.0}


async def at(probe: PrometheusProbe, seconds: float) -> list[EventBase]:
    """One sample `seconds` after T0, with what it started in the background then settled."""
    events = list(await probe.sample(T0 + timedelta(seconds=seconds)))
    await probe.settled()
    return events


def pane_text(events: list[EventBase]) -> str:
    """The Error rate pane, 100 columns wide, after `events` (services configured)."""
    start = SessionStarted(
        at=T0, mode="live", version="t", operator="ic", services=("checkout", "search")
    )
    state = reduce(fold, [start, *events], ConsoleState())
    return ErrorRatePane().body(state, T0, 100, 10).plain


@pytest.mark.parametrize("refusal", [TOO_MANY_SAMPLES, TOO_MANY_POINTS], ids=["422", "400"])
async def test_a_refused_range_costs_only_the_history(refusal: tuple[int, str, str]) -> None:
    _, kind, error = refusal
    with RefusingPrometheus(VALUES, refusal, accept_step=8) as prometheus:
        probe = PrometheusProbe("error_rate", prometheus.url)
        try:
            events = await at(probe, 0)
            assert [type(e) for e in events] == [MetricSampled]  # the values, at once
            second = await at(probe, 2)
            events += second
            missing = second[0]
            assert isinstance(missing, MetricPartMissing) and missing.part == "history"
            assert missing.reason == f"Prometheus {kind}: {error}"
            assert second[1] == MetricSampled(
                at=T0 + timedelta(seconds=2), metric="error_rate", values=VALUES
            )
            shown = pane_text(events)
            assert f"no history: Prometheus {kind}: {error}"[:40] in shown
            assert "checkout" in shown and "7.0%" in shown and "P2 >5%" in shown
            # refused at 2 s steps; asked again 30 s later at 4 s, then 60 s later at 8 s
            for t in range(4, 32, 2):
                events += await at(probe, t)
            assert prometheus.steps == [2]
            events += await at(probe, 32)
            again = await at(probe, 34)  # refused at 4 s too: the same reason, said once
            assert [type(e) for e in again] == [MetricSampled]
            events += again
            assert prometheus.steps == [2, 4]
            events += await at(probe, 94)
            loaded = await at(probe, 96)
            events += loaded
        finally:
            await probe.close()
    assert prometheus.steps == [2, 4, 8]
    history = loaded[0]
    assert isinstance(history, MetricHistoryLoaded)
    # 119 two-second slots before t=94, each holding the 8 s point at or before it, then
    # the value sampled at 94
    checkout = history.series["checkout"]
    assert len(checkout) == 120 and set(checkout[-100:]) == {7.0}
    shown = pane_text(events)
    assert "no history" not in shown and ">5% P2 >20% P1" in shown


async def test_always_refused_history_settles_at_the_coarsest_step() -> None:
    with RefusingPrometheus(VALUES, TOO_MANY_POINTS) as prometheus:
        probe = PrometheusProbe("error_rate", prometheus.url)
        events: list[EventBase] = []
        try:
            for t in range(0, 3600, 30):
                events += await at(probe, t)
        finally:
            await probe.close()
    # every sample has its values; the history was asked for less and less often, at a
    # coarser step each time down to 8 points over the 4 minutes (30 s)
    assert sum(isinstance(e, MetricSampled) and e.values == VALUES for e in events) == 120
    assert prometheus.steps[:5] == [2, 4, 8, 16, 30] and set(prometheus.steps[5:]) == {30}
    assert len(prometheus.steps) < 20
    assert sum(isinstance(e, MetricPartMissing) for e in events) == 1


async def test_a_hanging_range_query_never_holds_the_values_up() -> None:
    with RefusingPrometheus(VALUES, hang=True) as prometheus:
        probe = PrometheusProbe("error_rate", prometheus.url, timeout=2.0, history_timeout=1.0)
        try:
            first = await probe.sample(T0)  # not settled: the range query still hangs
            assert [type(e) for e in first] == [MetricSampled]
            await probe.settled()  # its own deadline ends it
            second = list(await probe.sample(T0 + timedelta(seconds=2)))
        finally:
            await probe.close()
    missing, sampled = second
    assert isinstance(missing, MetricPartMissing) and isinstance(sampled, MetricSampled)
    where = prometheus.url.removeprefix("http://")
    assert missing.reason == f"Prometheus at {where} did not answer within 1 s"
    assert sampled.values == VALUES


async def test_tls_options_reach_the_library(tmp_path: Path) -> None:
    """https with a private CA: refused by the system's CAs with a line that says what to
    set, read with `ca_file` (verify = its path), or with the check off; the header's token
    is sent, and never shown."""
    cert, key = short_lived_certificate(tmp_path, days=1)
    token = {"Authorization": "Bearer tok-5e1f-very-secret"}
    prometheus = RefusingPrometheus(VALUES, accept_step=0)
    serve_tls(prometheus, cert, key)
    with prometheus:
        events: list[EventBase] = []
        probe = PrometheusProbe("error_rate", prometheus.url, headers=token)
        scheduler = ProbeScheduler([probe], FrozenClock(T0), events.append)
        await scheduler.sample_once(probe)
        await probe.close()
        (failed,) = events
        assert isinstance(failed, ProbeFailed)
        assert failed.reason == (
            f"cannot reach Prometheus at 127.0.0.1:{prometheus.port}: "
            "TLS error (check prometheus.ca_file, or the URL's scheme)"
        )
        for verify in (str(cert), False):
            probe = PrometheusProbe("error_rate", prometheus.url, headers=token, verify=verify)
            try:
                sampled = (await probe.sample(T0))[-1]
            finally:
                await probe.close()
            assert isinstance(sampled, MetricSampled) and sampled.values == VALUES
    assert "tok-5e1f" not in failed.model_dump_json()


EXIT_SCRIPT = """
import asyncio, sys
from datetime import UTC, datetime
from probes.prometheus.probe import PrometheusProbe

async def main():
    probe = PrometheusProbe("error_rate", sys.argv[1], history_timeout=30.0)
    await probe.sample(datetime.now(UTC))  # its range query now hangs in a worker thread
    await asyncio.sleep(1)  # surely sent by now
    await probe.close()

asyncio.run(main())
"""


def test_a_hung_request_never_holds_the_console_s_exit() -> None:
    """Quitting while Prometheus hangs on the range query: the process ends at once, not when
    the request gives up (27 s here; ThreadPoolExecutor's threads were joined at exit)."""
    import os
    import subprocess
    import sys
    import time

    with RefusingPrometheus(VALUES, hang=True) as prometheus:
        began = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", EXIT_SCRIPT, prometheus.url],
            env={**os.environ, "PYTHONPATH": os.getcwd()},
            capture_output=True,
            timeout=60,
        )
        took = time.monotonic() - began
    assert done.returncode == 0, done.stderr
    assert prometheus.steps == [2]  # the range query was in flight
    assert took < 10, took
