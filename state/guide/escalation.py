"""The guide's automatic escalation triggers and its escalation hierarchy, read literally.

- P1: "Escalation: Immediate to on-call manager" (Severity Levels). The manager is level 3
  of the hierarchy, due the moment a P1 is declared (or an incident is raised to P1); the
  guide's "15 minutes: P1 incidents automatically escalate to manager" is the same step,
  so it never comes later than that.
- "30 minutes: P2 incidents automatically escalate to team lead" (level 2): the guide sets
  no condition, so an acknowledge does not stop it.
- "1 hour: Any unresolved P1/P2 escalates to senior management" (level 4).
- "2 hours: P1 incidents escalate to executive team" (level 5).
A trigger for a level already reached is spent; nothing escalates once resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from state.guide.severity import Severity

# The guide's escalation_levels, who each level reaches.
LEVEL_NAMES: dict[int, str] = {
    1: "primary / secondary on-call",
    2: "team lead / senior engineer",
    3: "engineering manager / product manager",
    4: "VP engineering / CTO",
    5: "CEO",
}
# The guide's script notifies the team webhook for 1-2, management for 3, executives for 4-5.
LEVEL_AUDIENCE: dict[int, str] = {
    1: "team",
    2: "team",
    3: "management",
    4: "executive",
    5: "executive",
}


@dataclass(frozen=True)
class Trigger:
    """One of the guide's automatic escalation triggers."""

    severities: tuple[Severity, ...]
    after: timedelta  # from the declaration (0: at once)
    level: int
    who: str

    @property
    def when(self) -> str:
        """When it fires, in the guide's words: 'declared: immediately', 'open 30 min',
        'open 1 h'."""
        minutes = int(self.after.total_seconds() // 60)
        if not minutes:
            return "declared: immediately"
        return f"open {minutes} min" if minutes < 60 else f"open {minutes // 60} h"


TRIGGERS: tuple[Trigger, ...] = (
    Trigger((Severity.P1,), timedelta(0), 3, "on-call manager"),
    Trigger((Severity.P2,), timedelta(minutes=30), 2, "team lead"),
    Trigger((Severity.P1, Severity.P2), timedelta(hours=1), 4, "senior management"),
    Trigger((Severity.P1,), timedelta(hours=2), 5, "executive team"),
)


@dataclass(frozen=True)
class EscalationDue:
    at: datetime
    level: int
    reason: str


def next_escalation(
    severity: Severity, declared_at: datetime, level: int, resolved: bool = False
) -> EscalationDue | None:
    """The next automatic escalation that would raise the incident above `level`, if any.

    A trigger whose time has passed but which was not acted on is still returned (its
    `at` is in the past): the console shows it as overdue until someone escalates.
    """
    if resolved:
        return None
    pending = []
    for trigger in TRIGGERS:
        if severity not in trigger.severities or trigger.level <= level:
            continue
        reason = (
            f"{severity.value} {trigger.when}: escalate to {trigger.who} (level {trigger.level})"
        )
        pending.append(EscalationDue(declared_at + trigger.after, trigger.level, reason))
    return min(pending, key=lambda d: (d.at, -d.level), default=None)
