"""The write side every backend offers the console: the runbooks' remediation actions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from state.events import DbSession

# action -> what the menu and the confirmation call it (the guide's runbook words)
REMEDIATIONS: dict[str, str] = {
    "restart": "Restart the deployment (kubectl rollout restart)",
    "rollout_undo": "Undo the rollout to the previous revision",
    "scale": "Scale to N replicas",
    "delete_failing_pods": "Delete the failing pods (not Running)",
    "circuit_breaker": "Enable the circuit breaker",  # + its configmap: configmap_target()
}
BACKEND_ACTIONS: dict[str, str] = {
    "terminate_backend": "Terminate the backend (pg_terminate_backend)",
    "cancel_backend": "Cancel its query (pg_cancel_backend)",
    "terminate_idle": "Terminate idle sessions older than 10 minutes",
}
KUBERNETES_ACTIONS = frozenset(REMEDIATIONS)
IDLE_AGE = 600.0  # the guide: idle sessions older than 10 minutes


def configmap_target(namespace: str, configmap: str, key: str) -> str:
    """What the circuit breaker patches, as its menu entry and confirmation name it."""
    return f"configmap {namespace}/{configmap} key {key}"


@dataclass(frozen=True)
class UndoTarget:
    """Where `kubectl rollout undo` takes a deployment back to: the ReplicaSet of the
    revision before the current one, as kubectl's rollback picks it (probes/kubernetes/
    rollout.py `rollback_target`). `current`: the deployment's template already is that
    revision's, and kubectl would skip the rollback."""

    revision: int
    replica_set: str
    images: tuple[str, ...]
    current: bool = False

    def words(self) -> str:
        """'revision 7 (ReplicaSet tracklist-service-5d9c7b, image ghcr.io/t/x:v7)'."""
        from state.text import inert

        images = ", ".join(inert(i, 120) for i in self.images) or "no container image"
        noun = "image" if len(self.images) <= 1 else "images"
        return (
            f"revision {self.revision} (ReplicaSet {inert(self.replica_set, 120)}, {noun} {images})"
        )


def shown_sessions(params: Mapping[str, Any]) -> dict[int, str | None] | None:
    """What "kill idle sessions" was confirmed on: its params' `pids` and `backend_starts`
    (ISO 8601) as pid -> backend_start (None: not sent, the pid alone names it); None when no
    pids were named (a request journaled before they were: every idle session).
    ValueError when the two lists do not pair up."""
    if "pids" not in params:
        return None
    pids = [int(p) for p in params["pids"]]
    starts = params.get("backend_starts")
    return dict(zip(pids, starts, strict=True)) if starts is not None else dict.fromkeys(pids)


def shown_pods(params: Mapping[str, Any]) -> list[tuple[str, str | None]] | None:
    """What "delete the failing pods" was confirmed on: its params' `pods` (names as shown)
    and `pod_uids` as (name, uid) pairs (uid None: not sent); None when no pods were named (a
    request journaled before they were). ValueError when the two lists do not pair up."""
    if "pods" not in params:
        return None
    names = [str(name) for name in params["pods"]]
    uids = params.get("pod_uids")
    if uids is None:
        return [(name, None) for name in names]
    return [(n, None if u is None else str(u)) for n, u in zip(names, uids, strict=True)]


class ActionRefused(Exception):
    """The backend refused or could not do the action; the message is its one-line reason."""


class Actions(Protocol):
    """Runs one action against the real backends or the simulated cluster."""

    async def permissions(self) -> Mapping[str, str | None]:
        """Each action name -> None when allowed, else why not (an RBAC denial, say)."""
        ...

    async def run(
        self, action: str, target: str, params: Mapping[str, Any], dry_run: bool, now: datetime
    ) -> str:
        """Do it; the one-line result. Raises ActionRefused with the reason."""
        ...

    async def idle_sessions(self, older_than: float, now: datetime) -> list[DbSession]:
        """The sessions `terminate_idle` would end, to show before asking."""
        ...

    async def circuit_breaker_target(self) -> str:
        """The configmap and key `circuit_breaker` patches (configmap_target), or why unknown."""
        ...

    async def undo_target(self, target: str) -> UndoTarget:
        """Where `rollout_undo` of `target` ("namespace/deployment") would go back to, read
        now; ActionRefused with kubectl's reason when it cannot ("no rollout history")."""
        ...
