"""Prometheus: error rate and p95 latency per service, read with httpx (async).

Latency baseline: MetricSampled.baseline is filled only when `baseline_query` is set (for
example the p95 query with `offset 1d`); otherwise it stays empty and the panes show "no base".
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from probes.check import CheckResult
from probes.http import client, import_httpx, network_reason, public_url, resolver_error
from probes.prometheus.reply import PrometheusError, envelope_data, query_result
from state.events import EventBase, Metric, MetricHistoryLoaded, MetricSampled, Source
from state.text import bounded_key, inert

if TYPE_CHECKING:
    import httpx

# The guide's queries, grouped by service so each pane row is one service.
ERROR_RATE_QUERY = (
    'sum by (service) (rate(http_requests_total{status=~"5.."}[5m]))'
    " / sum by (service) (rate(http_requests_total[5m])) * 100"
)
LATENCY_P95_QUERY = (
    "histogram_quantile(0.95,"
    " sum by (service, le) (rate(http_request_duration_seconds_bucket[5m]))) * 1000"
)
DEFAULT_QUERIES: dict[Metric, str] = {"error_rate": ERROR_RATE_QUERY, "latency": LATENCY_P95_QUERY}

NO_LABEL = "all"  # the key of a series without the grouping label, e.g. a query with sum()

_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")


class PrometheusUnreachable(PrometheusError):
    """No HTTP answer at all: refused, unresolvable, or too slow."""


def host_of(url: str) -> str:
    """host:port of a URL, for messages: no scheme, path or credentials."""
    rest = public_url(url).split("://", 1)[-1]
    return rest.split("/", 1)[0] or rest


def _fail(exc: Exception, where: str, timeout: float) -> PrometheusError:
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return PrometheusUnreachable(f"Prometheus at {where} did not answer within {timeout:g} s")
    if isinstance(exc, httpx.ConnectError):
        return PrometheusUnreachable(f"cannot reach Prometheus at {where}: {_cause(exc)}")
    # other transport errors' text may quote the request; the class name is enough to act on
    return PrometheusUnreachable(f"request to Prometheus at {where} failed: {type(exc).__name__}")


def _cause(exc: BaseException) -> str:
    """The root of a connect failure: httpx says only "All connection attempts failed"."""
    unresolved = resolver_error(exc)
    if unresolved is not None:
        return f"cannot resolve the host ({_ERRNO.sub('', inert(unresolved))})"
    return network_reason(exc)


def _data(resp: httpx.Response) -> Any:
    """The `data` of a Prometheus API reply, or the reason there is none."""
    code = resp.status_code
    if code in (401, 403):
        raise PrometheusError(f"auth denied (HTTP {code}) from Prometheus: check its headers")
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("status") == "error":
        kind = inert(body.get("errorType") or "error", limit=40)
        text = str(body.get("error") or "no error text").removeprefix('invalid parameter "query": ')
        raise PrometheusError(f"Prometheus {kind}: {inert(text, limit=200)}")
    if code >= 400:
        raise PrometheusError(f"HTTP {code} from Prometheus")
    if body is None:
        raise PrometheusError("malformed reply from Prometheus: not JSON")
    return envelope_data(body)


def _key(labels: Any, label: str) -> str:
    """The series' row: its label value as it came (bounded), so two values that differ only
    in escapes or past the 80th character stay two rows; the view makes it inert."""
    value = labels.get(label) if isinstance(labels, dict) else None
    return bounded_key(str(value)) if value else NO_LABEL


def _merge(out: dict[str, Any], key: str, value: float) -> None:
    """Two series for one service keep the worse (larger) value; NaN never hides a number."""
    old = out.get(key)
    if old is None or math.isnan(old) or (not math.isnan(value) and value > old):
        out[key] = value


def instant_values(data: Any, label: str = "service") -> dict[str, float]:
    """{service: value} of an instant query's data; an empty result is an empty dict.

    Raises PrometheusError (MalformedReply) when `data` is not a vector or scalar result.
    """
    kind, found = query_result(data, ("vector", "scalar"))
    if kind == "scalar":
        return {NO_LABEL: found[1]}
    out: dict[str, float] = {}
    for series in found:
        _merge(out, _key(series["metric"], label), series["value"][1])
    return out


def range_series(
    data: Any, start: float, step: float, points: int, label: str = "service"
) -> dict[str, tuple[float | None, ...]]:
    """{service: values at start, start+step, ...}; None where the series has no sample.

    Raises PrometheusError (MalformedReply) when `data` is not a matrix result.
    """
    _, found = query_result(data, ("matrix",))
    out: dict[str, list[float | None]] = {}
    for series in found:
        row = out.setdefault(_key(series["metric"], label), [None] * points)
        for ts, value in series["values"]:
            i = round((ts - start) / step)
            if 0 <= i < points:
                old = row[i]
                row[i] = value if old is None or math.isnan(old) or value > old else old
    return {k: tuple(v) for k, v in out.items()}


def _finite(values: Mapping[str, float]) -> dict[str, float]:
    """A baseline that is not a finite positive number is no baseline."""
    return {k: v for k, v in values.items() if math.isfinite(v) and v > 0}


class PrometheusProbe:
    """One metric per probe: the first sample loads the sparkline history, then instant values."""

    def __init__(
        self,
        metric: Metric,
        url: str,
        query: str | None = None,
        headers: Mapping[str, str] | None = None,
        interval: float = 2.0,
        timeout: float = 2.0,
        history_minutes: float = 4,
        step: float = 2.0,
        baseline_query: str | None = None,
        label: str = "service",
    ) -> None:
        self.source: Source = metric
        self.metric: Metric = metric
        self.url = url.rstrip("/")
        self.query = query or DEFAULT_QUERIES[metric]
        self.headers = dict(headers or {})
        self.interval = interval
        self.timeout = timeout
        self.history = timedelta(minutes=history_minutes)
        self.step = step
        self.baseline_query = baseline_query
        self.label = label
        self.where = inert(host_of(self.url), limit=80)
        self._client: httpx.AsyncClient | None = None
        self._history_loaded = False

    async def prepare(self) -> None:
        """httpx imported in a worker thread, before the first sample (probes/scheduler.py)."""
        await import_httpx()

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            # a little under the scheduler's timeout, so the reason names Prometheus
            self._client = client(
                "warroom-prometheus", self.timeout * 0.9, base_url=self.url, headers=self.headers
            )
        return self._client

    async def get(self, path: str, params: Mapping[str, str | float]) -> Any:
        """The `data` of one API call; raises PrometheusError with a one-line reason."""
        import httpx

        try:
            resp = await self.client().get(path, params=dict(params))
        except httpx.HTTPError as exc:
            raise _fail(exc, self.where, self.timeout) from None
        return _data(resp)

    async def instant(self, query: str, now: datetime) -> dict[str, float]:
        data = await self.get("/api/v1/query", {"query": query, "time": f"{now.timestamp():.3f}"})
        return instant_values(data, self.label)

    async def history_series(self, now: datetime) -> dict[str, tuple[float | None, ...]]:
        """The points before `now` at `step`, so that the instant sample completes the series."""
        end = now.timestamp() - self.step
        points = max(1, round(self.history.total_seconds() / self.step) - 1)
        start = end - (points - 1) * self.step
        params = {
            "query": self.query,
            "start": f"{start:.3f}",
            "end": f"{end:.3f}",
            "step": f"{self.step:g}",
        }
        data = await self.get("/api/v1/query_range", params)
        return range_series(data, start, self.step, points, self.label)

    async def sample(self, now: datetime) -> Sequence[EventBase]:
        calls: list[Any] = [self.instant(self.query, now)]
        if self.baseline_query:
            calls.append(self.instant(self.baseline_query, now))
        if not self._history_loaded:
            calls.append(self.history_series(now))
        try:
            # our own deadline, a little before the scheduler's, so the reason stays the same
            async with asyncio.timeout(self.timeout * 0.9):
                results: list[Any] = list(await asyncio.gather(*calls, return_exceptions=True))
        except TimeoutError:
            raise PrometheusUnreachable(
                f"Prometheus at {self.where} did not answer within {self.timeout:g} s"
            ) from None
        for result in results:  # in call order, not in order of arrival: one stable reason
            if isinstance(result, BaseException):
                raise result
        values: dict[str, float | None] = dict(results[0])
        baseline = _finite(results[1]) if self.baseline_query else {}
        events: list[EventBase] = []
        if not self._history_loaded:
            events.append(
                MetricHistoryLoaded(
                    at=now, metric=self.metric, series=results[-1], baseline=baseline
                )
            )
            self._history_loaded = True
        events.append(MetricSampled(at=now, metric=self.metric, values=values, baseline=baseline))
        return events

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()


async def check_prometheus(
    url: str,
    headers: Mapping[str, str] | None = None,
    timeout: float = 5.0,
    queries: Mapping[str, str] | None = None,
) -> CheckResult:
    """Reachable, version, latency, and whether each configured query runs."""
    named: Mapping[str, str] = (
        queries if queries is not None else {k: v for k, v in DEFAULT_QUERIES.items()}
    )
    probe = PrometheusProbe("error_rate", url, headers=headers, timeout=timeout)
    target = public_url(probe.url)
    try:
        start = time.perf_counter()
        try:
            build = await probe.get("/api/v1/status/buildinfo", {})
        except PrometheusError as exc:
            reachable = not isinstance(exc, PrometheusUnreachable)
            return CheckResult("prometheus", target, reachable=reachable, problems=(str(exc),))
        latency = round((time.perf_counter() - start) * 1000, 1)
        version = inert(build.get("version"), limit=40) if isinstance(build, dict) else None
        ok, problems = [], []
        for name, query in named.items():
            try:
                data = await probe.get("/api/v1/query", {"query": query})
                ok.append(f"query {name}: runs, {len(instant_values(data, probe.label))} series")
            except PrometheusError as exc:
                problems.append(f"query {name}: {exc}")
        return CheckResult(
            "prometheus",
            target,
            reachable=True,
            version=version or None,
            latency_ms=latency,
            permissions=tuple(ok),
            problems=tuple(problems),
        )
    finally:
        await probe.close()
