"""A Kubernetes API server on loopback for the official client: kmock's emulator, seeded.

kmock keeps objects as plain dicts: it does not filter lists by label or field selector
and has no subresources. Tests that depend on those assert on the requests it received.

kmock 0.8 serves `?watch=true` as a replay of every object followed by the changes made
through its HTTP API, without resource versions: a LIST says '...', a watch ignores
`resourceVersion`, never sends a bookmark nor a 410 Gone, and objects stored from the test
(Cluster.add) reach no watch. Emulator adds what an informer relies on, as the API server
does it: every change (through HTTP or Cluster.add) takes the next resourceVersion; a LIST
returns the current one; a watch sends what changed after the version it asks for, BOOKMARKs
when asked (allowWatchBookmarks) and nothing changed for `bookmark_every` seconds, ends after
timeoutSeconds, and answers a version older than its history keeps (Cluster.expire) with an
ERROR event carrying a 410 Status, in a 200 stream, as the API server's watch cache does.
kmock deletes without reading a DELETE's preconditions: Emulator answers one naming another
uid than the object's with the API server's 409 Conflict, and keeps the object.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp.web
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


class _Recorder:
    """Stands in for kmock's per-resource event bus: each change becomes a versioned event."""

    def __init__(self, emulator: Emulator, res: resource) -> None:
        self.emulator, self.res = emulator, res

    async def put(self, event: Obj) -> None:
        self.emulator.record(self.res, event["type"], event["object"])


class _Buses(dict[resource, _Recorder]):
    def __init__(self, emulator: Emulator) -> None:
        super().__init__()
        self.emulator = emulator

    def __missing__(self, res: resource) -> _Recorder:
        self[res] = _Recorder(self.emulator, res)
        return self[res]


