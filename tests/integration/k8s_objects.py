"""Kubernetes API objects as the API server returns them, for seeding the emulator.

Every object here is complete enough for the official client to deserialise it: the
client validates each reply against the API's schema, so a sloppy fixture fails loudly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

NS = "tracktion"
T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
REVISION = "deployment.kubernetes.io/revision"

Obj = dict[str, Any]


def ts(seconds: float = 0) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _meta(name: str, **extra: Any) -> Obj:
    return {
        "name": name,
        "namespace": NS,
        "uid": f"uid-{name}",
        "creationTimestamp": ts(-3600),
        **extra,
    }


def template(name: str, image: str) -> Obj:
    return {
        "metadata": {"labels": {"app": name}},
        "spec": {
            "containers": [
                {
                    "name": name,
                    "image": image,
                    "ports": [{"containerPort": 8000, "protocol": "TCP"}],
                    "resources": {"limits": {"memory": "512Mi"}},
                }
            ]
        },
    }


def deployment(
    name: str,
    *,
    replicas: int = 2,
    ready: int | None = None,
    updated: int | None = None,
    available: int | None = None,
    total: int | None = None,
    revision: int = 3,
    image: str | None = None,
    paused: bool = False,
    progressing: str = "NewReplicaSetAvailable",
    generation: int = 7,
    observed: int | None = None,
) -> Obj:
    ready = replicas if ready is None else ready
    updated = replicas if updated is None else updated
    available = ready if available is None else available
    status_ok = "False" if progressing == "ProgressDeadlineExceeded" else "True"
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(name, generation=generation, annotations={REVISION: str(revision)}),
        "spec": {
            "replicas": replicas,
            "paused": paused or None,
            "progressDeadlineSeconds": 600,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": {"app": name}},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
            },
            "template": template(name, image or f"ghcr.io/tracktion/{name}:v{revision}"),
        },
        "status": {
            "observedGeneration": generation if observed is None else observed,
            "replicas": replicas if total is None else total,
            "readyReplicas": ready,
            "updatedReplicas": updated,
            "availableReplicas": available,
            "conditions": [
                {
                    "type": "Available",
                    "status": "True" if available else "False",
                    "reason": "MinimumReplicasAvailable",
                    "lastUpdateTime": ts(-600),
                    "lastTransitionTime": ts(-600),
                },
                {
                    "type": "Progressing",
                    "status": status_ok,
                    "reason": progressing,
                    "message": f'ReplicaSet "{name}-{rs_hash(revision)}" {progressing}',
                    "lastUpdateTime": ts(-60),
                    "lastTransitionTime": ts(-60),
                },
            ],
        },
    }


def rs_hash(revision: int) -> str:
    return f"{7000 + revision * 37:x}c9d5b"


def replicaset(deployment: str, revision: int, replicas: int, image: str | None = None) -> Obj:
    h = rs_hash(revision)
    labels = {"app": deployment, "pod-template-hash": h}
    tmpl = template(deployment, image or f"ghcr.io/tracktion/{deployment}:v{revision}")
    tmpl["metadata"]["labels"] = labels
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": _meta(
            f"{deployment}-{h}",
            labels=labels,
            annotations={REVISION: str(revision), "deployment.kubernetes.io/desired-replicas": "2"},
            ownerReferences=[
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": deployment,
                    "uid": f"uid-{deployment}",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        ),
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": tmpl},
        "status": {"replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas},
    }


def pod(
    deployment: str,
    suffix: str,
    *,
    revision: int = 3,
    phase: str = "Running",
    ready: bool = True,
    restarts: int = 0,
    waiting: str | None = None,
    terminated: str | None = None,
    last_terminated: str | None = None,
    labels: dict[str, str] | None = None,
) -> Obj:
    h = rs_hash(revision)
    name = f"{deployment}-{h}-{suffix}"
    state: Obj = {"running": {"startedAt": ts(-300)}}
    if waiting:
        state = {"waiting": {"reason": waiting, "message": f"{waiting} for container {deployment}"}}
    elif terminated:
        state = {
            "terminated": {
                "exitCode": 137 if terminated == "OOMKilled" else 1,
                "reason": terminated,
            }
        }
    last: Obj = {}
    if last_terminated:
        last = {
            "terminated": {
                "exitCode": 137 if last_terminated == "OOMKilled" else 1,
                "reason": last_terminated,
                "startedAt": ts(-120),
                "finishedAt": ts(-90),
            }
        }
    statuses = []
    if phase != "Pending" or waiting:
        statuses = [
            {
                "name": deployment,
                "image": f"ghcr.io/tracktion/{deployment}:v{revision}",
                "imageID": "" if waiting in ("ImagePullBackOff", "ErrImagePull") else f"sha256:{h}",
                "ready": ready,
                "started": ready,
                "restartCount": restarts,
                "state": state,
                "lastState": last,
            }
        ]
    conditions = [
        {
            "type": "PodScheduled",
            "status": "False" if phase == "Pending" and not waiting else "True",
        },
        {"type": "Ready", "status": "True" if ready else "False"},
    ]
    if phase == "Pending" and not waiting:
        conditions[0] |= {
            "reason": "Unschedulable",
            "message": "0/3 nodes are available: 3 Insufficient memory.",
        }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": _meta(
            name,
            labels=labels or {"app": deployment, "pod-template-hash": h},
            ownerReferences=[
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": f"{deployment}-{h}",
                    "uid": "x",
                }
            ],
        ),
        "spec": {
            "containers": template(deployment, "x")["spec"]["containers"],
            "nodeName": "node-1",
        },
        "status": {"phase": phase, "conditions": conditions, "containerStatuses": statuses},
    }


def event(
    kind: str,
    name: str,
    reason: str,
    message: str,
    *,
    at: float = 0,
    type: str = "Warning",
    count: int = 1,
) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": _meta(f"{name}.{reason.lower()}{int(abs(at))}"),
        "involvedObject": {"kind": kind, "name": name, "namespace": NS},
        "reason": reason,
        "message": message,
        "type": type,
        "count": count,
        "firstTimestamp": ts(at - 60),
        "lastTimestamp": ts(at),
        "source": {"component": "kubelet", "host": "node-1"},
    }


def healthy(name: str, replicas: int = 2, revision: int = 3) -> list[Obj]:
    """A rolled-out deployment, its ReplicaSets (this revision and the last) and ready pods."""
    return [
        deployment(name, replicas=replicas, revision=revision),
        replicaset(name, revision, replicas),
        replicaset(name, revision - 1, 0),
        *(pod(name, f"p{i}x{revision}", revision=revision) for i in range(replicas)),
    ]
