"""The guide's rules: severity from signals, response/resolution targets, cadence, ids."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from state.console import ConsoleState
from state.events import DatabaseSampled, HealthResult, ProbeFailed, SessionStarted
from state.fold import fold
from state.guide.policy import (
    Signals,
    band,
    incident_id,
    next_update_due,
    resolution_due,
    response_due,
    suggest_severity,
)
from state.guide.severity import Severity
from state.guide.signals import service_down, signals, suggestion, worst_pod
from tests.unit.helpers import (
    T0,
    at,
    deployment,
    deployments,
    error_rate,
    fold_all,
    health,
    latency,
    pod,
)

P1, P2, P3, P4 = Severity.P1, Severity.P2, Severity.P3, Severity.P4


# ---- severity suggestion ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("down", "expected"),
    [
        ((), P3),
        (("analysis-service",), P2),
        (("analysis-service", "file-watcher"), P2),
        (("analysis-service", "file-watcher", "tracklist-service"), P1),
        (("a", "b", "c", "d"), P1),
    ],
)
def test_services_down_count_sets_the_severity(down, expected):
    assert suggest_severity(Signals(services_down=down)).severity is expected


def test_services_down_reason_names_them():
    one = suggest_severity(Signals(services_down=("analysis-service",)))
    assert one.reasons == ("1 service down (analysis-service)",)
    three = suggest_severity(Signals(services_down=("a", "b", "c")))
    assert three.reasons == ("3 services down (a, b, c)",)


def test_nothing_wrong_is_p3_with_a_reason():
    quiet = suggest_severity(Signals(error_rates=(("a", 0.4),), latency_ratios=(("a", 1.1),)))
    assert quiet.severity is P3
    assert quiet.reason  # the suggestion always says why
    assert not quiet.alerting


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        (0.0, P3),
        (4.99, P3),
        (5.0, P3),  # "> 5%": exactly 5 is not above
        (5.01, P2),
        (19.99, P2),
        (20.0, P2),  # "> 20%": exactly 20 is not above
        (20.01, P1),
        (100.0, P1),
    ],
)
def test_error_rate_thresholds(rate, expected):
    assert suggest_severity(Signals(error_rates=(("api", rate),))).severity is expected


def test_error_rate_reason_names_the_service_and_value():
    s = suggest_severity(Signals(error_rates=(("tracklist-service", 34.21),)))
    assert s.reasons == ("tracklist-service error rate 34.2% > 20%",)
    s = suggest_severity(Signals(error_rates=(("tracklist-service", 7.0),)))
    assert s.reasons == ("tracklist-service error rate 7.0% > 5%",)


@pytest.mark.parametrize(
    ("ratio", "expected"), [(1.0, P3), (2.99, P3), (3.0, P3), (3.01, P2), (50.0, P2)]
)
def test_latency_over_three_times_baseline_is_p2_never_p1(ratio, expected):
    assert suggest_severity(Signals(latency_ratios=(("api", ratio),))).severity is expected


def test_latency_reason():
    s = suggest_severity(Signals(latency_ratios=(("analysis-service", 4.04),)))
    assert s.reasons == ("analysis-service p95 4.0x baseline",)


def test_database_unreachable_is_p1():
    s = suggest_severity(Signals(database_unreachable=True))
    assert s.severity is P1
    assert s.reasons == ("database unreachable",)


BLIND = "database: cannot see 37 sessions of other roles: grant pg_monitor"


def test_a_signal_that_cannot_be_seen_is_unknown_never_all_clear():
    s = suggest_severity(Signals(unknown=(BLIND,)))
    assert not s.alerting and not s.all_clear
    assert s.unknown == (BLIND,)
    assert s.reasons == (
        "no threshold crossed in what is watched; unknown: database (cannot see 37 sessions"
        " of other roles: grant pg_monitor)",
    )
    assert suggest_severity(Signals()).all_clear
    # what is seen still decides the severity: unknown neither raises nor hides it
    s = suggest_severity(Signals(services_down=("api",), unknown=(BLIND,)))
    assert s.severity is Severity.P2 and s.unknown == (BLIND,)


def test_a_blind_monitor_role_makes_the_database_unknown():
    at = datetime(2026, 3, 14, tzinfo=UTC)
    blind = DatabaseSampled(at=at, connections={}, max_connections=100, hidden_sessions=37)
    assert signals(fold(ConsoleState(), blind)).unknown == (BLIND,)
    seen = blind.model_copy(update={"hidden_sessions": 0})
    assert signals(fold(ConsoleState(), seen)).unknown == ()
    # unreachable is what it is then, not unknown: the guide's P1 rule reads it
    down = fold(fold(ConsoleState(), blind), ProbeFailed(at=at, source="postgres", reason="x"))
    assert signals(down).unknown == () and signals(down).database_unreachable


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_values_never_trigger(bad):
    s = suggest_severity(Signals(error_rates=(("a", bad),), latency_ratios=(("a", bad),)))
    assert s.severity is P3


def test_most_severe_rule_wins_and_gives_all_its_reasons_only():
    s = suggest_severity(
        Signals(
            services_down=("notification-service",),  # P2
            error_rates=(("a", 25.0), ("b", 7.0), ("c", 30.0)),  # P1, P2, P1
            latency_ratios=(("a", 5.0),),  # P2
            database_unreachable=True,  # P1
        )
    )
    assert s.severity is P1
    assert set(s.reasons) == {
        "database unreachable",
        "a error rate 25.0% > 20%",
        "c error rate 30.0% > 20%",
    }
    assert s.reason == "; ".join(s.reasons)
    assert s.alerting


def test_several_p2_reasons_are_all_given():
    s = suggest_severity(
        Signals(services_down=("x",), error_rates=(("a", 6.0),), latency_ratios=(("b", 3.5),))
    )
    assert s.severity is P2
    assert len(s.reasons) == 3


# ---- targets and cadence ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "response", "resolution"),
    [
        (P1, timedelta(minutes=5), timedelta(hours=1)),
        (P2, timedelta(minutes=15), timedelta(hours=4)),
        (P3, timedelta(hours=1), timedelta(hours=24)),
    ],
)
def test_response_and_resolution_targets(severity, response, resolution):
    assert response_due(severity, T0) == T0 + response
    assert resolution_due(severity, T0) == T0 + resolution


def test_p4_response_is_next_business_day_and_resolution_a_week():
    friday = T0
    assert friday.weekday() == 4
    assert response_due(P4, friday) == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)  # Monday
    thursday = friday - timedelta(days=1)
    assert response_due(P4, thursday) == friday
    saturday = friday + timedelta(days=1)
    assert response_due(P4, saturday) == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    sunday = friday + timedelta(days=2)
    assert response_due(P4, sunday) == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    assert resolution_due(P4, friday) == friday + timedelta(weeks=1)


@pytest.mark.parametrize(
    ("severity", "cadence"),
    [(P1, timedelta(minutes=15)), (P2, timedelta(minutes=30)), (P3, timedelta(minutes=30))],
)
def test_update_cadence_counts_from_the_last_delivered_update(severity, cadence):
    assert next_update_due(severity, T0, None) == T0 + cadence
    last = T0 + timedelta(minutes=7)
    assert next_update_due(severity, T0, last) == last + cadence


def test_p4_needs_no_update_cadence():
    assert next_update_due(P4, T0, None) is None
    assert next_update_due(P4, T0, T0 + timedelta(hours=1)) is None


# ---- incident id -----------------------------------------------------------------------------


def test_incident_id_is_date_and_epoch_seconds_mod_10000():
    # 2026-01-01T00:00Z is 1767225600; + 64 days (to 6 March) = 1772755200; + 12 h = 1772798400.
    assert incident_id(T0) == "INC-20260306-8400"


def test_incident_id_is_zero_padded():
    # 1772755200 + 9 h 42 min 3 s = 1772790123, whose last four digits are 0123.
    when = datetime(2026, 3, 6, 9, 42, 3, tzinfo=UTC)
    assert int(when.timestamp()) == 1772790123
    assert incident_id(when) == "INC-20260306-0123"


# ---- the hysteresis band ---------------------------------------------------------------------

ERR = (5.0, 20.0)


def test_band_rises_as_soon_as_a_threshold_is_exceeded():
    assert band(5.0, 0, ERR) == 0
    assert band(5.1, 0, ERR) == 1
    assert band(20.1, 0, ERR) == 2  # straight to the top band
    assert band(25.0, 1, ERR) == 2


def test_band_falls_only_below_80_percent_of_its_threshold():
    assert band(4.5, 1, ERR) == 1  # under 5 but not under 4: still raised
    assert band(4.0, 1, ERR) == 1
    assert band(3.99, 1, ERR) == 0
    assert band(17.0, 2, ERR) == 2  # under 20 but not under 16
    assert band(15.9, 2, ERR) == 1
    assert band(4.5, 2, ERR) == 1  # falling through both: the lower band keeps hysteresis
    assert band(1.0, 2, ERR) == 0


def test_band_single_threshold():
    assert band(3.1, 0, (3.0,)) == 1
    assert band(2.5, 1, (3.0,)) == 1
    assert band(2.3, 1, (3.0,)) == 0


# ---- signals from the console state --------------------------------------------------------


def state_with(*events) -> ConsoleState:
    return fold_all(ConsoleState(), events)


def test_service_down_when_health_fails():
    st = state_with(health(0, analysis_service=False, file_watcher=True))
    assert service_down(st, "analysis-service")
    assert not service_down(st, "file-watcher")
    assert not service_down(st, "never-heard-of")


def test_service_down_when_no_replica_is_ready():
    st = state_with(
        deployments(
            0,
            deployment("analysis-service", desired=3, ready=0),
            deployment("file-watcher", desired=2, ready=1),
            deployment("notification-service", desired=0, ready=0),  # scaled to zero on purpose
        )
    )
    assert service_down(st, "analysis-service")
    assert not service_down(st, "file-watcher")
    assert not service_down(st, "notification-service")


def test_worst_pod_orders_by_what_a_person_needs_first():
    def worst(*pods):
        return worst_pod(deployment(pods=pods))

    assert worst(pod(), pod()) == ("Running", None)
    assert worst(pod(phase="Pending", reason="ContainerCreating", ready=False), pod()) == (
        "Pending",
        "ContainerCreating",
    )
    assert worst(
        pod(phase="Pending", reason="ContainerCreating", ready=False),
        pod(reason="CrashLoopBackOff", ready=False),
        pod(phase="Pending", reason="ImagePullBackOff", ready=False),
    ) == ("Running", "CrashLoopBackOff")
    assert (
        worst(
            pod(phase="Pending", reason="ImagePullBackOff", ready=False),
            pod(phase="Running", reason="OOMKilled", ready=False),
        )[1]
        == "OOMKilled"
    )
    assert worst(pod(phase="Pending", ready=False), pod(phase="Failed", ready=False)) == (
        "Failed",
        "Failed",
    )
    # running but not ready, and reasons the list does not know, still show; known ones first
    assert worst(pod(ready=False)) == ("Running", "NotReady")
    assert (
        worst(pod(reason="SomethingNew", ready=False), pod(phase="Unknown", ready=False))[1]
        == "Unknown"
    )


def test_signals_read_the_latest_values_and_the_postgres_probe():
    st = state_with(
        SessionStarted(at=T0, mode="live", version="0", operator="ana", services=("api",)),
        error_rate(0, api=30.0),
        error_rate(2, api=1.0),
        latency(2, baseline={"api": 100.0}, api=450.0),
        ProbeFailed(at=at(3), source="postgres", reason="connection refused"),
    )
    sig = signals(st)
    assert sig.error_rates == (("api", 1.0),)
    assert sig.latency_ratios == (("api", 4.5),)
    assert sig.database_unreachable
    s = suggestion(st)
    assert s.severity is P1
    assert s.reasons == ("database unreachable",)


def test_suggestion_from_a_health_failure_and_error_rate():
    st = state_with(
        health(0, analysis_service=False, file_watcher=True),
        error_rate(0, analysis_service=100.0, file_watcher=0.2),
    )
    s = suggestion(st)
    assert s.severity is P1
    assert "analysis-service error rate 100.0% > 20%" in s.reasons


def test_no_data_is_not_a_signal():
    st = state_with(error_rate(0, api=None), latency(0, baseline={"api": 100.0}, api=None))
    sig = signals(st)
    assert sig.error_rates == ()
    assert sig.latency_ratios == ()
    assert suggestion(st).severity is P3


def test_health_result_error_text_is_not_needed_for_down():
    st = ConsoleState(health={"a": HealthResult(service="a", up=False)})
    assert service_down(st, "a")
