"""When an incident should have been declared, and which severity's targets apply: one
definition of each, read by the drill's score card and the review's response metrics.

Time to declare runs from the first signal to the declaration. The first signal is the
moment, at or before the declaration, the guide's rules last started flagging something the
console saw (`flags`): a service down (/health failing or no replica ready), an error rate
above 5% or a p95 above 3x its baseline (the High Error Rate runbook and the severity
criteria, with the console's hysteresis), or the database unreachable. The guide's target:
"identify and acknowledge incidents within 5 minutes".

The severity whose targets a milestone is held to is the one in effect when it was
reached (or, not reached, at the end of what is measured): the declared one, as changed
since (`severity_at`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from state.guide.signals import service_down

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from state.console import ConsoleState
    from state.guide.severity import Severity

DECLARE_TARGET = timedelta(
    minutes=5
)  # "Rapid Detection: identify and acknowledge within 5 minutes"


def services_down(state: ConsoleState) -> frozenset[str]:
    """The services down as the guide's triage counts them."""
    names = state.services or tuple(sorted(set(state.deployments) | set(state.health)))
    return frozenset(s for s in names if service_down(state, s))


def flags(state: ConsoleState, down: frozenset[str] | None = None) -> tuple[str, ...]:
    """What the guide's rules flag in `state`, one reason each ("api down", "api error rate
    > 20%", "database unreachable"); () when nothing. `down`: services_down(state), if known."""
    down = services_down(state) if down is None else down
    reasons = [f"{service} down" for service in sorted(down)]
    for key in sorted(state.bands):
        if state.bands[key]:
            metric, service = key.split(":", 1)
            reasons.append(f"{service} {_band_words(metric, state.bands[key])}")
    if state.probe("postgres").failing:
        reasons.append("database unreachable")
    return tuple(reasons)


def _band_words(metric: str, band: int) -> str:
    if metric == "error_rate":
        return "error rate > 20%" if band >= 2 else "error rate > 5%"
    return "p95 > 3x baseline"


def declared_in_time(first_signal: datetime, declared: datetime) -> bool:
    """Was the incident declared within DECLARE_TARGET of its first signal?"""
    return declared - first_signal <= DECLARE_TARGET


def severity_at(
    declared: Severity, changes: Sequence[tuple[datetime, Severity]], when: datetime
) -> Severity:
    """The severity in effect at `when`: `declared`, then each (at, severity) change by then."""
    current = declared
    for at, severity in changes:
        if at <= when:
            current = severity
    return current
