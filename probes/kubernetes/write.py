"""The Kubernetes half of the Actions: the runbooks' writes, each sent as kubectl sends it.

restart, rollout undo, scale, delete failing pods and the circuit breaker's configmap
patch; a server-side dry run (dryRun=All) for each; RBAC asked as rbac.py says.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from probes.actions import (
    REMEDIATIONS,
    ActionRefused,
    UndoTarget,
    configmap_target,
    shown_pods,
)
from probes.kubernetes import rbac
from probes.kubernetes.client import ApiThreads, Connection, KubernetesError, refusal
from probes.kubernetes.rollout import (
    Obj,
    controlled_by,
    restart_patch,
    rollback_patch,
    rollback_target,
    same_template,
    selector,
)
from probes.kubernetes.status import label_selector, pod_status, selects
from state.guide.signals import pod_to_delete
from state.text import inert, marked_name

WORKERS = 6  # permission reviews run at once; actions are one request after another
STRATEGIC = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
DRY_RUN = " (server dry run: nothing changed)"
PAUSED_UNDO = (
    "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' "
    "and try again"
)


class Refused(ActionRefused):
    """A request the API server (or the way to it) refused; `status` is the HTTP status."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status


def _send(
    conn: Connection, what: str, timeout: float, fn: Callable[..., Any], *args: Any, **kw: Any
) -> Any:
    """One request; its reply as parsed JSON. Blocking.

    Replies are parsed as the server sent them rather than into the client's models, so an
    object patched back (a pod template) keeps fields newer than the client knows.
    """
    try:
        reply = fn(*args, _request_timeout=timeout, _preload_content=False, **kw)
        try:
            return json.loads(reply.data) if reply.data else {}
        finally:
            reply.release_conn()
    except Exception as exc:
        status = getattr(exc, "status", None)
        raise Refused(refusal(exc, what, conn, timeout), status) from None


