"""A live console over a journal holding a session's start and `events`, on a frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from state.clock import FrozenClock
from state.events import (
    DatabaseSampled,
    DeploymentsSampled,
    DeploymentStatus,
    EventBase,
    HealthResult,
    HealthSampled,
    MetricSampled,
    SessionStarted,
)
from state.guide.episodes import SIGNAL_RULES
from state.journal.store import Journal
from state.locks import LOCK_RULES
from state.recorder import Recorder
from state.rollouts import ROLLOUT_RULES
from tui.app import WarroomApp

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

T0 = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


def fresh(
    at: datetime,
    watched: Sequence[str],
    deployed: Sequence[str],
    rated: dict[str, float],
    timed: dict[str, float],
    namespace: str = "tracktion",
) -> list[EventBase]:
    """One sample of every backend at `at`, all healthy: the cluster holding `deployed` (2 of
    2 ready), every `watched` service's health check up, Prometheus with the series given
    (error rate %, p95 ms, the baseline the p95 itself), the database quiet."""
    return [
        DeploymentsSampled(
            at=at,
            deployments=tuple(
                DeploymentStatus(name=s, namespace=namespace, desired=2, ready=2, revision=3)
                for s in deployed
            ),
        ),
        HealthSampled(
            at=at,
            results=tuple(HealthResult(service=s, up=True, status_code=200) for s in watched),
        ),
        MetricSampled(at=at, metric="error_rate", values=rated),
        MetricSampled(at=at, metric="latency", values=timed, baseline=dict(timed)),
        DatabaseSampled(at=at, connections={"active": 1}, max_connections=100),
    ]


def header(app: WarroomApp) -> str:
    """The header's text as drawn."""
    return app.query_one("#header")._text.plain  # type: ignore[attr-defined]


def recorded(
    folder: Path, services: Sequence[str], *events: EventBase, tells_start: bool = False
) -> Recorder:
    """A journal in `folder` holding a live session's start at T0 (operator alice) watching
    `services` (begun by this version when `tells_start`), then `events`."""
    recorder = Recorder(Journal.create(folder / "j.warroom"))
    start = SessionStarted(
        at=T0,
        mode="live",
        version="test",
        operator="alice",
        services=tuple(services),
        signal_rules=SIGNAL_RULES,
        tells_start=tells_start,
        lock_rules=LOCK_RULES,
        rollout_rules=ROLLOUT_RULES,
    )
    for event in (start, *events):
        recorder.record(event)
    return recorder


def live_console(
    folder: Path, services: Sequence[str], *events: EventBase
) -> tuple[WarroomApp, FrozenClock]:
    """The console (operator alice) with its clock at T0 + 1 s, `events` recorded after the
    session's start at T0 watching `services`."""
    recorder = recorded(folder, services, *events)
    clock = FrozenClock(T0 + timedelta(seconds=1))
    return WarroomApp(recorder, clock, operator="alice", watch_terminal=False), clock
