"""The Prometheus probe against a real Prometheus scraping a driven exporter, and broken HTTP."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from probes.prometheus.probe import (
    ERROR_RATE_QUERY,
    LATENCY_P95_QUERY,
    PrometheusError,
    PrometheusProbe,
    check_prometheus,
)
from probes.scheduler import ProbeScheduler
from state.clock import FrozenClock
from state.events import EventBase, MetricHistoryLoaded, MetricSampled, ProbeFailed, ProbeRecovered
from tests.servers.fake_http import FakeHttp
from tests.servers.postgres import free_port
from tests.servers.prometheus import EXPECTED_P95_MS, TRAFFIC, query, wait_for_data

if TYPE_CHECKING:
    from tests.servers.fixtures import PromStack

pytestmark = pytest.mark.integration

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


async def test_error_rate_equals_prometheus_and_the_driven_ratio(prom: PromStack) -> None:
    now = settled()
    history, sampled = await sample(PrometheusProbe("error_rate", prom.url), now)
    assert isinstance(history, MetricHistoryLoaded) and isinstance(sampled, MetricSampled)
    assert sampled.metric == "error_rate" and sampled.at == now
    assert same(sampled.values, direct(prom.url, ERROR_RATE_QUERY, now))
    assert sampled.values["checkout"] == pytest.approx(TRAFFIC["checkout"].error_rate, rel=1e-9)
    assert sampled.values["search"] == pytest.approx(TRAFFIC["search"].error_rate, rel=1e-9)
    idle = sampled.values["idle"]
    assert idle is not None and math.isnan(idle)  # 0/0 stays NaN, never 0
    assert "ghost" not in sampled.values  # no series at all: absent
    assert sampled.baseline == {}
    assert json.loads(sampled.model_dump_json())["values"]["idle"] == "NaN"


async def test_latency_p95_equals_prometheus_and_the_histogram(prom: PromStack) -> None:
    now = settled()
    probe = PrometheusProbe("latency", prom.url)
    assert probe.source == "latency"
    _, sampled = await sample(probe, now)
    assert isinstance(sampled, MetricSampled)
    assert same(sampled.values, direct(prom.url, LATENCY_P95_QUERY, now))
    for service, p95 in EXPECTED_P95_MS.items():
        assert sampled.values[service] == pytest.approx(p95, rel=1e-9)
    idle = sampled.values["idle"]
    assert idle is not None and math.isnan(idle)
    assert sampled.baseline == {}  # no baseline query: the panes show "no base"


async def test_latency_baseline_comes_from_its_own_query(prom: PromStack) -> None:
    now = settled()
    probe = PrometheusProbe("latency", prom.url, baseline_query=f"{LATENCY_P95_QUERY} / 2")
    history, sampled = await sample(probe, now)
    assert isinstance(history, MetricHistoryLoaded) and isinstance(sampled, MetricSampled)
    want = {s: p95 / 2 for s, p95 in EXPECTED_P95_MS.items()}  # idle's NaN is no baseline
    assert sampled.baseline == pytest.approx(want, rel=1e-9)
    assert history.baseline == sampled.baseline
    day_ago = LATENCY_P95_QUERY.replace("[5m]", "[5m] offset 1d")
    _, sampled = await sample(PrometheusProbe("latency", prom.url, baseline_query=day_ago), now)
    assert isinstance(sampled, MetricSampled) and sampled.baseline == {}


async def test_history_first_then_instant_only(prom: PromStack) -> None:
    now = settled()
    probe = PrometheusProbe("error_rate", prom.url)
    try:
        first = await probe.sample(now)
        second = await probe.sample(now + timedelta(seconds=2))
    finally:
        await probe.close()
    history = first[0]
    assert isinstance(history, MetricHistoryLoaded)
    assert [type(e) for e in second] == [MetricSampled]
    # 119 points at 2 s ending 2 s before `now`: with the instant value, the panes' 120
    end = now.timestamp() - 2
    start = end - 118 * 2
    resp = httpx.get(
        f"{prom.url}/api/v1/query_range",
        params={
            "query": ERROR_RATE_QUERY,
            "start": f"{start:.3f}",
            "end": f"{end:.3f}",
            "step": "2",
        },
    )
    want: dict[str, list[float | None]] = {}
    for r in resp.json()["data"]["result"]:
        row = want.setdefault(r["metric"]["service"], [None] * 119)
        for ts, value in r["values"]:
            row[round((ts - start) / 2)] = float(value)
    assert same(history.series, {k: tuple(v) for k, v in want.items()})
    assert all(len(v) == 119 for v in history.series.values())
    checkout = [v for v in history.series["checkout"] if v is not None]
    assert checkout and all(v == pytest.approx(5.0, rel=1e-9) for v in checkout)


async def test_empty_result_is_no_data(prom: PromStack) -> None:
    probe = PrometheusProbe(
        "error_rate", prom.url, query="sum by (service) (rate(nothing_total[5m]))"
    )
    history, sampled = await sample(probe, settled())
    assert isinstance(history, MetricHistoryLoaded) and history.series == {}
    assert isinstance(sampled, MetricSampled) and sampled.values == {}


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
        (VECTOR, VECTOR, 'resultType is "vector", not matrix'),
        (VECTOR, matrix('[{"metric":{},"values":"x"}]'), "result[0].values is not a list"),
        (VECTOR, matrix('[{"metric":{}}]'), "result[0].values is missing"),
        (VECTOR, matrix('[{"metric":{},"values":[[1,"1"],[2]]}]'),
         "result[0].values[1][1] is missing"),
        (VECTOR, matrix('[{"metric":{},"values":[[1,"a"]]}]'),
         "result[0].values[0][1] is not a number"),
        (VECTOR, matrix('[{"metric":{},"values":[{"t":1}]}]'),
         "result[0].values[0] is not a [time, value] pair"),
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
        fake.status = 200
        fake.routes = {
            "/api/v1/query": VECTOR,
            "/api/v1/query_range": VECTOR.replace(b"vector", b"matrix"),
        }
        await sched.sample_once(probe)
        await probe.close()
    kinds = [type(e) for e in events]
    assert kinds == [ProbeFailed, ProbeRecovered, MetricHistoryLoaded, MetricSampled]


async def test_check_reports_version_and_queries(prom: PromStack) -> None:
    result = await check_prometheus(prom.url, {"Authorization": "Bearer x"}, 5.0)
    assert result.ok and result.reachable
    assert result.version and result.version.startswith("2.")
    assert result.latency_ms is not None and result.latency_ms >= 0
    assert result.permissions == (
        f"query error_rate: runs, {len(SERVICES)} series",
        f"query latency: runs, {len(SERVICES)} series",
    )
    bad = await check_prometheus(prom.url, None, 5.0, {"error_rate": "rate(x[5m]"})
    assert bad.reachable and not bad.ok
    (problem,) = bad.problems
    assert problem.startswith("query error_rate: Prometheus bad_data: ")
    dead = await check_prometheus(f"http://127.0.0.1:{free_port()}", None, 2.0)
    assert not dead.reachable and "connection refused" in dead.problems[0]


async def test_probe_errors_are_prometheus_errors(prom: PromStack) -> None:
    probe = PrometheusProbe("error_rate", prom.url, query="vector(1")
    with pytest.raises(PrometheusError, match=r"^Prometheus bad_data: "):
        await sample(probe, settled())
