"""The guide's PromQL, grouped by one label so that each pane row is one service.

The label is `service` unless the config names another (`app`, `job`, `service_name` are
common); the default queries group by it, and the probe reads each series' row from it.

The p95 baseline ("normal", the guide's "p95 > 3x normal response time" is P2) is, by
default, the median of the p95 query's own values at 5-minute steps over the same hour a
day earlier: Prometheus computes it itself from the data it already has. A day earlier
follows the daily cycle of traffic (a busy afternoon is compared with a busy afternoon);
the median of twelve points ignores a spike of up to half an hour in that hour, so
yesterday's short incident does not become today's normal. It needs a day of data: a
service younger than that, or a Prometheus keeping less, has no baseline ("no base")
until it has. The config's `latency_baseline_query` overrides it (e.g. `offset 1w`).
"""

from __future__ import annotations

import re

DEFAULT_LABEL = "service"
LABEL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # Prometheus's label name syntax

# the default baseline: a day earlier, over an hour, at 5-minute steps (see the docstring)
BASELINE_OFFSET = "1d"
BASELINE_WINDOW = "1h"
BASELINE_RESOLUTION = "5m"


def error_rate_query(label: str = DEFAULT_LABEL) -> str:
    """The guide's 5xx percentage over 5 minutes, one series per `label` value."""
    return (
        f'sum by ({label}) (rate(http_requests_total{{status=~"5.."}}[5m]))'
        f" / sum by ({label}) (rate(http_requests_total[5m])) * 100"
    )


def latency_query(label: str = DEFAULT_LABEL) -> str:
    """The guide's p95 latency in ms over 5 minutes, one series per `label` value."""
    return (
        "histogram_quantile(0.95,"
        f" sum by ({label}, le) (rate(http_request_duration_seconds_bucket[5m]))) * 1000"
    )


def baseline_query(
    latency: str,
    offset: str = BASELINE_OFFSET,
    window: str = BASELINE_WINDOW,
    resolution: str = BASELINE_RESOLUTION,
) -> str:
    """The median of `latency` (any p95 query) at `resolution` steps over `window`, `offset`
    earlier: a subquery, so it suits a configured latency query as well as the guide's."""
    return f"quantile_over_time(0.5, ({latency})[{window}:{resolution}] offset {offset})"


def request_rate_query(label: str = DEFAULT_LABEL) -> str:
    """Requests per second over 5 minutes, one series per `label` value: the denominator of
    the guide's error rate (`rate(http_requests_total[5m])`), as its capacity check sums it."""
    return f"sum by ({label}) (rate(http_requests_total[5m]))"


# the label that marks the request rate's series in the error rate's one query
PART_LABEL = "warroom_part"
REQUEST_RATE_PART = "request_rate"
LATENCY_PART = "latency"  # the p95's series in the query asked with the error rate's


def with_request_rate(error_rate: str, label: str = DEFAULT_LABEL) -> str:
    """`error_rate` and the request rate in one instant query: one round trip, one reply, in
    the same refresh. The request rate's series carry PART_LABEL, so `or` keeps both (no
    label set of one matches one of the other) and the probe tells them apart."""
    rate = request_rate_query(label)
    return f'({error_rate}) or label_replace({rate}, "{PART_LABEL}", "{REQUEST_RATE_PART}", "", "")'


ERROR_RATE_QUERY = error_rate_query()
LATENCY_P95_QUERY = latency_query()
LATENCY_BASELINE_QUERY = baseline_query(LATENCY_P95_QUERY)
