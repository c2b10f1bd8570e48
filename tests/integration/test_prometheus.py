"""The Prometheus probe against a real Prometheus scraping a driven exporter, and broken HTTP."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import pytest

from probes.prometheus.probe import (
    ERROR_RATE_QUERY,
    LATENCY_BASELINE_QUERY,
    LATENCY_P95_QUERY,
    NO_BASELINE,
    NO_CUSTOM_BASELINE,
    PrometheusError,
    PrometheusProbe,
    check_prometheus,
    history_range,
    on_slots,
)
from probes.prometheus.queries import baseline_query, request_rate_query
from probes.scheduler import ProbeScheduler
from state.clock import FrozenClock, WallClock
from state.events import (
    EventBase,
    MetricHistoryLoaded,
    MetricPartMissing,
    MetricSampled,
    ProbeFailed,
    ProbeRecovered,
)
from tests.servers.fake_http import FakeHttp
from tests.servers.fixtures import prom_stack
from tests.servers.postgres import free_port
from tests.servers.prometheus import EXPECTED_P95_MS, TRAFFIC, Traffic, query, wait_for_data
from tests.servers.sessions import eventually

if TYPE_CHECKING:
    from tests.servers.fixtures import PromStack

pytestmark = pytest.mark.integration
E = TypeVar("E", bound=EventBase)

LAG = 2.0  # seconds: samples older than this are all in, so two queries see the same data
SERVICES = set(TRAFFIC)
VECTOR = b'{"status":"success","data":{"resultType":"vector","result":[]}}'


@pytest.fixture(scope="module")
def prom(prometheus_server: PromStack) -> PromStack:
    # data at the last step of the history too, which ends one step before the instant sample
    wait_for_data(prometheus_server.url, ERROR_RATE_QUERY, SERVICES, lag=LAG + 4)
    wait_for_data(prometheus_server.url, LATENCY_P95_QUERY, SERVICES, lag=LAG + 4)
    return prometheus_server


def settled() -> datetime:
    return datetime.now(UTC) - timedelta(seconds=LAG)


def direct(url: str, promql: str, at: datetime) -> dict[str, float]:
    """What Prometheus answers itself, keyed by service."""
    return {
        r["metric"]["service"]: float(r["value"][1])
        for r in query(url, promql, at.timestamp())["result"]
    }


def same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Equal, where NaN equals NaN."""

    def norm(v: Any) -> Any:
        if isinstance(v, float) and math.isnan(v):
            return "NaN"
        if isinstance(v, tuple | list):
            return tuple(norm(x) for x in v)
        return v

    return {k: norm(v) for k, v in a.items()} == {k: norm(v) for k, v in b.items()}


async def sample(probe: PrometheusProbe, now: datetime) -> list[EventBase]:
    try:
        return list(await probe.sample(now))
    finally:
        await probe.close()


def the(events: list[EventBase], kind: type[E]) -> E:
    """The one event of `kind` among `events`."""
    (found,) = [e for e in events if isinstance(e, kind)]
    return found


async def twice(probe: PrometheusProbe, now: datetime) -> tuple[list[EventBase], list[EventBase]]:
    """Two samples 2 s apart, the background queries of the first settled before the second:
    the second carries what they read."""
    try:
        first = list(await probe.sample(now))
        await probe.settled()
        return first, list(await probe.sample(now + timedelta(seconds=2)))
    finally:
        await probe.close()


async def test_error_rate_equals_prometheus_and_the_driven_ratio(prom: PromStack) -> None:
    now = settled()
    sampled = the(await sample(PrometheusProbe("error_rate", prom.url), now), MetricSampled)
    assert sampled.metric == "error_rate" and sampled.at == now
    assert same(sampled.values, direct(prom.url, ERROR_RATE_QUERY, now))
    assert sampled.values["checkout"] == pytest.approx(TRAFFIC["checkout"].error_rate, rel=1e-9)
    assert sampled.values["search"] == pytest.approx(TRAFFIC["search"].error_rate, rel=1e-9)
    idle = sampled.values["idle"]
    assert idle is not None and math.isnan(idle)  # 0/0 stays NaN, never 0
    assert "ghost" not in sampled.values  # no series at all: absent
    assert sampled.baseline == {}
    assert json.loads(sampled.model_dump_json())["values"]["idle"] == "NaN"


