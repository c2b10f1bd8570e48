"""Kubernetes objects read the way kubectl reads them: rollout status, pod reasons, warnings.

Pure functions over the official client's models; no requests are made here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from state.clock import as_utc
from state.events import DeploymentStatus, PodStatus
from state.text import inert, marked_name

REVISION = "deployment.kubernetes.io/revision"
WARNINGS_KEPT = 5


def label_selector(selector: Any) -> str:
    """A V1LabelSelector as the `labelSelector` query string the API server takes."""
    parts = [f"{k}={v}" for k, v in sorted((selector.match_labels or {}).items())]
    for expr in selector.match_expressions or ():
        values = ",".join(expr.values or ())
        match expr.operator:
            case "In":
                parts.append(f"{expr.key} in ({values})")
            case "NotIn":
                parts.append(f"{expr.key} notin ({values})")
            case "Exists":
                parts.append(expr.key)
            case "DoesNotExist":
                parts.append(f"!{expr.key}")
    return ",".join(parts)


def selects(selector: Any, labels: Mapping[str, str] | None) -> bool:
    """Whether `selector` matches `labels`, as the API server decides it."""
    labels = labels or {}
    if any(labels.get(k) != v for k, v in (selector.match_labels or {}).items()):
        return False
    for expr in selector.match_expressions or ():
        present, value = expr.key in labels, labels.get(expr.key)
        ok = {
            "In": present and value in (expr.values or ()),
            "NotIn": not present or value not in (expr.values or ()),
            "Exists": present,
            "DoesNotExist": not present,
        }.get(expr.operator, False)
        if not ok:
            return False
    return True


def revision(obj: Any) -> int:
    try:
        return int((obj.metadata.annotations or {}).get(REVISION, 0))
    except ValueError:
        return 0


def rollout(deployment: Any) -> str | None:
    """None when rolled out; else why not, in the words of `kubectl rollout status`."""
    spec, status = deployment.spec, deployment.status
    if status is None:
        return "progressing"
    if (deployment.metadata.generation or 0) > (status.observed_generation or 0):
        return "progressing"  # the controller has not seen the latest spec yet
    progressing = next((c for c in status.conditions or () if c.type == "Progressing"), None)
    if progressing is not None and progressing.reason == "ProgressDeadlineExceeded":
        return "ProgressDeadlineExceeded"
    updated = status.updated_replicas or 0
    done = not (
        (spec.replicas is not None and updated < spec.replicas)
        or (status.replicas or 0) > updated
        or (status.available_replicas or 0) < updated
    )
    if done:
        return None
    return "paused" if spec.paused else "progressing"


def _container_reason(cs: Any) -> str | None:
    state = cs.state
    last = cs.last_state.terminated if cs.last_state else None
    crashed_oom = last is not None and last.reason == "OOMKilled"
    if state and state.waiting and state.waiting.reason:
        # a crash loop caused by the memory limit is reported as its cause
        if state.waiting.reason == "CrashLoopBackOff" and crashed_oom:
            return "OOMKilled"
        return state.waiting.reason
    if state and state.terminated:
        return state.terminated.reason or "Error"
    if crashed_oom and not cs.ready:
        return "OOMKilled"
    return None


def pod_reason(pod: Any) -> str | None:
    """The one word kubectl's STATUS column would add to the phase, or None."""
    if pod.metadata.deletion_timestamp is not None:
        return "Terminating"
    status = pod.status
    if status is None:
        return None
    for cs in status.init_container_statuses or ():
        waiting = cs.state.waiting if cs.state else None
        if waiting and waiting.reason and waiting.reason != "PodInitializing":
            return f"Init:{waiting.reason}"
    for cs in status.container_statuses or ():
        reason = _container_reason(cs)
        if reason and not (reason == "Completed" and status.phase == "Succeeded"):
            return reason
    return status.reason  # Evicted, NodeLost, ...


def pod_status(pod: Any) -> PodStatus:
    status = pod.status
    conditions = (status.conditions if status else None) or ()
    statuses = (
        [*(status.init_container_statuses or ()), *(status.container_statuses or ())]
        if status
        else []
    )
    reason = pod_reason(pod)
    return PodStatus(
        name=marked_name(pod.metadata.name),
        phase=marked_name((status.phase if status else None) or "Unknown", limit=40),
        reason=marked_name(reason, limit=60) if reason else None,
        ready=any(c.type == "Ready" and c.status == "True" for c in conditions),
        restarts=sum(cs.restart_count or 0 for cs in statuses),
    )


def owned_by(obj: Any, kind: str, name: str) -> bool:
    return any(ref.kind == kind and ref.name == name for ref in obj.metadata.owner_references or ())


def _when(event: Any) -> datetime | None:
    return (
        event.last_timestamp
        or event.event_time
        or event.first_timestamp
        or event.metadata.creation_timestamp
    )


def warnings(
    events: Iterable[Any], name: str, replica_sets: Iterable[str], pods: Iterable[str]
) -> tuple[str, ...]:
    """The newest Warning events about a deployment, its ReplicaSets or pods, one line each."""
    rs_names = set(replica_sets)
    pod_names = set(pods)
    prefixes = tuple(f"{rs}-" for rs in rs_names)

    def about(event: Any) -> bool:
        obj = event.involved_object
        match obj.kind:
            case "Deployment":
                return obj.name == name
            case "ReplicaSet":
                return obj.name in rs_names
            case "Pod":  # also pods already gone, named after their ReplicaSet
                return obj.name in pod_names or bool(
                    prefixes and (obj.name or "").startswith(prefixes)
                )
        return False

    def newest_first(event: Any) -> datetime:
        when = _when(event)
        return as_utc(when) if when else datetime.min.replace(tzinfo=UTC)

    mine = sorted(
        (e for e in events if e.type == "Warning" and about(e)), key=newest_first, reverse=True
    )
    out = []
    for event in mine[:WARNINGS_KEPT]:
        count = event.count or (event.series.count if event.series else None) or 1
        text = f"{event.reason or 'Warning'}: {event.message or ''}".strip()
        out.append(inert(text + (f" (×{count})" if count > 1 else ""), limit=240))
    return tuple(out)


def deployment_status(
    deployment: Any, pods: Iterable[Any], replica_sets: Iterable[Any], events: Iterable[Any]
) -> DeploymentStatus:
    """One configured deployment as the Services pane reads it."""
    meta, spec, status = deployment.metadata, deployment.spec, deployment.status
    pods = sorted(pods, key=lambda p: p.metadata.name or "")
    desired = spec.replicas if spec.replicas is not None else 1
    return DeploymentStatus(
        name=marked_name(meta.name),
        namespace=marked_name(meta.namespace or "default", limit=63),
        desired=desired,
        ready=(status.ready_replicas or 0) if status else 0,
        updated=(status.updated_replicas or 0) if status else 0,
        revision=revision(deployment),
        paused=bool(spec.paused),
        rollout=rollout(deployment),
        pods=tuple(pod_status(p) for p in pods),
        warnings=warnings(
            events,
            meta.name,
            (rs.metadata.name for rs in replica_sets),
            (p.metadata.name for p in pods),
        ),
    )
