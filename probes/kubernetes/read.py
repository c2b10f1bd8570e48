"""The Kubernetes probe: deployments, pods, rollouts and warnings through the official client.

Each kind is listed once and then watched (probes.kubernetes.watch), so a refresh costs what
changed since the last one: the probe folds its informers' objects into the Services pane's
statuses, again only where something changed, in a worker thread, off the UI's path.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from probes.check import CheckResult
from probes.kubernetes import rbac, rest, trim
from probes.kubernetes.client import ApiThreads, Connection, KubernetesError, call, connect
from probes.kubernetes.status import about, deployment_status, pod_status, pod_uid, selects
from probes.kubernetes.watch import WATCH_SECONDS, Informer, Obj
from state.events import DeploymentsSampled, DeploymentStatus, EventBase, PodStatus, Source
from state.text import inert

__all__ = ["KubernetesError", "KubernetesProbe", "check_kubernetes", "connect"]

MIN_INTERVAL = 2.0
# the sample as a whole (the scheduler's backstop) may take this much longer than one request:
# its lists run at once, each within the request timeout, and then the fold
OVERALL_MARGIN = 2.0
# The probe's own threads for its lists and folds (each watch has a thread of its own): a hung
# API server must not starve other users of the loop's default executor.
WORKERS = 4


class KubernetesProbe(ApiThreads):
    """The configured deployments, from informers on deployments, ReplicaSets, pods and
    Warning events of the namespace: four LISTs at the start (and after a 410), then watches,
    and at each refresh one GET /version, so that a hung API server shows as one."""

    source: Source = "kubernetes"

    def __init__(
        self,
        services: Sequence[str],
        *,
        context: str | None = None,
        namespace: str | None = None,
        kubeconfig: str | Path | None = None,
        interval: float = 2.0,
        timeout: float = 3.0,
        watch_seconds: float = WATCH_SECONDS,
    ) -> None:
        if interval < MIN_INTERVAL:
            raise ValueError(f"the Kubernetes refresh must be at least {MIN_INTERVAL:g} s")
        super().__init__(context, namespace, kubeconfig, WORKERS, "warroom-kubernetes")
        self.services = tuple(services)
        self.interval = interval
        self.request_timeout = timeout  # each request's: a list, a watch's connect
        self.timeout = timeout + OVERALL_MARGIN
        self.watch_seconds = watch_seconds
        self.informers: dict[str, Informer] = {}
        self._folded: tuple[tuple[int, ...], tuple[DeploymentStatus, ...]] | None = None
        self._pods: dict[str, tuple[Obj, PodStatus]] = {}  # by name: the object it was read from

    def _inform(self, conn: Connection) -> dict[str, Informer]:
        kinds: dict[str, tuple[Any, str | None]] = {
            "deployments": (trim.deployment, None),
            "replicasets": (trim.replica_set, None),
            "pods": (trim.pod, None),
            "events": (trim.event, "type=Warning"),
        }
        return {
            what: Informer(
                conn,
                what,
                rest.lister(conn.api, what),
                cut,
                self.request_timeout,
                field_selector=selector,
                watch_seconds=self.watch_seconds,
            )
            for what, (cut, selector) in kinds.items()
        }

    async def prepare(self) -> None:
        """The client imported and the kubeconfig read, in a worker thread, before the first
        sample; KubernetesError when it cannot be (the sample then says so)."""
        await self.connection()

    async def sample(self, now: datetime) -> Sequence[EventBase]:
        conn = await self.connection()  # imports the client in a worker thread, off the UI
        if not self.informers:
            self.informers = self._inform(conn)
        stale = [i for i in self.informers.values() if i.stale]
        if stale:
            await asyncio.gather(*(self.in_thread(i.relist) for i in stale))
            statuses = await self.in_thread(self._fold)
        else:  # a watch says nothing while nothing changes, even from a hung API server
            statuses = await self.in_thread(self._alive_then_fold, conn)
        return [DeploymentsSampled(at=now, deployments=statuses)]

    def _alive_then_fold(self, conn: Connection) -> tuple[DeploymentStatus, ...]:
        """`_alive`, then `_fold`, in one trip to a worker thread: with nothing changed they
        are all a refresh does, and each trip wakes a thread and the loop again. Blocking."""
        self._alive(conn)
        return self._fold()

    def _alive(self, conn: Connection) -> None:
        """GET /version within the request timeout: the API server still answers. Blocking.

        Raises KubernetesError (the pane then says the reason) when it does not."""
        version = rest.version(conn.api)
        reply: Any = call(
            conn, "get version", version, self.request_timeout, _preload_content=False
        )
        reply.release_conn()  # the raw reply: nothing in it is read

    def _fold(self) -> tuple[DeploymentStatus, ...]:
        """The configured deployments' statuses from the informers' objects; the last ones
        again when nothing changed. Blocking: runs in a worker thread."""
        snaps = {what: i.snapshot() for what, i in self.informers.items()}
        generations = tuple(generation for generation, _ in snaps.values())
        if self._folded is not None and self._folded[0] == generations:
            return self._folded[1]
        deployments, pods = snaps["deployments"][1], snaps["pods"][1]
        found = [deployments[name] for name in self.services if name in deployments]
        if not found:
            raise KubernetesError(
                f"none of the deployments {', '.join(self.services)} is in namespace "
                f"{self.informers['deployments'].conn.namespace}: "
                "check cluster.namespace and cluster.services"
            )
        statuses = _Folder(pods, snaps["replicasets"][1], snaps["events"][1], self._pods)
        before = {d.name: d for d in self._folded[1]} if self._folded else {}
        # a deployment whose status did not change is sent as the very object sent before,
        # so the console sees by identity what is unchanged and draws only what changed
        folded = tuple(_same_or(before, statuses.of(d)) for d in found)
        self._folded = (generations, folded)
        return folded

    async def close(self) -> None:
        informers, self.informers = self.informers, {}
        for informer in informers.values():
            informer.close()
        await super().close()


def _same_or(before: Mapping[str, DeploymentStatus], status: DeploymentStatus) -> DeploymentStatus:
    """The status sent before for that deployment when it equals `status`, else `status`."""
    was = before.get(status.name)
    return was if was is not None and was == status else status


class _Folder:
    """Indexes over one snapshot of the namespace, so that each deployment's status reads only
    its own pods, ReplicaSets and events, whatever the namespace holds."""

    def __init__(
        self,
        pods: Mapping[str, Obj],
        replica_sets: Mapping[str, Obj],
        events: Mapping[str, Obj],
        known: dict[str, tuple[Obj, PodStatus]],
    ) -> None:
        self.pods = pods
        self.by_label: dict[tuple[str, str], list[str]] = defaultdict(list)
        for name, obj in pods.items():
            for label in ((obj.get("metadata") or {}).get("labels") or {}).items():
                self.by_label[label].append(name)
        self.owned: dict[str, list[str]] = defaultdict(list)
        for name, rs in replica_sets.items():
            for ref in rs["metadata"].get("ownerReferences") or ():
                if ref.get("kind") == "Deployment" and ref.get("name"):
                    self.owned[ref["name"]].append(name)
        self.events: dict[tuple[str, str], list[Obj]] = defaultdict(list)
        for e in events.values():
            kind, name = about(e)
            self.events[kind, name].append(e)
            if kind == "Pod":  # a pod already gone, by the ReplicaSet it was named after
                self.events["Pod-of", name.rpartition("-")[0]].append(e)
        # a pod's status is read again only when its object changed
        for gone in known.keys() - pods.keys():
            del known[gone]
        self.known = known

    def _status(self, name: str) -> PodStatus:
        obj = self.pods[name]
        cached = self.known.get(name)
        if cached is None or cached[0] is not obj:
            cached = self.known[name] = (obj, pod_status(obj))
        return cached[1]

    def of(self, deployment: Obj) -> DeploymentStatus:
        name = deployment["metadata"]["name"]
        selector = (deployment.get("spec") or {}).get("selector") or {}
        first = next(iter((selector.get("matchLabels") or {}).items()), None)
        candidates = self.by_label.get(first, ()) if first else self.pods.keys()
        mine = {
            p: self._status(p)
            for p in candidates
            if selects(selector, (self.pods[p].get("metadata") or {}).get("labels"))
        }
        owned = self.owned.get(name, [])
        events = [
            *self.events.get(("Deployment", name), ()),
            *(e for rs in owned for e in self.events.get(("ReplicaSet", rs), ())),
            *(e for rs in owned for e in self.events.get(("Pod-of", rs), ())),
            *(e for p in mine for e in self.events.get(("Pod", p), ())),
        ]
        unique = list({id(e): e for e in events}.values())
        uids = {p: pod_uid(self.pods[p]) for p in mine}
        return deployment_status(deployment, mine, owned, unique, uids)


async def check_kubernetes(
    context: str | None = None,
    namespace: str | None = None,
    kubeconfig: str | Path | None = None,
    services: Sequence[str] = (),
    timeout: float = 3.0,
) -> CheckResult:
    """Can the console read (and act on) the cluster: reachability, version, RBAC, deployments."""
    from kubernetes import client

    try:
        conn = await asyncio.to_thread(connect, context, namespace, kubeconfig)
    except KubernetesError as exc:
        return CheckResult(
            "kubernetes", context or "current context", reachable=False, problems=(str(exc),)
        )
    target = f"{conn.host} (context {conn.context}, namespace {conn.namespace})"
    try:
        started = time.perf_counter()
        version_api = client.VersionApi(conn.api)
        try:
            info = await asyncio.to_thread(call, conn, "get version", version_api.get_code, timeout)
        except KubernetesError as exc:
            return CheckResult("kubernetes", target, reachable=False, problems=(str(exc),))
        latency = round((time.perf_counter() - started) * 1000, 1)
        permissions, problems = await rbac.report(asyncio.to_thread, conn, timeout)
        if services and "list deployments: yes" in permissions:
            problems += await _missing(conn, services, timeout)
    finally:
        await asyncio.to_thread(conn.api.close)
    version = inert(info.git_version, limit=40)
    return CheckResult("kubernetes", target, True, version, latency, permissions, tuple(problems))


async def _missing(conn: Connection, services: Sequence[str], timeout: float) -> tuple[str, ...]:
    from kubernetes import client

    apps = client.AppsV1Api(conn.api)
    try:
        listed: Any = await asyncio.to_thread(
            call, conn, "list deployments", apps.list_namespaced_deployment, timeout, conn.namespace
        )
    except KubernetesError as exc:
        return (str(exc),)
    names = {d.metadata.name for d in listed.items}
    return tuple(
        f"deployment {s} not found in namespace {conn.namespace}"
        for s in services
        if s not in names
    )