async def test_the_request_rate_comes_in_the_error_rates_own_query(prom: PromStack) -> None:
    """Before: REQ/S was always '—' in live: nothing read it. Now the guide's error rate
    query carries the request rate too, one round trip in the same refresh."""
    now = settled()
    probe = PrometheusProbe("error_rate", prom.url)
    sampled = the(await sample(probe, now), MetricSampled)
    expected = direct(prom.url, request_rate_query(), now)
    assert same(sampled.request_rate, expected)
    # as driven: 20 requests a tick against 4 (rate() over 5 minutes of a younger series
    # divides by the whole 5 minutes, so only the proportion is exact)
    rate = sampled.request_rate
    assert rate["checkout"] and rate["search"] and rate["checkout"] > 0
    assert rate["checkout"] / rate["search"] == pytest.approx(20 / 4, rel=0.05)
    assert sampled.request_rate["idle"] == 0.0
    assert same(sampled.values, direct(prom.url, ERROR_RATE_QUERY, now))  # none mixed in
    # a query of the config's own may not count requests so: no request rate, no column
    custom = PrometheusProbe("error_rate", prom.url, ERROR_RATE_QUERY.replace("5m", "1m"))
    assert the(await sample(custom, now), MetricSampled).request_rate == {}


async def test_latency_p95_equals_prometheus_and_the_histogram(prom: PromStack) -> None:
    now = settled()
    probe = PrometheusProbe("latency", prom.url)
    assert probe.source == "latency"
    sampled = the(await sample(probe, now), MetricSampled)
    assert same(sampled.values, direct(prom.url, LATENCY_P95_QUERY, now))
    for service, p95 in EXPECTED_P95_MS.items():
        assert sampled.values[service] == pytest.approx(p95, rel=1e-9)
    idle = sampled.values["idle"]
    assert idle is not None and math.isnan(idle)
    assert probe.baseline_query == LATENCY_BASELINE_QUERY  # the default, a day earlier


async def test_latency_baseline_comes_from_its_own_query(prom: PromStack) -> None:
    now = settled()
    probe = PrometheusProbe("latency", prom.url, baseline_query=f"{LATENCY_P95_QUERY} / 2")
    first, second = await twice(probe, now)
    assert the(first, MetricSampled).baseline == {}  # the values did not wait for it
    want = {s: p95 / 2 for s, p95 in EXPECTED_P95_MS.items()}  # idle's NaN is no baseline
    assert the(second, MetricSampled).baseline == pytest.approx(want, rel=1e-9)
    assert not [e for e in second if isinstance(e, MetricPartMissing)]
    day_ago = LATENCY_P95_QUERY.replace("[5m]", "[5m] offset 1d")
    _, second = await twice(PrometheusProbe("latency", prom.url, baseline_query=day_ago), now)
    assert the(second, MetricSampled).baseline == {}
    missing = the(second, MetricPartMissing)  # the pane says why every row says "no base"
    assert (missing.part, missing.reason) == ("baseline", NO_CUSTOM_BASELINE)


async def test_default_baseline_is_the_median_p95_a_day_earlier(prom: PromStack) -> None:
    """The default's shape, over a window this young server has: evaluated a day from now,
    it reads the p95 of the last 30 s, which the exporter holds constant."""
    now = settled()
    short = baseline_query(LATENCY_P95_QUERY, window="30s", resolution="1s")
    assert short.replace("30s:1s", "1h:5m") == LATENCY_BASELINE_QUERY
    probe = PrometheusProbe("latency", prom.url, baseline_query=short)
    first, second = await twice(probe, now + timedelta(days=1))
    assert the(first, MetricSampled).values == {}  # nothing is measured a day from now
    assert the(second, MetricSampled).baseline == pytest.approx(EXPECTED_P95_MS, rel=1e-9)
    # the default itself runs, and on a server younger than a day says why there is no base
    _, second = await twice(PrometheusProbe("latency", prom.url), now)
    missing = the(second, MetricPartMissing)
    assert (missing.part, missing.reason) == ("baseline", NO_BASELINE)
    assert the(second, MetricSampled).baseline == {}


