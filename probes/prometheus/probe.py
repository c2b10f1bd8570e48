"""Prometheus: error rate and p95 latency per service, through prometheus-api-client.

Each sample is one instant query (run in a worker thread by probes/prometheus/client.py), so
the values never wait for anything else. Two parts of a pane load beside it, in the
background, and reach the journal with the first sample after they have arrived (so never
with the first sample, whose values would otherwise wait for them):

- the sparklines' history: one range query over the last `history_minutes`, at a step that
  keeps each series within `max_points` points. Refused (a server's 422 "query processing
  would load too many samples", 400 "exceeded maximum resolution of 11,000 points") or too
  slow, it costs only the history: MetricPartMissing says why, and it is asked again later
  (after 30 s, doubling to 5 min) at twice the step, down to MIN_POINTS points.
- the p95 baseline (latency only): an instant query refreshed every BASELINE_EVERY, by
  default the median p95 of the same hour a day earlier (probes/prometheus/queries.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import math
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from probes.check import CheckResult
from probes.http import public_url
from probes.prometheus.client import Prometheus, PrometheusSlow, PrometheusUnreachable, host_of
from probes.prometheus.queries import (
    DEFAULT_LABEL,
    ERROR_RATE_QUERY,
    LATENCY_BASELINE_QUERY,
    LATENCY_P95_QUERY,
    LATENCY_PART,
    PART_LABEL,
    REQUEST_RATE_PART,
    baseline_query,
    error_rate_query,
    latency_query,
    request_rate_query,
    with_request_rate,
)
from probes.prometheus.reply import PrometheusError, query_result
from probes.prometheus.together import InstantTogether, together_query
from state.events import (
    EventBase,
    Metric,
    MetricHistoryLoaded,
    MetricPart,
    MetricPartMissing,
    MetricSampled,
    Source,
)
from state.text import bounded_key, inert

__all__ = [
    "ERROR_RATE_QUERY",
    "LATENCY_BASELINE_QUERY",
    "LATENCY_P95_QUERY",
    "PrometheusError",
    "PrometheusProbe",
    "PrometheusUnreachable",
    "check_prometheus",
    "host_of",
    "instant_values",
    "public_url",
    "range_series",
]

T = TypeVar("T")
DEFAULT_QUERIES: dict[Metric, Callable[[str], str]] = {
    "error_rate": error_rate_query,
    "latency": latency_query,
}
BAD_QUERY = "Prometheus bad_data"  # reply.py's line for a query the server will not run
NO_LABEL = "all"  # the key of a series without the grouping label, e.g. a query with sum()

MAX_POINTS = 240  # per series in the history's range query
MIN_POINTS = 8  # the coarsest history still worth drawing
HISTORY_TIMEOUT = 15.0  # s: the history holds nothing up, so it may take longer
BASELINE_EVERY = timedelta(seconds=60)  # the baseline a day earlier moves slowly
RETRY_FIRST = timedelta(seconds=30)
RETRY_MAX = timedelta(minutes=5)
NO_BASELINE = "no data for the baseline (the default needs a day of history)"
NO_CUSTOM_BASELINE = "the baseline query returned no series"


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


def instant_values(data: Any, label: str = DEFAULT_LABEL) -> dict[str, float]:
    """{service: value} of an instant query's data, by service name (`instant_parts`)."""
    return instant_parts(data, label)[0]


def instant_parts(
    data: Any, label: str = DEFAULT_LABEL
) -> tuple[dict[str, float], dict[str, float]]:
    """({service: value}, {service: requests per second}) of an instant query's data, by
    service name: the series marked as the request rate's (queries.py `with_request_rate`)
    apart; an empty result is two empty dicts.

    By name, because Prometheus gives a vector's series in no set order (a histogram's
    quantile by service came in a new order at every query): values that did not change
    are then the same sample, journaled as such (state/journal/rows.py), not 300 services'
    new order every refresh.

    Raises PrometheusError (MalformedReply) when `data` is not a vector or scalar result.
    """
    parts = instant_by_part(data, label, (REQUEST_RATE_PART,))
    return parts.get("", {}), parts.get(REQUEST_RATE_PART, {})


