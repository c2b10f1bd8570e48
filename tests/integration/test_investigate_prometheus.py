"""The investigation's 5xx rate per service over the last 2 h, from a real Prometheus."""

from __future__ import annotations

import asyncio
import math
import re
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from probes.investigate import live
from probes.investigate.base import run_section
from probes.investigate.live import LiveInvestigator
from probes.prometheus.probe import ERROR_RATE_QUERY
from tests.servers.fixtures import prom_stack
from tests.servers.prometheus import TRAFFIC, Traffic, query, wait_for_data
from tests.servers.sessions import eventually

if TYPE_CHECKING:
    import pytest

    from tests.servers.fixtures import PromStack


async def test_the_5xx_rate_per_service_over_two_hours(prometheus_server: PromStack) -> None:
    wait_for_data(prometheus_server.url, ERROR_RATE_QUERY, set(TRAFFIC), lag=6)
    now = datetime.now(UTC) - timedelta(seconds=3)  # samples older than this are all in
    investigator = LiveInvestigator([], lambda: now, prometheus_url=prometheus_server.url)
    findings, unavailable = await run_section(investigator, "errors", None)
    assert unavailable == ("Logs: not configured, no [cluster] in the config",)
    rates = {}
    for f in findings:
        m = re.fullmatch(r"(\S+): ([\d.]+) % now, peak ([\d.]+) % over the last 2 h", f.text)
        assert m, f.text
        rates[m[1]] = (float(m[2]), f.tone)
    assert set(rates) == {"checkout", "search"}  # idle has no requests: no rate, not 0 %
    checkout, tone = rates["checkout"]
    assert abs(checkout - 5.0) < 1.0
    # 1 request in 20 sits on the guide's line (over 5 %): a rate's extrapolation puts it a
    # hair either side, and the tone follows the side it lands on
    if checkout < 5.0:
        assert tone == "info"
    elif checkout > 5.0:
        assert tone == "bad"
    assert abs(rates["search"][0] - 25.0) < 3.0 and rates["search"][1] == "bad"


# the rows under `app`, a label other than the default: the series' `service` copied to it
BY_APP = (
    'sum by (app) (label_replace(rate(http_requests_total{{status=~"5.."}}[{w}]), "app", "$1", '
    '"service", "(.*)")) / sum by (app) (label_replace(rate(http_requests_total[{w}]), "app", '
    '"$1", "service", "(.*)")) * 100'
)


def settled(url: str, promql: str) -> dict[str, float]:
    """`promql` a second ago (the investigation's range ends at a whole second): {app: value},
    NaN kept, as Prometheus answers it."""
    got = query(url, promql, time.time() - 1)["result"]
    return {r["metric"].get("app", ""): float(r["value"][1]) for r in got}


async def test_a_service_with_no_requests_or_no_series_now_is_not_given_an_old_rate_as_now(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Seen live: a service whose traffic had stopped read '0.00 % now' in Investigate while
    both panes said NaN: 'now' was the last finite value of the 2 h, whenever it was. A
    service scaled to 0 (its series gone) would keep its last rate as 'now' the same way.
    And the configured `label` (here `app`) was not used: every series fell into one row.
    The step is 1 s and the rate's window 3 s, so that a minute holds what 2 h would."""
    monkeypatch.setattr(live, "ERROR_RATE_STEP_SECONDS", 1)
    traffic = {
        "steady": Traffic(ok=3, errors=1, latency_s=0.05),
        "stopping": Traffic(ok=1, errors=1, latency_s=0.05),
        "vanishing": Traffic(ok=1, errors=1, latency_s=0.05),
    }
    promql = BY_APP.format(w="3s")
    with prom_stack(traffic, tick=0.2) as prom:
        url, exporter = prom.url, prom.exporter
        await eventually(lambda: asyncio.to_thread(settled, url, promql), lambda v: len(v) == 3)
        with exporter.lock:
            exporter.traffic["stopping"] = Traffic(ok=0, errors=0, latency_s=0.05)
            del exporter.traffic["vanishing"]  # scaled to 0: its series leave the scrape
            for status in ("200", "500"):
                exporter.requests.remove("vanishing", status)
            exporter.duration.remove("vanishing")

        def gone(values: dict[str, float]) -> bool:
            return "vanishing" not in values and math.isnan(values.get("stopping", 0.0))

        await eventually(lambda: asyncio.to_thread(settled, url, promql), gone, timeout=30)
        investigator = LiveInvestigator(
            [],
            lambda: datetime.now(UTC),
            prometheus_url=url,
            error_rate_query=promql,
            prometheus_label="app",
        )
        findings, _ = await run_section(investigator, "errors", None)
    said = {f.text.split(":", 1)[0]: f for f in findings if f.part == "5xx rate"}
    assert set(said) == {"steady", "stopping", "vanishing"}, [f.text for f in findings]
    assert re.fullmatch(
        r"steady: [\d.]+ % now, peak [\d.]+ % over the last 2 h", said["steady"].text
    )
    last = r"\(last 50\.00 % at \d\d:\d\d\), peak 50\.00 % over the last 2 h"
    assert re.fullmatch(rf"stopping: no requests now {last}", said["stopping"].text)
    assert re.fullmatch(rf"vanishing: no series now {last}", said["vanishing"].text)
    assert said["stopping"].tone == said["vanishing"].tone == "warn"