async def test_instant_first_then_history_with_the_values_since(prom: PromStack) -> None:
    """The history is read beside the first sample and reaches the journal with the next:
    its 119 points at 2 s end 2 s before the first sample, whose value completes the series;
    after it, instant values only."""
    now = settled()
    probe = PrometheusProbe("error_rate", prom.url)
    samples: list[list[EventBase]] = []
    try:
        for i in range(3):
            samples.append(list(await probe.sample(now + timedelta(seconds=2 * i))))
            await probe.settled()
        later = await probe.sample(now + timedelta(seconds=6))
    finally:
        await probe.close()
    assert [type(e) for e in samples[0]] == [MetricSampled]  # the value, first
    assert [type(e) for e in samples[1]] == [MetricHistoryLoaded, MetricSampled]
    assert [type(e) for e in samples[2]] == [type(e) for e in later] == [MetricSampled]
    history, at = the(samples[1], MetricHistoryLoaded), 1
    start, end, points = history_range(now.timestamp(), 240, 2.0, 2)
    assert (end, points) == (int(now.timestamp() - 2), 119)
    resp = httpx.get(
        f"{prom.url}/api/v1/query_range",
        params={"query": ERROR_RATE_QUERY, "start": start, "end": end, "step": 2},
    )
    want: dict[str, tuple[float | None, ...]] = {}
    for r in resp.json()["data"]["result"]:
        row: list[float | None] = [None] * points
        for ts, value in r["values"]:
            row[round((ts - start) / 2)] = float(value)
        want[r["metric"]["service"]] = on_slots(row, start, 2, now.timestamp(), 2.0, 119)
    before = [the(events, MetricSampled).values for events in samples[:at]]
    assert same(
        history.series,
        {k: (*v, *(values[k] for values in before)) for k, v in want.items()},
    )
    assert all(len(v) == 119 + at for v in history.series.values())
    checkout = [v for v in history.series["checkout"] if v is not None]
    assert checkout and all(v == pytest.approx(5.0, rel=1e-9) for v in checkout)


async def test_empty_result_is_no_data(prom: PromStack) -> None:
    probe = PrometheusProbe(
        "error_rate", prom.url, query="sum by (service) (rate(nothing_total[5m]))"
    )
    first, second = await twice(probe, settled())
    assert the(first, MetricSampled).values == {}
    assert the(second, MetricHistoryLoaded).series == {}


def scheduler(probe: PrometheusProbe, events: list[EventBase]) -> ProbeScheduler:
    return ProbeScheduler([probe], FrozenClock(datetime(2026, 3, 14, tzinfo=UTC)), events.append)


async def failures(probe: PrometheusProbe, times: int = 3) -> list[ProbeFailed]:
    """Sample `times` through the scheduler; return the ProbeFailed events it emitted."""
    events: list[EventBase] = []
    sched = scheduler(probe, events)
    try:
        for _ in range(times):
            await sched.sample_once(probe)
    finally:
        await probe.close()
    assert all(isinstance(e, ProbeFailed) for e in events), events
    return [e for e in events if isinstance(e, ProbeFailed)]


async def test_bad_query_reports_bad_data(prom: PromStack) -> None:
    probe = PrometheusProbe(
        "error_rate", prom.url, query="sum by (service) (rate(http_requests_total[5m]"
    )
    (failed,) = await failures(probe)
    assert failed.source == "error_rate"
    assert failed.reason.startswith("Prometheus bad_data: ")
    assert "parse error" in failed.reason


async def test_dead_port_is_connection_refused() -> None:
    port = free_port()
    probe = PrometheusProbe("latency", f"http://scraper:pa55-w0rd-x@127.0.0.1:{port}")
    (failed,) = await failures(probe)  # once, not once per refresh
    assert failed.source == "latency"
    assert failed.reason == f"cannot reach Prometheus at 127.0.0.1:{port}: connection refused"


