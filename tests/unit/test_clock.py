"""The injected clock: frozen for tests and drills, scaled for demos, always aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from state.clock import EARLIEST, LATEST, FrozenClock, ScaledClock, WallClock, as_utc, from_epoch
from state.events import NoteAdded
from tests.unit.helpers import T0


def test_frozen_clock_moves_only_when_told():
    clock = FrozenClock(T0)
    assert clock.now() == T0
    assert clock.now() == T0
    assert clock.advance(2.5) == T0 + timedelta(seconds=2.5)
    assert clock.now() == T0 + timedelta(seconds=2.5)
    clock.set(datetime(2026, 1, 1, tzinfo=UTC))
    assert clock.now() == datetime(2026, 1, 1, tzinfo=UTC)


def test_naive_times_are_taken_as_utc_and_offsets_converted():
    assert FrozenClock(datetime(2026, 3, 6, 12, 0)).now() == T0
    paris = timezone(timedelta(hours=1))
    now = FrozenClock(datetime(2026, 3, 6, 13, 0, tzinfo=paris)).now()
    assert now == T0
    assert now.utcoffset() == timedelta(0)
    assert as_utc(datetime(2026, 3, 6, 7, 0, tzinfo=timezone(timedelta(hours=-5)))) == T0


def test_scaled_clock_runs_speed_times_faster():
    ticks = iter([100.0, 100.0, 101.0, 110.0])
    clock = ScaledClock(T0, speed=4.0, monotonic=lambda: next(ticks))
    assert clock.speed == 4.0
    assert clock.now() == T0
    assert clock.now() == T0 + timedelta(seconds=4)
    assert clock.now() == T0 + timedelta(seconds=40)


@pytest.mark.parametrize("speed", [0, -1])
def test_scaled_clock_refuses_a_speed_that_is_not_positive(speed):
    with pytest.raises(ValueError, match="positive"):
        ScaledClock(T0, speed=speed)


def test_wall_clock_is_aware_utc():
    now = WallClock().now()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("2026-03-14T09:26:00", datetime(2026, 3, 14, 9, 26, tzinfo=UTC)),  # no zone: UTC
        ("2026-03-14T23:26:00+14:00", datetime(2026, 3, 14, 9, 26, tzinfo=UTC)),
        ("0001-01-01T00:00:00+14:00", EARLIEST),  # no UTC instant at all
        ("1969-07-20T20:17:00Z", EARLIEST),
        ("9999-12-31T23:59:59.999999Z", LATEST),
    ],
)
def test_an_event_time_is_aware_utc_and_within_the_calendar(written, read) -> None:
    event = NoteAdded.model_validate_json(f'{{"at": "{written}", "text": "x", "by": "y"}}')
    assert event.at == read and event.at.tzinfo is UTC
    assert event.at + timedelta(weeks=2) > event.at - timedelta(weeks=2)  # room for targets


@pytest.mark.parametrize("seconds", [-1e18, float("-inf"), 253402300800.0, float("inf")])
def test_epoch_seconds_out_of_the_calendar_are_held_at_its_edge(seconds) -> None:
    assert EARLIEST <= from_epoch(seconds) <= LATEST
