"""The guide's resolution criteria: >= 3 healthy services, error rate < 2 %, p95 < 3000 ms."""

from __future__ import annotations

import math

from state.console import ConsoleState
from state.events import HealthResult, HealthSampled, MetricSampled, ProbeFailed
from state.guide.resolution import verify
from tests.unit.helpers import T0, fold_all

NAMES = ("a-svc", "b-svc", "c-svc", "d-svc")


def world(errors=(0.5, 0.5, 0.5, 0.5), p95=(100.0, 100.0, 100.0, 100.0), up=(True,) * 4, extra=()):
    events = [
        HealthSampled(
            at=T0,
            results=tuple(HealthResult(service=n, up=u) for n, u in zip(NAMES, up, strict=True)),
        ),
        MetricSampled(at=T0, metric="error_rate", values=dict(zip(NAMES, errors, strict=True))),
        MetricSampled(at=T0, metric="latency", values=dict(zip(NAMES, p95, strict=True))),
        *extra,
    ]
    return fold_all(ConsoleState(), events)


def test_all_good_passes_and_says_how_good():
    verdict = verify(world())
    assert verdict.ok
    assert verdict.reasons == ("4 healthy services", "error rate <= 0.5%", "p95 <= 100 ms")


def test_an_error_rate_of_two_percent_is_not_yet_resolved():
    verdict = verify(world(errors=(0.5, 2.0, 0.5, 0.5)))
    assert not verdict.ok
    assert verdict.reasons == ("b-svc error rate 2.0% (need < 2%)",)


def test_p95_at_3000_ms_fails():
    assert not verify(world(p95=(100.0, 100.0, 3000.0, 100.0))).ok
    assert verify(world(p95=(100.0, 100.0, 2999.0, 100.0))).ok


def test_two_services_down_leaves_too_few_healthy():
    verdict = verify(world(up=(True, False, False, True)))
    assert "2 healthy services (need 3)" in verdict.reasons


def test_unknown_values_never_count_as_good():
    verdict = verify(world(errors=(0.5, math.nan, 0.5, 0.5)))
    assert "b-svc error rate unknown" in verdict.reasons


def test_a_failing_metrics_probe_blocks_resolution():
    failed = ProbeFailed(at=T0, source="error_rate", reason="connection refused")
    verdict = verify(world(extra=(failed,)))
    assert not verdict.ok and "error_rate probe failing: connection refused" in verdict.reasons
