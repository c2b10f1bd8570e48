"""Deterministic sessions for the review tests and benchmark: the simulated cluster, frozen clock.

Each builder plays the commander's part as the console records it: keys become the
same events (declare, acknowledge, an action journaled before and after it runs, a note,
status updates as the outbox journals them, resolve).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from probes.actions import ActionRefused
from state.events import (
    ActionFinished,
    ActionRequested,
    Escalated,
    IncidentResolved,
    MessageQueued,
    MessageSent,
    NoteAdded,
    SeverityChanged,
)
from state.guide.severity import IncidentStatus, Severity
from state.guide.signals import describe_service
from state.text import inert
from tests.play import OPERATOR, START, Session

HOSTILE_NOTE = "| <script> [x](http://e) \x1b[31m"
DECLARED_AT = 60  # seconds into the bad-deploy session
ACKNOWLEDGED_AT = 100
FIRST_UPDATE_AT = 112
MITIGATED_AT = 150
RESOLVED_AT = 300


def perform(
    session: Session, action: str, target: str, params: Mapping[str, Any] | None = None
) -> None:
    """What tui/remediation_keys.py `perform` journals: the request, one run, its outcome."""
    now = session.clock.now()
    name = target.rsplit("/", 1)[-1]
    action_id = f"{now:%Y%m%dT%H%M%S}-1"
    session.record(
        ActionRequested(
            at=now,
            action_id=action_id,
            action=action,
            target=target,
            params=dict(params or {}),
            before=describe_service(session.recorder.state, name),
            by=OPERATOR,
        )
    )
    try:
        result = asyncio.run(session.actions.run(action, target, params or {}, False, now))
        ok = True
    except ActionRefused as exc:
        result, ok = str(exc), False
    session.record(
        ActionFinished(
            at=now,
            action_id=action_id,
            action=action,
            target=target,
            ok=ok,
            result=inert(result, 300),
            after=describe_service(session.recorder.state, name),
        )
    )


def post(
    session: Session,
    message_id: str,
    channel: str,
    status: IncidentStatus,
    text: str,
    delivered: bool = True,
    purpose: str = "update",
    channel_type: str = "",
) -> None:
    """A message as the outbox journals it: queued now, its outcome two seconds later."""
    queued = session.clock.now()
    session.record(
        MessageQueued(
            at=queued,
            message_id=message_id,
            channel=channel,
            status=status,
            text=text,
            by=OPERATOR,
            purpose=purpose,  # type: ignore[arg-type]
            channel_type=channel_type,
        )
    )
    session.run(session.seconds() + 2)
    session.record(
        MessageSent(
            at=session.clock.now(),
            message_id=message_id,
            channel=channel,
            status=status,
            text=text,
            outcome="delivered" if delivered else "failed",
            detail="" if delivered else "HTTP 503 from the status page",
            by=OPERATOR,
        )
    )


def bad_deploy(path: Path) -> Session:
    """Declared P2 at 60 s, raised to P1, acknowledged at 100 s, rolled back, resolved at 300 s."""
    session = Session("bad-deploy", path).run(DECLARED_AT)
    session.declare(Severity.P2)
    session.run(90)
    session.record(
        SeverityChanged(
            at=session.clock.now(),
            severity=Severity.P1,
            previous=Severity.P2,
            reason="error rate above 20%",
            by=OPERATOR,
        )
    )
    session.run(ACKNOWLEDGED_AT).acknowledge()
    session.run(FIRST_UPDATE_AT - 2)
    incident = session.recorder.state.incident
    assert incident is not None
    iid = incident.incident_id
    investigating = "We are investigating reports of issues with tracklist-service."
    post(session, f"{iid}:#incidents:1", "#incidents", IncidentStatus.INVESTIGATING, investigating)
    post(
        session,
        f"{iid}:statuspage:1",
        "statuspage",
        IncidentStatus.INVESTIGATING,
        investigating,
        delivered=False,
    )
    session.run(120)
    perform(session, "restart", "tracktion/no-such-service")
    session.run(MITIGATED_AT)
    perform(session, "rollout_undo", "tracktion/tracklist-service")
    session.run(160)
    session.record(NoteAdded(at=session.clock.now(), text=HOSTILE_NOTE, by=OPERATOR))
    session.run(200)
    session.record(
        Escalated(
            at=session.clock.now(),
            level=2,
            reason="tracklist team needed",
            by=OPERATOR,
            contacts=("team lead", "senior engineer"),
            channels=("#team-leads",),
        )
    )
    post(
        session,
        f"{iid}:#team-leads:1",
        "#team-leads",
        IncidentStatus.INVESTIGATING,
        f"Incident Escalated to L2 Incident: {iid} Reason: tracklist team needed",
        purpose="escalation",
    )
    session.run(RESOLVED_AT)
    session.record(
        IncidentResolved(
            at=session.clock.now(),
            summary="Rolled back tracklist-service; error rate under 1%",
            by=OPERATOR,
        )
    )
    post(
        session,
        f"{iid}:#incidents:2",
        "#incidents",
        IncidentStatus.RESOLVED,
        "This issue has been resolved. All services are operating normally.",
    )
    session.run(320)
    return session


def quiet(path: Path, start: datetime = START) -> Session:
    """Two minutes of a lock storm nobody declared."""
    return Session("db-lock-storm", path, start=start).run(120)
