"""The injected clock: every module asks it for the time, never the OS directly."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """A source of the current time, always timezone-aware UTC."""

    def now(self) -> datetime: ...


class WallClock:
    """The real time, for live sessions."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that moves only when told to: tests, snapshots and stepped drills."""

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = as_utc(when)


class ScaledClock:
    """Simulated time that starts at `start` and runs `speed` times faster than real time.

    The monotonic source is injected so that the scaling itself can be tested.
    """

    def __init__(self, start: datetime, speed: float = 1.0, monotonic=time.monotonic) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._start = as_utc(start)
        self._speed = speed
        self._monotonic = monotonic
        self._origin = monotonic()

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> datetime:
        elapsed = (self._monotonic() - self._origin) * self._speed
        return self._start + timedelta(seconds=elapsed)


def as_utc(when: datetime) -> datetime:
    """The same instant as an aware UTC datetime; naive values are taken as UTC."""
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


# No incident is older than the epoch or as late as the year 9000: an instant outside that
# range (a damaged or hand-edited journal) is held at its edge, leaving room for the guide's
# targets (a week at most) to be added and subtracted without leaving the calendar.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def bounded(when: datetime) -> datetime:
    """`when` as aware UTC (see `as_utc`), held between EARLIEST and LATEST."""
    try:  # as_utc, inline: every instant of every sample read passes here
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except OverflowError:  # at the calendar's very edge, another zone has no UTC instant
        return EARLIEST if when.year < 5000 else LATEST
    if when < EARLIEST:
        return EARLIEST
    return LATEST if when > LATEST else when


def from_epoch(seconds: float) -> datetime:
    """The aware UTC instant of epoch seconds, held between EARLIEST and LATEST (inf too)."""
    seconds = min(max(seconds, EARLIEST.timestamp()), LATEST.timestamp())
    return datetime.fromtimestamp(seconds, UTC)