def instant_by_part(
    data: Any, label: str = DEFAULT_LABEL, marks: Sequence[str] = (REQUEST_RATE_PART, LATENCY_PART)
) -> dict[str, dict[str, float]]:
    """{part: {service: value}} of an instant query's data: the series marked with PART_LABEL
    as one of `marks` under that part, the rest under "" (parts with no series absent), each
    by service name, sorted (`instant_parts`).

    Raises PrometheusError (MalformedReply) when `data` is not a vector or scalar result.
    """
    kind, found = query_result(data, ("vector", "scalar"))
    if kind == "scalar":
        return {"": {NO_LABEL: found[1]}}
    parts: dict[str, dict[str, float]] = {}
    for series in found:
        labels = series["metric"]
        part = labels.get(PART_LABEL, "") if isinstance(labels, dict) else ""
        part = part if part in marks else ""
        _merge(parts.setdefault(part, {}), _key(labels, label), series["value"][1])
    return {part: dict(sorted(values.items())) for part, values in parts.items()}


def range_series(
    data: Any, start: float, step: float, points: int, label: str = DEFAULT_LABEL
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


def history_range(now: float, window: float, interval: float, step: int) -> tuple[int, int, int]:
    """(start, end, points) of the range query for the history before unix time `now`: whole
    seconds (the library rounds to them), ending at most `interval` before `now` so that the
    instant value completes the series."""
    end = math.floor(now - interval)
    slots = max(1, round(window / interval) - 1)
    points = math.ceil((slots - 1) * interval / step) + 1
    return end - (points - 1) * step, end, points


def on_slots(
    values: Sequence[float | None], start: int, step: int, now: float, interval: float, slots: int
) -> tuple[float | None, ...]:
    """`values` at `start + i * step` read at each refresh slot before `now` (now - slots *
    interval ... now - interval): each slot holds the last point at or before it."""
    out: list[float | None] = []
    for k in range(slots, 0, -1):
        i = math.floor((now - k * interval - start) / step + 1e-9)
        out.append(values[min(i, len(values) - 1)] if i >= 0 else None)
    return tuple(out)


def _gone_as_none(found: Mapping[str, float], sent: Sequence[str]) -> dict[str, float | None]:
    """`found`, and None for each series the last sample had and this one has not (a service
    scaled to 0, an exporter gone: Prometheus marks it stale): no value now, said once. The
    console kept its last value as current, '0.0% ok' minutes after it was gone."""
    values: dict[str, float | None] = dict(found)
    for name in sent:
        values.setdefault(name, None)
    return values


def _finite(values: Mapping[str, float]) -> dict[str, float]:
    """A baseline that is not a finite positive number is no baseline."""
    return {k: v for k, v in values.items() if math.isfinite(v) and v > 0}


def _background(work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    """A task whose failure is read by the next sample, or by nobody when the probe stops
    first: asyncio is told it was seen, so it never logs "exception was never retrieved"."""
    task = asyncio.create_task(work)
    task.add_done_callback(lambda t: t.cancelled() or t.exception())
    return task


class _Part:
    """A part loaded in the background: its task, when it is due next, what it last said."""

    def __init__(self) -> None:
        self.task: asyncio.Task[Any] | None = None
        self.started: datetime | None = None
        self.due: datetime | None = None  # None: at the next sample
        self.said: str | None = None  # the reason last reported missing

    def due_at(self, now: datetime) -> bool:
        return self.task is None and (self.due is None or now >= self.due)


class PrometheusProbe:
    """One metric per probe: the instant values every sample; history and baseline beside."""

    def __init__(
        self,
        metric: Metric,
        url: str,
        query: str | None = None,
        headers: Mapping[str, str] | None = None,
        interval: float = 2.0,
        timeout: float = 2.0,
        history_minutes: float = 4,
        baseline_query: str | None = None,
        label: str = DEFAULT_LABEL,
        verify: bool | str = True,
        max_points: int = MAX_POINTS,
        history_timeout: float = HISTORY_TIMEOUT,
    ) -> None:
        self.source: Source = metric
        self.metric: Metric = metric
        self.label = label
        self.query = query or DEFAULT_QUERIES[metric](label)
        # the error rate's pane shows requests per second beside it, read in the same query
        # when it is the guide's (a query of the config's own may not count requests so)
        rated = metric == "error_rate" and self.query == error_rate_query(label)
        self.instant_query = with_request_rate(self.query, label) if rated else self.query
        # latency only: None is the default (a day earlier), "" is none at all
        self.custom_baseline = baseline_query is not None
        if metric != "latency" or baseline_query == "":
            self.baseline_query: str | None = None
        else:
            self.baseline_query = baseline_query or default_baseline(self.query)
        self.interval = interval
        self.timeout = timeout
        self.window = timedelta(minutes=history_minutes).total_seconds()
        self.step = max(math.ceil(interval), math.ceil(self.window / max_points))
        self.coarsest = max(self.step, math.floor(self.window / MIN_POINTS))
        self.history_timeout = history_timeout
        self.prometheus = Prometheus(url, headers, timeout, verify)
        self.url = self.prometheus.url
        self.where = self.prometheus.where
        self._history_loaded = False
        self._history = _Part()
        self._baseline = _Part()
        self._retry = RETRY_FIRST
        self._since: list[dict[str, float | None]] = []  # instant values since history's start
        self._failed_at: datetime | None = None  # the last sample whose values failed
        self._pending: list[EventBase] = []  # read in the background, for the next sample
        self._new_baseline: dict[str, float] = {}
        self._sent: tuple[str, ...] = ()  # the series the last sample had a value for
        self._rated: tuple[str, ...] = ()  # the services the last sample had a rate for
        # the error rate's and p95's probes of one Prometheus ask in one request (`pair`)
        self.together: InstantTogether | None = None
        self.together_query = ""

    async def prepare(self) -> None:
        """The library and requests imported in a worker thread, before the first sample
        (probes/scheduler.py): the first import takes a tenth of a second."""
        await asyncio.to_thread(importlib.import_module, "prometheus_api_client.prometheus_connect")

    # ---- one sample --------------------------------------------------------------------------

    async def sample(self, now: datetime) -> Sequence[EventBase]:
        self._collect(now)
        self._start(now)
        try:
            found, rated = await self._instant(now)
        except PrometheusError:
            self._failed_at = now
            raise
        values = _gone_as_none(found, self._sent)
        rates = _gone_as_none(rated, self._rated)
        self._sent, self._rated = tuple(found), tuple(rated)
        events, self._pending = self._pending, []
        baseline, self._new_baseline = self._new_baseline, {}
        events.append(
            MetricSampled(
                at=now, metric=self.metric, values=values, baseline=baseline, request_rate=rates
            )
        )
        if self._history.task is not None:
            self._since.append(values)
        return events

    async def _instant(self, now: datetime) -> tuple[dict[str, float], dict[str, float]]:
        """The instant values, and the request rates with them. A server that refuses the
        query with the request rate (a Prometheus-compatible backend without `or` or
        label_replace) but answers the error rate's alone costs only the REQ/S column: the
        error rate is asked alone from then on (the column goes, with no source).

        Paired (`pair`), the values come from the query asked with the other probe's, unless
        the server refused that query's form once: then each asks alone, as here."""
        together = self.together
        if together is not None and not together.apart:
            try:
                parts = await together.ask(self.metric, self.together_query, now, self._by_part)
            except PrometheusError as exc:
                if not str(exc).startswith(BAD_QUERY):
                    raise
                together.apart = True  # its form refused: asked apart from now on
            else:
                if self.metric == "latency":
                    return parts.get(LATENCY_PART, {}), {}
                return parts.get("", {}), parts.get(REQUEST_RATE_PART, {})
        try:
            return await self.prometheus.query(self.instant_query, now, self._parts)
        except PrometheusError as exc:
            # only a refusal of the query's form (bad_data, reply.py); a failure of the server
            # (a 503, a timeout) is the pane's, and the next refresh asks with the rate again
            if self.instant_query == self.query or not str(exc).startswith(BAD_QUERY):
                raise
            found, _ = await self.prometheus.query(self.query, now, self._parts)
            self.instant_query = self.query  # answered alone: never with the rate again
            return found, {}

    def _collect(self, now: datetime) -> None:
        """What the background parts read since the last sample: events for the next values."""
        self._pending += self._history_events(now)
        baseline, missing = self._baseline_result(now)
        self._pending += missing
        self._new_baseline = baseline or self._new_baseline

    def _start(self, now: datetime) -> None:
        if not self._history_loaded and self._history.due_at(now):
            self._since = []
            self._history.started = now
            self._history.task = _background(self._read_history(now, self.step))
        if self.baseline_query and self._baseline.due_at(now):
            self._baseline.started = now
            # a subquery over an hour a day ago may be slow, and holds nothing up either
            query = self.prometheus.query(
                self.baseline_query, now, self._values, self.history_timeout
            )
            self._baseline.task = _background(query)

    def _values(self, data: Any) -> dict[str, float]:
        return instant_values(data, self.label)

    def _parts(self, data: Any) -> tuple[dict[str, float], dict[str, float]]:
        return instant_parts(data, self.label)

    def _by_part(self, data: Any) -> dict[str, dict[str, float]]:
        return instant_by_part(data, self.label)

    async def _read_history(self, now: datetime, step: int) -> dict[str, tuple[float | None, ...]]:
        """{service: values at the refresh slots before `now`}, from one range query at
        `step` (parsed in the worker thread: 300 series of 119 points are 1 MB of JSON)."""
        t = now.timestamp()
        start, end, points = history_range(t, self.window, self.interval, step)
        slots = max(1, round(self.window / self.interval) - 1)

        def read(data: Any) -> dict[str, tuple[float | None, ...]]:
            series = range_series(data, start, step, points, self.label)
            return {k: on_slots(v, start, step, t, self.interval, slots) for k, v in series.items()}

        return await self.prometheus.query_range(
            self.query, start, end, step, read, self.history_timeout
        )

    def _history_events(self, now: datetime) -> list[EventBase]:
        """The history, with the values sampled since it was asked for, if it has come."""
        part = self._history
        if part.task is None or not part.task.done():
            return []
        task, part.task = part.task, None
        try:
            series = task.result()
        except PrometheusError as exc:
            self._since = []
            return self._missing("history", part, exc, now)
        self._history_loaded = True
        names = set(series).union(*self._since)
        merged = {
            name: (*series.get(name, ()), *(values.get(name) for values in self._since))
            for name in names
        }
        self._since = []
        return [MetricHistoryLoaded(at=now, metric=self.metric, series=merged)]

    def _baseline_result(self, now: datetime) -> tuple[dict[str, float], list[EventBase]]:
        """(the new baseline, or {} when none came, and why it is missing, if it is)."""
        part = self._baseline
        if part.task is None or not part.task.done():
            return {}, []
        task, part.task = part.task, None
        try:
            baseline = _finite(task.result())
        except PrometheusError as exc:
            return {}, self._missing("baseline", part, exc, now)
        part.due = now + BASELINE_EVERY
        if baseline:
            part.said = None
            return baseline, []
        empty = NO_CUSTOM_BASELINE if self.custom_baseline else NO_BASELINE
        return {}, self._missing("baseline", part, PrometheusError(empty), now)

    def _missing(
        self, name: MetricPart, part: _Part, exc: Exception, now: datetime
    ) -> list[EventBase]:
        """Schedule `part` again (the history at twice the step) and say once per reason why
        it is missing. Prometheus unreachable, or failing when the part was asked for, is the
        pane's own failure, which says so already: the part is asked again next sample."""
        reason = str(exc)
        unreachable = isinstance(exc, PrometheusUnreachable) and not isinstance(exc, PrometheusSlow)
        failed = self._failed_at
        if unreachable or (
            failed is not None and part.started is not None and part.started <= failed
        ):
            part.due = None
            return []
        if name == "history":
            part.due = now + self._retry
            self._retry = min(self._retry * 2, RETRY_MAX)
            self.step = min(self.step * 2, self.coarsest)
        else:
            part.due = now + BASELINE_EVERY
        if part.said == reason:
            return []
        part.said = reason
        return [MetricPartMissing(at=now, metric=self.metric, part=name, reason=reason)]

    async def settled(self) -> None:
        """Wait for the history and baseline queries in flight (tests: what a later sample
        will carry is then known)."""
        tasks = [p.task for p in (self._history, self._baseline) if p.task is not None]
        await asyncio.gather(*tasks, return_exceptions=True)

    async def close(self) -> None:
        for part in (self._history, self._baseline):
            task, part.task = part.task, None
            if task is not None:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        if self.together is not None:
            await self.together.close()
        await self.prometheus.close()


def pair(error_rate: PrometheusProbe, latency: PrometheusProbe) -> None:
    """Let the error rate's and the p95's probes of one Prometheus (same URL, headers, TLS,
    timeout, interval) ask for their instant values in one request a refresh
    (probes/prometheus/together.py): the error rate's client asks for both."""
    together = InstantTogether(error_rate.prometheus, error_rate.interval)
    query = together_query(error_rate.instant_query, latency.instant_query)
    for probe in (error_rate, latency):
        probe.together, probe.together_query = together, query


def default_baseline(latency: str) -> str:
    """The baseline used when the config names none: see probes/prometheus/queries.py."""
    return LATENCY_BASELINE_QUERY if latency == LATENCY_P95_QUERY else baseline_query(latency)


def configured_queries(
    label: str = DEFAULT_LABEL,
    error_rate: str | None = None,
    latency: str | None = None,
    baseline: str | None = None,
) -> dict[str, str]:
    """{name: PromQL} the probes run for this config (None: the default; baseline "": none)."""
    named = {
        "error_rate": error_rate or error_rate_query(label),
        "latency": latency or latency_query(label),
    }
    if named["error_rate"] == error_rate_query(label):  # the probe reads REQ/S beside it
        named["request_rate"] = request_rate_query(label)
    if baseline != "":
        named["latency_baseline"] = baseline or default_baseline(named["latency"])
    return named


async def check_prometheus(
    url: str,
    headers: Mapping[str, str] | None = None,
    timeout: float = 5.0,
    queries: Mapping[str, str] | None = None,
    label: str = DEFAULT_LABEL,
    verify: bool | str = True,
    *,
    now: datetime,
) -> CheckResult:
    """Reachable, version, latency, and whether each configured query runs at `now` (UTC,
    from the caller's clock: `warroom check` passes the wall clock)."""
    named = queries if queries is not None else configured_queries(label)
    prometheus = Prometheus(url, headers, timeout, verify)
    target = public_url(prometheus.url)
    try:
        start = time.perf_counter()
        try:
            build = await prometheus.build_info()
        except PrometheusError as exc:
            reachable = not isinstance(exc, PrometheusUnreachable)
            return CheckResult("prometheus", target, reachable=reachable, problems=(str(exc),))
        latency = round((time.perf_counter() - start) * 1000, 1)
        version = inert(build.get("version"), limit=40) if isinstance(build, dict) else None
        ok, problems = [], []
        if verify is False and target.startswith("https:"):
            ok.append("TLS certificate not checked (verify_tls = false)")
        for name, query in named.items():
            try:
                found = await prometheus.query(query, now, lambda d: instant_values(d, label))
            except PrometheusError as exc:
                problems.append(f"query {name}: {exc}")
                continue
            if found and set(found) == {NO_LABEL}:
                problems.append(
                    f"query {name}: its series have no {label!r} label, so no row names a "
                    "service: set [prometheus] label (app, job, service_name, ...)"
                )
            else:
                ok.append(f"query {name}: runs, {len(found)} series")
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
        await prometheus.close()
