"""The read side of the simulated cluster: the same events the real probes emit."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from probes.simulated.cluster import NAMESPACE, SimulatedCluster, SimulatedOutage
from state import events as ev

if TYPE_CHECKING:
    from probes.simulated.model import SimSession


class SimulatedProbe:
    """One source of the simulated cluster, sampled like a real backend."""

    def __init__(self, cluster: SimulatedCluster, source: ev.Source, interval: float = 2.0) -> None:
        self.cluster = cluster
        self.source = source
        self.interval = interval
        # no I/O to hang on: a sample is only steps, a day of them at most (CATCH_UP). A
        # timeout could only cut a catch-up that yields to the loop, and tell it as the
        # simulated backend not answering
        self.timeout = 600.0

    async def sample(self, now: datetime) -> Sequence[ev.EventBase]:
        # a slice of steps at a time, the loop free between: at --speed 60 among 1,000
        # services a refresh is 120 steps of 5 ms, more once behind, and stepped at once
        # they held the UI loop so long that q went unheard
        while not self.cluster.advance_to(now, most=self.cluster.slice):
            await asyncio.sleep(0)
        return sample(self.cluster, self.source, now)

    async def close(self) -> None:
        return None


def sample(cluster: SimulatedCluster, source: ev.Source, now: datetime) -> list[ev.EventBase]:
    """The events one probe of `source` would report at `now`; raises during an outage."""
    cluster.advance_to(now)
    reason = cluster.outage(source)
    if reason:
        raise SimulatedOutage(reason)
    return [_READERS[source](cluster, now)]


def _deployments(cluster: SimulatedCluster, now: datetime) -> ev.EventBase:
    out = []
    for svc in cluster.services.values():
        pods = tuple(
            ev.PodStatus(
                name=p.name, phase=p.phase, reason=p.reason, ready=p.ready, restarts=p.restarts
            )
            for p in svc.pods
        )
        # kubectl rollout status's rule on the counts the controller would report: new
        # replicas still to make, old ones still running, or an updated one not available
        updated, replicas, available = svc.updated, len(svc.pods), svc.ready
        rolling = updated < svc.desired or replicas > updated or available < updated
        out.append(
            ev.DeploymentStatus(
                name=svc.name,
                namespace=NAMESPACE,
                desired=svc.desired,
                ready=svc.ready,
                updated=updated,
                replicas=replicas,
                available=available,  # no minReadySeconds: a ready pod is available
                revision=svc.revision,
                rollout="progressing" if rolling else None,
                pods=pods,
                warnings=tuple(svc.warnings),
                pod_uids=tuple(p.uid for p in svc.pods),
            )
        )
    return ev.DeploymentsSampled(at=now, deployments=tuple(out))


def _health(cluster: SimulatedCluster, now: datetime) -> ev.EventBase:
    results = []
    for svc in cluster.services.values():
        if svc.health_up:
            results.append(
                ev.HealthResult(
                    service=svc.name, up=True, status_code=200, latency_ms=svc.health_latency
                )
            )
        else:
            results.append(ev.HealthResult(service=svc.name, up=False, error="connection refused"))
    return ev.HealthSampled(at=now, results=tuple(results))


def _error_rate(cluster: SimulatedCluster, now: datetime) -> ev.EventBase:
    services = cluster.services.values()
    return ev.MetricSampled(
        at=now,
        metric="error_rate",
        values=dict[str, float | None]((s.name, s.error_rate) for s in services),
        request_rate=dict[str, float | None]((s.name, s.rps) for s in services),
    )


def _latency(cluster: SimulatedCluster, now: datetime) -> ev.EventBase:
    services = cluster.services.values()
    return ev.MetricSampled(
        at=now,
        metric="latency",
        values=dict[str, float | None]((s.name, s.p95) for s in services),
        baseline={s.name: s.baseline_p95 for s in services},
    )


def _session(cluster: SimulatedCluster, s: SimSession) -> ev.DbSession:
    def when(seconds: float | None) -> datetime | None:
        return None if seconds is None else cluster.start + timedelta(seconds=seconds)

    return ev.DbSession(
        pid=s.pid,
        user=s.user,
        application=s.application,
        state=s.state,
        query=s.query,
        query_start=when(s.query_start),
        xact_start=when(s.xact_start),
        backend_start=when(s.backend_start),
        wait_event_type=s.wait_event_type,
        blocked_by=s.blocked_by,
        relation=s.relation,
        lock_mode=s.lock_mode,
    )


def _database(cluster: SimulatedCluster, now: datetime) -> ev.EventBase:
    db = cluster.db
    involved = ([db.blocker] if db.blocker else []) + db.waiters
    connections = {
        "active": db.active + len(db.waiters),
        "idle": db.idle + len(db.leaked),
        "idle in transaction": 1 if db.blocker else 0,
        "waiting": len(db.waiters),
    }
    return ev.DatabaseSampled(
        at=now,
        connections=connections,
        max_connections=db.max_connections,
        sessions=tuple(_session(cluster, s) for s in involved),
    )


def _cache(cluster: SimulatedCluster, now: datetime) -> ev.EventBase:
    return ev.CacheSampled(at=now, used_memory_mb=round(cluster.redis_mb, 1), max_memory_mb=1024.0)


_READERS: dict[ev.Source, Callable[[SimulatedCluster, datetime], ev.EventBase]] = {
    "kubernetes": _deployments,
    "health": _health,
    "error_rate": _error_rate,
    "latency": _latency,
    "postgres": _database,
    "redis": _cache,
}
SIMULATED_SOURCES: tuple[ev.Source, ...] = tuple(_READERS)


def probes(cluster: SimulatedCluster, interval: float = 2.0) -> list[SimulatedProbe]:
    return [SimulatedProbe(cluster, source, interval) for source in SIMULATED_SOURCES]
