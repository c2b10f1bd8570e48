"""The fold: every event, applied to the console state, purely."""

from __future__ import annotations

import math

from state import events as ev
from state.console import HISTORY, ConsoleState
from state.fold import fold
from state.guide.policy import next_update_due
from state.guide.severity import IncidentStatus, Role, Severity
from tests.unit.helpers import (
    T0,
    as_json,
    at,
    deployment,
    deployments,
    error_rate,
    fold_all,
    health,
    latency,
)


def declared(t: float = 0, severity: Severity = Severity.P2) -> ev.IncidentDeclared:
    return ev.IncidentDeclared(
        at=at(t),
        incident_id="INC-20260306-8400",
        severity=severity,
        title="tracklist-service 5xx",
        reason="tracklist-service error rate 34.0% > 20%",
        by="ana",
    )


def update(t: float, delivered: bool, status=IncidentStatus.IDENTIFIED) -> ev.MessageSent:
    return ev.MessageSent(
        at=at(t),
        message_id=f"m{t}",
        channel="#incidents",
        status=status,
        text="We have identified the issue",
        outcome="delivered" if delivered else "failed",
        detail="" if delivered else "HTTP 500 from webhook",
        by="ana",
    )


SOME_EVENTS = [
    ev.SessionStarted(
        at=T0, mode="demo", version="0", operator="ana", services=("api", "db-writer")
    ),
    deployments(1, deployment("api")),
    health(1, api=True),
    error_rate(2, api=0.4),
    latency(2, baseline={"api": 100.0}, api=110.0),
    error_rate(4, api=25.0),
    declared(5),
    ev.IncidentAcknowledged(at=at(6), by="ana"),
    ev.NoteAdded(at=at(7), text="looking at the rollout", by="ana"),
]


# ---- purity ---------------------------------------------------------------------------------


def test_fold_never_changes_its_input():
    state = fold_all(ConsoleState(), SOME_EVENTS)
    before = as_json(state)
    for event in [error_rate(9, api=1.0), health(9, api=False), update(9, True), declared(9)]:
        after = fold(state, event)
        assert as_json(state) == before
        assert after is not state


def test_same_events_give_equal_states():
    one = fold_all(ConsoleState(), SOME_EVENTS)
    two = fold_all(ConsoleState(), list(SOME_EVENTS))
    assert one == two
    assert as_json(one) == as_json(two)


def test_fold_counts_events_and_tracks_the_time():
    state = fold_all(ConsoleState(), SOME_EVENTS)
    assert state.events == len(SOME_EVENTS)
    assert state.now == at(7)


# ---- incident ---------------------------------------------------------------------------------


def test_declare_opens_an_incident():
    state = fold(ConsoleState(), declared(5, Severity.P1))
    inc = state.incident
    assert inc is not None
    assert inc.incident_id == "INC-20260306-8400"
    assert inc.severity is Severity.P1
    assert inc.status is IncidentStatus.INVESTIGATING
    assert inc.declared_at == at(5)
    assert inc.declared_by == "ana"
    assert inc.open


def test_first_acknowledgement_counts_second_is_ignored():
    state = fold_all(
        ConsoleState(),
        [
            declared(0),
            ev.IncidentAcknowledged(at=at(60), by="ana"),
            ev.IncidentAcknowledged(at=at(90), by="bob"),
        ],
    )
    assert state.incident.acknowledged_at == at(60)
    assert state.incident.acknowledged_by == "ana"


def test_acknowledge_without_an_incident_changes_nothing():
    state = fold(ConsoleState(), ev.IncidentAcknowledged(at=at(1), by="ana"))
    assert state.incident is None


def test_severity_and_status_change():
    state = fold_all(
        ConsoleState(),
        [
            declared(0, Severity.P2),
            ev.SeverityChanged(at=at(10), severity=Severity.P1, previous=Severity.P2, by="ana"),
            ev.StatusChanged(at=at(20), status=IncidentStatus.IDENTIFIED, by="ana"),
        ],
    )
    assert state.incident.severity is Severity.P1
    assert state.incident.status is IncidentStatus.IDENTIFIED


def test_role_handoff_keeps_the_history():
    state = fold_all(
        ConsoleState(),
        [
            declared(0),
            ev.RoleAssigned(at=at(1), role=Role.IC, person="ana", by="ana"),
            ev.RoleAssigned(at=at(2), role=Role.CL, person="cho", by="ana"),
            ev.RoleAssigned(at=at(300), role=Role.IC, person="bob", by="ana"),
        ],
    )
    inc = state.incident
    assert inc.roles == {Role.IC: "bob", Role.CL: "cho"}
    assert [(c.role, c.person, c.at) for c in inc.role_history] == [
        (Role.IC, "ana", at(1)),
        (Role.CL, "cho", at(2)),
        (Role.IC, "bob", at(300)),
    ]


