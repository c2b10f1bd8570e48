"""Talking to the Kubernetes API with the official client: connecting, the threads its blocking
calls run in, and errors for people.

The client is synchronous: every call runs in a pool of our own (ApiThreads), so a hung API
server cannot starve the event loop or the other probes. The client is imported inside the
functions, because importing it costs a quarter of a second.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from state.text import inert

IN_CLUSTER_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
T = TypeVar("T")
_LABELS = {403: "forbidden", 404: "not found", 409: "conflict", 422: "invalid"}


class KubernetesError(Exception):
    """One line a person can act on; never a token, never a traceback."""


@dataclass
class Connection:
    api: Any  # kubernetes.client.ApiClient
    context: str
    namespace: str
    host: str  # the API server, without credentials


def _kubeconfig_path(kubeconfig: str | Path | None) -> str:
    return str(kubeconfig or os.environ.get("KUBECONFIG") or "~/.kube/config")


def _exists(paths: str) -> bool:
    return any(p and Path(p).expanduser().exists() for p in paths.split(os.pathsep))


def _host(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc.rpartition("@")[2] or url


def _in_cluster(cfg: Any) -> tuple[str, str]:
    from kubernetes import config

    config.load_incluster_config(client_configuration=cfg)
    ns = IN_CLUSTER_NAMESPACE.read_text().strip() if IN_CLUSTER_NAMESPACE.exists() else ""
    return "in-cluster", ns or "default"


def _from_kubeconfig(cfg: Any, path: str, context: str | None) -> tuple[str, str]:
    from kubernetes import config

    if not _exists(path):
        raise KubernetesError(f"no kubeconfig at {path}: set KUBECONFIG or cluster.kubeconfig")
    contexts, current = config.list_kube_config_contexts(config_file=path)
    chosen = next((c for c in contexts if c.get("name") == context), None) if context else current
    if chosen is None:
        raise KubernetesError(
            f"context {inert(context)!r} not found in {path} "
            "(kubectl config get-contexts lists them)"
        )
    config.load_kube_config(
        config_file=path, context=chosen["name"], client_configuration=cfg, persist_config=False
    )
    return inert(chosen["name"]), (chosen.get("context") or {}).get("namespace") or "default"


def connect(
    context: str | None = None, namespace: str | None = None, kubeconfig: str | Path | None = None
) -> Connection:
    """An API client for `context` (or the current one) as kubectl would build it. Blocking.

    Inside a pod (KUBERNETES_SERVICE_HOST set) with no kubeconfig, the pod's service account.
    """
    import yaml
    from kubernetes import client
    from kubernetes.config.config_exception import ConfigException

    cfg = client.Configuration()
    path = _kubeconfig_path(kubeconfig)
    in_pod = kubeconfig is None and not _exists(path) and "KUBERNETES_SERVICE_HOST" in os.environ
    source = "in-cluster config" if in_pod else f"kubeconfig {path}"
    try:
        name, default_ns = _in_cluster(cfg) if in_pod else _from_kubeconfig(cfg, path, context)
    except ConfigException as exc:
        raise KubernetesError(f"{source}: {inert(exc, limit=160)}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise KubernetesError(f"{source}: not valid YAML{where}") from None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise KubernetesError(f"{source}: malformed ({type(exc).__name__})") from None
    except OSError as exc:
        raise KubernetesError(f"{source}: {inert(exc.strerror or exc, limit=120)}") from None
    cfg.retries = False  # the next refresh is the retry; a hidden one would double the wait
    return Connection(client.ApiClient(cfg), name, namespace or inert(default_ns), _host(cfg.host))


def _status_message(body: object) -> str:
    """The `message` of a Kubernetes Status reply, made inert; '' when there is none."""
    try:
        data = json.loads(body) if isinstance(body, str | bytes) else None
    except ValueError:
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    return inert(message, limit=120) if isinstance(message, str) else ""


def explain(exc: BaseException, what: str, conn: Connection, timeout: float) -> str:
    """`exc`, raised while doing `what` (e.g. 'list pods'), as one line for a person."""
    from kubernetes.client.exceptions import ApiException
    from urllib3 import exceptions as u

    where = f"in namespace {conn.namespace}"
    if isinstance(exc, ApiException):
        status = exc.status
        if status == 401:
            return (
                f"unauthorized: the API server rejected the credentials of context {conn.context} "
                "(log in again or renew the token)"
            )
        if status == 403:
            return f"forbidden: cannot {what} {where} (RBAC)"
        if status == 404:
            return f"not found: {what} {where} (is {conn.host} a Kubernetes API server?)"
        if status == 429:
            return f"throttled: the API server refused {what} (HTTP 429); try a longer refresh"
        if not isinstance(status, int) or status < 400:
            return f"malformed reply to {what} {where} from {conn.host}"
        detail = _status_message(exc.body)
        head = f"API server error {status}" if status >= 500 else f"HTTP {status}"
        return f"{head} on {what} {where}" + (f": {detail}" if detail else "")
    if isinstance(exc, u.MaxRetryError) and exc.reason is not None:
        exc = exc.reason
    if isinstance(exc, u.NameResolutionError):
        return f"DNS lookup failed for {conn.host}"
    if isinstance(exc, u.NewConnectionError):
        if "refused" in str(exc).lower():
            return f"connection refused by {conn.host}: is the API server up, the kubeconfig right?"
        return f"cannot connect to {conn.host}"
    if isinstance(exc, u.TimeoutError | TimeoutError):
        return f"timed out after {timeout:g} s waiting for {conn.host}"
    if isinstance(exc, u.SSLError):
        return f"TLS error talking to {conn.host}: check the cluster certificate in the kubeconfig"
    if isinstance(exc, u.ProtocolError | ConnectionError):
        return f"connection reset by {conn.host}"
    if isinstance(exc, ValueError | TypeError | KeyError | AttributeError):
        return f"malformed reply to {what} {where} from {conn.host}"
    return f"{what} {where} failed: {type(exc).__name__}"


def call(
    conn: Connection, what: str, fn: Callable[..., T], timeout: float, *args: Any, **kwargs: Any
) -> T:
    """One blocking API request, its failure turned into a KubernetesError. Blocking."""
    try:
        return fn(*args, _request_timeout=timeout, **kwargs)
    except Exception as exc:
        raise KubernetesError(explain(exc, what, conn, timeout)) from None


def refusal(exc: BaseException, what: str, conn: Connection, timeout: float) -> str:
    """One line for a failed write: for 403/404/409/422, the API server's own message."""
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