class ApiSession(ApiThreads):
    """A lazily opened API client for one context and namespace, used from worker threads."""

    def __init__(
        self,
        context: str | None = None,
        namespace: str | None = None,
        kubeconfig: str | Path | None = None,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(context, namespace, kubeconfig, WORKERS, "warroom-kubernetes-write")
        self.timeout = timeout

    async def connection(self) -> Connection:
        """The connection, opened on first use; ActionRefused with the reason if it cannot be."""
        try:
            return await super().connection()
        except KubernetesError as exc:
            raise ActionRefused(str(exc)) from None

    async def api(self, name: str) -> Any:
        """`kubernetes.client.<name>` (e.g. AppsV1Api) on the connection; connecting first
        imports the client in a worker thread, off the event loop."""
        conn = await self.connection()
        from kubernetes import client

        return getattr(client, name)(conn.api)

    async def request(self, what: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """`fn(*args, **kw)` in a worker thread: the reply's JSON, or ActionRefused for `what`."""
        conn = await self.connection()
        send = functools.partial(_send, conn, what, self.timeout, fn, *args, **kw)
        return await self.in_thread(send)


class KubernetesActions:
    """Writes to the deployments of one context and namespace, as `kubectl` would."""

    def __init__(
        self,
        *,
        context: str | None = None,
        namespace: str | None = None,
        kubeconfig: str | Path | None = None,
        configmap: str = "app-config",
        configmap_key: str = "circuit_breaker_enabled",
        timeout: float = 10.0,
    ) -> None:
        self.session = ApiSession(context, namespace, kubeconfig, timeout)
        self.configmap, self.configmap_key = configmap, configmap_key

    async def permissions(self) -> dict[str, str | None]:
        """Each Kubernetes action -> None when RBAC allows every request it sends, else why not."""
        try:
            conn = await self.session.connection()
        except ActionRefused as exc:
            return dict.fromkeys(REMEDIATIONS, str(exc))
        return await rbac.denials(self.session.in_thread, conn, self.session.timeout)

    async def circuit_breaker_target(self) -> str:
        """The configmap and key the circuit breaker patches, in the connection's namespace."""
        try:
            ns = (await self.session.connection()).namespace
        except ActionRefused:
            ns = self.session.namespace or "(namespace unknown)"
        return configmap_target(ns, self.configmap, self.configmap_key)

    async def run(
        self, action: str, target: str, params: Mapping[str, Any], dry_run: bool, now: datetime
    ) -> str:
        """Do `action` on `target` ("namespace/deployment"); one line, in kubectl's words."""
        ns, _, name = target.rpartition("/")
        ns = ns or (await self.session.connection()).namespace
        if not name:
            raise ActionRefused(f"no deployment named in {target!r}")
        dry = {"dry_run": "All"} if dry_run else {}
        match action:
            case "restart":
                result = await self.restart(ns, name, now, dry)
            case "rollout_undo":
                to = params.get("to_revision") or 0
                if isinstance(to, bool) or not isinstance(to, int):
                    raise ActionRefused(f"revision must be a whole number, not {to!r}")
                result = await self.rollout_undo(ns, name, to, dry)
            case "scale":
                result = await self.scale(ns, name, params.get("replicas"), dry)
            case "delete_failing_pods":
                shown = shown_pods(params)
                if shown is None:
                    raise ActionRefused(
                        "no pods named: the console deletes only the pods its confirmation names"
                    )
                result = await self.delete_failing_pods(ns, name, dry, shown)
            case "circuit_breaker":
                result = await self.circuit_breaker(dry)
            case _:
                raise ActionRefused(f"{action} is not a Kubernetes action")
        return result + (DRY_RUN if dry_run else "")

    async def _deployment(self, ns: str, name: str) -> tuple[Any, Obj]:
        apps = await self.session.api("AppsV1Api")
        read = apps.read_namespaced_deployment
        return apps, await self.session.request("get deployments", read, name, ns)

    async def restart(self, ns: str, name: str, now: datetime, dry: Mapping[str, str]) -> str:
        """kubectl rollout restart: a restartedAt annotation on the pod template."""
        apps, deployment = await self._deployment(ns, name)
        patch = restart_patch(deployment, now)
        how = {"field_manager": "kubectl-rollout", "_content_type": STRATEGIC, **dry}
        send = apps.patch_namespaced_deployment
        await self.session.request("patch deployments", send, name, ns, patch, **how)
        return f"deployment.apps/{name} restarted"

    async def _undo_plan(self, ns: str, name: str, to: int) -> tuple[Any, Obj, int, Obj]:
        """(the apps API, the deployment, the revision and ReplicaSet `kubectl rollout undo
        [--to-revision]` restores): its ReplicaSets listed as kubectl lists them."""
        apps, deployment = await self._deployment(ns, name)
        wanted = selector(deployment)
        query = {"label_selector": label_selector(wanted)}
        listed = await self.session.request(
            "list replicasets", apps.list_namespaced_replica_set, ns, **query
        )
        owned = [
            rs
            for rs in listed.get("items") or ()
            if selects(wanted, rs["metadata"].get("labels")) and controlled_by(rs, deployment)
        ]
        revision, rs = rollback_target(owned, name, to)
        return apps, deployment, revision, rs

    async def undo_target(self, target: str) -> UndoTarget:
        """Where `kubectl rollout undo` would take `target` back to, read now (its
        confirmation names it; the undo is then sent with that revision)."""
        ns, _, name = target.rpartition("/")
        ns = ns or (await self.session.connection()).namespace
        _, deployment, revision, rs = await self._undo_plan(ns, name, 0)
        pod_spec = rs["spec"]["template"].get("spec") or {}
        images = tuple(str(c.get("image") or "?") for c in pod_spec.get("containers") or ())
        current = same_template(rs["spec"]["template"], deployment["spec"]["template"])
        return UndoTarget(revision, str(rs["metadata"].get("name") or "?"), images, current)

    async def rollout_undo(self, ns: str, name: str, to: int, dry: Mapping[str, str]) -> str:
        """kubectl rollout undo: the previous ReplicaSet's template patched back (rollback.go)."""
        apps, deployment, revision, rs = await self._undo_plan(ns, name, to)
        if deployment["spec"].get("paused"):
            raise ActionRefused(PAUSED_UNDO)
        if same_template(rs["spec"]["template"], deployment["spec"]["template"]):
            return (
                f"deployment.apps/{name} skipped rollback "
                f"(current template already matches revision {revision})"
            )
        patch = rollback_patch(deployment, rs)
        how = {"_content_type": JSON_PATCH, **dry}  # kubectl names no field manager here
        send = apps.patch_namespaced_deployment
        await self.session.request("patch deployments", send, name, ns, patch, **how)
        return f"deployment.apps/{name} rolled back to revision {revision}"

    async def scale(self, ns: str, name: str, replicas: Any, dry: Mapping[str, str]) -> str:
        """kubectl scale: a merge patch of spec.replicas on the scale subresource."""
        if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
            raise ActionRefused("replicas must be a whole number, zero or more")
        apps, deployment = await self._deployment(ns, name)
        patch = {"spec": {"replicas": replicas}}
        # the client sends a dict as a strategic merge unless told; kubectl sends a merge patch
        how = {"_content_type": MERGE, **dry}
        send = apps.patch_namespaced_deployment_scale
        await self.session.request("patch deployments/scale", send, name, ns, patch, **how)
        was = deployment["spec"].get("replicas")
        return f"deployment.apps/{name} scaled to {replicas} (was {was})"

    async def delete_failing_pods(
        self,
        ns: str,
        name: str,
        dry: Mapping[str, str],
        shown: Sequence[tuple[str, str | None]],
    ) -> str:
        """The runbook's loop over the pods the commander was shown, (name as shown, uid)
        each: one DELETE for each that is still that very pod and still failing, by the rule its
        confirmation named it by (state/guide/signals.py `pod_to_delete`), and no other pod.

        Each DELETE carries the pod's uid as its precondition (DeleteOptions.preconditions,
        V1Preconditions.uid), which the API server checks as it deletes: a pod recreated
        under the same name meanwhile is kept (409 Conflict). Pods gone, replaced or no
        longer failing are left alone, and the one line says so, as it counts failing pods
        that were not shown (never deleted). A uid not sent (None) is the listed pod's of
        that name.
        """
        _, deployment = await self._deployment(ns, name)
        core = await self.session.api("CoreV1Api")
        wanted = selector(deployment)
        query = {"label_selector": label_selector(wanted)}
        listed = await self.session.request("list pods", core.list_namespaced_pod, ns, **query)
        pods = [
            p for p in listed.get("items") or () if selects(wanted, p["metadata"].get("labels"))
        ]
        by_uid = {p["metadata"].get("uid"): p for p in pods}
        by_name = {marked_name(p["metadata"].get("name") or ""): p for p in pods}  # as shown
        # kubectl sends its delete options in the body, which the server reads before the query
        options = {"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Background"}
        body = {**options, "dryRun": ["All"]} if dry else options
        done: list[str] = []
        left: list[str] = []
        chosen: set[str] = set()
        for shown_name, uid in shown:
            said = inert(shown_name, 80)
            pod = by_uid.get(uid) if uid is not None else by_name.get(shown_name)
            if pod is None:
                replaced = shown_name in by_name
                left.append(f"{said} ({'replaced under its name' if replaced else 'gone'})")
                continue
            meta = pod["metadata"]
            chosen.add(meta.get("uid") or "")
            why = pod_to_delete(pod_status(pod))
            if why is None:
                going = meta.get("deletionTimestamp")
                left.append(f"{said} ({'already being deleted' if going else 'no longer failing'})")
                continue
            pinned = {**body, "preconditions": {"uid": meta.get("uid")}}
            try:
                await self.session.request(
                    "delete pods", core.delete_namespaced_pod, meta["name"], ns, body=pinned, **dry
                )
            except Refused as exc:
                if exc.status in (404, 409):  # gone, or recreated under its name, meanwhile
                    left.append(f"{said} ({'gone' if exc.status == 404 else 'replaced'})")
                    continue
                deleted = f"deleted {', '.join(done)}; then " if done else ""
                raise ActionRefused(f"{deleted}pod {said}: {exc}") from None
            done.append(f"{said} ({inert(why)})")
        unshown = sum(
            1
            for p in pods
            if (p["metadata"].get("uid") or "") not in chosen and pod_to_delete(pod_status(p))
        )
        result = (
            f"deleted {len(done)} pod{'s' if len(done) != 1 else ''}: {', '.join(done)}"
            if done
            else f"deleted no pods in {ns}/{name}"
        )
        if left:
            result += f"; left alone: {', '.join(left)}"
        if unshown:
            result += f"; {unshown} failing pod{'s' if unshown != 1 else ''} not shown, not deleted"
        return result

    async def circuit_breaker(self, dry: Mapping[str, str]) -> str:
        """The guide's `kubectl patch configmap app-config --type merge -p ...`."""
        core = await self.session.api("CoreV1Api")
        ns = (await self.session.connection()).namespace
        patch = {"data": {self.configmap_key: "true"}}
        how = {
            "field_manager": "kubectl-patch",
            "field_validation": "Strict",
            "_content_type": MERGE,
        }
        send = core.patch_namespaced_config_map
        await self.session.request(
            "patch configmaps", send, self.configmap, ns, patch, **how, **dry
        )
        return f'configmap/{self.configmap} patched ({self.configmap_key}="true")'

    async def close(self) -> None:
        await self.session.close()
