"""Builders shared by the unit tests: a fixed instant and the events the fold reads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from state import events as ev
from state.fold import fold

if TYPE_CHECKING:
    from state.console import ConsoleState
    from state.journal.store import Journal

# A Friday, so that "next business day" has a weekend to skip.
T0 = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def pod(name: str = "p", phase: str = "Running", reason: str | None = None, ready: bool = True):
    return ev.PodStatus(name=name, phase=phase, reason=reason, ready=ready)


def deployment(
    name: str = "analysis-service",
    desired: int = 3,
    ready: int | None = None,
    revision: int = 1,
    pods: tuple[ev.PodStatus, ...] | None = None,
) -> ev.DeploymentStatus:
    ready = desired if ready is None else ready
    if pods is None:
        pods = tuple(pod(f"{name}-{i}") for i in range(ready))
    return ev.DeploymentStatus(
        name=name, desired=desired, ready=ready, revision=revision, pods=pods
    )


def deployments(t: float, *items: ev.DeploymentStatus) -> ev.DeploymentsSampled:
    return ev.DeploymentsSampled(at=at(t), deployments=items)


def health(t: float, **up: bool) -> ev.HealthSampled:
    results = tuple(
        ev.HealthResult(service=name.replace("_", "-"), up=ok, status_code=200 if ok else 503)
        for name, ok in up.items()
    )
    return ev.HealthSampled(at=at(t), results=results)


def error_rate(t: float, **values: float | None) -> ev.MetricSampled:
    return ev.MetricSampled(
        at=at(t), metric="error_rate", values={k.replace("_", "-"): v for k, v in values.items()}
    )


def latency(t: float, baseline: dict[str, float] | None = None, **values: float | None):
    return ev.MetricSampled(
        at=at(t),
        metric="latency",
        values={k.replace("_", "-"): v for k, v in values.items()},
        baseline=baseline or {},
    )


def as_json(model) -> str:
    """A comparable form that treats NaN as equal to NaN (plain == does not)."""
    return model.model_dump_json()


def fold_all(state: ConsoleState, events: Iterable[ev.EventBase]) -> ConsoleState:
    """`state` after folding each of `events` in turn, as a console that recorded them."""
    for event in events:
        state = fold(state, event)
    return state


def fold_until(journal: Journal, at: float) -> ConsoleState:
    """The state after every event of `journal` recorded at or before `at`, folded from its
    start: what a replay's seek must show."""
    from state.console import ConsoleState

    state = ConsoleState()
    for _, when, event in journal.rows():
        if when > at:
            break
        state = fold(state, event)
    return state
