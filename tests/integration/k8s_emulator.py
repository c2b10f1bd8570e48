"""A Kubernetes API server on loopback for the official client: kmock's emulator, seeded.

kmock keeps objects as plain dicts: it does not filter lists by label or field selector
and has no subresources. Tests that depend on those assert on the requests it received.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kmock
from kmock import KubernetesEmulator, Request, Response, Server, resource

from tests.integration.k8s_objects import NS, Obj

DEPLOYMENTS = resource("apps", "v1", "deployments")
REPLICASETS = resource("apps", "v1", "replicasets")
PODS = resource("", "v1", "pods")
EVENTS = resource("", "v1", "events")
REVIEWS = resource("authorization.k8s.io", "v1", "selfsubjectaccessreviews")
TOKEN = "sekret-bearer-token-do-not-print"
VERSION = {
    "major": "1",
    "minor": "30",
    "gitVersion": "v1.30.4",
    "gitCommit": "a51b3b711150f57ffc1f526a640ec058514ed596",
    "gitTreeState": "clean",
    "buildDate": "2024-08-14T19:04:20Z",
    "goVersion": "go1.22.5",
    "compiler": "gc",
    "platform": "linux/amd64",
}
EVERYTHING = frozenset(
    {
        "get deployments",
        "list deployments",
        "list pods",
        "list events",
        "list replicasets",
        "patch deployments",
        "patch deployments/scale",
        "delete pods",
        "patch configmaps",
        "get pods/log",
        "list nodes",
    }
)
_KINDS = {"Deployment": DEPLOYMENTS, "ReplicaSet": REPLICASETS, "Pod": PODS, "Event": EVENTS}


class Emulator(KubernetesEmulator):
    """kmock's emulator, where access reviews are answered and never stored, as in Kubernetes."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allowed: set[str] = set(EVERYTHING)
        self.keep_requests = True  # False: forget each request once answered (long runs)

    async def _handle(self, request: Request) -> Any:
        try:
            # access reviews, pods/log and the metrics API are answered by the reactions a
            # test sets (the emulator would serve the pod itself for pods/NAME/log)
            if request.resource == REVIEWS or request.subresource == "log" or _metrics(request):
                return await kmock.RawHandler._handle(self, request)
            return await super()._handle(request)
        finally:
            if not self.keep_requests:
                with contextlib.suppress(ValueError):
                    self._requests.remove(request)

    def review(self, request: Request) -> Obj:
        attrs = request.data["spec"]["resourceAttributes"]
        sub = f"/{attrs['subresource']}" if attrs.get("subresource") else ""
        allowed = f"{attrs['verb']} {attrs['resource']}{sub}" in self.allowed
        return {**request.data, "status": {"allowed": allowed}}


def _metrics(request: Request) -> bool:
    return bool(request.resource and request.resource.group == "metrics.k8s.io")


@dataclass
class Cluster:
    api: Emulator
    server: Server
    kubeconfig: Path
    context: str = "kmock"
    namespace: str = NS

    @property
    def url(self) -> str:
        return str(self.server.url).rstrip("/")

    def add(self, *objects: Obj | Iterable[Obj]) -> None:
        """Store objects (or lists of them) as the API server would serve them."""
        for item in objects:
            for obj in [item] if isinstance(item, dict) else item:
                meta = obj["metadata"]
                self.api.objects[_KINDS[obj["kind"]], meta["namespace"], meta["name"]] = obj

    def requests(self, plural: str | None = None) -> list[Request]:
        return [
            r for r in self.api if plural is None or (r.resource and r.resource.plural == plural)
        ]

    def forget(self) -> None:
        """Drop the request log: kmock scans it for every request, so long runs slow down."""
        self.api._requests.clear()

    def fail(self, action: str, res: resource, *replies: Response) -> None:
        """Answer the next requests for `action` on `res` with `replies`, then serve normally."""
        pending = list(replies)

        def reply(request: Request) -> Any:
            return pending.pop(0) if pending else NotImplemented  # NotImplemented: fall through

        (self.api**1)[action, res] << reply  # ahead of the emulator's own answers


def status(code: int, reason: str, message: str) -> Response:
    """An error reply in the shape the API server sends."""
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure"}
    return Response(
        status=code, payload={**body, "reason": reason, "message": message, "code": code}
    )


def write_kubeconfig(
    path: Path, url: str, context: str = "kmock", namespace: str | None = NS
) -> Path:
    """A kubeconfig (JSON is YAML) with one context pointing at `url`, using a bearer token."""
    ctx: Obj = {"cluster": "emulator", "user": "commander"}
    if namespace:
        ctx["namespace"] = namespace
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": context,
        "clusters": [{"name": "emulator", "cluster": {"server": url}}],
        "users": [{"name": "commander", "user": {"token": TOKEN}}],
        "contexts": [{"name": context, "context": ctx}],
    }
    path.write_text(json.dumps(config))
    return path


@asynccontextmanager
async def cluster(tmp_path: Path, *objects: Obj | Iterable[Obj]) -> AsyncIterator[Cluster]:
    """The emulator on a loopback port with `objects` stored, and a kubeconfig for it."""
    async with Emulator() as api, Server(api) as server:
        api.resources.load_bundled()
        api["get /version/"] << VERSION
        api["create", REVIEWS] << api.review
        url = str(server.url).rstrip("/")
        k8s = Cluster(api, server, write_kubeconfig(tmp_path / "kubeconfig", url))
        k8s.add(*objects)
        yield k8s
