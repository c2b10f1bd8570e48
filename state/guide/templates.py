"""The guide's message templates, filled with what the console knows. Pure text, no sending."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from state.guide.escalation import LEVEL_AUDIENCE
from state.guide.policy import ERROR_RATE_P1, ERROR_RATE_P2, LATENCY_RATIO_P2, next_update_due
from state.guide.severity import IncidentStatus, Role
from state.guide.signals import latency_ratio, service_down, signals
from state.text import inert

if TYPE_CHECKING:
    from state.console import ConsoleState, Incident, TimelineEntry

ComponentStatus = Literal["operational", "degraded_performance", "partial_outage", "major_outage"]

# The timeline entries the Internal Status Update lists under "Actions Taken": what was done,
# not each request for it (whose parameters can list 45 pids), with a finished action said by
# its outcome ("terminated 45 idle sessions").
ACTION_KINDS = frozenset(
    {
        "incident_acknowledged",
        "severity_changed",
        "status_changed",
        "action_finished",
        "escalated",
    }
)
_DONE = " done: "  # state/timeline.py: "{action} {target} done: {result}"
MAX_ACTIONS = 10


def when(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S} UTC"


def listed(names: tuple[str, ...] | list[str], empty: str) -> str:
    """'a', 'a and b', 'a, b and c'."""
    names = [inert(n) for n in names]
    if not names:
        return empty
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


# ---- what is affected ----------------------------------------------------------------------------


def component_status(state: ConsoleState, service: str) -> ComponentStatus:
    """The Statuspage component status the console's signals give `service`."""
    if service_down(state, service):
        return "major_outage"
    rate = state.latest("error_rate", service)
    deployment = state.deployments.get(service)
    if (rate is not None and rate > ERROR_RATE_P1) or (
        deployment is not None and deployment.ready < deployment.desired
    ):
        return "partial_outage"
    ratio = latency_ratio(state, service)
    if (rate is not None and rate > ERROR_RATE_P2) or (
        ratio is not None and ratio > LATENCY_RATIO_P2
    ):
        return "degraded_performance"
    return "operational"


def components(state: ConsoleState, status: IncidentStatus) -> dict[str, ComponentStatus]:
    """Every known service's component status; all operational once resolved."""
    names = state.services or tuple(sorted(set(state.deployments) | set(state.health)))
    if status is IncidentStatus.RESOLVED:
        return dict.fromkeys(names, "operational")
    return {name: component_status(state, name) for name in names}


def affected_services(state: ConsoleState) -> tuple[str, ...]:
    """Services down or past one of the guide's thresholds, in the console's order."""
    seen = components(state, IncidentStatus.INVESTIGATING)
    return tuple(name for name, status in seen.items() if status != "operational")


# ---- the status page templates -------------------------------------------------------------------


def status_page_text(state: ConsoleState, status: IncidentStatus, problem: str = "") -> str:
    """The guide's public status page update for `status`; `problem` fills Identified's blank."""
    affected = listed(affected_services(state), "some of our services")
    if status is IncidentStatus.INVESTIGATING:
        return (
            f"We are investigating reports of issues with {affected}. "
            "We will provide updates as we learn more."
        )
    if status is IncidentStatus.IDENTIFIED:
        brief = inert(problem).strip().rstrip(".")
        return (
            f"We have identified the issue affecting {affected}. "
            + (f"{brief}. " if brief else "")
            + "We are working on a fix."
        )
    if status is IncidentStatus.MONITORING:
        return (
            "A fix has been implemented and we are monitoring the results. "
            "Service should be restored for most users."
        )
    summary = _resolution(state)
    return (
        "This issue has been resolved. "
        + (f"{summary}. " if summary else "")
        + "All services are operating normally."
    )


def _resolution(state: ConsoleState) -> str:
    """The resolution summary the IC typed at `x` (sanitized, inert), or ""."""
    incident = state.incident
    if incident is None or not incident.resolution_summary:
        return ""
    return inert(incident.resolution_summary).strip().rstrip(".")


# ---- the internal status update ------------------------------------------------------------------


def _situation(state: ConsoleState, incident: Incident) -> str:
    seen = signals(state)
    found = []
    if seen.services_down:
        found.append(f"down: {listed(seen.services_down, '')}")
    found += [f"{inert(s)} error rate {r:.1f}%" for s, r in seen.error_rates if r > ERROR_RATE_P2]
    found += [
        f"{inert(s)} p95 {r:.1f}x baseline" for s, r in seen.latency_ratios if r > LATENCY_RATIO_P2
    ]
    if seen.database_unreachable:
        found.append("database unreachable")
    now = "; ".join(found) if found else "no service down and no threshold crossed"
    if seen.unknown:  # what the console cannot see is said, not passed over as healthy
        now += f"; unknown: {'; '.join(seen.unknown)}"
    return f"{inert(incident.title)}. Now: {now}."


