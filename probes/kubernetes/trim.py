"""Each kind of object cut down, as it arrives, to the fields probes.kubernetes.status reads.

A pod's manifest runs to kilobytes (its spec, managed fields, every condition's message); the
Services pane needs its name, labels, phase and container states (and its uid, which
"delete the failing pods" sends back). Keeping only those is what
lets a namespace of thousands of pods be held, and folded, within the console's memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from probes.kubernetes.status import REVISION

Obj = dict[str, Any]
MESSAGE_KEPT = 1_000  # characters of an event's message: the pane shows a line of it


def _pick(obj: Any, *keys: str) -> Obj:
    """The `keys` of `obj` present in it (not null); {} for anything but a mapping."""
    if not isinstance(obj, Mapping):
        return {}
    return {k: obj[k] for k in keys if obj.get(k) is not None}


def deployment(obj: Mapping[str, Any]) -> Obj:
    meta, spec, status = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status")
    annotations = meta.get("annotations") or {}
    kept: Obj = {
        "metadata": {
            **_pick(meta, "name", "namespace", "generation"),
            "annotations": _pick(annotations, REVISION),
        },
        "spec": _pick(spec, "replicas", "paused", "selector"),
    }
    if isinstance(status, Mapping):
        kept["status"] = {
            **_pick(
                status,
                "observedGeneration",
                "replicas",
                "updatedReplicas",
                "readyReplicas",
                "availableReplicas",
            ),
            "conditions": [_pick(c, "type", "reason") for c in status.get("conditions") or ()],
        }
    return kept


def replica_set(obj: Mapping[str, Any]) -> Obj:
    meta = obj.get("metadata") or {}
    owners = [_pick(r, "kind", "name") for r in meta.get("ownerReferences") or ()]
    return {"metadata": {**_pick(meta, "name"), "ownerReferences": owners}}


def _container(cs: Any) -> Obj:
    state, last = _pick(cs, "state", "lastState").get("state"), _pick(cs, "lastState")
    kept_state = {k: _pick(v, "reason") for k, v in _pick(state, "waiting", "terminated").items()}
    kept: Obj = {**_pick(cs, "ready", "restartCount"), "state": kept_state}
    terminated = _pick(last.get("lastState"), "terminated").get("terminated")
    if terminated is not None:
        kept["lastState"] = {"terminated": _pick(terminated, "reason")}
    return kept


def pod(obj: Mapping[str, Any]) -> Obj:
    meta, status = obj.get("metadata") or {}, obj.get("status")
    kept: Obj = {"metadata": _pick(meta, "name", "uid", "labels", "deletionTimestamp")}
    if isinstance(status, Mapping):
        kept["status"] = {
            **_pick(status, "phase", "reason"),
            "conditions": [
                _pick(c, "type", "status")
                for c in status.get("conditions") or ()
                if isinstance(c, Mapping) and c.get("type") == "Ready"
            ],
            "containerStatuses": [_container(c) for c in status.get("containerStatuses") or ()],
            "initContainerStatuses": [
                _container(c) for c in status.get("initContainerStatuses") or ()
            ],
        }
    return kept


def event(obj: Mapping[str, Any]) -> Obj:
    kept = _pick(obj, "type", "reason", "count", "lastTimestamp", "eventTime", "firstTimestamp")
    message = obj.get("message")
    if isinstance(message, str):
        kept["message"] = message[:MESSAGE_KEPT]
    kept["involvedObject"] = _pick(obj.get("involvedObject"), "kind", "name")
    kept["metadata"] = _pick(obj.get("metadata"), "name", "creationTimestamp")
    series = _pick(obj.get("series"), "count")
    if series:
        kept["series"] = series
    return kept