class ApiThreads:
    """One context's API connection, opened lazily, and the pool its blocking calls run in."""

    def __init__(
        self,
        context: str | None,
        namespace: str | None,
        kubeconfig: str | Path | None,
        workers: int,
        name: str,
    ) -> None:
        self.context, self.namespace, self.kubeconfig = context, namespace, kubeconfig
        self._workers, self._name = workers, name
        self._conn: Connection | None = None
        self._pool: ThreadPoolExecutor | None = None

    async def in_thread(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix=self._name)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))

    async def connection(self) -> Connection:
        """The connection, opened on first use (importing the client in a worker thread)."""
        if self._conn is None:
            self._conn = await self.in_thread(
                connect, self.context, self.namespace, self.kubeconfig
            )
        return self._conn

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await self.in_thread(conn.api.close)
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.shutdown(wait=False, cancel_futures=True)


def current_context(kubeconfig: str | Path | None = None) -> str | None:
    """The kubeconfig's current-context, as kubectl reads it (the first file of $KUBECONFIG
    that sets one); None when there is no kubeconfig or it cannot be read. Blocking; no
    network, and not the client: the YAML alone, so that loading a config stays fast."""
    import yaml

    for name in _kubeconfig_path(kubeconfig).split(os.pathsep):
        try:
            data = yaml.safe_load(Path(name).expanduser().read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        current = data.get("current-context") if isinstance(data, dict) else None
        if isinstance(current, str) and current:
            return current
    return None
