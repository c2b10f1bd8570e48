"""The guide's action-items JSON and review meeting invite (.ics), from one incident's part."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from state.action_words import action_words
from state.events import ActionFinished, ActionRequested
from state.guide.milestones import is_pager
from state.guide.severity import Severity
from state.review.escalations import due_escalations
from state.review.format import iso, span
from state.review.sections import unknown_outcome
from state.text import inert

if TYPE_CHECKING:
    from state.guide.milestones import Gap, Measure
    from state.review.metrics import Part

MEETING_AFTER = timedelta(days=2)  # the guide's script: "date -d '+2 days'", 14:00-15:00
MEETING_HOURS = (14, 15)
TITLE_LIMIT = 200


@dataclass(frozen=True)
class ActionItem:
    number: int
    title: str  # inert, not escaped: JSON and Markdown each escape it their own way
    priority: str
    team: str  # the guide's owner names (engineering, devops): who it likely falls to
    due: date
    category: str
    horizon: str  # the review's heading: immediate, short-term, long-term
    owner: str = ""  # a person, left for the review meeting to fill in


# For a missed target: what to improve, its category and team (the guide's owner names).
_MISSED = {
    "declared": ("Declare sooner", "monitoring", "engineering"),
    "acknowledged": ("Acknowledge sooner", "process", "devops"),
    "first_update": ("Post the first status update sooner", "communication", "devops"),
    "resolved": ("Resolve sooner", "process", "engineering"),
}
# For a target never reached by a closed incident: what to do, its category and team.
_NEVER = {
    "acknowledged": (
        "Acknowledge every incident: this one was closed without an acknowledgement",
        "process",
        "devops",
    ),
    "first_update": (
        "Post a status update for every incident: this one was closed without any reaching people",
        "communication",
        "devops",
    ),
}
# Kinds of journal events that pin a finding of the investigation, once the console has them:
# each becomes an action item of its own (`_pins`).
PIN_KINDS: frozenset[str] = frozenset({"investigation_pinned"})


def closed_at(part: Part) -> datetime:
    """When the incident ended: its resolution, else the end of the journal."""
    return part.resolved_at or part.end


def action_items(part: Part) -> list[ActionItem]:
    """What this incident itself leaves to follow up, each with an owner for people to name:
    the missed targets, the harmful and the failed actions, the signals that breached with
    no page going out, the overdue status updates, the escalations, the investigation's pins."""
    created = closed_at(part).astimezone(UTC).date()
    week, month = created + timedelta(weeks=1), created + timedelta(days=30)
    found: list[tuple[str, str, str, str, date, str]] = []  # title, priority, team, ...
    urgent = part.milestones is not None and part.milestones.held in (Severity.P1, Severity.P2)
    if part.milestones is not None:
        for m in part.milestones.measures():
            if m.result == "not done" and m.key in _NEVER and m.target:
                what, category, team = _NEVER[m.key]
                priority = "high" if urgent else "medium"
                found.append((what, priority, team, category, week, "immediate"))
            elif m.key == "resolved" and m.note:
                title = (
                    "Resolve only once the guide's resolution criteria hold: "
                    f"{m.note} (at {iso(m.at)})"  # type: ignore[arg-type]
                )
                found.append((title, "high", "engineering", "process", week, "immediate"))
            elif m.result == "missed" and m.key in _MISSED:
                what, category, team = _MISSED[m.key]
                priority = "high" if urgent else "medium"
                found.append(
                    (
                        f"{what}: {_missed_words(m, part)}",
                        priority,
                        team,
                        category,
                        week,
                        "immediate",
                    )
                )
    for harm in part.harmful:
        title = f"Find out why a harmful action was taken: {harm}"
        found.append((title, "high", "engineering", "remediation", week, "immediate"))
    for event in part.people:
        if getattr(event, "kind", "") == "action_finished" and not event.ok and not event.dry_run:  # type: ignore[attr-defined]
            what = action_words(event.action, event.target)  # type: ignore[attr-defined]
            title = f"Find out why {what} failed: {event.result}"  # type: ignore[attr-defined]
            found.append((title, "high", "engineering", "remediation", week, "immediate"))
    for event, why in unfinished(part):
        what = action_words(event.action, event.target)
        title = f"Find out what {what} did: {why}"
        found.append((title, "high", "engineering", "remediation", week, "immediate"))
    for what, at in _unpaged(part):
        title = f"Page on {what}: it breached at {iso(at)} and no page went out"
        found.append((title, "high", "engineering", "monitoring", week, "immediate"))
    late = overdue(part)
    if late:
        title = "Keep the update cadence: " + "; ".join(
            f"the update due by {iso(g.due)} {g.result}" for g in late
        )
        found.append((title, "medium", "devops", "communication", week, "immediate"))
    for due in due_escalations(part):
        if due.done is None:
            title = (
                f"Escalate when the guide's trigger fires: L{due.level} ({due.who}) fell due at "
                f"{iso(due.at)} ({due.why}), and the incident was never escalated to it"
            )
            found.append(
                (title, "high" if urgent else "medium", "devops", "process", week, "immediate")
            )
    for event in part.people:
        if getattr(event, "kind", "") == "escalated":
            title = (
                f"Review the escalation to L{event.level} at {iso(event.at)} "  # type: ignore[attr-defined]
                f"({event.reason}): was it needed, and early enough?"  # type: ignore[attr-defined]
            )
            found.append((title, "medium", "devops", "process", month, "short-term"))
    found += _pins(part, month)
    return [
        ActionItem(n, inert(title, TITLE_LIMIT), priority, team, due, category, horizon)
        for n, (title, priority, team, category, due, horizon) in enumerate(found, start=1)
    ]


