"""RBAC: the one table of what the console does with the cluster, asked of the API server.

`warroom check` reports every verb, the actions' permissions name the first verb an action
lacks, and the key dialogs keep the answers for TTL seconds (PermissionsCache). Each verb is
asked by one SelfSubjectAccessReview in the connection's namespace, as `kubectl auth can-i`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, NamedTuple

from probes.actions import BACKEND_ACTIONS, REMEDIATIONS
from probes.kubernetes.client import Connection, KubernetesError, call
from state.text import describe_error

TTL = 60.0  # seconds an RBAC answer is trusted before asking again
UNKNOWN = "permissions unknown"


class Verb(NamedTuple):
    """One kind of request, as RBAC names it: `patch deployments/scale` in group apps."""

    verb: str
    resource: str
    group: str = ""  # "" is the core API group
    subresource: str = ""

    def __str__(self) -> str:
        # a group beyond the core and apps ones is named, as kubectl names pods.metrics.k8s.io
        group = f".{self.group}" if self.group not in ("", "apps") else ""
        sub = f"/{self.subresource}" if self.subresource else ""
        return f"{self.verb} {self.resource}{group}{sub}"


GET = Verb("get", "deployments", "apps")
PATCH = Verb("patch", "deployments", "apps")
LIST_PODS = Verb("list", "pods")
LIST_REPLICA_SETS = Verb("list", "replicasets", "apps")

# Every request the probe sends on a refresh.
READ: tuple[Verb, ...] = (
    GET,
    Verb("list", "deployments", "apps"),
    LIST_PODS,
    Verb("list", "events"),
    LIST_REPLICA_SETS,
)
# Every request each action sends (probes.kubernetes.write).
ACTIONS: dict[str, tuple[Verb, ...]] = {
    "restart": (GET, PATCH),
    "rollout_undo": (GET, LIST_REPLICA_SETS, PATCH),
    "scale": (GET, Verb("patch", "deployments", "apps", "scale")),
    "delete_failing_pods": (GET, LIST_PODS, Verb("delete", "pods")),
    "circuit_breaker": (Verb("patch", "configmaps"),),
}
# Every request the Investigate screen sends (probes/investigate/kubernetes.py) beyond the
# probe's: without one, its part is shown disabled with the reason, and nothing else changes.
INVESTIGATE: tuple[Verb, ...] = (
    Verb("get", "pods", subresource="log"),
    Verb("list", "nodes"),
    Verb("list", "pods", "metrics.k8s.io"),
    Verb("list", "nodes", "metrics.k8s.io"),
)
# The actions' verbs the probe does not already use, in the order the actions name them.
WRITE: tuple[Verb, ...] = tuple(
    dict.fromkeys(v for needs in ACTIONS.values() for v in needs if v not in READ)
)

InThread = Callable[..., Awaitable[Any]]  # runs a blocking call in a worker thread


def forbidden(verb: Verb, namespace: str) -> str:
    return f"forbidden: cannot {verb} in namespace {namespace}"


def allowed(conn: Connection, verb: Verb, timeout: float) -> bool:
    """Whether the API server lets us do `verb` in the connection's namespace. Blocking.

    Raises KubernetesError (one line) when the review itself fails.
    """
    from kubernetes import client

    attributes = {
        "verb": verb.verb,
        "resource": verb.resource,
        "group": verb.group,
        "namespace": conn.namespace,
    }
    if verb.subresource:
        attributes["subresource"] = verb.subresource
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": attributes},
    }
    api = client.AuthorizationV1Api(conn.api)
    what = "create selfsubjectaccessreviews"
    result = call(conn, what, api.create_self_subject_access_review, timeout, review)
    return bool(result.status and result.status.allowed)


async def answers(
    in_thread: InThread, conn: Connection, verbs: Sequence[Verb], timeout: float
) -> dict[Verb, bool | str]:
    """Each verb -> granted or not, or (a string) why the review could not say; all at once."""
    got = await asyncio.gather(
        *(in_thread(allowed, conn, v, timeout) for v in verbs), return_exceptions=True
    )
    return {
        verb: answer
        if isinstance(answer, bool)
        else str(answer)
        if isinstance(answer, KubernetesError)
        else type(answer).__name__
        for verb, answer in zip(verbs, got, strict=True)
    }


async def report(
    in_thread: InThread, conn: Connection, timeout: float
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`warroom check`'s 'verb resource: yes/no/unknown' for every verb in the table, and the
    problems: each read verb denied, each review that failed."""
    got = await answers(in_thread, conn, READ + WRITE + INVESTIGATE, timeout)
    permissions, problems = [], []
    for verb, answer in got.items():
        if isinstance(answer, str):
            word = "unknown"
            problems.append(f"cannot check permissions: {answer}")
        else:
            word = "yes" if answer else "no"
            if not answer and verb in READ:
                problems.append(f"{forbidden(verb, conn.namespace)} (RBAC)")
            elif not answer and verb in INVESTIGATE:
                word = "no (Investigate shows it disabled)"
        permissions.append(f"{verb}: {word}")
    return tuple(permissions), tuple(dict.fromkeys(problems))


async def denials(in_thread: InThread, conn: Connection, timeout: float) -> dict[str, str | None]:
    """Each Kubernetes action -> None when RBAC allows every request it sends, else why not."""
    verbs = list(dict.fromkeys(v for needs in ACTIONS.values() for v in needs))
    got = await answers(in_thread, conn, verbs, timeout)
    why = {
        verb: f"{UNKNOWN}: {answer}"
        if isinstance(answer, str)
        else None
        if answer
        else forbidden(verb, conn.namespace)
        for verb, answer in got.items()
    }
    return {a: next((why[v] for v in needs if why[v]), None) for a, needs in ACTIONS.items()}


class PermissionsCache:
    """The last answer of an Actions' `permissions()`, trusted for `ttl` seconds.

    `monotonic` is the clock in seconds (time.monotonic; tests pass their own). A failed
    question allows nothing: every action is "permissions unknown: <why>", kept as long.
    """

    def __init__(self, ttl: float = TTL, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.monotonic = ttl, monotonic
        self._answer: tuple[float, Mapping[str, str | None]] | None = None

    async def get(
        self, ask: Callable[[], Awaitable[Mapping[str, str | None]]]
    ) -> Mapping[str, str | None]:
        """The cached answer, or `ask()`'s when there is none younger than the TTL."""
        if self._answer is None or self.monotonic() - self._answer[0] > self.ttl:
            asked = self.monotonic()
            try:
                answer = await ask()
            except Exception as exc:  # an unknown answer allows nothing
                why = f"{UNKNOWN}: {describe_error(exc)}"
                answer = dict.fromkeys([*REMEDIATIONS, *BACKEND_ACTIONS], why)
            self._answer = (asked, answer)
        return self._answer[1]
