"""The review's tables: timeline, impact, response metrics, actions, updates, escalations."""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING, Any

from state.clock import from_epoch
from state.review.facts import SIGNAL_KINDS, Row
from state.review.format import NONE, iso, md, span, table

if TYPE_CHECKING:
    from state.review.metrics import Impact, Metric

# The Event column for what people did; the entry's own text goes under Action Taken.
_LABELS = {
    "incident_declared": "Incident declared",
    "incident_acknowledged": "Acknowledged",
    "severity_changed": "Severity changed",
    "status_changed": "Status changed",
    "role_assigned": "Role assigned",
    "note_added": "Note",
    "incident_resolved": "Incident resolved",
    "action_requested": "Action requested",
    "action_finished": "Action finished",
    "verification_checked": "Resolution check",
    "verification_finished": "Resolution verdict",
    "message_queued": "Update queued",
    "message_sent": "Update delivery",
    "message_resent": "Update resent",
    "escalated": "Escalated",
}
_CONTEXT = SIGNAL_KINDS | {"session_started", "session_resumed"}


def timeline(rows: tuple[Row, ...]) -> list[str]:
    """The console's timeline: signals in the Event column, people's acts under Action Taken."""
    out = []
    for row in rows:
        if row.kind in _CONTEXT:
            event, action = md(row.text), NONE
        else:
            label = _LABELS.get(row.kind) or row.kind.replace("_", " ").capitalize()
            event, action = md(label), md(row.text)
        out.append((iso(row.at), event, action, md(row.person) if row.person else NONE))
    if not out:
        return ["Nothing happened that the console puts on its timeline."]
    return table(("Time", "Event", "Action Taken", "Person"), out)


def impact(part_impact: Impact) -> list[str]:
    rows = []
    for s in part_impact.services:
        error = s.error_peak
        p95 = s.p95_peak
        ratio = f" ({p95[1]:.1f}x baseline)" if p95 and math.isfinite(p95[1]) else ""
        rows.append(
            (
                md(s.service),
                md(", ".join(s.why)),
                iso(s.down_at) if s.down_at else "no",
                f"{error[0]:.1f}%" if error else NONE,
                _at(error[1]) if error else NONE,
                f"{p95[0]:.0f} ms{ratio}" if p95 else NONE,
                _at(p95[2]) if p95 else NONE,
            )
        )
    header = (
        "Service",
        "Affected because",
        "First down",
        "Peak error rate",
        "At",
        "Peak p95",
        "At",
    )
    out = table(header, rows) if rows else ["No service was down or past a threshold."]
    peak = part_impact.lock_peak
    if peak is None:
        out += ["", "- **Database lock chain peak:** none (no session was blocked)"]
    else:
        behind = f", behind {md(peak.root)}" if peak.root else ""
        many = "s" if peak.blocked != 1 else ""
        out += [
            "",
            f"- **Database lock chain peak:** {peak.blocked} session{many} blocked at "
            f"{_at(peak.at)}{behind}",
        ]
    return out


def metrics(items: tuple[Metric, ...]) -> list[str]:
    rows = []
    for m in items:
        seconds = m.seconds
        target = m.target_words or "none set by the guide"
        if m.severity is not None and m.target_words:
            target = f"{m.severity.value}: {m.target_words}"
        ends = iso(m.end) if m.end else "not reached"
        starts = iso(m.start) if m.start else NONE
        rows.append(
            (
                f"{m.name}[^{m.key}]",
                starts,
                ends,
                span(seconds) if seconds is not None else NONE,
                target,
                m.verdict or NONE,
            )
        )
    return table(("Metric", "From", "To", "Took", "Target", "Result"), rows)


