"""Requests for the write side: one connection, worker threads, raw JSON replies, refusals.

Replies are parsed as the server sent them rather than into the client's models, so an
object patched back (a pod template) keeps fields newer than the client knows.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from probes.actions import ActionRefused
from probes.kubernetes.client import Connection, KubernetesError, explain
from probes.kubernetes.threads import ApiThreads
from state.text import inert

WORKERS = 6  # permission reviews run at once; actions are one request after another
Verb = tuple[str, str, str, str]  # verb, resource, API group, subresource
_LABELS = {403: "forbidden", 404: "not found", 409: "conflict", 422: "invalid"}


class Refused(ActionRefused):
    """A request the API server (or the way to it) refused; `status` is the HTTP status."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status


def refusal(exc: BaseException, what: str, conn: Connection, timeout: float) -> str:
    """One line for a failed request: for 403/404/409/422, the API server's own message."""
    from kubernetes.client.exceptions import ApiException

    if isinstance(exc, ApiException) and exc.status in _LABELS:
        try:
            message = json.loads(exc.body or "").get("message")
        except (ValueError, TypeError, AttributeError):
            message = None
        if isinstance(message, str) and message.strip():
            return inert(message, limit=200)  # e.g. deployments.apps "x" not found
        return f"{_LABELS[exc.status]}: cannot {what} in namespace {conn.namespace}"
    return explain(exc, what, conn, timeout)


def _send(
    conn: Connection, what: str, timeout: float, fn: Callable[..., Any], *args: Any, **kw: Any
) -> Any:
    """One request; its reply as parsed JSON. Blocking."""
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
        return await self._in_thread(send)


async def denied(session: ApiSession, verb: Verb) -> str | None:
    """None when a SelfSubjectAccessReview allows `verb` in the namespace, else why not."""
    name, resource, group, sub = verb
    ns = (await session.connection()).namespace
    attributes = {"verb": name, "resource": resource, "group": group, "namespace": ns}
    if sub:
        attributes["subresource"] = sub
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": attributes},
    }
    auth = await session.api("AuthorizationV1Api")
    try:
        answer = await session.request(
            "create selfsubjectaccessreviews", auth.create_self_subject_access_review, review
        )
    except ActionRefused as exc:
        return f"permissions unknown: {exc}"
    if (answer.get("status") or {}).get("allowed"):
        return None
    return f"forbidden: cannot {name} {resource}{'/' + sub if sub else ''} in namespace {ns}"
