"""The HTTP health probe against loopback servers that answer, fail, hang and reset."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

import pytest

from probes.health import CONCURRENCY, HealthProbe, check_health
from probes.scheduler import ProbeScheduler
from state.clock import FrozenClock
from state.events import HealthResult, HealthSampled
from tests.integration.http_health import (
    DOWN,
    DRIP,
    ENDLESS,
    HANG,
    RESET,
    SLOW,
    closed_port,
    health_server,
    unanswered_port,
)

pytestmark = pytest.mark.integration
NOW = datetime(2026, 3, 2, 14, 1, tzinfo=UTC)
TIMEOUT = 0.5


async def results(probe: HealthProbe) -> dict[str, HealthResult]:
    (sampled,) = await probe.sample(NOW)
    assert isinstance(sampled, HealthSampled) and sampled.at == NOW
    return {r.service: r for r in sampled.results}


async def test_each_answer_becomes_one_result():
    behaviour = {"broken": DOWN, "stuck": HANG, "flaky": RESET}
    async with health_server(behaviour) as server:
        services = ["analysis-service", "broken", "stuck", "flaky"]
        probe = HealthProbe(services, server.template(), timeout=TIMEOUT)
        try:
            found = await results(probe)
        finally:
            await probe.close()
    assert list(found) == services
    ok = found["analysis-service"]
    assert (ok.up, ok.status_code, ok.error) == (True, 200, None)
    assert ok.latency_ms is not None and 0 <= ok.latency_ms < TIMEOUT * 1000
    broken = found["broken"]
    assert (broken.up, broken.status_code, broken.error) == (False, 503, "HTTP 503")
    assert broken.latency_ms is not None
    assert found["stuck"] == HealthResult(service="stuck", up=False, error="timed out after 0.5 s")
    assert found["flaky"] == HealthResult(service="flaky", up=False, error="connection reset")


async def test_a_hanging_endpoint_delays_no_other_beyond_its_timeout():
    async with health_server({"stuck": HANG}) as server:
        probe = HealthProbe(["stuck", "a", "b", "c"], server.template(), timeout=TIMEOUT)
        try:
            found = await results(probe)
        finally:
            await probe.close()
    # the hanging one ends in its own timeout, down (it answered the connection), and each
    # other service has its own answer, measured well within that timeout: one sample
    # carries every service's own result (what a wall clock would say under load, the
    # benchmarks measure)
    assert not found["stuck"].up and not found["stuck"].unknown
    assert "timed out" in (found["stuck"].error or "")
    assert [found[s].up for s in "abc"] == [True, True, True]
    assert all(found[s].latency_ms < TIMEOUT * 1000 for s in "abc")  # type: ignore[operator]
    assert probe.timeout > probe.request_timeout  # the scheduler never cuts a request short


async def test_a_body_that_drips_ends_at_the_checks_timeout_and_its_connection_is_let_go():
    """A 200 whose body comes a byte every 50 ms never trips a read timeout: the check is down
    at its own timeout, and the worker thread that read it stops at that deadline and closes
    the connection, rather than reading on for good and holding one of the CONCURRENCY slots."""
    import asyncio
    import time

    async with health_server({"dripping": DRIP}) as server:
        probe = HealthProbe(["dripping", "a"], server.template(), timeout=TIMEOUT)
        try:
            found = await results(probe)
            deadline = time.monotonic() + 5 * TIMEOUT
            while server.dripping and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            let_go = server.dripping == 0
            again = await results(probe)  # its slot is free: the next sample checks it again
        finally:
            await probe.close()
    assert found["dripping"] == HealthResult(
        service="dripping", up=False, error=f"timed out after {TIMEOUT:g} s"
    )
    assert found["a"].up
    assert let_go, "the check's thread read on past its deadline"
    assert again["dripping"].error == f"timed out after {TIMEOUT:g} s"


async def test_at_300_services_hung_ones_cost_only_their_own_results():
    hung = {f"svc-{i:03}": HANG for i in range(0, 300, 30)}
    services = [f"svc-{i:03}" for i in range(300)]
    emitted: list = []
    async with health_server(hung) as server:
        # a timeout that 290 answering services meet on a loaded machine
        probe = HealthProbe(services, server.template(), timeout=3.0)
        scheduler = ProbeScheduler([probe], FrozenClock(NOW), emitted.append)
        try:
            await scheduler.sample_once(probe)
        finally:
            await scheduler.stop()
    (sampled,) = emitted  # one sample, not a probe failure
    assert isinstance(sampled, HealthSampled)
    found = {r.service: r for r in sampled.results}
    assert list(found) == services  # every service's own result, in the configured order
    assert {s for s, r in found.items() if not r.up} == set(hung)
    assert {found[s].error for s in hung} == {"timed out after 3 s"}


async def test_no_more_than_concurrency_checks_are_in_flight_at_once():
    services = [f"svc-{i:03}" for i in range(100)]
    async with health_server(dict.fromkeys(services, SLOW)) as server:
        probe = HealthProbe(services, server.template(), timeout=5.0)
        try:
            found = await results(probe)
        finally:
            await probe.close()
        assert server.most_in_flight == CONCURRENCY  # 4 clients x POOL
    assert all(r.up for r in found.values())


async def test_past_twenty_services_each_refresh_checks_the_next_twenty_after_a_first_full_round():
    services = [f"svc-{i:03}" for i in range(50)]
    async with health_server() as server:
        probe = HealthProbe(services, server.template(), timeout=5.0, interval=2)
        try:
            rounds = [[r.service for r in (await probe.sample(NOW))[0].results] for _ in range(4)]
        finally:
            await probe.close()
        assert len(server.requests) == 50 + 3 * 20  # 10 checks a second after the first round
    assert rounds[0] == services  # the first sample fills the whole pane
    assert rounds[1:] == [services[:20], services[20:40], services[40:] + services[:10]]


async def test_a_failing_service_is_checked_again_at_every_refresh_until_it_answers():
    services = [f"svc-{i:03}" for i in range(100)]
    async with health_server({"svc-090": DOWN}) as server:
        probe = HealthProbe(services, server.template(), timeout=5.0, interval=2)
        try:
            rounds = [await results(probe) for _ in range(3)]
            server.behaviour.pop("svc-090")  # it answers again
            recovered = await results(probe)
            after = await results(probe)
        finally:
            await probe.close()
    assert not rounds[0]["svc-090"].up  # found failing in the first full round
    for found in rounds[1:]:  # then checked at every refresh besides the twenty in turn
        assert len(found) == 21 and not found["svc-090"].up
    assert recovered["svc-090"].up  # its recovery seen at the next refresh
    assert "svc-090" not in after and len(after) == 20  # and it goes back to its turn


async def test_up_to_twenty_services_every_refresh_checks_every_one():
    services = [f"svc-{i:02}" for i in range(20)]
    async with health_server() as server:
        probe = HealthProbe(services, server.template(), timeout=5.0, interval=2)
        try:
            for _ in range(3):
                (sampled,) = await probe.sample(NOW)
                assert [r.service for r in sampled.results] == services
        finally:
            await probe.close()


async def test_refused_and_unresolvable():
    refused = HealthProbe(["api"], f"http://127.0.0.1:{closed_port()}/{{service}}", timeout=TIMEOUT)
    unknown = HealthProbe(["api"], "http://{service}.no-such-host.invalid:8000/health", timeout=2)
    try:
        assert (await results(refused))["api"].error == "connection refused"
        assert (await results(unknown))["api"].error == "DNS lookup failed"
    finally:
        await refused.close()
        await unknown.close()


async def test_the_clients_are_made_once_reused_across_samples_and_closed(monkeypatch):
    import httpx

    made: list[httpx.Client] = []

    class Counted(httpx.Client):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            made.append(self)

    monkeypatch.setattr(httpx, "Client", Counted)
    async with health_server() as server:
        probe = HealthProbe(["a", "b", "c"], server.template(), timeout=TIMEOUT)
        await probe.sample(NOW)  # three first requests at once make the clients, once
        await probe.sample(NOW)
        assert len(made) == 3  # one each for three services: no more clients than services
        assert probe._clients == made
        await probe.close()
        assert all(c.is_closed for c in made) and probe._clients == []
    assert len(server.requests) == 6


async def test_checks_leave_nothing_for_the_cyclic_garbage_collector():
    """httpx binds each response and its stream to each other; a check lets go of them, so
    what it made is freed as it ends, not piled up for a full collection, which pauses the
    console's UI loop (at large, ~8,500 objects a minute of the health checks' alone)."""
    async with health_server({"broken": DOWN}) as server:
        probe = HealthProbe(["a", "b", "broken"], server.template(), timeout=TIMEOUT)
        enabled = gc.isenabled()
        try:
            await probe.sample(NOW)  # the clients and their connections, made once
            gc.collect()
            gc.disable()
            for _ in range(3):
                found = await results(probe)
            left = gc.collect()
        finally:
            if enabled:
                gc.enable()
            await probe.close()
    assert [r.up for r in found.values()] == [True, True, False]
    assert left == 0  # unreachable objects in cycles


async def test_checks_that_time_out_leave_nothing_for_the_cyclic_garbage_collector():
    """A service that hangs once connected, and one whose connection never opens: each check
    ends in its timeout, every refresh, for as long as the hang lasts. Through httpx's async
    path each left anyio's CancelledError in a cycle with its frame (~34 objects a check,
    freed only by a full collection, a pause of the UI loop); in a worker thread none."""
    import asyncio

    with unanswered_port() as port:
        async with health_server({"stuck": HANG}) as server:
            hanging = HealthProbe(["stuck", "a"], server.template(), timeout=TIMEOUT)
            unanswered = HealthProbe(["x"], f"http://127.0.0.1:{port}/{{service}}", TIMEOUT)
            enabled = gc.isenabled()
            try:
                await hanging.sample(NOW)
                await unanswered.sample(NOW)
                gc.collect()
                gc.disable()
                for _ in range(3):
                    found = await results(hanging)
                    far = (await results(unanswered))["x"]
                await asyncio.sleep(TIMEOUT)  # the threads past their checks' timeouts end
                left = gc.collect()
            finally:
                if enabled:
                    gc.enable()
                await hanging.close()
                await unanswered.close()
    assert found["stuck"].error == f"timed out after {TIMEOUT:g} s" and found["a"].up
    assert far.unknown and far.error == f"no connection within {TIMEOUT:g} s"
    assert left == 0  # unreachable objects in cycles


async def test_a_down_endpoint_is_a_result_not_a_probe_failure():
    emitted: list = []
    async with health_server({"api": DOWN}) as server:
        probe = HealthProbe(["api"], server.template(), timeout=TIMEOUT)
        scheduler = ProbeScheduler([probe], FrozenClock(NOW), emitted.append)
        await scheduler.sample_once(probe)
        await scheduler.stop()
    assert [type(e).__name__ for e in emitted] == ["HealthSampled"]


async def test_check_health_reports_each_down_service():
    async with health_server({"broken": DOWN}) as server:
        good = await check_health(["api", "web"], server.template(), timeout=TIMEOUT)
        bad = await check_health(["api", "broken"], server.template(), timeout=TIMEOUT)
    assert good.ok and good.reachable and good.latency_ms is not None
    assert good.target.endswith("/{service}/health (2 of 2 up)")
    assert not bad.ok and bad.reachable
    assert bad.problems == ("broken: HTTP 503",)
    nobody = await check_health(["api"], f"http://127.0.0.1:{closed_port()}/{{service}}", TIMEOUT)
    assert not nobody.reachable and nobody.problems == ("api: connection refused",)


# Status lines with a control character: some h11 refuses (NUL, CR, LF), most it lets through.
GARBLED = {
    b"HTTP/1.1 200 O\x1b[2JK": r"HTTP/1.1 200 O\x1b[2JK",
    b"HTTP/1.1 200 OK\x07": r"HTTP/1.1 200 OK\x07",
    b"HTTP/1.1 200 \x7fOK": r"HTTP/1.1 200 \x7fOK",
    b"HTTP/1.1 200 O\x00K": r"HTTP/1.1 200 O\x00K",
    b"HTTP/1.1 200 O\rK": r"HTTP/1.1 200 O\rK",
    b"HTTP/1.1 200 \x1b]0;owned\x07": r"HTTP/1.1 200 \x1b]0;owned\x07",
}


@pytest.mark.parametrize(("line", "shown"), GARBLED.items(), ids=range(len(GARBLED)))
async def test_a_status_line_with_controls_is_an_invalid_reply_every_time(line, shown):
    async with health_server({"api": (line,)}) as server:
        probe = HealthProbe(["api"], server.template(), timeout=TIMEOUT)
        try:
            found = [(await results(probe))["api"] for _ in range(4)]
        finally:
            await probe.close()
    assert len(server.requests) == 4  # each cycle asked again, over whatever connection is left
    assert {(r.up, r.status_code, r.error) for r in found} == {
        (False, None, f"invalid HTTP reply: status line {shown}")
    }


async def test_garbled_status_lines_fail_steadily_and_reach_the_timeline_once():
    """A server whose every reply holds some control character never flaps back to OK."""
    from state.console import ConsoleState
    from state.fold import fold

    state = ConsoleState()
    async with health_server() as server:
        probe = HealthProbe(["api", "web"], server.template(), timeout=TIMEOUT)
        try:
            (sampled,) = await probe.sample(NOW)  # up first
            state = fold(state, sampled)
            server.behaviour["api"] = tuple(GARBLED)  # then a different garble each request
            for cycle in range(2 * len(GARBLED)):
                (sampled,) = await probe.sample(NOW)
                api = {r.service: r for r in sampled.results}["api"]
                assert not api.up, cycle
                assert api.error.startswith("invalid HTTP reply: status line "), cycle
                state = fold(state, sampled)
        finally:
            await probe.close()
    said = [e.text for e in state.timeline if "/health" in e.text]
    [failing] = said
    assert failing.startswith("api /health failing: invalid HTTP reply: status line HTTP/1.1 200")
    assert not state.health["api"].up and state.health["web"].up


# ---- down, or unknown from this console ----------------------------------------------------


async def one(template: str, timeout: float = TIMEOUT) -> HealthResult:
    probe = HealthProbe(["api"], template, timeout=timeout)
    try:
        return (await results(probe))["api"]
    finally:
        await probe.close()


async def test_refused_reset_hung_and_5xx_replies_are_down():
    async with health_server({"broken": DOWN, "flaky": RESET, "stuck": HANG}) as server:
        base = f"http://127.0.0.1:{server.port}"
        answered = {
            name: await one(f"{base}/{name}/health") for name in ("broken", "flaky", "stuck")
        }
    answered["refused"] = await one(f"http://127.0.0.1:{closed_port()}/{{service}}")
    for name, result in answered.items():
        assert (result.up, result.unknown) == (False, False), name
    assert answered["broken"].error == "HTTP 503"
    assert answered["refused"].error == "connection refused"


async def test_a_name_that_does_not_resolve_is_unknown_not_down():
    result = await one("http://{service}.no-such-host.invalid:8000/health", timeout=2)
    assert (result.up, result.unknown, result.error) == (False, True, "DNS lookup failed")


async def test_a_connection_that_never_opens_is_unknown_not_down():
    with unanswered_port() as port:
        result = await one(f"http://127.0.0.1:{port}/{{service}}/health")
    assert (result.up, result.unknown) == (False, True)
    assert result.error == f"no connection within {TIMEOUT:g} s"  # its own timeout ended it


async def test_a_console_that_cannot_see_suggests_no_outage():
    """Live with no cluster and health names that do not resolve: four services unknown,
    none down, no P1; one 503 among them is down, and says so."""
    from state.console import ConsoleState
    from state.fold import fold
    from state.guide.severity import Severity
    from state.guide.signals import describe_service, service_down, suggestion

    services = ["analysis-service", "file-watcher", "tracklist-service", "notification-service"]
    blind = HealthProbe(services, "http://{service}.tracktion.invalid:8000/health", timeout=2)
    try:
        (sampled,) = await blind.sample(NOW)
    finally:
        await blind.close()
    state = fold(ConsoleState(), sampled)
    assert not any(service_down(state, s) for s in services)
    hint = suggestion(state)
    assert hint.severity is Severity.P3 and not hint.alerting
    assert hint.summary.endswith(f"{', '.join(services)} (DNS lookup failed, from this console)")
    assert describe_service(state, "file-watcher") == (
        "/health unknown from this console (DNS lookup failed)"
    )
    said = [e.text for e in state.timeline]
    assert said == []  # a first sample is no change

    async with health_server({"file-watcher": DOWN}) as server:
        seeing = HealthProbe(services, server.template(), timeout=TIMEOUT)
        try:
            (answered,) = await seeing.sample(NOW)
        finally:
            await seeing.close()
    state = fold(state, answered)
    assert [s for s in services if service_down(state, s)] == ["file-watcher"]
    assert suggestion(state).severity is Severity.P2  # one service down
    assert "file-watcher /health failing: HTTP 503" in [e.text for e in state.timeline]


# ---- what a reply's body costs --------------------------------------------------------------


@pytest.mark.parametrize("proxied", [False, True], ids=["direct", "through a proxy"])
async def test_a_body_that_never_ends_is_read_no_further_than_the_kubelets_limit(
    environment: pytest.MonkeyPatch, proxied: bool
) -> None:
    """A health URL that streams (an event stream, a download) answers 200 at once: the check
    reads 10 KiB of its body, as the kubelet's probe does, and lets go. It used to read
    whatever arrived within the timeout into memory, every refresh: on loopback hundreds of
    MB a check, the console's RSS past 780 MB in 20 s. Through a proxy (HTTP_PROXY naming the
    same server, which answers the proxied request line too) the client's path does the same."""
    import tracemalloc

    async with health_server({"api": ENDLESS, "http:": ENDLESS}) as server:
        if proxied:
            environment.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.port}")
        tracemalloc.start()
        try:
            result = await one(server.template(), timeout=2.0)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert (result.up, result.status_code, result.error) == (True, 200, None)
    assert result.latency_ms is not None and result.latency_ms < 2000
    assert peak < 4 * 1024 * 1024, f"held {peak:,} bytes of a body nobody reads"
