"""The simulated cluster's write side: what the remediation keys do in the demo.

Each action takes effect at the cluster's current simulated time, returns a one-line
result and raises ActionRefused with the reason kubectl or PostgreSQL would give.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from probes.actions import (
    BACKEND_ACTIONS,
    REMEDIATIONS,
    ActionRefused,
    UndoTarget,
    configmap_target,
    shown_pods,
    shown_sessions,
)
from probes.simulated.cluster import NAMESPACE, POD_START_SECONDS, SimulatedCluster
from probes.simulated.model import image, template_hash
from state.events import DbSession

if TYPE_CHECKING:
    from probes.simulated.model import SimService, SimSession

__all__ = ["ActionRefused", "SimulatedActions", "SimulatedOperations"]


class SimulatedOperations:
    """Restart, undo rollout, scale, delete failing pods, circuit breaker, backends."""

    def __init__(self, cluster: SimulatedCluster) -> None:
        self.cluster = cluster

    def _service(self, name: str) -> SimService:
        try:
            return self.cluster.services[name]
        except KeyError:
            raise ActionRefused(f'deployments.apps "{name}" not found') from None

    def _clears(self, svc: SimService, action: str) -> None:
        if svc.crash and action in svc.crash[1]:
            svc.crash = None
            for pod in svc.pods:
                pod.crashing = None

    def restart(self, name: str) -> str:
        """kubectl rollout restart: a new revision of the same template, rolled out."""
        svc = self._service(name)
        self._clears(svc, "restart")
        db = self.cluster.db
        if (
            db.leak and db.leak[0] == name
        ):  # new pods start with fresh pools; the stuck worker is gone
            db.leak = None
            db.leaked = [s for s in db.leaked if s.application != name]
        template = max(svc.templates.values()) + 1
        bad = svc.bad_templates.get(svc.template)
        if bad:
            svc.bad_templates[template] = bad
        self.cluster._roll_to(svc, template)
        return f"deployment.apps/{name} restarted (revision {svc.revision})"

    def undo_target(self, name: str, to: int = 0) -> UndoTarget:
        """What `rollout_undo` goes back to: the previous revision (or revision `to`), its
        ReplicaSet and image, as kubectl's rollback picks it."""
        svc = self._service(name)
        if to:
            if to not in svc.templates:
                raise ActionRefused(f"unable to find specified revision {to} in history")
            revision = to
        else:
            previous = sorted(r for r in svc.templates if r != svc.revision)
            if not previous:
                raise ActionRefused(f'no rollout history found for deployment "{name}"')
            revision = previous[-1]
        template = svc.templates[revision]
        replica_set = f"{name}-{template_hash(self.cluster.seed, name, template)}"
        return UndoTarget(revision, replica_set, (image(name, template),), template == svc.template)

    def rollout_undo(self, name: str, to: int = 0) -> str:
        """kubectl rollout undo [--to-revision]: back to that revision's template, as a new
        revision."""
        svc = self._service(name)
        back = self.undo_target(name, to)
        if back.current:
            return (
                f"deployment.apps/{name} skipped rollback "
                f"(current template already matches revision {back.revision})"
            )
        self._clears(svc, "rollout_undo")
        self.cluster._roll_to(svc, svc.templates[back.revision])
        return (
            f"deployment.apps/{name} rolled back "
            f"(revision {back.revision} is now revision {svc.revision})"
        )

    def scale(self, name: str, replicas: int) -> str:
        if replicas < 0:
            raise ActionRefused("replicas must be zero or more")
        svc = self._service(name)
        self._clears(svc, "scale")
        svc.desired = replicas
        return f"deployment.apps/{name} scaled to {replicas}"

    def delete_failing_pods(
        self, name: str, shown: list[tuple[str, str | None]] | None = None
    ) -> str:
        """Delete the pods shown, (name, uid) each, that are still that pod and still not
        Running (or crash-looping), as KubernetesActions does; the ReplicaSet recreates them.
        `shown` None: every failing pod (a request journaled before the pods were named)."""
        svc = self._service(name)
        if shown is None:
            failing = [p for p in svc.pods if p.failing]
            if not failing:
                return f"no failing pods in {NAMESPACE}/{name}"
            left: list[str] = []
            unshown = 0
        else:
            by_uid = {p.uid: p for p in svc.pods}
            by_name = {p.name: p for p in svc.pods}
            failing, left, chosen = [], [], set()
            for pod_name, uid in shown:
                pod = by_uid.get(uid) if uid is not None else by_name.get(pod_name)
                if pod is None:
                    left.append(f"{pod_name} (gone)")
                elif not pod.failing:
                    left.append(f"{pod_name} (no longer failing)")
                    chosen.add(pod.uid)
                else:
                    failing.append(pod)
                    chosen.add(pod.uid)
            unshown = sum(1 for p in svc.pods if p.failing and p.uid not in chosen)
        if failing:
            self._clears(svc, "delete_failing_pods")
        for pod in failing:
            svc.pods.remove(pod)
        for _ in failing:
            svc.pods.append(self.cluster._new_pod(svc, ready_at=self.cluster.t + POD_START_SECONDS))
        names = ", ".join(p.name for p in failing)
        if failing:
            result = f"deleted {len(failing)} pod{'s' if len(failing) > 1 else ''}: {names}"
        else:
            result = f"deleted no pods in {NAMESPACE}/{name}"
        if left:
            result += f"; left alone: {', '.join(left)}"
        if unshown:
            result += f"; {unshown} failing pod{'s' if unshown != 1 else ''} not shown, not deleted"
        return result

    def enable_circuit_breaker(self) -> str:
        self.cluster.circuit_breaker = True
        self.cluster.circuit_breaker_at = self.cluster.t
        return 'configmap/app-config patched (circuit_breaker_enabled="true")'

    def terminate_backend(self, pid: int) -> str:
        """pg_terminate_backend: the session ends; a blocker's waiters then proceed."""
        db = self.cluster.db
        if db.blocker and db.blocker.pid == pid:
            db.blocker = None
            db.storm = None
            db.waiters.clear()
            return f"terminated backend {pid}; its lock chain dissolved"
        for group in (db.waiters, db.leaked):
            for session in group:
                if session.pid == pid:
                    group.remove(session)
                    self._rechain()
                    return f"terminated backend {pid}"
        raise ActionRefused(f"no backend with pid {pid}")

    def cancel_backend(self, pid: int) -> str:
        """pg_cancel_backend: cancels a running query. A session running none is refused, as
        PostgresActions refuses it: the server's cancel would say true and end nothing."""
        db = self.cluster.db
        if db.blocker and db.blocker.pid == pid:
            raise ActionRefused(
                f"pid {pid} runs no query (idle in transaction): nothing to cancel; its "
                "transaction and locks stay"
            )
        for session in db.waiters:
            if session.pid == pid:
                db.waiters.remove(session)
                self._rechain()
                return f"cancelled the query of backend {pid}"
        if any(s.pid == pid for s in db.leaked):
            raise ActionRefused(f"pid {pid} runs no query (idle): nothing to cancel")
        raise ActionRefused(f"no backend with pid {pid}")

    def terminate_idle(
        self, older_than: float = 600.0, shown: Mapping[int, str | None] | None = None
    ) -> str:
        """The guide's 'kill idle connections' query: idle sessions older than 10 minutes.

        `shown`: only the sessions the commander was shown, pid -> backend_start (ISO 8601;
        None: the pid alone names it), each while it still is that backend and still idle
        that long, as PostgresActions does (a request journaled before these: all of them).
        """
        db = self.cluster.db
        old = [s for s in db.leaked if self.cluster.t - s.query_start >= older_than]
        if shown is None:
            for session in old:
                db.leaked.remove(session)
            return f"terminated {len(old)} idle session{'s' if len(old) != 1 else ''}"
        by_pid = {s.pid: s for s in old}
        ended, another = 0, 0
        for pid, began in shown.items():
            idle = by_pid.get(pid)
            if idle is None:
                continue
            if began is not None and datetime.fromisoformat(began) != self._began(idle):
                another += 1
                continue
            db.leaked.remove(idle)
            ended += 1
        result = f"terminated {ended} idle session{'s' if ended != 1 else ''}"
        if len(shown) - ended - another:
            result += f"; {len(shown) - ended - another} no longer idle or already gone"
        if another:
            result += (
                f"; {another} pid{'s' if another != 1 else ''} now another backend, left alone"
            )
        return result

    def _began(self, session: SimSession) -> datetime:
        """When the backend began, as its DbSession says it."""
        return self.cluster.start + timedelta(seconds=session.backend_start or 0.0)

    def _rechain(self) -> None:
        """After a waiter leaves, the next in line waits on the blocker itself."""
        db = self.cluster.db
        if db.blocker and db.waiters:
            head = db.waiters[0]
            head.blocked_by, head.lock_mode = (db.blocker.pid,), "ShareLock"
            for waiter in db.waiters[1:]:
                waiter.blocked_by = (head.pid,)


