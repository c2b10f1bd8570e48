"""The investigation's Kubernetes reads: rollout history (from ReplicaSets, as `kubectl rollout
history` does), events, config changes, pods, nodes, metrics.k8s.io usage and pod logs.

Each read is first asked of RBAC (SelfSubjectAccessReview, cached for rbac.TTL): a read the
context may not do is shown disabled with its reason, never as "nothing found".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from probes.investigate.base import (
    NotConfigured,
    NotPermitted,
    ago,
    counted,
    log_findings,
    newest_first,
)
from probes.kubernetes import rbac
from probes.kubernetes.client import ApiThreads, KubernetesError, call
from probes.kubernetes.status import label_selector, selects
from state.events import Finding
from state.guide.investigation import (
    EVENTS_WINDOW_HOURS,
    LOG_TAIL_LINES,
    ROLLOUT_WINDOW_HOURS,
    error_groups,
)
from state.text import inert

REVISION = "deployment.kubernetes.io/revision"
# the revisions a ReplicaSet had before a rollback took it back and renumbered it
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
CHANGE_CAUSE = "kubernetes.io/change-cause"
PRESSURE = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")


def _when(obj: Any) -> datetime | None:
    """An event's newest time: lastTimestamp, eventTime, firstTimestamp or its creation."""
    for value in (
        getattr(obj, "last_timestamp", None),
        getattr(obj, "event_time", None),
        getattr(obj, "first_timestamp", None),
        getattr(getattr(obj, "metadata", None), "creation_timestamp", None),
    ):
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None


def _ago(now: datetime, then: datetime | None) -> str:
    return "at an unknown time" if then is None else ago((now - then).total_seconds())


def _images(template: Any) -> str:
    containers = (getattr(getattr(template, "spec", None), "containers", None)) or []
    return ", ".join(inert(c.image or "?", 120) for c in containers) or "?"


def _config_of(template: Any) -> dict[str, str]:
    """What of a pod template is configuration: env, envFrom, args, resources, per container."""
    out: dict[str, str] = {}
    for c in (getattr(getattr(template, "spec", None), "containers", None)) or []:
        for field in ("env", "env_from", "args", "resources"):
            value: Any = getattr(c, field, None)
            out[f"{c.name}.{field}"] = repr(value.to_dict() if hasattr(value, "to_dict") else value)
    return out