async def test_unknown_host_is_named() -> None:
    (failed,) = await failures(PrometheusProbe("latency", "http://prometheus.invalid:9090"), 1)
    assert failed.reason.startswith(
        "cannot reach Prometheus at prometheus.invalid:9090: cannot resolve"
    )


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (503, b"Service Unavailable", "HTTP 503 from Prometheus"),
        (502, b"<html>bad gateway</html>", "HTTP 502 from Prometheus"),
        (200, b'{"status": "success", "data": ', "malformed reply from Prometheus: not JSON"),
        (200, b'["not", "an", "object"]',
         "malformed reply from Prometheus: the reply is not a JSON object"),
        (200, VECTOR.replace(b"[]", b'[{"metric":{},"value":[1,"x"]}]'),
         "malformed reply from Prometheus: result[0].value[1] is not a number"),
        (401, b"", "auth denied (HTTP 401) from Prometheus: check its headers"),
        (403, b'{"status":"error"}', "auth denied (HTTP 403) from Prometheus: check its headers"),
        (422, b'{"status":"error","errorType":"execution","error":"slow\\u001b[31m\\nin eval"}',
         "Prometheus execution: slow in eval"),
    ],
)  # fmt: skip
async def test_broken_replies_are_one_line(status: int, body: bytes, reason: str) -> None:
    token = "Bearer tok-3f9c1d-very-secret"
    with FakeHttp(status, body) as fake:
        probe = PrometheusProbe("error_rate", fake.url, headers={"Authorization": token})
        (failed,) = await failures(probe)
    assert failed.reason == reason
    assert all(h.get("Authorization") == token for h in fake.seen_headers)  # it was sent
    assert "tok-3f9c1d" not in failed.reason


def vector(result: str) -> bytes:
    return b'{"status":"success","data":{"resultType":"vector","result":%s}}' % result.encode()


def matrix(result: str) -> bytes:
    return b'{"status":"success","data":{"resultType":"matrix","result":%s}}' % result.encode()


@pytest.mark.parametrize(
    ("instant", "history", "problem"),
    [
        (vector('[{"metric":"x","value":[1,"1"]}]'), None, "result[0].metric is not an object"),
        (vector('[{"metric":{},"value":{"a":1}}]'), None,
         "result[0].value is not a [time, value] pair"),
        (vector("[1, 2]"), None, "result[0] is not an object"),
        (vector('{"a": 1}'), None, "result is not a list"),
        (vector('[{"metric":{"service":5},"value":[1,"1"]}]'), None,
         "result[0].metric.service is not a string"),
        (vector('[{"metric":{},"value":[1]}]'), None, "result[0].value[1] is missing"),
        (vector('[{"metric":{},"value":[1,2.5]}]'), None,
         "result[0].value[1] is not a number in a string"),
        (vector('[{"value":[1,"2"]}]'), None, "result[0].metric is missing"),
        (b'{"status":"success"}', None, "data is missing"),
        (b'{"status":"ok","data":{}}', None, 'status is not "success"'),
        (b'{"status":"success","data":[1]}', None, "data is not an object"),
        (b'{"status":"success","data":{"result":[]}}', None, "resultType is missing"),
        (b'{"status":"success","data":{"resultType":"vector"}}', None, "result is missing"),
        (matrix("[]"), None, 'resultType is "matrix", not vector or scalar'),
        (b'{"status":"success","data":{"resultType":"string","result":[1,"x"]}}', None,
         'resultType is "string", not vector or scalar'),
    ],
)  # fmt: skip
async def test_a_reply_of_the_wrong_shape_says_what_is_wrong(
    instant: bytes, history: bytes | None, problem: str
) -> None:
    """200 with the wrong shape: the pane names the part, every sample the same (reported once)."""
    with FakeHttp(200, b"") as fake:
        fake.routes = {
            "/api/v1/query": instant,
            "/api/v1/query_range": history or matrix("[]"),
        }
        (failed,) = await failures(PrometheusProbe("error_rate", fake.url))
    assert failed.reason == f"malformed reply from Prometheus: {problem}"


@pytest.mark.parametrize(
    ("history", "problem"),
    [
        (VECTOR, 'resultType is "vector", not matrix'),
        (matrix('[{"metric":{},"values":"x"}]'), "result[0].values is not a list"),
        (matrix('[{"metric":{}}]'), "result[0].values is missing"),
        (matrix('[{"metric":{},"values":[[1,"1"],[2]]}]'), "result[0].values[1][1] is missing"),
        (matrix('[{"metric":{},"values":[[1,"a"]]}]'), "result[0].values[0][1] is not a number"),
        (matrix('[{"metric":{},"values":[{"t":1}]}]'),
         "result[0].values[0] is not a [time, value] pair"),
    ],
)  # fmt: skip
async def test_a_malformed_history_costs_only_the_history(history: bytes, problem: str) -> None:
    """The range query's reply of the wrong shape: the values are shown, the history is
    marked missing with what is wrong (once), and asked again later."""
    with FakeHttp(200, b"") as fake:
        fake.routes = {"/api/v1/query": vector('[{"metric":{"service":"a"},"value":[1,"3"]}]'),
                       "/api/v1/query_range": history}  # fmt: skip
        probe = PrometheusProbe("error_rate", fake.url)
        first, second = await twice(probe, datetime(2026, 3, 14, tzinfo=UTC))
    assert the(first, MetricSampled).values == the(second, MetricSampled).values == {"a": 3.0}
    missing = the(second, MetricPartMissing)
    assert missing.part == "history"
    assert missing.reason == f"malformed reply from Prometheus: {problem}"


