"""A configured service a real Prometheus has no series of (no traffic yet, a wrong label, an
exporter gone from the start), through the probe and onto the console: a row 'no series' in
both metric panes, counted in their border, and unknown in the header. Seen live: it simply
did not appear, and nothing said it was missing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from probes.prometheus.probe import ERROR_RATE_QUERY, LATENCY_P95_QUERY, PrometheusProbe
from state.events import MetricSampled
from state.guide.signals import suggestion
from tests.servers.prometheus import TRAFFIC, wait_for_data
from tests.tui.live_console import T0, live_console
from widgets.error_rate import ErrorRatePane
from widgets.latency import LatencyPane

if TYPE_CHECKING:
    from tests.servers.fixtures import PromStack

LAG = 2.0  # seconds: samples older than this are all in
GHOST = "ghost-service"  # configured, never exported


async def sampled(url: str, metric: str) -> MetricSampled:
    """The probe's sample of `metric` from the real server, dated T0 for the frozen clock."""
    probe = PrometheusProbe(metric, url)
    try:
        events = list(await probe.sample(datetime.now(UTC) - timedelta(seconds=LAG)))
    finally:
        await probe.close()
    (found,) = [e for e in events if isinstance(e, MetricSampled)]
    return found.model_copy(update={"at": T0})


async def test_a_configured_service_prometheus_has_no_series_of_is_shown_missing(
    prometheus_server: PromStack, tmp_path
) -> None:
    url = prometheus_server.url
    wait_for_data(url, ERROR_RATE_QUERY, set(TRAFFIC), lag=LAG + 4)
    wait_for_data(url, LATENCY_P95_QUERY, {"checkout", "search"}, lag=LAG + 4)
    rated, timed = await sampled(url, "error_rate"), await sampled(url, "latency")
    assert GHOST not in rated.values and GHOST not in timed.values
    app, _ = live_console(tmp_path, ("checkout", "search", GHOST), rated, timed)
    # search's 25 % 5xx alerts: the header shows the suggestion, which carries the unknowns
    assert f"{GHOST}: no Prometheus series" in suggestion(app.recorder.state).unknown
    async with app.run_test(size=(140, 44)) as pilot:
        await pilot.pause()
        for kind in (ErrorRatePane, LatencyPane):
            pane = app.query_one(kind)
            lines = {k: pane.table._looked(k).plain for k in pane.table.keys}
            assert set(lines) == {"checkout", "search", GHOST}
            assert lines[GHOST].rstrip().endswith("no series")
            assert not lines["checkout"].rstrip().endswith("no series")
            assert str(pane.border_subtitle) == "1 of 3 services: no series"