def actions(people: tuple[Any, ...]) -> list[str]:
    """Each ActionRequested with its ActionFinished; an outcome never journaled says so."""
    finished = {e.action_id: e for e in people if _kind(e) == "action_finished"}
    rows = []
    for e in people:
        if _kind(e) != "action_requested":
            continue
        params = ", ".join(f"{k}={v}" for k, v in sorted(e.params.items()))
        done = finished.get(e.action_id)
        if done is None:
            outcome, when = "no outcome journaled", NONE
        else:
            word = "done" if done.ok else "FAILED"
            outcome, when = md(f"{word}: {done.result}" if done.result else word), iso(done.at)
        rows.append(
            (
                iso(e.at),
                md(e.by),
                md(f"{e.action} ({params})" if params else e.action),
                md(e.target),
                "yes" if e.dry_run else "no",
                when,
                outcome,
            )
        )
    if not rows:
        return ["No action was taken from the console."]
    header = ("Requested", "By", "Action", "Target", "Dry run", "Finished", "Outcome")
    return table(header, rows)


def updates(people: tuple[Any, ...]) -> list[str]:
    """Every message: queued (MessageQueued) and/or sent (MessageSent), joined by message id."""
    messages: dict[str, dict[str, Any]] = {}
    for event in people:
        if _kind(event) in ("message_queued", "message_sent", "message_resent"):
            messages.setdefault(event.message_id, {})[_kind(event)] = event
    rows = []
    for parts in sorted(messages.values(), key=_first_at):
        queued, sent = parts.get("message_queued"), parts.get("message_sent")
        e: Any = sent or queued
        if sent is None:
            outcome = "queued, no outcome journaled"
        elif sent.outcome == "unknown":
            outcome = md(f"delivery unknown: {sent.detail}" if sent.detail else "unknown")
        elif sent.outcome == "delivered":
            outcome = "delivered"
        else:
            outcome = md(f"FAILED: {sent.detail}" if sent.detail else "FAILED")
        if "message_resent" in parts:
            outcome += f" (resent by {md(parts['message_resent'].by)})"
        status = e.status.word
        if queued is not None and getattr(queued, "purpose", "update") == "escalation":
            status = "escalation page"
        rows.append((iso(e.at), md(e.channel), status, outcome, md(e.by), md(e.text)))
    if not rows:
        return ["No status update was sent from the console."]
    return table(("Time", "Channel", "Status", "Outcome", "By", "Text"), rows)


def escalations(people: tuple[Any, ...]) -> list[str]:
    rows = [
        (
            iso(e.at),
            f"L{e.level}",
            md(e.reason),
            md(e.by),
            md(", ".join(getattr(e, "contacts", ()))),
            md(", ".join(getattr(e, "channels", ()))),
        )
        for e in people
        if _kind(e) == "escalated"
    ]
    if not rows:
        return ["No escalation was journaled."]
    return table(("Time", "Level", "Reason", "By", "Contacts", "Paged"), rows)


def score_card(event: Any) -> list[str]:
    """A DrillScored: the grade, each milestone against its target, the harmful actions."""
    lines = [
        f"**Scenario:** {md(event.scenario)}, **Grade:** {md(event.grade)} "
        f"({event.points}/{event.of} points)",
        "",
    ]
    rows = [
        (
            md(m.name),
            span(m.took) if m.took is not None else NONE,
            span(m.target) if m.target is not None else NONE,
            md(m.verdict),
            f"{m.points}/{m.of}",
            md(m.detail),
        )
        for m in event.milestones
    ]
    lines += table(("Milestone", "Took", "Target", "Verdict", "Points", "Detail"), rows)
    harmful = getattr(event, "harmful", ())
    lines += ["", "Harmful actions:" if harmful else "No harmful action."]
    lines += [f"- {md(h)}" for h in harmful]
    return lines


def _first_at(parts: dict[str, Any]) -> tuple[datetime, str]:
    first = min(e.at for e in parts.values())
    return (first, next(iter(parts.values())).message_id)


def _at(epoch: float) -> str:
    return iso(from_epoch(epoch))


def _kind(event: object) -> str:
    return getattr(event, "kind", "")
