"""What the console state says about the deployment, in the terms the guide's rules read."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from state.guide.policy import (
    ERROR_RATE_P1,
    ERROR_RATE_P2,
    LATENCY_RATIO_P2,
    Signals,
    Suggestion,
    suggest_severity,
)
from state.locks import unseen
from state.memo import last_answer
from state.text import inert

if TYPE_CHECKING:
    from state.console import Breach, ConsoleState
    from state.events import DeploymentStatus, PodStatus

# Worst first: the reason or phase that best explains a deployment's trouble.
_POD_BADNESS = (
    "CrashLoopBackOff",
    "OOMKilled",
    "ImagePullBackOff",
    "ErrImagePull",
    "Error",
    "CreateContainerConfigError",
    "Failed",
    "Pending",
    "ContainerCreating",
    "Unknown",
)


def pod_problem(pod: PodStatus) -> str | None:
    """The pod's trouble in one word, or None when it is Running and ready."""
    if pod.reason:
        return pod.reason
    if pod.phase != "Running":
        return pod.phase
    if not pod.ready:
        return "NotReady"
    return None


# a pod's trouble that is no reason to delete it: it is starting (not ready yet), or it is
# already being deleted (kubectl's Terminating: the runbook's loop skips it)
_NOT_DELETED = ("NotReady", "Terminating")


def pod_to_delete(pod: PodStatus) -> str | None:
    """Why "delete the failing pods" deletes this pod, in the word the Kubernetes pane shows
    (`pod_problem`), or None to keep it. The guide's runbook deletes the pods whose phase is
    not Running (`kubectl get pods --field-selector=status.phase!=Running`); a pod that is
    Running but crash-looping, killed for memory or unable to pull its image is failing too.

    One rule for the confirmation that names the pods (from the probe's sample) and for the
    action that deletes them (from the pods it lists just before, read the same way by
    probes/kubernetes/status.py `pod_status`): a pod named is deleted unless it changed.
    """
    problem = pod_problem(pod)
    return None if problem in _NOT_DELETED else problem


def worst_pod(deployment: DeploymentStatus) -> tuple[str, str | None]:
    """(phase, reason) of the deployment's worst pod: the word a person needs first."""
    worst: tuple[int, PodStatus] | None = None
    for pod in deployment.pods:
        problem = pod_problem(pod)
        if problem is None:
            continue
        rank = _POD_BADNESS.index(problem) if problem in _POD_BADNESS else len(_POD_BADNESS)
        if worst is None or rank < worst[0]:
            worst = (rank, pod)
    if worst is None:
        return ("Running", None)
    return (worst[1].phase, pod_problem(worst[1]))


def service_down(state: ConsoleState, service: str) -> bool:
    """Down as the guide's triage counts it: /health fails, or no replica is ready. A health
    check that could not reach the host from this console is no verdict (`health_unknown`)."""
    health = state.health.get(service)
    if health is not None and not health.up and not health.unknown:
        return True
    deployment = state.deployments.get(service)
    return deployment is not None and deployment.desired > 0 and deployment.ready == 0


def health_unknown(state: ConsoleState, service: str) -> str | None:
    """Why `service`'s health is unknown from this console ("DNS lookup failed"), or None
    when its last check got an answer (or there was none)."""
    health = state.health.get(service)
    if health is None or not health.unknown:
        return None
    return inert(health.error or "no answer")


NO_DEPLOYMENT = "no such deployment in the cluster"


def _no_deployment(state: ConsoleState, service: str) -> bool:
    """Whether the cluster answers and `service` is no deployment in it: deleted, or a name
    the config got wrong (`warroom check` says 'not found'). Its pods, readiness and rollouts
    cannot be seen, so it is unknown, never watched and fine."""
    if "kubernetes" in state.unconfigured or service in state.deployments:
        return False
    k8s = state.probe("kubernetes")
    return k8s.last_ok is not None and not k8s.failing


NO_SERIES = "no series"


def no_series(state: ConsoleState, metric: str) -> tuple[str, ...]:
    """The configured services (not those the cluster or a health check added), in their
    order, that Prometheus answers `metric` ("error_rate"
    or "latency") without a series for: no traffic yet, a wrong label, an exporter gone from
    the start. Empty when no service is configured, the metric is not, or Prometheus has not
    answered yet. Nothing of them can be seen, so they are unknown, never watched and fine
    (a series that goes mid-session stays in the console as no value: 'no data')."""
    if not state.configured or metric in state.unconfigured:
        return ()
    if state.probe(metric).last_ok is None:
        return ()
    series = state.error_rate if metric == "error_rate" else state.latency
    return tuple(s for s in state.configured if s not in series)


def latency_ratio(state: ConsoleState, service: str) -> float | None:
    value = state.latest("latency", service)
    base = state.latency_baseline.get(service)
    if value is None or not base or math.isnan(value):
        return None
    return value / base


# what each probe source tells the guide's rules, for saying which of them cannot be seen
_SIGNAL_OF = {
    "kubernetes": "services",
    "health": "services",
    "error_rate": "error rate",
    "latency": "p95",
    "postgres": "database",
}


# which of a service's series Prometheus has none of: (error rate, p95) -> words
_SERIES_OF = {(True, True): "Prometheus ", (True, False): "error rate ", (False, True): "p95 "}


