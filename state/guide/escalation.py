"""The guide's automatic escalation triggers and its escalation hierarchy."""

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
    after: timedelta
    level: int
    who: str
    unacknowledged_only: bool


TRIGGERS: tuple[Trigger, ...] = (
    Trigger((Severity.P1,), timedelta(minutes=15), 3, "manager", True),
    Trigger((Severity.P2,), timedelta(minutes=30), 2, "team lead", True),
    Trigger((Severity.P1, Severity.P2), timedelta(hours=1), 4, "senior management", False),
    Trigger((Severity.P1,), timedelta(hours=2), 5, "executive team", False),
)


@dataclass(frozen=True)
class EscalationDue:
    at: datetime
    level: int
    reason: str


def next_escalation(
    severity: Severity,
    declared_at: datetime,
    acknowledged_at: datetime | None,
    level: int,
    resolved: bool = False,
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
        if trigger.unacknowledged_only and acknowledged_at is not None:
            continue
        state = "unacknowledged" if trigger.unacknowledged_only else "open"
        minutes = int(trigger.after.total_seconds() // 60)
        span = f"{minutes} min" if minutes < 60 else f"{minutes // 60} h"
        reason = (
            f"{severity.value} {state} {span}: escalate to {trigger.who} (level {trigger.level})"
        )
        pending.append(EscalationDue(declared_at + trigger.after, trigger.level, reason))
    return min(pending, key=lambda d: (d.at, -d.level), default=None)
