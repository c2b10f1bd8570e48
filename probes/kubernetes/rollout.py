"""What kubectl computes before it writes: the restart patch, the rollback patch, failing pods.

Pure functions over objects in the API's own JSON (camelCase dicts, as the server sent
them), so a patch carries every field of the template, even those this client predates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from probes.actions import ActionRefused
from probes.kubernetes.status import REVISION

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
HASH_LABEL = "pod-template-hash"
# Kept from the deployment, never copied from the ReplicaSet (kubectl's rollback.go).
ANNOTATIONS_TO_SKIP = frozenset(
    {
        "kubectl.kubernetes.io/last-applied-configuration",
        "deprecated.deployment.rollback.to",
        REVISION,
        "deployment.kubernetes.io/revision-history",
        "deployment.kubernetes.io/desired-replicas",
        "deployment.kubernetes.io/max-replicas",
    }
)

Obj = dict[str, Any]


def rfc3339(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def restart_patch(deployment: Obj, now: datetime) -> Obj:
    """`kubectl rollout restart`'s strategic-merge patch, or its refusal."""
    name = deployment["metadata"]["name"]
    if deployment.get("spec", {}).get("paused"):
        raise ActionRefused(
            f'deployments.apps "{name}" can\'t restart paused deployment (run rollout resume first)'
        )
    stamp = rfc3339(now)
    template_meta = deployment["spec"].get("template", {}).get("metadata") or {}
    if (template_meta.get("annotations") or {}).get(RESTARTED_AT) == stamp:
        raise ActionRefused(  # kubectl computes an empty patch then, and says so
            f"failed to create patch for {name}: if restart has already been triggered within "
            "the past second, please wait before attempting to trigger another"
        )
    return {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}


def selector(deployment: Obj) -> Obj:
    """The deployment's LabelSelector, as status.label_selector and status.selects take it."""
    found = deployment.get("spec", {}).get("selector")
    return found if isinstance(found, dict) else {}


def controlled_by(obj: Obj, owner: Obj) -> bool:
    """metav1.IsControlledBy: the controller reference names the owner's uid."""
    uid = owner["metadata"].get("uid")
    refs = obj.get("metadata", {}).get("ownerReferences") or ()
    return any(r.get("controller") and r.get("uid") == uid for r in refs)


def _revision(rs: Obj) -> int | None:
    value = (rs.get("metadata", {}).get("annotations") or {}).get(REVISION)
    if value is None:
        return 0
    try:
        return int(value)
    except ValueError:
        return None  # kubectl skips a ReplicaSet whose revision does not parse


def rollback_target(
    replica_sets: Iterable[Obj], name: str, to_revision: int = 0
) -> tuple[int, Obj]:
    """The ReplicaSet `kubectl rollout undo [--to-revision]` restores, and its revision."""
    if to_revision < 0:
        raise ActionRefused(f"unable to find specified revision {to_revision} in history")
    latest: tuple[int, Obj | None] = (-1, None)
    previous: tuple[int, Obj | None] = (-1, None)
    for rs in replica_sets:
        rev = _revision(rs)
        if rev is None:
            continue
        if to_revision:
            if rev == to_revision:
                return rev, rs
        elif latest[0] < rev:
            previous, latest = latest, (rev, rs)
        elif previous[0] < rev:
            previous = (rev, rs)
    if to_revision:
        raise ActionRefused(f"unable to find specified revision {to_revision} in history")
    if previous[1] is None:
        raise ActionRefused(f'no rollout history found for deployment "{name}"')
    return previous[0], previous[1]


def _semantic(value: Any) -> Any:
    """apimachinery's Semantic.DeepEqual treats nil and empty maps and lists alike."""
    if isinstance(value, Mapping):
        kept = {k: _semantic(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [_semantic(v) for v in value]
    return value


def without_hash(template: Obj) -> Obj:
    """A copy of a pod template without the pod-template-hash label."""
    meta = dict(template.get("metadata") or {})
    labels = {k: v for k, v in (meta.pop("labels", None) or {}).items() if k != HASH_LABEL}
    if labels:  # Go drops an emptied map from the JSON (omitempty)
        meta["labels"] = labels
    return {**template, "metadata": meta}


def same_template(a: Obj, b: Obj) -> bool:
    return _semantic(without_hash(a)) == _semantic(without_hash(b))


def rollback_patch(deployment: Obj, rs: Obj) -> list[Obj]:
    """kubectl's JSON patch: the ReplicaSet's template, and its annotations but the skipped."""
    current = deployment["metadata"].get("annotations") or {}
    annotations = {k: v for k, v in current.items() if k in ANNOTATIONS_TO_SKIP}
    for key, value in (rs["metadata"].get("annotations") or {}).items():
        if key not in ANNOTATIONS_TO_SKIP:
            annotations[key] = value
    return [
        {"op": "replace", "path": "/spec/template", "value": without_hash(rs["spec"]["template"])},
        {"op": "replace", "path": "/metadata/annotations", "value": annotations},
    ]