def test_resolve():
    state = fold_all(
        ConsoleState(),
        [declared(0), ev.IncidentResolved(at=at(3600), summary="rolled back to r7", by="ana")],
    )
    inc = state.incident
    assert inc.status is IncidentStatus.RESOLVED
    assert inc.resolved_at == at(3600)
    assert inc.resolution_summary == "rolled back to r7"
    assert not inc.open


def test_a_delivered_resolved_update_resolves_the_incident_then():
    resolved = IncidentStatus.RESOLVED
    state = fold_all(ConsoleState(), [declared(0), update(600, delivered=False, status=resolved)])
    assert state.incident.open  # a failed Resolved update resolves nothing
    state = fold(state, update(900, delivered=True, status=resolved))
    assert (state.incident.status, state.incident.resolved_at) == (resolved, at(900))
    assert not state.incident.open


def test_a_resolved_update_after_x_keeps_the_time_of_x():
    state = fold_all(
        ConsoleState(),
        [
            declared(0),
            ev.IncidentResolved(at=at(3600), summary="rolled back to r7", by="ana"),
            update(3630, delivered=True, status=IncidentStatus.RESOLVED),
        ],
    )
    assert state.incident.resolved_at == at(3600)
    assert state.incident.resolution_summary == "rolled back to r7"


def test_only_a_delivered_update_moves_the_update_clock():
    state = fold_all(ConsoleState(), [declared(0, Severity.P1), update(300, delivered=True)])
    assert state.incident.last_update_at == at(300)
    assert state.incident.status is IncidentStatus.IDENTIFIED

    failed = fold(state, update(600, delivered=False, status=IncidentStatus.MONITORING))
    assert failed.incident.last_update_at == at(300)
    assert failed.incident.status is IncidentStatus.IDENTIFIED  # the failed one said nothing
    # so the next P1 update is still due 15 min after the delivered one, not the failed one
    inc = failed.incident
    assert next_update_due(inc.severity, inc.declared_at, inc.last_update_at) == at(300 + 900)


# ---- probes -----------------------------------------------------------------------------------


def test_probe_failure_keeps_reason_and_first_failure_time():
    state = fold_all(
        ConsoleState(),
        [
            deployments(0, deployment("api")),
            ev.ProbeFailed(at=at(10), source="kubernetes", reason="connection refused"),
            ev.ProbeFailed(at=at(20), source="kubernetes", reason="timed out after 5 s"),
        ],
    )
    probe = state.probe("kubernetes")
    assert probe.failing
    assert probe.reason == "timed out after 5 s"
    assert probe.failed_at == at(10)  # stale since the first failure
    assert probe.last_ok == at(0)
    assert not state.probe("health").failing


def test_probe_recovered_clears_the_failure():
    state = fold_all(
        ConsoleState(),
        [
            ev.ProbeFailed(at=at(10), source="postgres", reason="connection refused"),
            ev.ProbeRecovered(at=at(30), source="postgres"),
        ],
    )
    probe = state.probe("postgres")
    assert not probe.failing
    assert probe.failed_at is None
    assert probe.reason is None


def test_every_sample_kind_marks_its_probe_ok():
    events = [
        deployments(1, deployment("api")),
        health(2, api=True),
        error_rate(3, api=0.1),
        latency(4, api=10.0),
        ev.DatabaseSampled(at=at(5), connections={"active": 1}, max_connections=100),
        ev.CacheSampled(at=at(6), used_memory_mb=420.0),
    ]
    state = fold_all(ConsoleState(), events)
    for source, t in [
        ("kubernetes", 1),
        ("health", 2),
        ("error_rate", 3),
        ("latency", 4),
        ("postgres", 5),
        ("redis", 6),
    ]:
        assert state.probe(source).last_ok == at(t), source


# ---- samples ----------------------------------------------------------------------------------


def test_sparkline_history_is_bounded():
    events = [error_rate(i, api=float(i)) for i in range(HISTORY + 30)]
    state = fold_all(ConsoleState(), events)
    series = state.error_rate["api"]
    assert len(series) == HISTORY
    assert series[-1] == float(HISTORY + 29)
    assert series[0] == 30.0


