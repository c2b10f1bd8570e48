"""Kubernetes objects read the way kubectl reads them: rollout status, pod reasons, warnings.

Pure functions over objects in the API's own JSON (camelCase dicts, as the server sent them,
or trimmed to the fields read here by probes.kubernetes.watch); no requests are made here.
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

Obj = Mapping[str, Any]
_EMPTY: Obj = {}


def _get(obj: Obj | None, *path: str) -> Any:
    """obj[path[0]][path[1]]..., None where a level is missing or null."""
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def label_selector(selector: Obj) -> str:
    """A LabelSelector ({matchLabels, matchExpressions}) as the `labelSelector` query string."""
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or ():
        key, values = expr.get("key"), ",".join(expr.get("values") or ())
        match expr.get("operator"):
            case "In":
                parts.append(f"{key} in ({values})")
            case "NotIn":
                parts.append(f"{key} notin ({values})")
            case "Exists":
                parts.append(key)
            case "DoesNotExist":
                parts.append(f"!{key}")
    return ",".join(parts)


def selects(selector: Obj, labels: Mapping[str, str] | None) -> bool:
    """Whether the LabelSelector `selector` matches `labels`, as the API server decides it."""
    labels = labels or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expr in selector.get("matchExpressions") or ():
        key, values = expr.get("key"), expr.get("values") or ()
        present, value = key in labels, labels.get(key)
        ok = {
            "In": present and value in values,
            "NotIn": not present or value not in values,
            "Exists": present,
            "DoesNotExist": not present,
        }.get(expr.get("operator"), False)
        if not ok:
            return False
    return True


def revision(obj: Obj) -> int:
    try:
        return int(_get(obj, "metadata", "annotations", REVISION) or 0)
    except (TypeError, ValueError):
        return 0


def rollout(deployment: Obj) -> str | None:
    """None when rolled out; else why not, in the words of `kubectl rollout status`."""
    spec, status = deployment.get("spec") or _EMPTY, deployment.get("status")
    if status is None:
        return "progressing"
    generation = _get(deployment, "metadata", "generation") or 0
    if generation > (status.get("observedGeneration") or 0):
        return "progressing"  # the controller has not seen the latest spec yet
    progressing = next(
        (c for c in status.get("conditions") or () if c.get("type") == "Progressing"), None
    )
    if progressing is not None and progressing.get("reason") == "ProgressDeadlineExceeded":
        return "ProgressDeadlineExceeded"
    updated = status.get("updatedReplicas") or 0
    wanted = spec.get("replicas")
    done = not (
        (wanted is not None and updated < wanted)
        or (status.get("replicas") or 0) > updated
        or (status.get("availableReplicas") or 0) < updated
    )
    if done:
        return None
    return "paused" if spec.get("paused") else "progressing"


def _container_reason(cs: Obj) -> str | None:
    state = cs.get("state") or _EMPTY
    crashed_oom = _get(cs, "lastState", "terminated", "reason") == "OOMKilled"
    waiting = _get(state, "waiting", "reason")
    if waiting:
        # a crash loop caused by the memory limit is reported as its cause
        if waiting == "CrashLoopBackOff" and crashed_oom:
            return "OOMKilled"
        return str(waiting)
    if state.get("terminated") is not None:
        return str(_get(state, "terminated", "reason") or "Error")
    if crashed_oom and not cs.get("ready"):
        return "OOMKilled"
    return None


def pod_reason(pod: Obj) -> str | None:
    """The one word kubectl's STATUS column would add to the phase, or None."""
    if _get(pod, "metadata", "deletionTimestamp") is not None:
        return "Terminating"
    status = pod.get("status")
    if status is None:
        return None
    for cs in status.get("initContainerStatuses") or ():
        waiting = _get(cs, "state", "waiting", "reason")
        if waiting and waiting != "PodInitializing":
            return f"Init:{waiting}"
    for cs in status.get("containerStatuses") or ():
        reason = _container_reason(cs)
        if reason and not (reason == "Completed" and status.get("phase") == "Succeeded"):
            return reason
    return status.get("reason")  # Evicted, NodeLost, ...