class Emulator(KubernetesEmulator):
    """kmock's emulator, where access reviews are answered and never stored, as in Kubernetes,
    and watches are served from versioned history (see the module's docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allowed: set[str] = set(EVERYTHING)
        self.keep_requests = True  # False: forget each request once answered (long runs)
        self.version = 1  # the resourceVersion of the newest change
        self.oldest = 1  # the oldest version a watch may resume from (Cluster.expire moves it)
        self.history: list[tuple[int, resource, str, Obj]] = []
        self.kept = 10_000  # events of history kept; older versions answer 410
        self.bookmark_every = 1.0  # seconds
        self._changed = asyncio.Event()
        self._gone = asyncio.Event()  # set: every open watch ends with a 410
        self._buses = _Buses(self)  # type: ignore[assignment]

    def record(self, res: resource, kind: str, obj: Obj) -> None:
        """A change the watches of `res` will send: the object takes the next version."""
        self.version += 1
        obj = copy.deepcopy(obj)
        obj.setdefault("metadata", {})["resourceVersion"] = str(self.version)
        self.history.append((self.version, res, kind, obj))
        if len(self.history) > self.kept:
            del self.history[: len(self.history) - self.kept]
            self.oldest = self.history[0][0] - 1
        self._changed.set()
        self._changed = asyncio.Event()

    def expire(self) -> None:
        """Forget the history, as a compacted etcd does: every watch ends with a 410 Gone and
        every resume from a version before now is refused with one."""
        self.history.clear()
        self.oldest = self.version
        self._gone.set()
        self._gone = asyncio.Event()

    async def _serve_list(self, request: Request) -> Any:
        reply = await super()._serve_list(request)
        reply["metadata"]["resourceVersion"] = str(self.version)
        for item in reply["items"]:
            item.setdefault("metadata", {}).setdefault("resourceVersion", str(self.version))
        return reply

    async def _serve_watch(self, request: Request) -> AsyncIterator[Any]:
        yield b""  # the headers, at once: a watch that has nothing to say is still open
        params = request.params
        since = params.get("resourceVersion")
        bookmarks = params.get("allowWatchBookmarks") == "true"
        loop = asyncio.get_running_loop()
        ends = loop.time() + float(params.get("timeoutSeconds") or 3600)
        if not since or not since.isdigit():  # from "now": every object as ADDED first
            listed = await super()._serve_list(request)
            for item in listed["items"]:
                yield {"type": "ADDED", "object": item}
            at = self.version
        elif int(since) < self.oldest:
            yield _gone(since, self.oldest)
            return
        else:
            at = int(since)
        while loop.time() < ends:
            for version, res, kind, obj in list(self.history):
                namespace = obj.get("metadata", {}).get("namespace")
                if version > at and res == request.resource and namespace == request.namespace:
                    yield {"type": kind, "object": obj}
            at = self.version
            changed, gone = self._changed.wait(), self._gone.wait()
            waits = [asyncio.ensure_future(changed), asyncio.ensure_future(gone)]
            done, pending = await asyncio.wait(
                waits,
                timeout=min(self.bookmark_every, max(ends - loop.time(), 0)),
                return_when=asyncio.FIRST_COMPLETED,
            )
            for task in pending:
                task.cancel()
            if waits[1] in done:
                yield _gone(str(at), self.oldest)
                return
            if not done and bookmarks:
                kind_of = {res: kind for kind, res in _KINDS.items()}
                mark = {"kind": kind_of.get(request.resource, ""), "metadata": {}}
                mark["metadata"]["resourceVersion"] = str(self.version)
                yield {"type": "BOOKMARK", "object": mark}

    async def _handle(self, request: Request) -> Any:
        try:
            conflict = self._uid_conflict(request)
            if conflict is not None:
                return conflict
            # access reviews, pods/log and the metrics API are answered by the reactions a
            # test sets (the emulator would serve the pod itself for pods/NAME/log)
            if request.resource == REVIEWS or request.subresource == "log" or _metrics(request):
                return await kmock.RawHandler._handle(self, request)
            return await super()._handle(request)
        finally:
            if not self.keep_requests:
                with contextlib.suppress(ValueError):
                    self._requests.remove(request)

    def _uid_conflict(self, request: Request) -> Any:
        """A DELETE whose preconditions name another uid than the object's: the API server's
        409 Conflict, the object kept (kmock would delete it before any reaction answers)."""
        if request.method != "DELETE" or request.resource is None or request.name is None:
            return None
        data = request.data if isinstance(request.data, dict) else {}
        want = (data.get("preconditions") or {}).get("uid")
        key = (request.resource, request.namespace, request.name)
        if want is None or key not in self.objects or self.objects[key].deleted:
            return None
        stored = self.objects[key]
        have = stored.get("metadata", {}).get("uid")
        if want == have:
            return None
        plural, ns, name = request.resource.plural, request.namespace, request.name
        message = (
            f'Operation cannot be fulfilled on {plural} "{name}": StorageError: invalid object, '
            f"Code: 4, Key: /registry/{plural}/{ns}/{name}, ResourceVersion: 0, "
            f"AdditionalErrorMsg: Precondition failed: UID in precondition: {want}, "
            f"UID in object meta: {have}"
        )
        body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure"}
        details = {"name": name, "kind": plural}
        payload = {**body, "message": message, "reason": "Conflict", "details": details}
        return aiohttp.web.json_response({**payload, "code": 409}, status=409)

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
                meta, res = obj["metadata"], _KINDS[obj["kind"]]
                key = (res, meta["namespace"], meta["name"])
                known = key in self.api.objects and not self.api.objects[key].deleted
                self.api.objects[key] = obj
                self.api.record(res, "MODIFIED" if known else "ADDED", obj)

    def remove(self, obj: Obj) -> None:
        """Delete an object, as a controller would: watches see it DELETED."""
        meta, res = obj["metadata"], _KINDS[obj["kind"]]
        self.api.objects[res, meta["namespace"], meta["name"]].delete()
        self.api.record(res, "DELETED", obj)

    def expire(self) -> None:
        """The API server forgets its watch history: watches end with 410 Gone (relist)."""
        self.api.expire()

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


def _gone(since: str, oldest: int) -> Obj:
    """The ERROR event the API server sends for a version its watch cache no longer holds."""
    message = f"too old resource version: {since} ({oldest})"
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure"}
    return {
        "type": "ERROR",
        "object": {**body, "reason": "Expired", "message": message, "code": 410},
    }


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
