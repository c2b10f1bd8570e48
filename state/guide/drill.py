"""A drill's score card, from its journal: each milestone against the guide's targets.

Pure: the same events and expectations always give the same card.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from state.console import Breach, ConsoleState
from state.events import (
    ActionFinished,
    ActionRequested,
    DrillScored,
    EventBase,
    IncidentAcknowledged,
    IncidentDeclared,
    IncidentResolved,
    Milestone,
    SeverityChanged,
    Verdict,
    VerificationFinished,
)
from state.fold import fold
from state.guide.milestones import DECLARE_TARGET, severity_at
from state.guide.policy import TARGETS, UPDATE_CADENCE
from state.guide.severity import Role, Severity
from state.guide.signals import detection, latency_ratio, service_down, worst_pod
from state.locks import blocking_chains
from state.text import inert

ACK_TARGET = 300.0  # the guide: acknowledge within 5 minutes
HARM_PENALTY = 15
SERVICE_ACTIONS = frozenset({"restart", "rollout_undo", "scale", "delete_failing_pods"})
GRADES = ((90, "A"), (75, "B"), (60, "C"), (40, "D"), (0, "F"))


@dataclass(frozen=True)
class Expectations:
    """What the scenario's author says a good commander does."""

    scenario: str
    severity: Severity
    fixes: tuple[tuple[str, str | None], ...]  # (action, service or None for any target)


@dataclass
class _Seen:
    alert: datetime | None = None  # the first signal (state/guide/milestones.py)
    declared: IncidentDeclared | None = None
    severities: list[tuple[datetime, Severity]] = field(default_factory=list)  # changes
    acknowledged: datetime | None = None
    first_action: datetime | None = None
    fix: str | None = None  # the first successful remediation, "action target"
    fixed_right: bool = False
    resolved: datetime | None = None
    verified: bool = False


def _troubled(state: ConsoleState, service: str) -> bool:
    """Is there anything wrong with `service` a remediation could be for?"""
    rate = state.latest("error_rate", service)
    ratio = latency_ratio(state, service)
    deployment = state.deployments.get(service)
    return (
        service_down(state, service)
        or (rate is not None and rate > 5.0)
        or (ratio is not None and ratio > 3.0)
        or (deployment is not None and worst_pod(deployment)[1] is not None)
    )


def _harm(state: ConsoleState, event: ActionRequested) -> str | None:
    """Why this action hurt rather than helped, or None."""
    name = event.target.rsplit("/", 1)[-1]
    if event.action in SERVICE_ACTIONS and not _troubled(state, name):
        return f"{event.action} of healthy {name} at {event.at:%H:%M:%S}"
    if event.action in ("terminate_backend", "cancel_backend"):
        pid = event.params.get("pid")  # any value a journal holds, not only a pid
        roots = (
            {c.session.pid for c in blocking_chains(state.database.sessions)}
            if state.database
            else set()
        )
        if not (isinstance(pid, int) and pid in roots):
            shown = inert(str(pid), 20)
            return f"{event.action} of pid {shown}, which blocked nobody, at {event.at:%H:%M:%S}"
    return None


def _matches(event: ActionRequested, fixes: tuple[tuple[str, str | None], ...]) -> bool:
    name = event.target.rsplit("/", 1)[-1]
    return any(event.action == action and target in (None, name) for action, target in fixes)


def score(events: Iterable[EventBase], expected: Expectations) -> DrillScored:
    """The score card of a drill, from its journal's events."""
    state, seen, harmful = ConsoleState(), _Seen(), []
    requested: dict[str, ActionRequested] = {}
    updates: list[datetime] = []
    last_at = None
    for event in events:
        if isinstance(event, ActionRequested) and not event.dry_run:
            requested[event.action_id] = event
            if (why := _harm(state, event)) is not None:
                harmful.append(why)
        before = state.incident.last_update_at if state.incident else None
        state = fold(state, event)
        last_at = event.at
        match event:
            case IncidentDeclared() if seen.declared is None:
                seen.declared, seen.alert = event, _began(detection(state))
            case SeverityChanged() if seen.declared is not None:
                seen.severities.append((event.at, event.severity))
            case IncidentAcknowledged() if seen.acknowledged is None:
                seen.acknowledged = event.at
            case ActionFinished(ok=True) if event.action_id in requested:
                action = requested[event.action_id]
                seen.first_action = seen.first_action or action.at
                if seen.fix is None:
                    seen.fix = f"{action.action} {action.target}"
                    seen.fixed_right = _matches(action, expected.fixes)
            case VerificationFinished(stable=True) if seen.resolved is None:
                seen.verified = True
            case IncidentResolved() if seen.resolved is None:
                seen.resolved = event.at
        after = state.incident.last_update_at if state.incident else None
        if after is not None and after != before:
            updates.append(after)
    if seen.declared is None:
        seen.alert = _began(detection(state))  # due, never done
    return _card(state, seen, harmful, updates, expected, last_at)


