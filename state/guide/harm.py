"""Which remediation is for the incident and which hurt: judged on the console state in which
it was requested. The drill's score card, the review and the milestones' "mitigated" all read
it from here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from state.action_words import action_words
from state.guide.signals import latency_ratio, service_down, worst_pod
from state.locks import blocking_chains
from state.text import inert

if TYPE_CHECKING:
    from state.console import ConsoleState
    from state.events import ActionRequested

# Actions on a Deployment: they help only a service something is wrong with.
SERVICE_ACTIONS = frozenset({"restart", "rollout_undo", "scale", "delete_failing_pods"})


def troubled(state: ConsoleState, service: str) -> bool:
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


def harm(state: ConsoleState, event: ActionRequested) -> str | None:
    """Why this action hurt rather than helped, judged on the state it was asked in, or None."""
    name = event.target.rsplit("/", 1)[-1]
    if event.action in SERVICE_ACTIONS and not troubled(state, name):
        what = action_words(event.action, name, event.params)
        return f"{what}, which was healthy, at {event.at:%H:%M:%S}"
    if event.action in ("terminate_backend", "cancel_backend"):
        pid = event.params.get("pid")  # any value a journal holds, not only a pid
        roots = (
            {c.session.pid for c in blocking_chains(state.database.sessions)}
            if state.database
            else set()
        )
        if not (isinstance(pid, int) and pid in roots):
            shown = inert(str(pid), 20)
            what = action_words(event.action, f"pid {shown}")
            return f"{what}, which blocked nobody, at {event.at:%H:%M:%S}"
    return None


def matches(event: ActionRequested, fixes: tuple[tuple[str, str | None], ...]) -> bool:
    """Is `event` one of a drill scenario's accepted fixes, (action, service or None for any)?"""
    name = event.target.rsplit("/", 1)[-1]
    return any(event.action == action and target in (None, name) for action, target in fixes)