def pod_status(pod: Obj) -> PodStatus:
    status = pod.get("status") or _EMPTY
    conditions = status.get("conditions") or ()
    statuses = [
        *(status.get("initContainerStatuses") or ()),
        *(status.get("containerStatuses") or ()),
    ]
    reason = pod_reason(pod)
    return PodStatus(
        name=marked_name(_get(pod, "metadata", "name") or ""),
        phase=marked_name(status.get("phase") or "Unknown", limit=40),
        reason=marked_name(reason, limit=60) if reason else None,
        ready=any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions),
        restarts=sum(cs.get("restartCount") or 0 for cs in statuses),
    )


def pod_uid(pod: Obj) -> str | None:
    """The pod's metadata.uid; None when it has none (or not as a string)."""
    uid = _get(pod, "metadata", "uid")
    return uid if isinstance(uid, str) else None


def owned_by(obj: Obj, kind: str, name: str) -> bool:
    refs = _get(obj, "metadata", "ownerReferences") or ()
    return any(ref.get("kind") == kind and ref.get("name") == name for ref in refs)


def _when(event: Obj) -> datetime | None:
    for value in (
        event.get("lastTimestamp"),
        event.get("eventTime"),
        event.get("firstTimestamp"),
        _get(event, "metadata", "creationTimestamp"),
    ):
        if isinstance(value, str) and value:
            try:
                return as_utc(datetime.fromisoformat(value))
            except ValueError:
                continue
    return None


def about(event: Obj) -> tuple[str, str]:
    """The (kind, name) of the object a Warning event is about."""
    obj = event.get("involvedObject") or _EMPTY
    return str(obj.get("kind") or ""), str(obj.get("name") or "")


def warnings(
    events: Iterable[Obj], name: str, replica_sets: Iterable[str], pods: Iterable[str]
) -> tuple[str, ...]:
    """The newest Warning events about a deployment, its ReplicaSets or pods, one line each."""
    rs_names = set(replica_sets)
    pod_names = set(pods)
    prefixes = tuple(f"{rs}-" for rs in rs_names)

    def mine(event: Obj) -> bool:
        kind, obj = about(event)
        match kind:
            case "Deployment":
                return obj == name
            case "ReplicaSet":
                return obj in rs_names
            case "Pod":  # also pods already gone, named after their ReplicaSet
                return obj in pod_names or bool(prefixes and obj.startswith(prefixes))
        return False

    def newest_first(event: Obj) -> datetime:
        return _when(event) or datetime.min.replace(tzinfo=UTC)

    found = sorted(
        (e for e in events if e.get("type") == "Warning" and mine(e)),
        key=newest_first,
        reverse=True,
    )
    out = []
    for event in found[:WARNINGS_KEPT]:
        count = event.get("count") or _get(event, "series", "count") or 1
        text = f"{event.get('reason') or 'Warning'}: {event.get('message') or ''}".strip()
        out.append(inert(text + (f" (×{count})" if count > 1 else ""), limit=240))
    return tuple(out)


def deployment_status(
    deployment: Obj,
    pods: Mapping[str, PodStatus],
    replica_sets: Iterable[str],
    events: Iterable[Obj],
    uids: Mapping[str, str | None] | None = None,
) -> DeploymentStatus:
    """One configured deployment as the Services pane reads it, from its pods' statuses (by
    the pod's name), the names of the ReplicaSets it owns and Warning events that may be
    about it; `uids`: each pod's metadata.uid, by the pod's name."""
    meta = deployment.get("metadata") or _EMPTY
    spec, status = deployment.get("spec") or _EMPTY, deployment.get("status") or _EMPTY
    names = sorted(pods)
    replicas = spec.get("replicas")
    return DeploymentStatus(
        name=marked_name(meta.get("name") or ""),
        namespace=marked_name(meta.get("namespace") or "default", limit=63),
        desired=replicas if replicas is not None else 1,
        ready=status.get("readyReplicas") or 0,
        updated=status.get("updatedReplicas") or 0,
        replicas=status.get("replicas") or 0,
        available=status.get("availableReplicas") or 0,
        revision=revision(deployment),
        paused=bool(spec.get("paused")),
        rollout=rollout(deployment),
        pods=tuple(pods[n] for n in names),
        warnings=warnings(events, meta.get("name") or "", replica_sets, names),
        pod_uids=tuple(uids.get(n) for n in names) if uids is not None else (),
    )