async def test_an_error_reply_gives_its_text_inert_and_on_one_line() -> None:
    error = "parse error at char 4:\x1b]52;c;aGk=\x07 unexpected [link=file:///x]y[/link]\nhint"
    body = json.dumps({"status": "error", "errorType": "bad_data", "error": error}).encode()
    with FakeHttp(400, body) as fake:
        (failed,) = await failures(PrometheusProbe("latency", fake.url))
    assert failed.reason == (
        "Prometheus bad_data: parse error at char 4: unexpected [link=file:///x]y[/link] hint"
    )


async def test_hang_times_out_within_the_probe_timeout() -> None:
    with FakeHttp(hang=True) as fake:
        probe = PrometheusProbe("error_rate", fake.url, timeout=1.0)
        (failed,) = await failures(probe, 2)  # the same reason twice: reported once
    where = fake.url.removeprefix("http://")
    assert failed.reason == f"Prometheus at {where} did not answer within 1 s"


async def test_recovers_when_prometheus_answers_again() -> None:
    with FakeHttp(503, b"") as fake:
        probe = PrometheusProbe("error_rate", fake.url)
        events: list[EventBase] = []
        sched = scheduler(probe, events)
        await sched.sample_once(probe)
        await sched.sample_once(probe)
        await probe.settled()  # its history failed with the outage too
        fake.status = 200
        fake.routes = {
            "/api/v1/query": VECTOR,
            "/api/v1/query_range": VECTOR.replace(b"vector", b"matrix"),
        }
        await sched.sample_once(probe)
        await probe.settled()
        await sched.sample_once(probe)
        await probe.close()
    kinds = [type(e) for e in events]
    # the history asked for during the outage failed with it: asked again at once, never
    # reported missing; it arrives with the sample after the first good one
    assert kinds == [
        ProbeFailed, ProbeRecovered, MetricSampled, MetricHistoryLoaded, MetricSampled
    ]  # fmt: skip


async def test_check_reports_version_and_queries(prom: PromStack) -> None:
    check = partial(check_prometheus, now=WallClock().now())  # `warroom check`: the wall clock
    result = await check(prom.url, {"Authorization": "Bearer x"}, 5.0)
    assert result.ok and result.reachable
    assert result.version and result.version.startswith("2.")
    assert result.latency_ms is not None and result.latency_ms >= 0
    assert result.permissions == (
        f"query error_rate: runs, {len(SERVICES)} series",
        f"query latency: runs, {len(SERVICES)} series",
        f"query request_rate: runs, {len(SERVICES)} series",  # REQ/S, beside the error rate
        "query latency_baseline: runs, 0 series",  # a day earlier, this server was not up
    )
    # another grouping label: the queries group by it, and a label no series has is named
    by_job = await check(prom.url, None, 5.0, label="job")
    assert by_job.ok and by_job.permissions[0] == "query error_rate: runs, 1 series"
    unknown = await check(prom.url, None, 5.0, {"error_rate": ERROR_RATE_QUERY}, label="app")
    assert unknown.problems == (
        "query error_rate: its series have no 'app' label, so no row names a service: "
        "set [prometheus] label (app, job, service_name, ...)",
    )
    bad = await check(prom.url, None, 5.0, {"error_rate": "rate(x[5m]"})
    assert bad.reachable and not bad.ok
    (problem,) = bad.problems
    assert problem.startswith("query error_rate: Prometheus bad_data: ")
    dead = await check(f"http://127.0.0.1:{free_port()}", None, 2.0)
    assert not dead.reachable and "connection refused" in dead.problems[0]


async def test_probe_errors_are_prometheus_errors(prom: PromStack) -> None:
    probe = PrometheusProbe("error_rate", prom.url, query="vector(1")
    with pytest.raises(PrometheusError, match=r"^Prometheus bad_data: "):
        await sample(probe, settled())


