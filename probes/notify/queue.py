"""Queueing: a status update or an escalation becomes outbox rows and events, in one commit."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from probes.notify.config import NotifyConfig, plays, secret_names, target_of
from state.events import Escalated, EventBase, MessageQueued, MessageResent
from state.guide.escalation import LEVEL_AUDIENCE, LEVEL_NAMES
from state.guide.templates import (
    components,
    escalation_contacts,
    escalation_text,
    internal_update_text,
    status_page_text,
    summary_line,
)
from state.journal.outbox import Emit, Outbox, OutboxMessage, enqueue
from state.text import inert

if TYPE_CHECKING:
    from probes.notify.config import Channel
    from state.console import ConsoleState, Incident
    from state.guide.severity import IncidentStatus


@dataclass(frozen=True)
class ChannelInfo:
    """A configured channel as the update and escalation dialogs list it."""

    name: str
    type: str
    audience: str  # "internal" or "public"
    preselected: bool  # in [notify] updates: ticked by default for a status update
    ready: bool  # its secrets are in the environment
    problem: str = ""  # why it is not ready


def configured_channels(
    config: NotifyConfig | Mapping, environ: Mapping[str, str] | None = None
) -> list[ChannelInfo]:
    """Every configured channel, in config order, and whether it can send."""
    if not isinstance(config, NotifyConfig):
        config = NotifyConfig.model_validate(dict(config))
    env = os.environ if environ is None else environ
    out = []
    for name, channel in config.channels.items():
        missing = [n for n in secret_names(channel) if not env.get(n)]
        out.append(
            ChannelInfo(
                name=name,
                type=channel.type,
                audience=channel.audience,
                preselected=name in config.updates,
                ready=not missing,
                problem=f"environment variable {missing[0]} is not set" if missing else "",
            )
        )
    return out


def _incident(state: ConsoleState) -> Incident:
    if state.incident is None:
        raise ValueError("no incident declared")
    return state.incident


def _check(config: NotifyConfig, names: Sequence[str]) -> list[str]:
    unknown = [n for n in names if n not in config.channels]
    if unknown:
        raise ValueError(f"no such notify channel: {', '.join(unknown)}")
    return list(dict.fromkeys(names))  # each once, in the order given


def _about(
    kind: type[MessageQueued | MessageResent], at: datetime, message: OutboxMessage, **fields
) -> MessageQueued | MessageResent:
    """The journal's event `kind` about an outbox `message`: what it is, where it goes, as of
    which status; `fields` add what that kind of event says besides."""
    return kind(
        at=at,
        message_id=message.message_id,
        channel=message.channel,
        status=message.status,
        **fields,
    )


def _type_of(channel: Channel) -> str:
    """The channel's type as the journal records it: a demo sink, the type it stands for."""
    return getattr(channel, "stands_for", None) or channel.type


def _queue(
    outbox: Outbox,
    emit: Emit,
    now: datetime,
    config: NotifyConfig,
    incident: Incident,
    names: list[str],
    texts: Mapping[str, str],
    common: dict[str, object],
    first: Sequence[EventBase] = (),
) -> list[str]:
    """Write one message per channel in `names`, numbered after the ones this incident already
    sent there (Outbox.next_id), with `texts[audience]` and the fields in `common`, and
    journal `first` and a MessageQueued for each, all in one transaction; the message ids."""
    with outbox.transaction():  # numbering and writing in one transaction
        messages = []
        for name in names:
            channel = config.channels[name]
            fields = {
                "message_id": outbox.next_id(incident.incident_id, name, now),
                "incident_id": incident.incident_id,
                "channel": name,
                "target": target_of(channel),
                "severity": incident.severity,
                "title": incident.title,
                "text": texts[channel.audience],
                **common,
            }
            messages.append(OutboxMessage.model_validate(fields))
        queued = [
            _about(
                MessageQueued,
                now,
                m,
                text=m.text,
                by=m.by,
                purpose=m.purpose,
                channel_type=_type_of(config.channels[m.channel]),
            )
            for m in messages
        ]
        enqueue(outbox, emit, now, messages, [*first, *queued])
    return [m.message_id for m in messages]


