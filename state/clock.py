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
