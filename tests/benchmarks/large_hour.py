"""A large hour of samples, headless, for the journal benchmarks (test_journal_scale.py).

Two shapes, both at issue #10's large size and a 2 s refresh:
- `simulated`: `warroom demo --services 300` (probes/simulated, db-lock-storm): 300
  deployments (~890 pods), every health latency and metric value new every refresh, a
  handful of PostgreSQL sessions. The worst case for change: nearly every row changes.
- `live_shaped`: what `warroom live` journals against a large deployment: 300 deployments of
  10 pods (3,000; a pod restarts now and then, one rollout renames a deployment's pods),
  health checked 50 services a refresh (rolling) with latencies to 0.1 ms, Prometheus values
  at full precision that change at its 15 s scrape cadence (error rate, request rate, p95),
  the p95 baseline every 5 minutes, and 1,001 PostgreSQL sessions of which ~5 % change
  state or statement each refresh.

Either hour is recorded as the console records it (a Recorder: journal first, then fold,
keyframes as it goes), in today's format or the old one (whole samples, DELTA rows, zlib
keyframes of the whole state) for the baseline.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from state import events as ev
from state.guide.severity import Role, Severity
from state.journal.store import Journal
from state.recorder import Recorder

START = datetime(2026, 3, 14, 9, 26, tzinfo=UTC)
REFRESH = 2.0
HOUR = int(3600 / REFRESH)  # refreshes in an hour
SCRAPE = 15.0  # Prometheus' scrape interval: its instant values change at this cadence
CHECKS = 50  # health checks per refresh at large (probes/health.py, rolling)
CHANGING_SESSIONS = 0.05


def record(events: Iterator[ev.EventBase], path: Path, old_format: bool = False) -> int:
    """Record `events` into a new journal at `path` as the console does; returns the count."""
    journal = Journal.create(path, {"mode": "live"})
    if old_format:
        journal.write_old_format()
    recorder = Recorder(journal, old_format=old_format)
    count = 0
    for event in events:
        recorder.record(event)
        count += 1
    journal.close()
    return count


def simulated(cycles: int = HOUR, services: int = 300) -> Iterator[ev.EventBase]:
    """The demo's fleet of `services` sampled every 2 s for `cycles` refreshes, with an
    incident declared and resolved, as events (the session's own journal is thrown away)."""
    import tempfile

    from tests.play import Session

    out: list[ev.EventBase] = []
    with tempfile.TemporaryDirectory() as folder:
        session = Session("db-lock-storm", Path(folder) / "s.warroom", services=services)
        session.recorder.journal.close()
        session.recorder.record = out.append  # type: ignore[method-assign,assignment]
        yield _started(session.clock.now(), "demo", services)
        loop = asyncio.new_event_loop()
        try:
            for cycle in range(cycles):
                session.clock.advance(REFRESH)
                loop.run_until_complete(session.scheduler.cycle(session.clock.now()))
                out.extend(_incident(START, session.clock.now(), cycle, cycles))
                yield from out
                out.clear()
        finally:
            loop.close()


def _started(at: datetime, mode: str, services: int) -> ev.SessionStarted:
    names = tuple(_name(i) for i in range(services))
    return ev.SessionStarted(
        at=at,
        mode=mode,
        version="bench",
        operator="alice",
        services=names,  # type: ignore[arg-type]
    )


def _incident(start: datetime, now: datetime, cycle: int, cycles: int) -> list[ev.EventBase]:
    """A P2 declared 5 minutes in and resolved 10 minutes before the end."""
    if cycle == 150:
        return [
            ev.IncidentDeclared(
                at=now,
                incident_id="INC-20260314-0931",
                severity=Severity.P2,
                title="checkout-api error rate > 5%",
                reason="error rate over the guide's line",
                by="alice",
            ),
            ev.RoleAssigned(at=now, role=Role.IC, person="alice", by="alice"),
        ]
    if cycle == cycles - 300:
        return [ev.IncidentResolved(at=now, summary="rolled back", by="alice")]
    return []


_WORDS = ("checkout", "payments", "search", "users", "billing", "catalog", "orders", "auth")
_ROLES = ("api", "worker", "gateway", "indexer", "cache", "exporter", "router", "batch")


def _name(i: int) -> str:
    return f"{_WORDS[i % 8]}-{_ROLES[i // 8 % 8]}-{i // 64}"


def live_shaped(cycles: int = HOUR, services: int = 300, seed: int = 7) -> Iterator[ev.EventBase]:
    """What a live console records in `cycles` refreshes against a large deployment."""
    rng = random.Random(seed)
    names = [_name(i) for i in range(services)]
    at = START
    yield _started(at, "live", services)
    deployments = {name: _deployment(rng, name, 1) for name in names}
    health = {name: _health(rng, name) for name in names}
    rates = {name: rng.lognormvariate(3, 1) for name in names}
    errors = {name: rng.random() * 0.02 * rates[name] for name in names}
    p95 = {name: rng.lognormvariate(5, 0.5) for name in names}
    baseline: dict[str, float] = {}
    sessions = [_session(rng, pid, at) for pid in range(1000, 2001)]
    checked = 0
    for cycle in range(cycles):
        at += timedelta(seconds=REFRESH)
        seconds = cycle * REFRESH
        # Kubernetes: a restart now and then; a rollout renames one deployment's pods
        if rng.random() < 0.1:
            name = rng.choice(names)
            deployments[name] = _restarted(deployments[name], rng)
        if cycle % 600 == 300:
            name = rng.choice(names)
            deployments[name] = _deployment(rng, name, deployments[name].revision + 1)
        yield ev.DeploymentsSampled(at=at, deployments=tuple(deployments.values()))
        # health: 50 services a refresh, in turn; the sample carries every service's result
        for name in names[checked : checked + CHECKS]:
            health[name] = _health(rng, name)
        checked = (checked + CHECKS) % services
        yield ev.HealthSampled(at=at, results=tuple(health.values()))
        # Prometheus: new values once a scrape has come in
        if seconds % SCRAPE < REFRESH:
            for name in names:
                rates[name] = max(0.0, rates[name] * rng.uniform(0.9, 1.1))
                errors[name] = rng.random() * 0.02 * rates[name]
                p95[name] = p95[name] * rng.uniform(0.9, 1.1)
        if seconds % 300 < REFRESH:
            baseline = {name: p95[name] * rng.uniform(0.8, 1.0) for name in names}
        error_rate = {n: 100 * errors[n] / rates[n] if rates[n] else None for n in names}
        yield ev.MetricSampled(
            at=at, metric="error_rate", values=error_rate, request_rate=dict(rates)
        )
        latency = dict(p95)
        yield ev.MetricSampled(at=at, metric="latency", values=latency, baseline=dict(baseline))
        # PostgreSQL: ~5 % of the sessions start a statement or go idle
        for i in rng.sample(range(len(sessions)), int(len(sessions) * CHANGING_SESSIONS)):
            sessions[i] = _moved(sessions[i], rng, at)
        active = sum(1 for s in sessions if s.state == "active")
        yield ev.DatabaseSampled(
            at=at,
            connections={"active": active, "idle": len(sessions) - active},
            max_connections=2000,
            sessions=tuple(sessions),
        )
        yield ev.CacheSampled(at=at, used_memory_mb=512.0 + cycle % 7, max_memory_mb=4096.0)
        yield from _incident(START, at, cycle, cycles)


def _deployment(rng: random.Random, name: str, revision: int) -> ev.DeploymentStatus:
    template = f"{rng.getrandbits(40):010x}"[:10]
    pods = tuple(
        ev.PodStatus(
            name=f"{name}-{template}-{rng.getrandbits(25):05x}", phase="Running", ready=True
        )
        for _ in range(10)
    )
    return ev.DeploymentStatus(
        name=name,
        namespace="prod",
        desired=10,
        ready=10,
        updated=10,
        revision=revision,
        pods=pods,
    )


def _restarted(deployment: ev.DeploymentStatus, rng: random.Random) -> ev.DeploymentStatus:
    pods = list(deployment.pods)
    i = rng.randrange(len(pods))
    pods[i] = pods[i].model_copy(update={"restarts": pods[i].restarts + 1})
    return deployment.model_copy(update={"pods": tuple(pods)})


def _health(rng: random.Random, name: str) -> ev.HealthResult:
    return ev.HealthResult(
        service=name, up=True, status_code=200, latency_ms=round(rng.lognormvariate(2, 0.6), 1)
    )


_QUERIES = (
    "SELECT * FROM orders WHERE customer_id = $1",
    "UPDATE carts SET updated_at = now() WHERE id = $1",
    "INSERT INTO events(kind, body) VALUES ($1, $2)",
    "SELECT count(*) FROM payments WHERE state = $1",
)


def _session(rng: random.Random, pid: int, at: datetime) -> ev.DbSession:
    return ev.DbSession(
        pid=pid,
        user="app",
        application=_name(pid % 300),
        state="idle",
        query=rng.choice(_QUERIES),
        query_start=at - timedelta(seconds=rng.randrange(600)),
        backend_start=at - timedelta(hours=2, seconds=pid),
    )


def _moved(session: ev.DbSession, rng: random.Random, at: datetime) -> ev.DbSession:
    if session.state == "active":
        return session.model_copy(update={"state": "idle"})
    return session.model_copy(
        update={"state": "active", "query": rng.choice(_QUERIES), "query_start": at}
    )