def queue_update(
    outbox: Outbox,
    emit: Emit,
    state: ConsoleState,
    now: datetime,
    config: NotifyConfig,
    channels: Sequence[str],
    status: IncidentStatus,
    by: str,
    public_text: str | None = None,
    internal_text: str | None = None,
) -> list[str]:
    """Queue a status update to `channels`; the message ids. Public channels get the status
    page text, internal ones the Internal Status Update; None means the template's text."""
    incident = _incident(state)
    names = _check(config, channels)
    texts = {
        "public": public_text if public_text is not None else status_page_text(state, status),
        "internal": internal_text
        if internal_text is not None
        else internal_update_text(state, now, status),
    }
    common: dict[str, object] = {
        "purpose": "update",
        "status": status,
        "summary": summary_line(incident, status),
        "components": components(state, status),
        "by": by,
    }
    return _queue(outbox, emit, now, config, incident, names, texts, common)


def queue_escalation(
    outbox: Outbox,
    emit: Emit,
    state: ConsoleState,
    now: datetime,
    config: NotifyConfig,
    level: int,
    reason: str,
    by: str,
    channels: Sequence[str] | None = None,
) -> list[str]:
    """Escalate to `level` (1-5) and queue its pages: by default the channels configured for
    the level's audience (team 1-2, management 3, executive 4-5). The message ids."""
    incident = _incident(state)
    if level not in LEVEL_AUDIENCE:
        raise ValueError(f"escalation level {level} is not one of the guide's 1-5")
    audience = LEVEL_AUDIENCE[level]
    names = _check(config, config.escalation_channels(audience) if channels is None else channels)
    public = [n for n in names if config.channels[n].audience == "public"]
    if public:
        raise ValueError(f"escalations are internal; {', '.join(public)} is public")
    text = escalation_text(incident.incident_id, level, reason)
    summary = (
        f"{incident.incident_id} escalated to L{level} ({LEVEL_NAMES[level]}): {inert(reason)}"
    )
    common: dict[str, object] = {
        "purpose": "escalation",
        "status": incident.status,
        "summary": summary,
        "level": level,
        "by": by,
    }
    escalated = Escalated(
        at=now,
        level=level,
        reason=reason,
        by=by,
        contacts=escalation_contacts(level),
        channels=tuple(names),
    )
    return _queue(
        outbox, emit, now, config, incident, names, {"internal": text}, common, [escalated]
    )


def paged(outbox: Outbox, incident_id: str, channel: str) -> bool:
    """Was a page (an Events API trigger: an update or an escalation) for this incident queued
    to `channel` and not refused for good? Only such an alert can be acknowledged."""
    return any(
        row.message.incident_id == incident_id
        and row.message.channel == channel
        and row.message.purpose in ("update", "escalation")
        and row.state != "failed"
        for row in outbox.rows()
    )


def unpaged_pagers(outbox: Outbox, state: ConsoleState, config: NotifyConfig) -> list[str]:
    """The PagerDuty channels no page for the open incident went to: nothing to acknowledge."""
    incident = _incident(state)
    return [
        n
        for n, c in config.channels.items()
        if plays(c, "pagerduty") and not paged(outbox, incident.incident_id, n)
    ]


def queue_acknowledgement(
    outbox: Outbox, emit: Emit, state: ConsoleState, now: datetime, config: NotifyConfig, by: str
) -> list[str]:
    """Tell every PagerDuty channel that was paged for the incident that it is acknowledged
    (the Events API's acknowledge, same dedup_key), so on-call stops being paged. A channel
    never paged for it has no alert to acknowledge: it is left out (`unpaged_pagers`). The
    message ids; none without a paged PagerDuty channel."""
    incident = _incident(state)
    skipped = set(unpaged_pagers(outbox, state, config))
    names = [n for n, c in config.channels.items() if plays(c, "pagerduty") and n not in skipped]
    if not names:
        return []
    text = f"{incident.incident_id} acknowledged by {inert(by)}"
    common: dict[str, object] = {
        "purpose": "acknowledge",
        "status": incident.status,
        "summary": text,
        "by": by,
    }
    texts = {"internal": text, "public": text}
    return _queue(outbox, emit, now, config, incident, names, texts, common)


def unknown_deliveries(outbox: Outbox) -> list[OutboxMessage]:
    """The messages whose delivery is unknown, oldest first: what the commander may resend."""
    return [row.message for row in outbox.unknown_rows()]


def resend(outbox: Outbox, emit: Emit, now: datetime, message_id: str, by: str) -> None:
    """Send again, as `by` chose to, a message whose delivery is unknown: due now, and its
    MessageResent journaled in the same commit. It may post a duplicate where the first copy
    did arrive. Raises KeyError when the message's delivery is not unknown (any more)."""
    with outbox.transaction():
        message = outbox.resend(message_id, now).message
        emit(
            _about(MessageResent, now, message, purpose=message.purpose, level=message.level, by=by)
        )
