"""Where the commander is in the incident: the phase whose keys a narrow key bar shows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from state.guide.escalation import next_escalation
from state.guide.policy import ERROR_RATE_P2, LATENCY_RATIO_P2, next_update_due, response_due
from state.guide.severity import IncidentStatus
from state.guide.signals import latency_ratio, service_down
from state.locks import connection_share
from state.memo import last_answer

if TYPE_CHECKING:
    from datetime import datetime

    from state.console import ConsoleState

Phase = Literal["declare", "investigating", "mitigating", "verifying"]
# what a pane flags, in the words the key bar ranks its keys by (tui/keys.py FLAG_KEYS)
Flag = Literal["services", "error rate", "p95", "locks", "connections"]
# a duty of the guide's whose time has passed, as the header says it (widgets/header.py):
# "ack -05:52 LATE", "update -01:10 OVERDUE", "ESCALATE to L3 now"
Duty = Literal["ack", "update", "escalate"]
PHASES: tuple[Phase, ...] = ("declare", "investigating", "mitigating", "verifying")

# the timeline entries of a remediation asked for or done (state/timeline.py: the event kinds)
_ACTING = frozenset({"action_requested", "action_finished"})


def phase(state: ConsoleState) -> Phase:
    """The incident's phase, as the commander works it:

    - `declare`: no open incident (none yet, or the last one resolved);
    - `verifying`: a resolution check ran (`v`) or the status said Monitoring;
    - `mitigating`: the status said Identified, or an action was asked for since declaring;
    - `investigating`: declared, nothing tried yet.

    A status update moves the status (state/fold.py); so does the guide's own flow:
    investigating, identified, monitoring, resolved.
    """
    incident = state.incident
    if incident is None or not incident.open:
        return "declare"
    if incident.verification is not None or incident.status is IncidentStatus.MONITORING:
        return "verifying"
    if incident.status is IncidentStatus.IDENTIFIED or any(
        entry.kind in _ACTING and entry.at >= incident.declared_at for entry in state.timeline
    ):
        return "mitigating"
    return "investigating"


POOL_FULL = 0.9  # share of max_connections past which the Database pane flags the pool


def _flag_parts(state: ConsoleState) -> tuple[object, ...]:
    """What `flags` reads (state/memo.py)."""
    return (
        state.services,
        state.health,
        state.deployments,
        state.database,
        state.error_rate,
        state.latency,
        state.latency_baseline,
    )


@last_answer(_flag_parts)
def flags(state: ConsoleState) -> tuple[Flag, ...]:
    """What the panes flag now, worst first: a service down, sessions blocked on a lock,
    the connection pool past 90 %, an error rate or p95 past the guide's P2 line.

    The narrow key bar offers the keys that act on these before the rest of its phase's."""
    found: list[Flag] = []
    if any(service_down(state, s) for s in state.services):
        found.append("services")
    db = state.database
    if db is not None and any(s.blocked_by for s in db.sessions):
        found.append("locks")
    if db is not None and connection_share(db) > POOL_FULL:
        found.append("connections")
    if any(
        (v := state.latest("error_rate", s)) is not None and v > ERROR_RATE_P2
        for s in state.error_rate
    ):
        found.append("error rate")
    if any(
        (r := latency_ratio(state, s)) is not None and r > LATENCY_RATIO_P2 for s in state.latency
    ):
        found.append("p95")
    return tuple(found)


def overdue(state: ConsoleState, now: datetime) -> tuple[Duty, ...]:
    """The guide's duties past their time at `now` on the open incident, by the same clocks
    as the header's: the acknowledgement and the status update against the targets of the
    severity reached, the escalation against the current severity's triggers.

    Whatever the phase, a narrow key bar shows the key of each (tui/keys.py DUTY_KEYS)."""
    incident = state.incident
    if incident is None or not incident.open:
        return ()
    found: list[Duty] = []
    reached = incident.reached
    if incident.acknowledged_at is None and now > response_due(reached, incident.declared_at):
        found.append("ack")
    update = next_update_due(reached, incident.declared_at, incident.last_update_at)
    if update is not None and now > update:
        found.append("update")
    due = next_escalation(incident.severity, incident.declared_at, incident.escalation_level)
    if due is not None and due.at <= now:
        found.append("escalate")
    return tuple(found)


_STATUS_ORDER = tuple(IncidentStatus)  # investigating, identified, monitoring, resolved


def true_status(state: ConsoleState) -> IncidentStatus:
    """The guide's status word for the open incident as its work stands, for the next update
    to say (its Update Templates): Monitoring once a fix is being watched or was verified
    stable ("A fix has been implemented and we are monitoring the results"), Identified once
    a fix was asked for ("We are working on a fix"), never behind the status last posted."""
    incident = state.incident
    if incident is None:
        return IncidentStatus.INVESTIGATING
    found = IncidentStatus.INVESTIGATING
    if incident.verified_at is not None or incident.verification is not None:
        found = IncidentStatus.MONITORING
    elif any(e.kind in _ACTING and e.at >= incident.declared_at for e in state.timeline):
        found = IncidentStatus.IDENTIFIED
    return max(found, incident.status, key=_STATUS_ORDER.index)