async def test_the_grouping_label_names_the_rows(prom: PromStack) -> None:
    """label = "job": the guide's queries group by it, and its values name the rows, in the
    instant values and in the history alike."""
    probe = PrometheusProbe("error_rate", prom.url, label="job")
    assert "sum by (job)" in probe.query
    first, second = await twice(probe, settled())
    overall = 100.0 * 2 / 24  # 1 of 20 checkout requests and 1 of 4 search ones fail
    assert the(first, MetricSampled).values == {"app": pytest.approx(overall, rel=1e-9)}
    history = the(second, MetricHistoryLoaded).series
    assert set(history) == {"app"}
    assert any(v == pytest.approx(overall, rel=1e-9) for v in history["app"] if v is not None)


async def test_a_series_gone_from_prometheus_is_no_value_not_its_last_one() -> None:
    """A service scaled to 0 leaves the scrape and Prometheus marks its series stale: the
    reply no longer holds it. Seen live: the panes kept its last value, '0.0% ok' and
    '49 ms', minutes after Prometheus had nothing for it. The sample after it went says None
    for it (once: the console keeps that), and the series left are as they were."""
    traffic = {
        "staying": Traffic(ok=3, errors=1, latency_s=0.05),
        "leaving": Traffic(ok=1, errors=1, latency_s=0.05),
    }
    promql = (
        'sum by (service) (rate(http_requests_total{status=~"5.."}[3s])) '
        "/ sum by (service) (rate(http_requests_total[3s])) * 100"
    )
    with prom_stack(traffic, tick=0.2) as stack:
        url, exporter = stack.url, stack.exporter
        await eventually(lambda: asyncio.to_thread(seen, url, promql), lambda v: len(v) == 2)
        probe = PrometheusProbe("error_rate", url, query=promql)
        try:
            before = the(list(await probe.sample(datetime.now(UTC))), MetricSampled)
            with exporter.lock:
                del exporter.traffic["leaving"]
                for status in ("200", "500"):
                    exporter.requests.remove("leaving", status)
                exporter.duration.remove("leaving")
            await eventually(lambda: asyncio.to_thread(seen, url, promql), lambda v: len(v) == 1)
            after = the(list(await probe.sample(datetime.now(UTC))), MetricSampled)
            later = the(list(await probe.sample(datetime.now(UTC))), MetricSampled)
        finally:
            await probe.close()
    assert set(before.values) == {"staying", "leaving"}
    assert after.values["leaving"] is None
    assert after.values["staying"] is not None and math.isfinite(after.values["staying"])
    assert set(later.values) == {"staying"}  # said once; the console keeps the None


def seen(url: str, promql: str) -> dict[str, float]:
    """The series `promql` has now, as Prometheus answers it."""
    got = query(url, promql, datetime.now(UTC).timestamp())["result"]
    return {r["metric"]["service"]: float(r["value"][1]) for r in got}


# a Prometheus-compatible server's refusal of a query's form
BAD_DATA = json.dumps(
    {"status": "error", "errorType": "bad_data", "error": "unknown function"}
).encode()


class NoLabelReplace(FakeHttp):
    """A Prometheus-compatible server that refuses label_replace (400 bad_data) and answers
    any other instant query with one series."""

    def handle(self, handler) -> None:
        if "label_replace" in handler.path:
            self.status, self.body = 400, BAD_DATA
        else:
            self.status, self.body = 200, vector('[{"metric":{"service":"a"},"value":[1,"3"]}]')
        super().handle(handler)


async def test_a_server_refusing_the_request_rate_costs_only_the_column() -> None:
    with NoLabelReplace() as fake:
        probe = PrometheusProbe("error_rate", fake.url)
        first, second = await twice(probe, datetime(2026, 3, 14, tzinfo=UTC))
    for sampled in (the(first, MetricSampled), the(second, MetricSampled)):
        assert sampled.values == {"a": 3.0}
        assert sampled.request_rate == {}  # no source: the column is not drawn
    assert probe.instant_query == probe.query  # not asked with the rate again


async def test_a_failing_server_does_not_lose_the_request_rate() -> None:
    """A 503 is the pane's failure, said as such; the rate is asked for again after it."""
    with FakeHttp(503, b"") as fake:
        probe = PrometheusProbe("error_rate", fake.url)
        (failed,) = await failures(probe)
    assert failed.reason == "HTTP 503 from Prometheus"
    assert probe.instant_query != probe.query
