"""The investigation's 5xx rate per service over the last 2 h, from a real Prometheus."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from probes.investigate.base import run_section
from probes.investigate.live import LiveInvestigator
from probes.prometheus.probe import ERROR_RATE_QUERY
from tests.servers.prometheus import TRAFFIC, wait_for_data

if TYPE_CHECKING:
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
