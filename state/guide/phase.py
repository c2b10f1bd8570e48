"""Where the commander is in the incident: the phase whose keys a narrow key bar shows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from state.guide.severity import IncidentStatus

if TYPE_CHECKING:
    from state.console import ConsoleState

Phase = Literal["declare", "investigating", "mitigating", "verifying"]
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
