"""What is already wrong when the console opens is on the timeline: the timeline tells changes,
so a service down from the first sample had no line, and an IC opening the console
mid-incident saw nothing of it there. A journal written before says nothing, as it did."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from state.events import (
    DeploymentsSampled,
    DeploymentStatus,
    HealthResult,
    HealthSampled,
    MetricSampled,
)
from tests.tui.live_console import T0, recorded

if TYPE_CHECKING:
    from pathlib import Path

    from state.events import EventBase


def told(folder: Path, services: tuple[str, ...], *events: EventBase, new: bool = True) -> list:
    """The timeline's lines after a session (begun by this version, or by an older one when
    not `new`) watching `services` records `events`."""
    return [e.text for e in recorded(folder, services, *events, tells_start=new).state.timeline]


def health(at, **codes: int) -> HealthSampled:
    return HealthSampled(
        at=at,
        results=tuple(
            HealthResult(service=s, up=c == 200, status_code=c) for s, c in codes.items()
        ),
    )


def test_a_service_down_from_the_first_sample_is_told_once(tmp_path) -> None:
    later = T0 + timedelta(seconds=10)
    lines = told(
        tmp_path,
        ("api", "web"),
        health(T0, api=503, web=200),
        DeploymentsSampled(
            at=T0,
            deployments=(
                DeploymentStatus(name="api", namespace="shop", desired=2, ready=0, revision=1),
                DeploymentStatus(name="web", namespace="shop", desired=2, ready=2, revision=1),
            ),
        ),
        MetricSampled(at=T0, metric="error_rate", values={"api": 9.0, "web": 1.0}),
        health(later, api=503, web=200),
    )
    starts = [line for line in lines if line.startswith("at start:")]
    assert starts == [
        "at start: api /health failing: HTTP 503",
        "at start: api no replica ready (0/2)",
        # its episode's line, saying it was so at start: no second line beside it
        "at start: api error rate over 5%, peak 9.0% at 09:30:00: pending, fires at 09:35:00 "
        "unless it clears",
    ]


def test_an_error_rate_over_20_percent_at_start_is_one_line_saying_both(tmp_path) -> None:
    """Found live: over 20 % at start gave the 'at start:' line and the episode's FIRING line
    beside it; the one line says both, and keeps saying it as the episode goes on."""
    later = T0 + timedelta(seconds=10)
    lines = told(
        tmp_path,
        ("api", "web"),
        MetricSampled(at=T0, metric="error_rate", values={"api": 30.0, "web": 1.0}),
        MetricSampled(at=later, metric="error_rate", values={"api": 45.0, "web": 1.0}),
    )
    assert [line for line in lines if "api" in line] == [
        "at start: api error rate over 5%, peak 45.0% (over 20%) at 09:30:10: FIRING since 09:30:00"
    ]
    # one that crosses later is no start: told as ever
    (tmp_path / "later").mkdir()
    later_lines = told(
        tmp_path / "later",
        ("api",),
        MetricSampled(at=T0, metric="error_rate", values={"api": 1.0}),
        MetricSampled(at=later, metric="error_rate", values={"api": 30.0}),
    )
    assert [line for line in later_lines if "api" in line] == [
        "api error rate over 5%, peak 30.0% (over 20%) at 09:30:10: FIRING since 09:30:10"
    ]


def test_many_down_at_start_fold_into_one_line(tmp_path) -> None:
    names = tuple(f"svc-{i:02}" for i in range(12))
    lines = told(tmp_path, names, health(T0, **dict.fromkeys(names, 503)))
    starts = [line for line in lines if line.startswith("at start:")]
    assert starts == ["at start: 12 services failing /health: svc-00, svc-01, svc-02, ..."]


def test_all_well_at_start_says_nothing(tmp_path) -> None:
    lines = told(tmp_path, ("api",), health(T0, api=200))
    assert not [line for line in lines if line.startswith("at start:")]


def test_a_journal_from_before_says_nothing_of_the_start(tmp_path) -> None:
    """Old journals replay and export as they did: no line they never had."""
    lines = told(tmp_path, ("api",), health(T0, api=503), new=False)
    assert not [line for line in lines if "at start" in line]
