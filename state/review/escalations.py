"""The escalations the guide's triggers made due during an incident, and when (if ever) each
was made: the review says a missed one, as it says a missed acknowledgement.

The guide, Escalation Triggers and Severity Levels, read as state/guide/escalation.py reads
them: a trigger is due at the declaration plus its delay, or later, the moment the incident
is raised to a severity it applies to; it is met by an escalation to its level or higher,
made before or after it fell due; nothing falls due once the incident is resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from state.guide.escalation import TRIGGERS, Trigger

if TYPE_CHECKING:
    from datetime import datetime

    from state.guide.severity import Severity
    from state.review.metrics import Part


@dataclass(frozen=True)
class DueEscalation:
    """One trigger that fell due: when (UTC), its level, whom it reaches, and when the
    incident was escalated to that level or higher (None: never)."""

    at: datetime
    level: int
    who: str
    why: str  # the guide's words: "P1 declared: immediately", "P2 open 30 min"
    done: datetime | None

    @property
    def late(self) -> float | None:
        """Seconds after it fell due that it was met: 0.0 if at or before; None if never."""
        if self.done is None:
            return None
        return max((self.done - self.at).total_seconds(), 0.0)


def due_escalations(part: Part) -> list[DueEscalation]:
    """Every trigger that fell due while the part's incident was open, by time; [] when the
    part holds no incident. Severity as the incident held it: declared, then each change."""
    incident = part.incident
    if incident is None:
        return []
    changes = part.severity_changes
    first: Severity = getattr(changes[0], "previous") if changes else incident.severity  # noqa: B009
    held = [(incident.declared_at, first), *((e.at, getattr(e, "severity")) for e in changes)]  # noqa: B009
    end = part.resolved_at or part.end
    made = sorted(
        (e.at, int(getattr(e, "level")))  # noqa: B009
        for e in part.people
        if getattr(e, "kind", "") == "escalated"
    )
    out = []
    for trigger in TRIGGERS:
        at = _due(trigger, held, incident.declared_at, end)
        if at is None:
            continue
        done = next((when for when, level in made if level >= trigger.level), None)
        why = f"{'/'.join(s.value for s in trigger.severities)} {trigger.when}"
        out.append(DueEscalation(at, trigger.level, trigger.who, why, done))
    return sorted(out, key=lambda d: (d.at, d.level))


def _due(
    trigger: Trigger,
    held: list[tuple[datetime, Severity]],
    declared: datetime,
    end: datetime,
) -> datetime | None:
    """The first instant the trigger applies: its delay after `declared` passed while the
    incident held one of its severities, before `end`; None if it never did."""
    after = declared + trigger.after
    for i, (since, severity) in enumerate(held):
        until = held[i + 1][0] if i + 1 < len(held) else end
        at = max(since, after)
        if severity in trigger.severities and at < min(until, end):
            return at
    return None