class SimulatedActions:
    """The `probes.actions.Actions` of the simulated cluster: every action allowed."""

    def __init__(self, cluster: SimulatedCluster) -> None:
        self.cluster = cluster
        self.operations = SimulatedOperations(cluster)

    async def permissions(self) -> Mapping[str, str | None]:
        return dict.fromkeys([*REMEDIATIONS, *BACKEND_ACTIONS])

    async def circuit_breaker_target(self) -> str:
        return configmap_target(NAMESPACE, "app-config", "circuit_breaker_enabled")

    async def undo_target(self, target: str) -> UndoTarget:
        return self.operations.undo_target(target.rsplit("/", 1)[-1])

    async def run(
        self, action: str, target: str, params: Mapping[str, Any], dry_run: bool, now: datetime
    ) -> str:
        return self.apply(action, target, params, dry_run, now)

    def apply(
        self, action: str, target: str, params: Mapping[str, Any], dry_run: bool, now: datetime
    ) -> str:
        """`run` without an event loop: the simulation answers at once. A resumed demo
        replays its journaled actions with it while the console's loop is running."""
        self.cluster.advance_to(now)
        name = target.rsplit("/", 1)[-1]
        if dry_run:
            self._check(action, name, params)
            return f"server dry run: {action} of {target} would be accepted"
        act = self.operations
        match action:
            case "restart":
                return act.restart(name)
            case "rollout_undo":
                return act.rollout_undo(name, int(params.get("to_revision") or 0))
            case "scale":
                return act.scale(name, int(params["replicas"]))
            case "delete_failing_pods":
                return act.delete_failing_pods(name, shown_pods(params))
            case "circuit_breaker":
                return act.enable_circuit_breaker()
            case "terminate_backend":
                return act.terminate_backend(int(params["pid"]))
            case "cancel_backend":
                return act.cancel_backend(int(params["pid"]))
            case "terminate_idle":
                older_than = float(params.get("older_than", 600.0))
                return act.terminate_idle(older_than, shown_sessions(params))
        raise ActionRefused(f"unknown action {action!r}")

    def _check(self, action: str, name: str, params: Mapping[str, Any]) -> None:
        if action in REMEDIATIONS and action != "circuit_breaker":
            self.operations._service(name)
        if action == "scale" and int(params.get("replicas", -1)) < 0:
            raise ActionRefused("replicas must be zero or more")

    async def idle_sessions(self, older_than: float, now: datetime) -> list[DbSession]:
        self.cluster.advance_to(now)
        start = self.cluster.start
        return [
            DbSession(
                pid=s.pid,
                user=s.user,
                application=s.application,
                state=s.state,
                query=s.query,
                query_start=start + timedelta(seconds=s.query_start),
                backend_start=self.operations._began(s),
            )
            for s in self.cluster.db.leaked
            if self.cluster.t - s.query_start >= older_than
        ]
