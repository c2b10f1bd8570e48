"""The probe scheduler's contract: failures once per reason, recovery once, timeouts, no raising."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import pytest

from probes.scheduler import ProbeScheduler
from state.clock import FrozenClock
from state.events import CacheSampled, EventBase, ProbeFailed, ProbeRecovered, Source
from state.text import describe_error
from tests.unit.helpers import T0, at

if TYPE_CHECKING:
    from probes.base import Probe

HANG = object()  # a sample that never answers


class FakeProbe:
    """A probe that plays a script: events to return, exceptions to raise, or HANG."""

    def __init__(self, source: Source, script: list, timeout: float = 1.0) -> None:
        self.source = source
        self.interval = 2.0
        self.timeout = timeout
        self.script = list(script)
        self.closed = False
        self.calls: list[datetime] = []

    async def sample(self, now: datetime) -> Sequence[EventBase]:
        self.calls.append(now)
        step = self.script.pop(0) if self.script else []
        if step is HANG:
            await asyncio.Event().wait()
        if isinstance(step, BaseException):
            raise step
        return step

    async def close(self) -> None:
        self.closed = True


def cache(t: float) -> CacheSampled:
    return CacheSampled(at=at(t), used_memory_mb=420.0)


def scheduler(*probes: Probe) -> tuple[ProbeScheduler, list[EventBase]]:
    seen: list[EventBase] = []
    return ProbeScheduler(list(probes), FrozenClock(T0), seen.append), seen


async def test_samples_are_emitted_as_they_come():
    probe = FakeProbe("redis", [[cache(0)], [cache(2)]])
    sched, seen = scheduler(probe)
    await sched.cycle(at(0))
    await sched.cycle(at(2))
    assert seen == [cache(0), cache(2)]
    assert probe.calls == [at(0), at(2)]


async def test_the_clock_gives_the_time_when_none_is_passed():
    probe = FakeProbe("redis", [[cache(0)]])
    sched, _ = scheduler(probe)
    await sched.cycle()
    assert probe.calls == [T0]


async def test_a_failing_probe_reports_once_per_distinct_reason():
    refused = ConnectionRefusedError("connection refused")
    probe = FakeProbe(
        "postgres",
        [refused, refused, refused, OSError("no route to host"), OSError("no route to host")],
    )
    sched, seen = scheduler(probe)
    for t in range(5):
        await sched.cycle(at(2 * t))
    assert seen == [
        ProbeFailed(at=at(0), source="postgres", reason="connection refused"),
        ProbeFailed(at=at(6), source="postgres", reason="no route to host"),
    ]


async def test_recovery_is_reported_once_then_samples_flow():
    probe = FakeProbe("redis", [RuntimeError("down"), [cache(2)], [cache(4)]])
    sched, seen = scheduler(probe)
    for t in (0, 2, 4):
        await sched.cycle(at(t))
    assert seen == [
        ProbeFailed(at=at(0), source="redis", reason="down"),
        ProbeRecovered(at=at(2), source="redis"),
        cache(2),
        cache(4),
    ]


async def test_the_same_reason_after_a_recovery_is_reported_again():
    probe = FakeProbe("redis", [RuntimeError("down"), [], RuntimeError("down")])
    sched, seen = scheduler(probe)
    for t in (0, 2, 4):
        await sched.cycle(at(t))
    assert [e.kind for e in seen] == ["probe_failed", "probe_recovered", "probe_failed"]


async def test_a_slow_probe_times_out_without_delaying_the_others():
    loop = asyncio.get_running_loop()
    slow = FakeProbe("kubernetes", [HANG], timeout=0.2)
    fast = FakeProbe("redis", [[cache(0)]])
    seen: list[tuple[float, EventBase]] = []
    start = loop.time()
    sched = ProbeScheduler([slow, fast], FrozenClock(T0), lambda e: seen.append((loop.time(), e)))

    await sched.cycle(at(0))

    elapsed = loop.time() - start
    assert [e for _, e in seen] == [
        cache(0),
        ProbeFailed(at=at(0), source="kubernetes", reason="timed out after 0.2 s"),
    ]
    fast_at, failed_at = seen[0][0] - start, seen[1][0] - start
    assert fast_at < 0.2  # the fast probe's sample did not wait for the slow one
    assert failed_at >= 0.2  # the slow one was given its whole timeout
    assert elapsed < 1.5  # and not much more (generous slack for a busy CI)


async def test_a_timed_out_probe_can_recover():
    slow = FakeProbe("kubernetes", [HANG, [cache(2)]], timeout=0.01)
    sched, seen = scheduler(slow)
    await sched.cycle(at(0))
    await sched.cycle(at(2))
    assert [e.kind for e in seen] == ["probe_failed", "probe_recovered", "cache_sampled"]


@pytest.mark.parametrize(
    "exc",
    [
        RuntimeError("boom"),
        KeyError("missing"),
        ValueError(""),
        ZeroDivisionError(),
        TimeoutError(),
        ConnectionResetError(104, "Connection reset by peer"),
    ],
    ids=lambda e: type(e).__name__,
)
async def test_exceptions_never_escape(exc):
    ok = FakeProbe("redis", [[cache(0)]])
    bad = FakeProbe("postgres", [exc])
    sched, seen = scheduler(bad, ok)
    await sched.cycle(at(0))  # does not raise
    assert cache(0) in seen
    (failed,) = [e for e in seen if isinstance(e, ProbeFailed)]
    assert failed.source == "postgres"
    assert failed.reason  # never empty: the exception's name when it has no message


def test_describe_is_one_inert_line():
    assert describe_error(RuntimeError("a\nb\x1b[31m c"), 5.0) == "a b c"
    assert describe_error(ZeroDivisionError(), 5.0) == "ZeroDivisionError"
    assert describe_error(TimeoutError(), 2.0) == "timed out after 2 s"
    assert len(describe_error(RuntimeError("x" * 1000), 5.0)) == 160


async def test_stop_closes_every_probe_even_if_one_fails_to_close():
    class BadClose(FakeProbe):
        async def close(self) -> None:
            self.closed = True
            raise RuntimeError("close failed")

    a, b = BadClose("postgres", []), FakeProbe("redis", [])
    sched, _ = scheduler(a, b)
    sched.start()
    await sched.stop()
    assert a.closed and b.closed
    assert all(task.done() for task in sched._tasks)


class SlowToStart(FakeProbe):
    """A probe whose client library takes longer to load than a sample may take."""

    async def prepare(self) -> None:
        await asyncio.sleep(self.timeout * 3)


async def test_what_comes_before_the_first_sample_is_not_held_to_the_samples_timeout():
    probe = SlowToStart("kubernetes", [[cache(0)], HANG], timeout=0.05)
    sched, seen = scheduler(probe)
    await sched.cycle(at(0))  # prepared, then sampled: no timeout for the library's import
    await sched.cycle(at(2))  # prepared once only: this hang is the backend's, and times out
    assert seen == [
        cache(0),
        ProbeFailed(at=at(2), source="kubernetes", reason="timed out after 0.05 s"),
    ]


async def test_a_failed_preparation_is_left_to_the_sample_to_report():
    class Broken(FakeProbe):
        async def prepare(self) -> None:
            raise RuntimeError("no kubeconfig")

    sched, seen = scheduler(Broken("kubernetes", [RuntimeError("no kubeconfig")]))
    await sched.cycle(at(0))
    assert seen == [ProbeFailed(at=at(0), source="kubernetes", reason="no kubeconfig")]


async def test_a_probe_that_starts_late_samples_on_the_others_ticks_after():
    """A probe whose first sample came late (its client library loading) joins the other
    probes' ticks instead of keeping its own: the console draws one tick's samples together,
    and probes that drifted apart would cost it a repaint each, every refresh."""
    loop = asyncio.get_running_loop()
    ticks: dict[str, list[float]] = {"redis": [], "kubernetes": []}

    class Timed(FakeProbe):
        async def sample(self, now: datetime) -> Sequence[EventBase]:
            ticks[self.source].append(loop.time())
            return []

    class LateTimed(Timed):
        async def prepare(self) -> None:
            await asyncio.sleep(0.25)  # two and a half periods of 0.1 s

    steady, late = Timed("redis", []), LateTimed("kubernetes", [])
    sched = ProbeScheduler([steady, late], FrozenClock(T0), lambda e: None, speed=20)
    sched.start()  # a period of 2 s at 20x: 0.1 s
    await asyncio.sleep(1.0)
    await sched.stop()
    assert len(ticks["kubernetes"]) >= 4
    for t in ticks["kubernetes"][1:]:  # its first came when it was ready, then on the ticks
        assert min(abs(t - s) for s in ticks["redis"]) < 0.03


async def test_probes_stopped_on_a_tick_stop():
    """The console stops its probes as it quits, which may be the moment a sample completes
    (the probes' ticks are shared): they stop all the same, and sample no more."""
    for _ in range(5):
        probe = FakeProbe("redis", [[]] * 100)
        sched = ProbeScheduler([probe], FrozenClock(T0), lambda e: None, speed=20)
        sched.start()  # a tick every 0.1 s from now
        await asyncio.sleep(0.3)  # woken on a tick, with the probe
        stopping = asyncio.ensure_future(sched.stop())
        stopped, _ = await asyncio.wait({stopping}, timeout=2)
        for task in sched._tasks:  # (what is left of a failed test)
            task.cancel()
        assert stopped, "the probe went on sampling"
        sampled = len(probe.calls)
        await asyncio.sleep(0.25)
        assert len(probe.calls) == sampled