def unknown(state: ConsoleState) -> tuple[str, ...]:
    """What the console cannot see, 'what: why', in order: the signals no backend is
    configured for ('error rate: not configured'), then each service whose health check
    could not reach its host from here ('api: DNS lookup failed'), unless it is down, then
    each one the cluster answers without ('api: no such deployment in the cluster'), then
    each one Prometheus has no series of ('api: no Prometheus series', or 'no error rate
    series' / 'no p95 series' when only one is missing), then a database whose monitor role
    cannot see other roles' sessions ('database: cannot see 37 sessions of other roles: grant
    pg_monitor')."""
    words = dict.fromkeys(_SIGNAL_OF.get(s, s) for s in state.unconfigured)
    names = state.services or tuple(sorted(set(state.deployments) | set(state.health)))
    found = [f"{word}: not configured" for word in words]
    found += [
        f"{s}: {why}, from this console"
        for s in names
        if (why := health_unknown(state, s)) is not None and not service_down(state, s)
    ]
    found += [
        f"{s}: {NO_DEPLOYMENT}"
        for s in names
        if _no_deployment(state, s) and not service_down(state, s)
    ]
    rated, timed = set(no_series(state, "error_rate")), set(no_series(state, "latency"))
    found += [
        f"{s}: no {_SERIES_OF[(s in rated, s in timed)]}series"
        for s in names
        if (s in rated or s in timed) and not service_down(state, s)
    ]
    pg = state.probe("postgres")
    if pg.unknown and "database" not in words:  # its host does not resolve from here
        found.append(f"database: {pg.reason}, from this console")
    db = state.database
    if db is not None and "database" not in words and not pg.failing:
        blind = unseen(db)  # state/locks.py: None when the role sees every session
        if blind:
            found.append(f"database: {blind}")
    return tuple(found)


def signals(state: ConsoleState) -> Signals:
    names = state.services or tuple(sorted(set(state.deployments) | set(state.health)))
    # the services the metric panes show (ConsoleState.metric_rows): one set for both
    rated, timed = state.metric_rows("error_rate"), state.metric_rows("latency")
    rates = tuple((s, v) for s in rated if (v := state.latest("error_rate", s)) is not None)
    ratios = tuple((s, r) for s in timed if (r := latency_ratio(state, s)) is not None)
    holding = []
    # the guide's stability watch (5 good checks a minute apart, the same proof an episode
    # waits for to end) has confirmed the fix: a breach from before it holds nothing now
    incident = state.incident
    verified = incident.verified_at if incident is not None and incident.open else None
    for key, episode in state.episodes.items():  # rules 2 only: rules 1 keeps none
        metric, _, service = key.partition(":")
        if metric not in ("error_rate", "latency"):
            continue
        if verified is not None and episode.began <= verified:
            continue
        now = dict(rates if metric == "error_rate" else ratios).get(service)
        line = LATENCY_RATIO_P2
        if metric == "error_rate":
            line = ERROR_RATE_P1 if episode.level >= 2 else ERROR_RATE_P2
        if now is None or not now > line:  # under the band its episode reached: held there
            holding.append((service, metric, episode.level, episode.peak))
    return Signals(
        services_down=tuple(s for s in names if service_down(state, s)),
        error_rates=rates,
        latency_ratios=ratios,
        database_unreachable=state.probe("postgres").unreachable,
        holding=tuple(holding),
        unknown=unknown(state),
    )


def _read_from(state: ConsoleState) -> tuple[object, ...]:
    """The parts of `state` that `signals` reads (state/memo.py)."""
    return (
        state.services,
        state.deployments,
        state.health,
        state.error_rate,
        state.latency,
        state.latency_baseline,
        state.episodes,
        state.unconfigured,
        state.database,
        state.probes.get("postgres"),
        state.incident,
    )


@last_answer(_read_from)
def suggestion(state: ConsoleState) -> Suggestion:
    """The guide's severity for what the console sees now; read again only when a part of
    the state it reads changed (the header asks at every repaint, the clock's among them)."""
    return suggest_severity(signals(state))


def describe_service(state: ConsoleState, service: str) -> str:
    """One line on a service's state, for confirmations and the journal: what it was like."""
    parts = []
    deployment = state.deployments.get(service)
    if deployment is not None:
        phase, reason = worst_pod(deployment)
        count = sum(1 for p in deployment.pods if pod_problem(p) == reason)
        pods = f"{inert(reason)} x{count}" if reason else inert(phase)
        parts.append(
            f"ready {deployment.ready}/{deployment.desired}, {pods}, revision {deployment.revision}"
        )
        if deployment.paused:
            parts.append("rollout paused")
    health = state.health.get(service)
    if health is not None:
        why = health.status_code or inert(health.error or "no answer")
        if health.unknown:
            parts.append(f"/health unknown from this console ({why})")
        else:
            parts.append("/health up" if health.up else f"/health down ({why})")
    rate = state.latest("error_rate", service)
    if rate is not None:
        parts.append(f"5xx {rate:.1f}%")
    return ", ".join(parts) or "no sample yet"


def detection(state: ConsoleState, since: int = 0) -> Breach | None:
    """When the incident being declared in `state` was detected: the breach the console saw,
    read at the declaration; None when nothing was seen after event number `since`.

    `since`: how many events had been folded when the previous incident was resolved (0 for
    the first), so that one incident's signals are never another's detection. The breach
    returned is the one open at the declaration, or else the last sustained one; its `began`
    is the first sample over the line of its first signal, `why` that signal in words
    ("api error rate > 5%"). Under signal rules 2 (state/guide/episodes.py) a flapping
    signal is one breach from its first sustained crossing and a blip that held clear
    before its hold is none; under rules 1 (journals written before them) it is the last
    time the guide's rules started flagging anything, as those journals were read.
    """
    breach = state.breach
    if breach is None or breach.events <= since:
        return None
    return breach