def test_a_fold_keeping_one_value_per_series_agrees_on_everything_else():
    """The review folds with history=1: each series is its last value, the rest as shown."""
    events = [
        latency(0, baseline={"api": 100.0}, api=120.0, web=90.0),
        *(error_rate(i, api=float(i), web=None if i % 7 else 9.0) for i in range(1, 40)),
        latency(41, api=400.0, web=None),
        ev.MetricHistoryLoaded(at=at(42), metric="latency", series={"db": (5.0, 6.0)}),
    ]
    full, short = ConsoleState(), ConsoleState()
    for event in events:
        full, short = fold(full, event), fold(short, event, history=1)
    assert short.error_rate == {k: v[-1:] for k, v in full.error_rate.items()}
    assert short.latency == {"api": (400.0,), "web": (None,), "db": (6.0,)}
    rest = {"error_rate", "latency"}
    assert short.model_dump(exclude=rest) == full.model_dump(exclude=rest)
    assert len(full.error_rate["api"]) == 39


def test_metric_history_loaded_replaces_the_series():
    state = fold_all(
        ConsoleState(),
        [
            latency(0, baseline={"api": 100.0}, api=120.0),
            latency(2, api=130.0),
            ev.MetricHistoryLoaded(
                at=at(3),
                metric="latency",
                series={"api": (90.0, None, 95.0)},
                baseline={"api": 80.0},
            ),
        ],
    )
    assert state.latency["api"] == (90.0, None, 95.0)
    assert state.latency_baseline["api"] == 80.0


def test_a_baseline_that_is_no_number_is_no_baseline():
    """A ratio against NaN, an infinity, 0 or a negative baseline means nothing: kept out."""
    odd = {"a": math.nan, "b": math.inf, "c": 0.0, "d": -5.0, "api": 100.0}
    state = fold_all(
        ConsoleState(),
        [
            latency(0, baseline=odd, api=400.0, a=400.0, b=400.0, c=400.0, d=400.0),
            ev.MetricHistoryLoaded(at=at(1), metric="latency", series={}, baseline=odd),
        ],
    )
    assert state.latency_baseline == {"api": 100.0}
    assert state.bands == {"latency:api": 1}


def test_metric_history_is_bounded_too():
    long = tuple(float(i) for i in range(HISTORY * 2))
    state = fold(
        ConsoleState(), ev.MetricHistoryLoaded(at=T0, metric="error_rate", series={"api": long})
    )
    assert state.error_rate["api"] == long[-HISTORY:]


def test_nan_is_kept_as_nan_and_none_as_no_data():
    state = fold_all(
        ConsoleState(), [error_rate(0, api=1.0, web=1.0), error_rate(2, api=math.nan, web=None)]
    )
    assert math.isnan(state.latest("error_rate", "api"))
    assert state.latest("error_rate", "web") is None
    assert state.error_rate["api"][0] == 1.0


def test_deployments_sample_replaces_health_sample_merges():
    state = fold_all(
        ConsoleState(),
        [
            deployments(0, deployment("api"), deployment("web")),
            deployments(2, deployment("api")),
            health(0, api=True, web=True),
            health(2, api=False),
        ],
    )
    assert set(state.deployments) == {"api"}
    assert state.health["web"].up and not state.health["api"].up


def test_services_are_learned_in_first_seen_order():
    state = fold_all(
        ConsoleState(),
        [
            ev.SessionStarted(at=T0, mode="live", version="0", operator="ana", services=("b", "a")),
            deployments(1, deployment("c"), deployment("a")),
            health(2, d=True),
        ],
    )
    assert state.services == ("b", "a", "c", "d")


def test_several_subject_matter_experts_serve_at_once():
    from state.guide.severity import Role, Severity

    state = fold_all(
        ConsoleState(),
        [
            ev.IncidentDeclared(
                at=T0, incident_id="INC-1", severity=Severity.P2, title="t", reason="r", by="a"
            ),
            ev.RoleAssigned(at=T0, role=Role.SME, person="dba-dave", by="a"),
            ev.RoleAssigned(at=T0, role=Role.SME, person="net-nina", by="a"),
            ev.RoleAssigned(at=T0, role=Role.SME, person="dba-dave", by="a"),
            ev.RoleAssigned(at=T0, role=Role.TL, person="tom", by="a"),
            ev.RoleAssigned(at=T0, role=Role.TL, person="tia", by="a"),
        ],
    )
    assert state.incident.roles[Role.SME] == "dba-dave, net-nina"
    assert state.incident.roles[Role.TL] == "tia"  # a handoff replaces the holder...
    assert [c.person for c in state.incident.role_history if c.role is Role.TL] == [
        "tom",
        "tia",
    ]  # ...and keeps the history