def _began(breach: Breach | None) -> datetime | None:
    return breach.began if breach is not None else None


def _timed(
    name: str, start: datetime | None, done: datetime | None, target: float, of: int = 10
) -> Milestone:
    """`done` within `target` seconds of `start`: all `of` points, else none."""
    if start is None:
        return Milestone(name=name, verdict="n/a", detail="never due", of=of)
    if done is None:
        return Milestone(name=name, target=target, verdict="not done", of=of)
    took = (done - start).total_seconds()
    met = took <= target
    return Milestone(
        name=name,
        took=took,
        target=target,
        verdict="met" if met else "missed",
        points=of if met else 0,
        of=of,
    )


def _card(
    state, seen: _Seen, harmful: list[str], updates: list[datetime], expected: Expectations, end
) -> DrillScored:
    declared = seen.declared
    start = declared.at if declared else None

    def severity(reached: datetime | None) -> Severity:
        """Whose targets apply to a milestone: the severity in effect when it was reached."""
        if declared is None:
            return expected.severity
        return severity_at(declared.severity, seen.severities, reached or end)

    responded = severity(seen.first_action)
    first_update = updates[0] if updates else None
    updated = severity(first_update)
    over = seen.resolved or end
    milestones = [
        _timed(
            "Declared after the first alert",
            seen.alert,
            start,
            DECLARE_TARGET.total_seconds(),
        ),
        _timed("Acknowledged", start, seen.acknowledged, ACK_TARGET),
        _timed(
            f"First response ({responded.value})",
            start,
            seen.first_action,
            TARGETS[responded].response.total_seconds(),
        ),
        _timed(
            "First status update",
            start,
            first_update,
            (UPDATE_CADENCE[updated] or TARGETS[updated].resolution).total_seconds(),
        ),
        _cadence(start, updates, over, UPDATE_CADENCE[severity(over)]),
        _timed(
            "Resolved",
            start,
            seen.resolved,
            TARGETS[severity(seen.resolved)].resolution.total_seconds(),
        ),
        _severity(declared.severity if declared else None, expected.severity),
        _roles(state),
        Milestone(
            name="Remediation",
            verdict="met" if seen.fixed_right else "missed" if seen.fix else "not done",
            detail=(
                f"{seen.fix} (scenario's fix: "
                + ", ".join(f"{a} {t or ''}".strip() for a, t in expected.fixes)
                + ")"
            )
            if seen.fix
            else "",
            points=20 if seen.fixed_right else 0,
            of=20,
        ),
        Milestone(
            name="Verified before resolving",
            verdict="met" if seen.verified else "not done",
            points=10 if seen.verified else 0,
            of=10,
        ),
    ]
    of = sum(m.of for m in milestones)
    points = max(sum(m.points for m in milestones) - HARM_PENALTY * len(harmful), 0)
    percent = 100 * points / of if of else 0
    grade = next(letter for floor, letter in GRADES if percent >= floor)
    return DrillScored(
        at=end,
        scenario=expected.scenario,
        milestones=tuple(milestones),
        harmful=tuple(harmful),
        points=points,
        of=of,
        grade=grade,
    )


def _cadence(start, updates: list[datetime], end, cadence) -> Milestone:
    name = "Update cadence"
    if start is None or cadence is None or end is None:
        return Milestone(name=name, verdict="n/a", of=10)
    marks = [start, *updates, end]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(marks)]
    worst = max(gaps, default=0.0)
    met = worst <= cadence.total_seconds()
    return Milestone(
        name=name,
        took=worst,
        target=cadence.total_seconds(),
        verdict="met" if met else "missed",
        detail="longest silence",
        points=10 if met else 0,
        of=10,
    )


def _severity(chosen: Severity | None, expected: Severity) -> Milestone:
    if chosen is None:
        return Milestone(
            name="Severity", verdict="not done", detail=f"expected {expected.label}", of=10
        )
    off = chosen.rank - expected.rank
    points = 10 if off == 0 else 5 if off == -1 else 0  # over-classifying by one costs less
    verdict: Verdict = "met" if off == 0 else "missed"
    return Milestone(
        name="Severity",
        verdict=verdict,
        detail=f"chose {chosen.label}, expected {expected.label}",
        points=points,
        of=10,
    )


def _roles(state: ConsoleState) -> Milestone:
    roles = state.incident.roles if state.incident else {}
    held = [r for r in (Role.IC, Role.TL, Role.CL) if r in roles]
    points = {3: 10, 2: 5}.get(len(held), 0)
    detail = ", ".join(f"{r.value} {roles[r]}" for r in held) or "none"
    return Milestone(
        name="Roles IC, TL, CL",
        verdict="met" if len(held) == 3 else "missed",
        detail=detail,
        points=points,
        of=10,
    )