class KubernetesInvestigation(ApiThreads):
    """The Kubernetes parts of the investigation for the watched deployments."""

    def __init__(
        self,
        services: Sequence[str],
        *,
        context: str | None = None,
        namespace: str | None = None,
        kubeconfig: str | Path | None = None,
        timeout: float = 5.0,
        now: Callable[[], datetime],
    ) -> None:
        super().__init__(context, namespace, kubeconfig, 6, "warroom-investigate")
        self.services = tuple(services)
        self.timeout = timeout
        self.now = now
        self._rbac: dict[rbac.Verb, tuple[float, bool | str]] = {}

    async def _permitted(self, verb: rbac.Verb) -> None:
        """Raise NotPermitted unless RBAC lets this context do `verb` (answers cached)."""
        cached = self._rbac.get(verb)
        if cached is None or time.monotonic() - cached[0] > rbac.TTL:
            conn = await self.connection()
            answer = (await rbac.answers(self.in_thread, conn, [verb], self.timeout))[verb]
            cached = (time.monotonic(), answer)
            self._rbac[verb] = cached
        answer = cached[1]
        if isinstance(answer, str):
            raise NotPermitted(f"{rbac.UNKNOWN}: {answer}")
        if not answer:
            conn = await self.connection()
            raise NotPermitted(f"{rbac.forbidden(verb, conn.namespace)} (RBAC)")

    async def _get(self, verb: rbac.Verb, fn_name: str, api: str, *args: Any, **kw: Any) -> Any:
        await self._permitted(verb)
        conn = await self.connection()
        from kubernetes import client

        target = getattr(getattr(client, api)(conn.api), fn_name)
        return await self.in_thread(call, conn, str(verb), target, self.timeout, *args, **kw)

    async def _deployments(self) -> list[Any]:
        conn = await self.connection()
        listed = await self._get(
            rbac.Verb("list", "deployments", "apps"),
            "list_namespaced_deployment",
            "AppsV1Api",
            conn.namespace,
        )
        return [d for d in listed.items if d.metadata.name in self.services]

    # ---- 1. what changed ------------------------------------------------------------------

    async def rollouts(self) -> list[Finding]:
        conn, now = await self.connection(), self.now()
        sets = await self._get(
            rbac.LIST_REPLICA_SETS, "list_namespaced_replica_set", "AppsV1Api", conn.namespace
        )
        since = now - timedelta(hours=ROLLOUT_WINDOW_HOURS)
        progressed = await self._progressed()
        groups: list[tuple[float, str, list[Finding]]] = []  # (latest, deployment, findings)
        for name in self.services:
            owned = [rs for rs in sets.items if _owned_by(rs, "Deployment", name)]
            back = _rolled_back(owned, progressed.get(name))
            # when each rolled out, as far as the API says: its creation, or for the
            # ReplicaSet a rollback took back to, the deployment's last progress
            rolled = {id(rs): _when(rs) for rs in owned}
            if back is not None:
                rolled[id(back[0])] = back[1]
            recent = [_revision(rs) for rs in owned if (t := rolled[id(rs)]) and t >= since]
            # a revision after one made in the window came after it: a rollback reuses an
            # old ReplicaSet (its creation time is its first rollout's), yet is recent
            if not recent:
                continue
            first = min(recent)
            found = []
            for rs in sorted(owned, key=_revision, reverse=True):  # the newest rollout first
                if _when(rs) is None or _revision(rs) < first:
                    continue
                last = back[1] if back is not None and rs is back[0] else None
                found.append(self._rollout(name, rs, _before(owned, _revision(rs)), now, last))
            if found:
                latest = max(rolled[id(rs)] or since for rs in owned if _revision(rs) >= first)
                groups.append((latest.timestamp(), name, found))
        out = newest_first(groups)
        return out or [
            Finding(
                part="Rollouts",
                text=f"no rollout of a watched deployment in the last {ROLLOUT_WINDOW_HOURS} h",
                found=False,
            )
        ]

    async def _progressed(self) -> dict[str, datetime]:
        """Each watched deployment's last progress (its Progressing condition's lastUpdateTime,
        UTC), which a rollback moves; {} where deployments may not be listed: the rollouts
        are then dated by their ReplicaSets alone."""
        try:
            listed = await self._deployments()
        except NotPermitted:
            return {}
        out = {}
        for d in listed:
            for c in (d.status.conditions if d.status else None) or ():
                if c.type == "Progressing" and isinstance(c.last_update_time, datetime):
                    when = c.last_update_time
                    out[d.metadata.name] = when if when.tzinfo else when.replace(tzinfo=UTC)
        return out

    @staticmethod
    def _rollout(
        name: str, rs: Any, previous: Any | None, now: datetime, progressed: datetime | None
    ) -> Finding:
        """One rollout of deployment `name`: its ReplicaSet `rs`, after `previous`;
        `progressed`, for the ReplicaSet a rollback took back to, is the deployment's last
        progress (UTC): the rollback came at or before it."""
        notes = rs.metadata.annotations or {}
        created = _when(rs)
        image = _images(rs.spec.template)
        before = _images(previous.spec.template) if previous is not None else None
        change = f"image {before} -> {image}" if before and before != image else image
        cause = inert(notes.get(CHANGE_CAUSE, ""), 160) or "no change-cause"
        # a day or more back, the time of day alone would read as today's
        day = "%Y-%m-%d " if created is not None and now - created >= timedelta(hours=20) else ""
        made = f"{created:{day}%H:%M:%S} ({_ago(now, created)})"
        # `kubectl rollout undo` scales an older ReplicaSet back up under a new revision: it
        # keeps its creation time, so say what that time is, not that the rollout was then
        when = (
            f", a rollback to the ReplicaSet made at {made}"
            if str(notes.get(REVISION_HISTORY, "")).strip()
            else f" at {made}"
        )
        if progressed is not None:  # the rollback's own time is not kept: bound it
            when += f" (the deployment last progressed at {progressed:%H:%M:%S}, "
            when += f"{_ago(now, progressed)})"
        return Finding(
            part="Rollouts",
            text=f"{inert(name)} revision {inert(notes.get(REVISION, '?'), 12)}{when}: {change}; "
            f"change-cause: {cause}",
            tone="warn",
        )

    async def _events(self) -> list[Any]:
        conn = await self.connection()
        listed = await self._get(
            rbac.Verb("list", "events"), "list_namespaced_event", "CoreV1Api", conn.namespace
        )
        since = self.now() - timedelta(hours=EVENTS_WINDOW_HOURS)
        recent = [e for e in listed.items if (_when(e) or since) >= since]
        # warnings first, newest first
        recent.sort(
            key=lambda e: (
                e.type != "Warning",
                -(_when(e) or since).timestamp(),
            )
        )
        return recent

    async def events(self) -> list[Finding]:
        out = []
        for e in (await self._events())[:30]:
            obj = e.involved_object
            when = _when(e)
            stamp = f"{when:%H:%M:%S} " if when else ""
            out.append(
                Finding(
                    part="Events",
                    text=f"{stamp}{inert(e.type or '', 12)} {inert(e.reason or '', 40)} "
                    f"{inert((obj.kind or '').lower(), 30)}/{inert(obj.name or '', 80)} "
                    f"x{e.count or 1}: {inert(e.message or '', 200)}",
                    tone="warn" if e.type == "Warning" else "info",
                )
            )
        return out or [
            Finding(
                part="Events", text=f"no events in the last {EVENTS_WINDOW_HOURS} h", found=False
            )
        ]

    async def config(self) -> list[Finding]:
        conn = await self.connection()
        events, sets = await asyncio.gather(
            self._events(),
            self._get(
                rbac.LIST_REPLICA_SETS, "list_namespaced_replica_set", "AppsV1Api", conn.namespace
            ),
        )
        out = []
        for e in events:
            kind = e.involved_object.kind or ""
            if kind in ("ConfigMap", "Secret"):
                out.append(
                    Finding(
                        part="Config",
                        text=f"{kind.lower()}/{inert(e.involved_object.name or '', 80)} "
                        f"{inert(e.reason or '', 40)}: {inert(e.message or '', 160)}",
                    )
                )
        for name in self.services:
            owned = sorted(
                (rs for rs in sets.items if _owned_by(rs, "Deployment", name)),
                key=_revision,
            )
            if len(owned) < 2:
                continue
            old, new = _config_of(owned[-2].spec.template), _config_of(owned[-1].spec.template)
            changed = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
            if changed:
                out.append(
                    Finding(
                        part="Config",
                        text=f"deployment/{inert(name)} template changed in its last revision: "
                        + ", ".join(inert(c, 60) for c in changed[:8]),
                        tone="warn",
                    )
                )
        return out or [
            Finding(part="Config", text="no config change in events or templates", found=False)
        ]

    # ---- 2. system state ------------------------------------------------------------------

    async def _pods(self) -> dict[str, list[Any]]:
        conn = await self.connection()
        deployments = await self._deployments()
        lists = await asyncio.gather(
            *(
                self._get(
                    rbac.LIST_PODS,
                    "list_namespaced_pod",
                    "CoreV1Api",
                    conn.namespace,
                    label_selector=label_selector(_raw(conn, d.spec.selector)),
                )
                for d in deployments
            )
        )
        return {
            d.metadata.name: [
                p for p in pods.items if selects(_raw(conn, d.spec.selector), p.metadata.labels)
            ]
            for d, pods in zip(deployments, lists, strict=True)
        }

    async def pods(self) -> list[Finding]:
        out = []
        for pods in (await self._pods()).values():
            for pod in pods:
                statuses = pod.status.container_statuses or []
                ready = bool(statuses) and all(s.ready for s in statuses)
                if pod.status.phase == "Running" and ready:
                    continue
                restarts = sum(s.restart_count or 0 for s in statuses)
                reason, last = pod.status.reason or "", ""
                for s in statuses:
                    if s.state and s.state.waiting and s.state.waiting.reason:
                        reason = s.state.waiting.reason
                    term = s.last_state.terminated if s.last_state else None
                    if term is not None:
                        last = (
                            f"; last termination {inert(term.reason or 'unknown', 40)}, "
                            f"exit code {term.exit_code}"
                        )
                out.append(
                    Finding(
                        part="Pods",
                        text=f"{inert(pod.metadata.name, 80)} {inert(pod.status.phase or '?', 20)}"
                        f"{'' if ready else ' not ready'} ({inert(reason, 40) or 'no reason'}), "
                        f"restarts {restarts}{last}",
                        tone="bad" if last or restarts else "warn",
                    )
                )
        return out or [
            Finding(part="Pods", text="every pod Running and Ready", tone="good", found=False)
        ]

    async def nodes(self) -> list[Finding]:
        listed = await self._get(rbac.Verb("list", "nodes"), "list_node", "CoreV1Api")
        out = []
        for node in listed.items:
            conds = {c.type: c.status for c in node.status.conditions or []}
            bad = [t for t in PRESSURE if conds.get(t) == "True"]
            ready = conds.get("Ready", "Unknown")
            words = [f"Ready={inert(ready, 8)}", *(f"{t}=True" for t in bad)]
            out.append(
                Finding(
                    part="Nodes",
                    text=f"{inert(node.metadata.name, 80)} {' '.join(words)}",
                    tone="good" if ready == "True" and not bad else "bad",
                )
            )
        return out or [Finding(part="Nodes", text="no nodes listed", found=False)]

    async def usage(self) -> list[Finding]:
        conn = await self.connection()
        group, version = "metrics.k8s.io", "v1beta1"
        try:
            nodes, pods = await asyncio.gather(
                self._get(
                    rbac.Verb("list", "nodes", group),
                    "list_cluster_custom_object",
                    "CustomObjectsApi",
                    group,
                    version,
                    "nodes",
                ),
                self._get(
                    rbac.Verb("list", "pods", group),
                    "list_namespaced_custom_object",
                    "CustomObjectsApi",
                    group,
                    version,
                    conn.namespace,
                    "pods",
                ),
            )
        except KubernetesError as exc:
            raise NotConfigured(f"metrics-server (metrics.k8s.io) does not answer: {exc}") from None
        out = []
        for item in nodes.get("items", []):
            use = item.get("usage", {})
            out.append(
                Finding(
                    part="Usage",
                    text=f"node {inert(item['metadata']['name'], 80)}: cpu "
                    f"{inert(use.get('cpu', '?'), 20)}, memory {inert(use.get('memory', '?'), 20)}",
                )
            )
        watched = tuple(f"{s}-" for s in self.services)
        for item in pods.get("items", []):
            name = item["metadata"]["name"]
            if not name.startswith(watched):
                continue
            for c in item.get("containers", []):
                use = c.get("usage", {})
                out.append(
                    Finding(
                        part="Usage",
                        text=f"pod {inert(name, 80)}/{inert(c.get('name', '?'), 40)}: cpu "
                        f"{inert(use.get('cpu', '?'), 20)}, memory "
                        f"{inert(use.get('memory', '?'), 20)}",
                    )
                )
        return out or [
            Finding(part="Usage", text="metrics.k8s.io answered with no samples", found=False)
        ]

    # ---- 3. error patterns ----------------------------------------------------------------

    async def logs(self, service: str | None) -> list[Finding]:
        """The last LOG_TAIL_LINES lines of the service's pods (the previous container's too,
        where it restarted), ERROR/FATAL/Exception lines grouped into patterns, top 10."""
        conn = await self.connection()
        pods = (await self._pods()).get(service or "", [])
        if not pods:
            raise NotConfigured(f"no pods of {inert(service or 'any service')} to read")
        verb = rbac.Verb("get", "pods", subresource="log")
        reads = [
            self._get(
                verb,
                "read_namespaced_pod_log",
                "CoreV1Api",
                pod.metadata.name,
                conn.namespace,
                container=s.name,
                tail_lines=LOG_TAIL_LINES,
                timestamps=True,
                **({"previous": True} if previous else {}),
            )
            for pod in pods
            for s in pod.status.container_statuses or []
            for previous in ((False, True) if s.restart_count else (False,))
        ]
        texts = await asyncio.gather(*reads)
        lines = [_stamped(line) for text in texts for line in (text or "").splitlines()]
        head = (
            f"{inert(service or '')}: last {LOG_TAIL_LINES} lines of {counted(len(pods), 'pod')} "
            f"({counted(len(reads), 'log')})"
        )
        return log_findings(head, error_groups(lines))


