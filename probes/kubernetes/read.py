"""The Kubernetes probe: deployments, pods, rollouts and warnings through the official client.

The client is synchronous, so every request runs in a worker thread (see client.ApiThreads).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from probes.check import CheckResult
from probes.kubernetes import rbac
from probes.kubernetes.client import ApiThreads, Connection, KubernetesError, call, connect
from probes.kubernetes.status import deployment_status, label_selector, owned_by, selects
from state.events import DeploymentsSampled, EventBase, Source
from state.text import inert

__all__ = ["KubernetesError", "KubernetesProbe", "check_kubernetes", "connect"]

MIN_INTERVAL = 2.0
# The probe's own threads: a hung API server must not starve other users of the loop's
# default executor, and a refresh needs at most 3 + one per deployment requests at once.
WORKERS = 8


class KubernetesProbe(ApiThreads):
    """Samples the configured deployments with a handful of LIST requests per refresh."""

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
    ) -> None:
        if interval < MIN_INTERVAL:
            raise ValueError(f"the Kubernetes refresh must be at least {MIN_INTERVAL:g} s")
        super().__init__(context, namespace, kubeconfig, WORKERS, "warroom-kubernetes")
        self.services = tuple(services)
        self.interval = interval
        self.timeout = timeout

    async def _request(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        conn = await self.connection()
        return await self.in_thread(call, conn, what, fn, self.timeout, *args, **kwargs)

    async def sample(self, now: datetime) -> Sequence[EventBase]:
        conn = await self.connection()  # imports the client in a worker thread, off the UI
        from kubernetes import client

        apps, core, ns = client.AppsV1Api(conn.api), client.CoreV1Api(conn.api), conn.namespace
        deployments, events, replica_sets = await asyncio.gather(
            self._request("list deployments", apps.list_namespaced_deployment, ns),
            self._request(
                "list events", core.list_namespaced_event, ns, field_selector="type=Warning"
            ),
            self._request("list replicasets", apps.list_namespaced_replica_set, ns),
        )
        by_name = {d.metadata.name: d for d in deployments.items}
        found = [by_name[name] for name in self.services if name in by_name]
        if not found:
            raise KubernetesError(
                f"none of the deployments {', '.join(self.services)} is in namespace {ns}: "
                "check cluster.namespace and cluster.services"
            )
        pod_lists = await asyncio.gather(
            *(
                self._request(
                    "list pods",
                    core.list_namespaced_pod,
                    ns,
                    label_selector=label_selector(d.spec.selector),
                )
                for d in found
            )
        )
        statuses = []
        for deployment, pod_list in zip(found, pod_lists, strict=True):
            name = deployment.metadata.name
            # the server filtered by the selector already; checking again costs nothing
            pods = [
                p for p in pod_list.items if selects(deployment.spec.selector, p.metadata.labels)
            ]
            owned = [rs for rs in replica_sets.items if owned_by(rs, "Deployment", name)]
            statuses.append(deployment_status(deployment, pods, owned, events.items))
        return [DeploymentsSampled(at=now, deployments=tuple(statuses))]


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
