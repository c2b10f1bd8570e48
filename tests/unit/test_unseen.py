"""Never all clear while the console cannot see: a pane with no fresh sample says so in its
border, and the header names what it cannot see instead of 'all guide thresholds clear'."""

from __future__ import annotations

from state.console import ConsoleState
from state.events import DatabaseSampled, ProbeFailed, SessionResumed, SessionStarted
from tests.unit.helpers import at, deployment, deployments, error_rate, fold_all, health, latency
from widgets.header import IncidentHeader
from widgets.locks import LocksPane
from widgets.pane import WAITING, unseen
from widgets.services import ServicesPane

CLEAR = "all guide thresholds clear"


def watching(*events) -> ConsoleState:
    started = SessionStarted(at=at(0), mode="live", version="t", operator="a", services=("api",))
    return fold_all(ConsoleState(), [started, *events])


def every_source(t: float) -> list:
    return [
        deployments(t, deployment("api")),
        health(t, api=True),
        error_rate(t, api=0.1),
        latency(t, {"api": 100.0}, api=100.0),
        DatabaseSampled(at=at(t), connections={"active": 1}, max_connections=100),
    ]


def header(state: ConsoleState, seconds: float) -> str:
    return IncidentHeader().compose_text(state, at(seconds), "LIVE").plain


def test_all_clear_only_once_every_pane_has_a_fresh_sample() -> None:
    state = watching(*every_source(2))
    assert CLEAR in header(state, 3)
    assert unseen(state, at(3)) == []


def test_a_pane_never_sampled_keeps_the_header_from_saying_all_clear() -> None:
    state = watching(*every_source(2)[:4])  # PostgreSQL never answered
    text = header(state, 3)
    assert CLEAR not in text
    assert "not all seen: no fresh sample from PostgreSQL" in text


def test_a_failing_or_late_probe_is_not_seen_either() -> None:
    failing = watching(*every_source(2), ProbeFailed(at=at(3), source="latency", reason="503"))
    assert unseen(failing, at(4)) == ["Prometheus (p95 latency)"]
    assert unseen(watching(*every_source(2)), at(20)) == [  # nothing for 18 s: late
        "Kubernetes",
        "Health checks",
        "Prometheus (error rate)",
        "Prometheus (p95 latency)",
        "PostgreSQL",
    ]
    assert CLEAR not in header(watching(*every_source(2)), 20)


def test_a_pane_waits_a_moment_for_its_first_sample_then_says_it_is_late() -> None:
    state = watching(*every_source(2)[2:])  # Kubernetes and health never answered
    assert ServicesPane().staleness(state, at(3)) == WAITING
    assert ServicesPane().staleness(state, at(75)) == "late: no sample in 1m 15s"
    assert LocksPane().staleness(state, at(75)).startswith("stale 1m 13s")
    resumed = fold_all(state, [SessionResumed(at=at(100), operator="b", version="t")])
    assert ServicesPane().staleness(resumed, at(101)) == WAITING  # counted from the resume


def test_a_backend_left_out_of_the_config_is_not_also_said_to_have_no_fresh_sample() -> None:
    """No [database]: the header says the database is not configured, and no more: 'not all
    seen: no fresh sample from PostgreSQL' beside it read as a database that stopped answering
    (seen live with [cluster] and [prometheus] only), and pushed the line's end off 120
    columns."""
    started = SessionStarted(
        at=at(0),
        mode="live",
        version="t",
        operator="a",
        services=("api",),
        unconfigured=("postgres",),
    )
    state = fold_all(ConsoleState(), [started, *every_source(2)[:4]])
    assert unseen(state, at(3)) == []
    text = header(state, 3)
    assert "unknown: database (not configured)" in text
    assert "no fresh sample" not in text
    assert text.endswith("no threshold crossed in what is watched")
