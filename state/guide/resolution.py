"""The guide's resolution criteria: what `v` verifies before an incident may be called resolved."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from state.guide.policy import ERROR_RATE_RESOLVED, HEALTHY_SERVICES_RESOLVED, LATENCY_RESOLVED_MS
from state.guide.signals import service_down
from state.rollouts import state_of as rollout_state

if TYPE_CHECKING:
    from state.console import ConsoleState

STABLE_CHECKS = 5  # "5 consecutive good checks"
CHECK_INTERVAL = 60.0  # seconds between stability checks, as the guide's monitor_stability


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reasons: tuple[str, ...]  # what failed, or what passed when ok

    @property
    def text(self) -> str:
        return "; ".join(self.reasons)


def verify(state: ConsoleState) -> Verdict:
    """At least 3 healthy services, every error rate < 2 % and every p95 < 3000 ms, and every
    watched Deployment's rollout complete (after an undo the guide runs `kubectl rollout
    status` before it calls a service recovered): a rollout still going, paused or stalled
    is no resolution, however good the numbers look while old replicas still serve."""
    failed: list[str] = []
    names = state.services
    healthy = [s for s in names if s in state.health and state.health[s].up]
    healthy = [s for s in healthy if not service_down(state, s)]
    if "health" in state.unconfigured:
        failed.append("health checks not configured: nothing to verify the services with")
    elif len(healthy) < HEALTHY_SERVICES_RESOLVED:
        failed.append(f"{len(healthy)} healthy services (need {HEALTHY_SERVICES_RESOLVED})")
    for metric, limit, unit, word in (
        ("error_rate", ERROR_RATE_RESOLVED, "%", "error rate"),
        ("latency", LATENCY_RESOLVED_MS, " ms", "p95"),
    ):
        if metric in state.unconfigured:  # cannot be verified: said once, not per service
            failed.append(f"{word} not configured: nothing to verify it with")
            continue
        for service in names:
            value = state.latest(metric, service)
            if value is None or math.isnan(value):
                failed.append(f"{service} {word} unknown")
            elif value >= limit:
                failed.append(f"{service} {word} {value:.1f}{unit} (need < {limit:g}{unit})")
    for service in names:  # kubectl rollout status must say "successfully rolled out"
        deployment = state.deployments.get(service)
        standing = rollout_state(deployment) if deployment is not None else None
        if standing is not None:
            failed.append(f"{service} {standing}")
    # a Kubernetes that cannot be read leaves its rollouts and ready counts as they were last
    for source in ("health", "error_rate", "latency", "kubernetes"):
        if state.probe(source).failing:
            failed.append(f"{source} probe failing: {state.probe(source).reason}")
    if failed:
        return Verdict(False, tuple(failed))
    worst_error = max((state.latest("error_rate", s) or 0.0) for s in names) if names else 0.0
    worst_p95 = max((state.latest("latency", s) or 0.0) for s in names) if names else 0.0
    return Verdict(
        True,
        (
            f"{len(healthy)} healthy services",
            f"error rate <= {worst_error:.1f}%",
            f"p95 <= {worst_p95:.0f} ms",
        ),
    )