def _taken(entry: TimelineEntry) -> str:
    """A timeline entry as the update's reader needs it: a finished action by its outcome."""
    if entry.kind == "action_finished" and _DONE in entry.text:
        return entry.text.split(_DONE, 1)[1]  # an action or a target never says " done: "
    return entry.text


def _actions(state: ConsoleState, incident: Incident) -> list[str]:
    taken = [
        f"- {_taken(entry)} - {entry.at:%H:%M:%S} UTC"
        for entry in state.timeline
        if entry.kind in ACTION_KINDS and entry.at >= incident.declared_at
    ]
    return taken[-MAX_ACTIONS:] or ["- None yet"]


def _error_rates(state: ConsoleState) -> str:
    rates = [(s, r) for s, r in signals(state).error_rates if r == r]  # NaN is no reading
    if not rates:
        return "no data"
    high = [f"{inert(s)} {r:.1f}%" for s, r in sorted(rates, key=lambda x: -x[1]) if r > 0.0]
    return ", ".join(high[:5]) if high else "0.0% on every service"


def _affected_users(state: ConsoleState) -> str:
    failing = 0.0
    for service, rate in signals(state).error_rates:
        rps = state.request_rate.get(service)
        if rps and rate == rate and rate > 0:
            failing += rps * rate / 100
    if failing <= 0:
        return "unknown"
    return f"unknown (about {failing:.1f} failing requests/s)"


def internal_update_text(
    state: ConsoleState,
    now: datetime,
    status: IncidentStatus | None = None,
    situation: str = "",
    next_steps: tuple[str, ...] = (),
) -> str:
    """The guide's Internal Status Update Template, filled from the state at `now`."""
    incident = state.incident
    if incident is None:
        raise ValueError("no incident declared")
    status = status or incident.status
    seen = signals(state)
    team = [f"- {role.value}: {inert(incident.roles.get(role) or 'unassigned')}" for role in Role]
    # this update, once delivered, restarts the cadence: the next one is due a cadence from now
    due = next_update_due(incident.severity, incident.declared_at, now)
    steps = [f"- {inert(step)}" for step in next_steps if step.strip()] or ["- None recorded"]
    lines = [
        f"**Incident:** {incident.incident_id}",
        f"**Time:** {when(now)}",
        f"**Status:** {status.word}",
        f"**Severity:** {incident.severity.value}",
        "",
        "**Current Situation:**",
        inert(situation).strip() or _situation(state, incident),
        *(
            [f"Resolution: {_resolution(state)}"]
            if status is IncidentStatus.RESOLVED and _resolution(state)
            else []
        ),
        "",
        "**Actions Taken:**",
        *_actions(state, incident),
        "",
        "**Next Steps:**",
        *steps,
        "",
        "**Impact:**",
        f"- Affected Users: {_affected_users(state)}",
        f"- Services Down: {listed(seen.services_down, 'None')}",
        f"- Error Rate: {_error_rates(state)}",
        "",
        "**Team:**",
        *team[:3],  # the template names IC, TL and CL
        "",
        f"**Next Update:** {when(due) if due else 'none required at ' + incident.severity.value}",
    ]
    return "\n".join(lines)


# ---- the escalation script's messages ------------------------------------------------------------


# The guide's escalation_levels contact hierarchy, by level (its phone numbers stay in the guide).
ESCALATION_CONTACTS: dict[int, tuple[str, ...]] = {
    1: ("primary on-call", "secondary on-call"),
    2: ("team lead", "senior engineer"),
    3: ("engineering manager", "product manager"),
    4: ("VP engineering", "CTO"),
    5: ("CEO",),
}


def escalation_contacts(level: int) -> tuple[str, ...]:
    """Who the guide's contact hierarchy reaches at `level`."""
    return ESCALATION_CONTACTS[level]


def escalation_text(incident_id: str, level: int, reason: str) -> str:
    """The escalate script's Slack text for `level`: team (1-2), management (3), executive (4-5)."""
    audience = LEVEL_AUDIENCE[level]
    why = inert(reason)
    if audience == "team":
        return f"🚨 Incident Escalated to L{level}\nIncident: {incident_id}\nReason: {why}"
    if audience == "management":
        return f"⚠️ Management Escalation Required\nIncident: {incident_id}\nReason: {why}"
    return (
        f"🚨 EXECUTIVE ESCALATION\nIncident: {incident_id}\nReason: {why}\n"
        "Immediate attention required"
    )


def summary_line(incident: Incident, status: IncidentStatus) -> str:
    """One line naming the incident, for a pager or a notification preview."""
    return (
        f"{incident.incident_id} {incident.severity.label} {status.word}: {inert(incident.title)}"
    )