def _stamped(line: str) -> tuple[datetime | None, str]:
    """(time, rest) of a `--timestamps` log line: RFC 3339 with nanoseconds, then a space."""
    stamp, _, rest = line.partition(" ")
    try:
        when = datetime.fromisoformat(stamp[:26].rstrip("Z") + "+00:00")
    except ValueError:
        return None, line
    return when, rest


def _raw(conn: Any, model: Any) -> dict[str, Any]:
    """A generated model (here a V1LabelSelector) as the API's own JSON (camelCase keys),
    the shape probes/kubernetes/status.py reads since the watch keeps objects raw."""
    return conn.api.sanitize_for_serialization(model) or {}


def _number(text: object) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        return 0


def _revision(rs: Any) -> int:
    """A ReplicaSet's revision (its annotation); 0 when it has none."""
    return _number((rs.metadata.annotations or {}).get(REVISION, 0) or 0)


def _before(owned: list[Any], revision: int) -> Any | None:
    """The ReplicaSet that ran before `revision` rolled out: the one whose revision, or one
    it had before a rollback renumbered it (its revision history, as `kubectl rollout undo`
    leaves it), came last before it. None for the first."""
    had = []
    for i, rs in enumerate(owned):
        notes = rs.metadata.annotations or {}
        olds = [_number(r) for r in str(notes.get(REVISION_HISTORY, "")).split(",") if r.strip()]
        had += [(r, i) for r in (_revision(rs), *olds) if 0 < r < revision]
    return owned[max(had)[1]] if had else None


def _rolled_back(owned: list[Any], progressed: datetime | None) -> tuple[Any, datetime] | None:
    """(ReplicaSet, time) for a deployment whose current ReplicaSet (the highest revision) a
    rollback took back to (it has a revision history) and which has progressed since that
    ReplicaSet was made: `kubectl rollout undo` keeps the old creation time, so the
    deployment's last progress (`progressed`, UTC) is the latest the rollback can have been.
    None otherwise."""
    current = max(owned, key=_revision, default=None)
    if current is None or progressed is None:
        return None
    made = _when(current)
    history = str((current.metadata.annotations or {}).get(REVISION_HISTORY, "")).strip()
    if not history or made is None or progressed <= made:
        return None
    return current, progressed


def _owned_by(obj: Any, kind: str, name: str) -> bool:
    """Whether a generated model (a V1ReplicaSet) is owned by the `kind` named `name`."""
    refs = obj.metadata.owner_references or ()
    return any(ref.kind == kind and ref.name == name for ref in refs)
