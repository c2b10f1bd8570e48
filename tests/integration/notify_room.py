"""A journaled session with a declared P1, an outbox and a frozen clock, for the notify tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from probes.notify.config import NotifyConfig, parse
from probes.notify.outbox_sender import OutboxSender
from probes.notify.queue import queue_escalation, queue_update
from state.clock import FrozenClock
from state.events import (
    HealthResult,
    HealthSampled,
    IncidentDeclared,
    MessageSent,
    MetricSampled,
    SessionStarted,
)
from state.guide.severity import IncidentStatus, Severity
from state.journal.keyframes import KeyframeIndex
from state.journal.outbox import Outbox
from state.journal.store import Journal
from state.recorder import Recorder

T0 = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
INCIDENT = "INC-20260306-8400"


def queued_id(channel: str, n: int, at: datetime = T0) -> str:
    """The id of the incident's `n`-th message to `channel`, queued at `at` (Outbox.next_id)."""
    return f"{INCIDENT}:{channel}:{n}@{at:%Y%m%dT%H%M%SZ}"


SERVICES = ("analysis-service", "tracklist-service", "file-watcher")


def opening_events() -> list:
    return [
        SessionStarted(at=T0, mode="live", version="test", operator="ana", services=SERVICES),
        HealthSampled(
            at=T0,
            results=(
                HealthResult(service="analysis-service", up=True, status_code=200),
                HealthResult(service="tracklist-service", up=False, status_code=503),
                HealthResult(service="file-watcher", up=True, status_code=200),
            ),
        ),
        MetricSampled(
            at=T0,
            metric="error_rate",
            values={"analysis-service": 7.5, "tracklist-service": 34.0, "file-watcher": 0.1},
        ),
        IncidentDeclared(
            at=T0,
            incident_id=INCIDENT,
            severity=Severity.P1,
            title="tracklist-service 5xx",
            reason="tracklist-service error rate 34.0% > 20%",
            by="ana",
        ),
    ]


@dataclass
class Room:
    journal: Journal
    recorder: Recorder
    outbox: Outbox
    clock: FrozenClock

    @property
    def state(self):
        return self.recorder.state

    def sender(
        self, config: NotifyConfig, environ: dict[str, str] | None, **kwargs: Any
    ) -> OutboxSender:
        return OutboxSender(
            self.outbox, self.clock, config, self.recorder.record, environ=environ, **kwargs
        )

    def queue_update(
        self,
        config: NotifyConfig,
        channels: Sequence[str],
        status: IncidentStatus = IncidentStatus.INVESTIGATING,
        **texts: str,
    ) -> list[str]:
        """Queue an update from ana, as the `u` key does; the message ids."""
        return queue_update(
            self.outbox,
            self.recorder.record,
            self.state,
            self.clock.now(),
            config,
            channels,
            status,
            "ana",
            **texts,
        )

    def queue_escalation(
        self,
        config: NotifyConfig,
        level: int,
        reason: str,
        channels: Sequence[str] | None = None,
    ) -> list[str]:
        """Escalate as ana does with the `e` key; the message ids of its pages."""
        return queue_escalation(
            self.outbox,
            self.recorder.record,
            self.state,
            self.clock.now(),
            config,
            level,
            reason,
            "ana",
            channels=channels,
        )

    def posted(self) -> list[MessageSent]:
        return [e for e in self.journal.events() if isinstance(e, MessageSent)]

    def close(self) -> None:
        self.journal.close()


def new_room(path: Path) -> Room:
    journal = Journal.create(path, {"mode": "live"})
    recorder = Recorder(journal)
    for event in opening_events():
        recorder.record(event)
    return Room(journal, recorder, Outbox(journal), FrozenClock(T0))


def reopen(path: Path, clock: FrozenClock) -> Room:
    journal = Journal.open(path)
    return Room(journal, Recorder(journal, KeyframeIndex(journal).latest()), Outbox(journal), clock)


def config(channels: dict[str, dict], **settings: Any) -> NotifyConfig:
    return parse({"channels": channels, **settings})
