"""Runs every probe on its own schedule with its own timeout, off the UI's critical path.

A probe that fails or is late marks only its own source stale: the failure is emitted
once per change of reason, and a recovery once when it answers again.

A probe's timeout bounds its sample, a backstop above the per-call timeouts the probe keeps
itself. What comes once, before the first sample (importing a client library, reading a
kubeconfig), is no backend call: a probe that has a `prepare()` coroutine gets it awaited
first, within PREPARE_TIMEOUT and outside the sample's timeout, so a slow start on a loaded
machine is not reported as a backend that timed out. Its failure is left to the sample.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from state.events import EventBase, ProbeFailed, ProbeRecovered
from state.text import describe_error

if TYPE_CHECKING:
    from probes.base import Probe
    from state.clock import Clock

Emit = Callable[[EventBase], None]
PREPARE_TIMEOUT = 30.0  # seconds


class ProbeScheduler:
    """Samples each probe every `probe.interval` seconds of clock time."""

    def __init__(
        self, probes: Sequence[Probe], clock: Clock, emit: Emit, speed: float = 1.0
    ) -> None:
        self.probes = list(probes)
        self.clock = clock
        self.emit = emit
        self.speed = speed
        self._failing: dict[str, str] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._prepared: set[int] = set()  # id() of the probes prepared

    async def _prepare(self, probe: Probe) -> None:
        if id(probe) in self._prepared:
            return
        self._prepared.add(id(probe))
        prepare = getattr(probe, "prepare", None)
        if prepare is not None:
            with contextlib.suppress(Exception):  # the sample that follows says what is wrong
                async with asyncio.timeout(PREPARE_TIMEOUT):
                    await prepare()

    async def sample_once(self, probe: Probe, now: datetime | None = None) -> None:
        """Sample one probe now and emit what it found, or its failure."""
        await self._prepare(probe)
        now = now or self.clock.now()
        try:
            # asyncio.timeout, not wait_for: Python 3.11's wait_for drops a cancellation that
            # lands as the sample completes, and the probes' ticks are the moments the
            # console stops them at (a quit on a refresh): the probe would go on sampling
            async with asyncio.timeout(probe.timeout):
                events = await probe.sample(now)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            reason = describe_error(exc, probe.timeout)
            if self._failing.get(probe.source) != reason:
                self._failing[probe.source] = reason
                # an error that says the backend was never reached from here (a name that
                # does not resolve) marks it unknown, not down (probes/postgres/connection.py)
                unknown = bool(getattr(exc, "unknown", False))
                self.emit(ProbeFailed(at=now, source=probe.source, reason=reason, unknown=unknown))
            return
        if self._failing.pop(probe.source, None) is not None:
            self.emit(ProbeRecovered(at=now, source=probe.source))
        for event in events:
            self.emit(event)

    async def cycle(self, now: datetime | None = None) -> None:
        """Sample every probe once, concurrently."""
        await asyncio.gather(*(self.sample_once(p, now) for p in self.probes))

    async def _run(self, probe: Probe, epoch: float) -> None:
        """Sample `probe` at `epoch` and every period after it, on the ticks the other
        probes of the same period sample at (`start`): a sample that comes late (a first
        one that loaded its client library, a slow backend) skips the ticks it missed and
        takes the next one, rather than bursting or moving the probe off them. The console
        draws the samples of one tick together (tui/base.py PROBE_BATCH): probes that
        drifted apart cost a repaint each, every refresh."""
        loop = asyncio.get_running_loop()
        period = probe.interval / self.speed
        next_at = epoch
        while True:
            await self.sample_once(probe)
            next_at += period
            now = loop.time()
            if next_at < now:
                next_at += math.ceil((now - next_at) / period) * period
            await asyncio.sleep(next_at - now)

    def start(self) -> None:
        epoch = asyncio.get_running_loop().time()  # every probe's ticks count from it
        self._tasks = [
            asyncio.create_task(self._run(p, epoch), name=f"probe:{p.source}") for p in self.probes
        ]

    def cancel(self) -> None:
        """Stop sampling now; `stop` waits for the samples to end and closes the probes."""
        for task in self._tasks:
            task.cancel()

    async def stop(self) -> None:
        self.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for probe in self.probes:
            with contextlib.suppress(Exception):
                await probe.close()
