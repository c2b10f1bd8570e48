"""The guide's action-items JSON and review meeting invite (.ics), from one incident's part."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from state.guide.severity import Severity
from state.review.format import iso, span
from state.text import inert

if TYPE_CHECKING:
    from state.review.metrics import Metric, Part

MEETING_AFTER = timedelta(days=2)  # the guide's script: "date -d '+2 days'", 14:00-15:00
MEETING_HOURS = (14, 15)
TITLE_LIMIT = 200


@dataclass(frozen=True)
class ActionItem:
    number: int
    title: str  # inert, not escaped: JSON and Markdown each escape it their own way
    priority: str
    owner: str
    due: date
    category: str
    horizon: str  # the review's heading: immediate, short-term, long-term


# For a missed target: what to improve, its category and owner (the guide's owner names).
_MISSED = {
    "detect": ("Detect sooner", "monitoring", "engineering"),
    "acknowledge": ("Acknowledge sooner", "process", "devops"),
    "update": ("Post the first status update sooner", "communication", "devops"),
    "resolve": ("Resolve sooner", "process", "engineering"),
}


def closed_at(part: Part) -> datetime:
    """When the incident ended: its resolution, else the end of the journal."""
    return part.resolved.at if part.resolved is not None else part.end


def action_items(part: Part) -> list[ActionItem]:
    """The guide's two defaults, then one per missed target, then one per failed action."""
    created = closed_at(part).astimezone(UTC).date()
    week = created + timedelta(weeks=1)
    items = [
        ActionItem(
            1,
            "Review and update monitoring alerts",
            "high",
            "engineering",
            week,
            "monitoring",
            "immediate",
        ),
        ActionItem(
            2,
            "Improve incident response documentation",
            "medium",
            "devops",
            created + timedelta(weeks=2),
            "process",
            "short-term",
        ),
    ]
    for metric in part.metrics:
        if metric.verdict == "missed" and metric.key in _MISSED:
            what, category, owner = _MISSED[metric.key]
            urgent = metric.severity in (None, Severity.P1, Severity.P2)
            title = f"{what}: {_missed_words(metric)}"
            items.append(
                ActionItem(
                    len(items) + 1,
                    title,
                    "high" if urgent else "medium",
                    owner,
                    week,
                    category,
                    "immediate",
                )
            )
    for event in part.people:
        if getattr(event, "kind", "") == "action_finished" and not event.ok and not event.dry_run:  # type: ignore[attr-defined]
            title = inert(
                f"Find out why {event.action} of {event.target} failed: {event.result}",  # type: ignore[attr-defined]
                TITLE_LIMIT,
            )
            items.append(
                ActionItem(
                    len(items) + 1, title, "high", "engineering", week, "remediation", "immediate"
                )
            )
    return items


def _missed_words(metric: Metric) -> str:
    target = f"target {metric.target_words}"
    if metric.severity is not None:
        target = f"{metric.severity.value} {target}"
    if metric.seconds is None:
        return f"not done by the end of the journal ({target})"
    return f"took {span(metric.seconds)} ({target})"


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
                "owner": item.owner,
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