def unfinished(part: Part) -> list[tuple[ActionRequested, str]]:
    """(ActionRequested, why its outcome is unknown) for each action of `part`, not a dry
    run, with no outcome journaled: it may have been done, half done or never sent."""
    ended = {e.action_id for e in part.people if isinstance(e, ActionFinished)}
    return [
        (e, unknown_outcome(e.action_id, part.stopped))
        for e in part.people
        if isinstance(e, ActionRequested) and e.action_id not in ended and not e.dry_run
    ]


def overdue(part: Part) -> list[Gap]:
    """The updates the cadence wanted that came late or never, but the first one when the
    first status update's own target is missed already (it says the same)."""
    m = part.milestones
    if m is None:
        return []
    first_missed = any(x.key == "first_update" and x.result == "missed" for x in m.measures())
    return [
        g
        for g in m.cadence()
        if g.result != "on time" and not (first_missed and g.since == m.declared)
    ]


def _pins(part: Part, due: date) -> list[tuple[str, str, str, str, date, str]]:
    """One item per finding pinned during the investigation (PIN_KINDS), by its text."""
    return [
        (
            f"Follow up: {getattr(e, 'text', '')}",
            "medium",
            "engineering",
            "investigation",
            due,
            "short-term",
        )
        for e in part.people
        if getattr(e, "kind", "") in PIN_KINDS
    ]


def _unpaged(part: Part) -> list[tuple[str, datetime]]:
    """The signals that breached in this incident with no page (a PagerDuty trigger or an
    escalation page, delivered) going out at or after the breach."""
    queued = {
        e.message_id: e  # type: ignore[attr-defined]
        for e in part.people
        if getattr(e, "kind", "") == "message_queued"
    }
    pages = []
    for e in part.people:
        if getattr(e, "kind", "") != "message_sent" or e.outcome != "delivered":  # type: ignore[attr-defined]
            continue
        q = queued.get(e.message_id)  # type: ignore[attr-defined]
        purpose = getattr(q, "purpose", "update")
        pager = is_pager(getattr(q, "channel_type", ""), e.channel)  # type: ignore[attr-defined]
        if purpose == "escalation" or (pager and purpose == "update"):
            pages.append(e.at)
    last = max(pages, default=None)
    return [(what, at) for what, at in part.breaches if last is None or last < at]


def _missed_words(m: Measure, part: Part) -> str:
    assert part.milestones is not None
    target = f"{part.milestones.held.value} target {m.target}"
    if m.seconds is None:
        return f"not done by the end of the journal ({target})"
    return f"took {span(m.seconds)} ({target})"


def item_id(incident_id: str, number: int) -> str:
    return f"AI-{incident_id}-{number:03d}"


def action_items_json(incident_id: str, part: Part, items: list[ActionItem]) -> str:
    """The guide's {incident_id}_action_items.json; created_date is when the incident ended."""
    document = {
        "incident_id": incident_id,
        "created_date": iso(closed_at(part)),
        "action_items": [
            {
                "id": item_id(incident_id, item.number),
                "title": item.title,
                "priority": item.priority,
                "owner": item.owner,  # left for people to fill in
                "team": item.team,
                "due_date": item.due.isoformat(),
                "status": "open",
                "category": item.category,
            }
            for item in items
        ],
    }
    return json.dumps(document, indent=4, ensure_ascii=False) + "\n"


def meeting_day(part: Part) -> date:
    return closed_at(part).astimezone(UTC).date() + MEETING_AFTER


def meeting_ics(incident_id: str, title: str, part: Part) -> str:
    """The guide's review meeting, two days after the incident ended, 14:00-15:00 UTC.

    DTSTAMP is when the incident ended, not when this was written, so the same journal
    always gives the same file. The guide's ORGANIZER line puts CN after a colon; RFC 5545
    wants it as a parameter (`;CN=`), which is what calendars parse.
    """
    day = meeting_day(part)
    start, end = (datetime(day.year, day.month, day.day, h, tzinfo=UTC) for h in MEETING_HOURS)
    about = f" ({inert(title, TITLE_LIMIT)})" if title else ""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Tracktion//PIR//EN",
        "BEGIN:VEVENT",
        f"UID:{ics_text(f'pir-{incident_id}@tracktion.com')}",
        f"DTSTAMP:{_stamp(closed_at(part))}",
        f"DTSTART:{_stamp(start)}",
        f"DTEND:{_stamp(end)}",
        f"SUMMARY:{ics_text(f'Post-Incident Review: {incident_id}')}",
        "DESCRIPTION:"
        + ics_text(
            f"Review of incident {incident_id}{about} to identify root causes and "
            "improvement opportunities."
        ),
        "LOCATION:Conference Room / Video Call",
        "ORGANIZER;CN=DevOps Team:MAILTO:devops@tracktion.com",
        "ATTENDEE:MAILTO:engineering@tracktion.com",
        "ATTENDEE:MAILTO:product@tracktion.com",
        "ATTENDEE:MAILTO:support@tracktion.com",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold_line(line) + "\r\n" for line in lines)


def ics_text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 3.3.11 says: backslash, semicolon, comma, newline."""
    s = inert(value)
    return s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold_line(line: str, limit: int = 75) -> str:
    """RFC 5545 3.1: lines longer than 75 octets go on as CRLF + space, never inside a character."""
    out: list[str] = []
    chunk, size = "", 0
    for char in line:
        n = len(char.encode())
        if size + n > limit:
            out.append(chunk)
            chunk, size = " ", 1  # the continuation's leading space counts toward its 75
        chunk += char
        size += n
    out.append(chunk)
    return "\r\n".join(out)


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
