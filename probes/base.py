"""What every probe is: one source, its own schedule and timeout, a sample method."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from state.events import EventBase, Source


class Probe(Protocol):
    """Reads one backend. `sample` returns events or raises; it never touches the UI.

    A probe may also define `async def prepare(self) -> None`: what comes once before its
    first sample and is no backend call (importing its client library off the event loop,
    reading a kubeconfig). The scheduler awaits it outside the sample's timeout.
    """

    source: Source
    interval: float  # seconds between samples (of the clock's time)
    timeout: float  # seconds before a sample counts as failed

    async def sample(self, now: datetime) -> Sequence[EventBase]: ...

    async def close(self) -> None: ...
