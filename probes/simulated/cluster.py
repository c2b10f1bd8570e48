"""The simulated Tracktion cluster: deterministic under a seed, stepped one simulated second
at a time, so its state at a given instant never depends on how often it was sampled."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from probes.simulated.fleet import GUIDE_SERVICES, FleetService, fleet
from probes.simulated.model import (
    SimDatabase,
    SimPod,
    SimService,
    SimSession,
    pod_suffix,
    pod_uid,
    template_hash,
)
from probes.simulated.scenario import (
    BadDeploy,
    CertificateExpiry,
    ConnectionLeak,
    CrashLoop,
    ExternalApiFailure,
    LockStorm,
    ProbeOutage,
    Scenario,
)

TICK = 1.0  # simulated seconds per step
CATCH_UP = 86400.0  # the most simulated time stepped through at once (a day: ~2 s)
SLICE_SERVICE_STEPS = 2000  # one service's step is ~5 µs: a slice of steps is ~10 ms
NAMESPACE = "tracktion"
POD_START_SECONDS = 8.0
ROLLOUT_STEP_SECONDS = 6.0

# name, p95 baseline ms, 5xx baseline %, uses the database, replicas, revision, req/s
_SERVICES = (
    ("analysis-service", 180.0, 0.4, True, 3, 12, 120.0),
    ("file-watcher", 95.0, 0.2, False, 2, 5, 40.0),
    ("tracklist-service", 240.0, 0.3, True, 3, 7, 85.0),
    ("notification-service", 70.0, 0.1, False, 2, 9, 30.0),
)


class SimulatedOutage(ConnectionError):
    """A monitoring backend of the simulated cluster that is not answering."""


class SimulatedCluster:
    """Tracktion's four services (and, given `services` > 4, a larger fleet around them,
    probes/simulated/fleet.py), their pods, PostgreSQL and Redis, playing one scenario."""

    def __init__(
        self, scenario: Scenario, seed: int, start: datetime, services: int = GUIDE_SERVICES
    ) -> None:
        self.scenario = scenario
        self.seed = seed
        self.start = start
        self.rng = random.Random(seed)
        self.t = 0.0
        self.circuit_breaker = False
        self.circuit_breaker_at: float | None = None  # when app-config was patched
        self.expired_certs: dict[str, float] = {}  # TLS host -> when its certificate expired
        self.outages: dict[str, tuple[float, float, str]] = {}
        self.db = SimDatabase()
        self.redis_mb = 420.0
        self.pods_made = 0  # numbers each pod's uid
        self._pending = sorted(scenario.faults, key=lambda f: f.at)
        self.services: dict[str, SimService] = {}
        for name, p95, err, uses_db, replicas, revision, rps in _SERVICES:
            svc = SimService(
                name, p95, err, uses_db, baseline_rps=rps, desired=replicas, revision=revision
            )
            svc.templates = {revision - 1: 1, revision: 2}
            for _ in range(replicas):
                svc.pods.append(self._new_pod(svc, ready_at=None))
            self.services[name] = svc
        for extra in fleet(seed, services - GUIDE_SERVICES):
            self._add(extra)
        self._derive()

    def _add(self, extra: FleetService) -> None:
        """One service of the larger fleet, with the trouble it starts in."""
        svc = SimService(
            extra.name,
            extra.p95,
            extra.error,
            extra.uses_db,
            baseline_rps=extra.rps,
            desired=extra.replicas,
            revision=extra.revision,
        )
        svc.templates = {extra.revision - 1: 1, extra.revision: 2}
        svc.pods = [self._new_pod(svc, ready_at=None) for _ in range(extra.replicas)]
        if extra.trouble in ("pod", "down"):
            svc.crash = ("CrashLoopBackOff", ("restart", "delete_failing_pods"))
            crashing = svc.pods if extra.trouble == "down" else svc.pods[:1]
            for i, pod in enumerate(crashing):
                self._crash(svc, pod, at=3.0 * i)
        elif extra.trouble == "errors":
            svc.degraded = (7.5, 1.0)  # past the guide's 5 %: a P2 signal
        elif extra.trouble == "slow":
            svc.degraded = (0.0, 3.6)  # past 3x its baseline: a P2 signal
        self.services[extra.name] = svc

    # ---- time -------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.t)

    def seconds(self, when: datetime) -> float:
        return (when - self.start).total_seconds()

    def advance_to(self, when: datetime, most: int | None = None) -> bool:
        """Step one simulated second at a time up to `when` (never backwards), at most `most`
        steps in this call (None: all); returns whether `when` is reached.

        Of a gap longer than CATCH_UP (a resumed journal whose clock jumped ahead) only the
        last CATCH_UP is stepped through, so that resuming it takes seconds, not hours.
        """
        target = self.seconds(when)
        if target - self.t > CATCH_UP:
            self.t = float(math.floor(target - CATCH_UP))
        steps = 0
        while self.t + TICK <= target + 1e-9:
            if most is not None and steps >= most:
                return False
            self.t += TICK
            self._tick()
            steps += 1
        return True

    @property
    def slice(self) -> int:
        """Steps to take between two looks at the UI loop: about 2,000 service-steps, ~10 ms."""
        return max(1, SLICE_SERVICE_STEPS // len(self.services))

    def outage(self, source: str) -> str | None:
        """The reason `source` is not answering now, or None."""
        window = self.outages.get(source)
        if window and window[0] <= self.t < window[1]:
            return window[2]
        return None

    # ---- one step -----------------------------------------------------------------------------

    def _tick(self) -> None:
        while self._pending and self._pending[0].at <= self.t:
            self._begin(self._pending.pop(0))
        for svc in self.services.values():
            self._step_pods(svc)
            self._step_rollout(svc)
        self._step_database()
        self._derive()

    def _begin(self, fault) -> None:
        match fault:
            case BadDeploy():
                svc = self.services[fault.service]
                template = max(svc.templates.values()) + 1
                svc.bad_templates[template] = (fault.error_rate, fault.latency_factor)
                self._roll_to(svc, template)
            case CrashLoop():
                svc = self.services[fault.service]
                svc.crash = (fault.reason, fault.cleared_by)
                for i, pod in enumerate(svc.pods):
                    self._crash(svc, pod, at=self.t + 3 * i)
            case LockStorm():
                self.db.storm = (fault.relation, fault.every, fault.max_waiters)
                self.db.blocker = SimSession(
                    pid=4242,
                    user="batch",
                    application="tracks-reindex",
                    state="idle in transaction",
                    query=f"UPDATE {fault.relation} SET analysis_state = 'queued' WHERE id = 48213",
                    query_start=self.t + 0.2,
                    xact_start=self.t,
                    relation=fault.relation,
                    lock_mode="RowExclusiveLock",
                )
                self.db.storm_next = self.t + fault.every
            case ConnectionLeak():
                self.db.leak = (fault.service, fault.per_minute)
                # no more than the server takes, as the leak per minute below: a backlog of
                # 100,000,000 in a scenario file made that many sessions at once
                room = self.db.max_connections - 3 - self.db.used
                for _ in range(min(fault.backlog, max(room, 0))):
                    self._leak_one(fault.service, since=self.t - 1800.0)
            case ExternalApiFailure():
                self.services[fault.service].external_failure = (
                    fault.error_rate,
                    fault.latency_factor,
                )
            case CertificateExpiry():
                self.expired_certs[fault.host] = self.t
                self.services[fault.service].external_failure = (fault.error_rate, 1.3)
            case ProbeOutage():
                self.outages[fault.source] = (self.t, self.t + fault.duration, fault.reason)

    # ---- pods and rollouts --------------------------------------------------------------------

    def _new_pod(
        self, svc: SimService, ready_at: float | None, template: int | None = None
    ) -> SimPod:
        template = svc.template if template is None else template
        name = f"{svc.name}-{template_hash(self.seed, svc.name, template)}-{pod_suffix(self.rng)}"
        self.pods_made += 1
        uid = pod_uid(self.seed, name, self.pods_made)
        if ready_at is None:  # present since before the scenario began
            return SimPod(name, template, phase="Running", reason=None, ready=True, uid=uid)
        pod = SimPod(name, template, ready_at=ready_at, uid=uid)
        if svc.crash:
            self._crash(svc, pod, at=ready_at)
        return pod

    def _crash(self, svc: SimService, pod: SimPod, at: float) -> None:
        assert svc.crash is not None
        pod.crashing = svc.crash[0]
        pod.next_crash = at

    def _step_pods(self, svc: SimService) -> None:
        for pod in svc.pods:
            if pod.ready_at is not None and self.t >= pod.ready_at and pod.crashing is None:
                pod.phase, pod.reason, pod.ready, pod.ready_at = "Running", None, True, None
            if pod.crashing and self.t >= pod.next_crash:
                first = pod.restarts == 0 and pod.crashing == "CrashLoopBackOff"
                pod.phase, pod.ready, pod.ready_at = "Running", False, None
                pod.reason = "Error" if first else pod.crashing
                pod.restarts += 1
                pod.next_crash = self.t + pod.backoff
                pod.backoff = min(pod.backoff * 2, 300.0)
                svc.warnings.insert(
                    0, f"BackOff: Back-off restarting failed container in pod {pod.name}"
                )
                del svc.warnings[5:]
        # the ReplicaSet keeps the desired count of pods
        while len(svc.pods) < svc.desired:
            svc.pods.append(self._new_pod(svc, ready_at=self.t + POD_START_SECONDS))
        if len(svc.pods) > svc.desired and not self._rolling(svc):
            surplus = len(svc.pods) - svc.desired
            svc.pods.sort(key=lambda p: (p.ready, p.template == svc.template))
            del svc.pods[:surplus]

    def _rolling(self, svc: SimService) -> bool:
        return any(p.template != svc.template for p in svc.pods)

    def _roll_to(self, svc: SimService, template: int) -> None:
        """Begin a rolling update to `template` as a new revision.

        As the Deployment controller does on `kubectl rollout undo`: a template an old
        ReplicaSet already has scales that ReplicaSet back up, which takes the new revision
        number and keeps its old one in its revision history; no new ReplicaSet is made."""
        revision = max(svc.templates) + 1
        old = [r for r, t in svc.templates.items() if t == template]
        if old:
            svc.former[template] = (*svc.former.get(template, ()), *old)
        svc.templates = {r: t for r, t in svc.templates.items() if t != template}
        svc.templates[revision] = template
        svc.revision = revision
        svc.rolled_at[revision] = self.t
        svc.rollout_next = self.t

    def _step_rollout(self, svc: SimService) -> None:
        """One step of a rolling update with maxSurge 1 and maxUnavailable 0."""
        if not self._rolling(svc) or self.t < svc.rollout_next:
            return
        old = [p for p in svc.pods if p.template != svc.template]
        unready_old = [p for p in old if not p.ready]
        for pod in unready_old:  # unhealthy old replicas go first, as the controller does
            svc.pods.remove(pod)
        old = [p for p in old if p.ready]
        new = [p for p in svc.pods if p.template == svc.template]
        if any(not p.ready and not p.crashing for p in new):
            return  # wait for the new pod to become ready
        if old and sum(p.ready for p in new) + len(old) > svc.desired:
            svc.pods.remove(old[0])
        else:
            while len(new) < svc.desired and len(svc.pods) < svc.desired + 1:
                pod = self._new_pod(svc, ready_at=self.t + POD_START_SECONDS)
                svc.pods.append(pod)
                new.append(pod)
        svc.rollout_next = self.t + ROLLOUT_STEP_SECONDS

    # ---- database ---------------------------------------------------------------------------

    def _step_database(self) -> None:
        db = self.db
        if db.storm and db.blocker and self.t >= db.storm_next and len(db.waiters) < db.storm[2]:
            relation = db.storm[0]
            apps = [s.name for s in self.services.values() if s.uses_db]
            first = db.waiters[0].pid if db.waiters else None
            db.waiters.append(
                SimSession(
                    pid=db.next_pid,
                    user="tracktion",
                    application=apps[len(db.waiters) % len(apps)],
                    state="active",
                    query=f"UPDATE {relation} SET play_count = play_count + 1 WHERE id = 48213",
                    query_start=self.t,
                    xact_start=self.t,
                    blocked_by=(first,) if first else (db.blocker.pid,),
                    relation=relation,
                    lock_mode="ExclusiveLock" if first else "ShareLock",
                    wait_event_type="Lock",
                )
            )
            db.next_pid += 1
            db.storm_next = self.t + db.storm[1]
        if db.leak:
            db.leak_carry += db.leak[1] / 60.0
            while db.leak_carry >= 1 and db.used < db.max_connections - 3:
                db.leak_carry -= 1
                self._leak_one(db.leak[0], since=self.t)
            db.leak_carry = min(db.leak_carry, 1.0)  # a refused connection is not owed later
        db.active = max(2, min(9, db.active + self.rng.choice((-1, 0, 0, 1))))
        db.idle = max(16, min(28, db.idle + self.rng.choice((-1, 0, 0, 1))))
        # past max_connections (less the superuser reserve) PostgreSQL refuses new sessions
        room = db.max_connections - 3 - (db.used - db.active - db.idle)
        db.idle = max(min(db.idle, room - db.active), 0)
        self.redis_mb = 420.0 + 35.0 * math.sin(self.t / 900.0) + self.rng.uniform(-2.0, 2.0)

    def _leak_one(self, service: str, since: float) -> None:
        """One more pooled connection that the service checked out and never gave back."""
        db = self.db
        db.leaked.append(
            SimSession(
                pid=db.next_pid,
                user="tracktion",
                application=service,
                state="idle",
                query="SELECT id, title FROM tracklists WHERE owner_id = $1",
                query_start=since,
                xact_start=None,
            )
        )
        db.next_pid += 1

    # ---- derived signals ----------------------------------------------------------------------

    def _derive(self) -> None:
        waiters = len(self.db.waiters)
        exhausted = self.db.exhausted
        for svc in self.services.values():
            noise = self.rng.gauss(1.0, 0.07)
            error = svc.baseline_error * max(self.rng.gauss(1.0, 0.25), 0.1)
            p95 = svc.baseline_p95 * max(noise, 0.75)
            ready = [p for p in svc.pods if p.ready]
            if ready:
                bad = [svc.bad_templates.get(p.template) for p in ready]
                share = sum(1 for b in bad if b) / len(ready)
                if share:
                    worst = max((b for b in bad if b), key=lambda b: b[0])
                    error += share * worst[0] * max(self.rng.gauss(1.0, 0.06), 0.5)
                    p95 *= 1 + share * (worst[1] - 1)
            else:
                error = 100.0
            if svc.degraded:
                error += svc.degraded[0] * max(self.rng.gauss(1.0, 0.08), 0.5)
                p95 *= svc.degraded[1]
            if svc.external_failure and not self.circuit_breaker:
                error += svc.external_failure[0] * max(self.rng.gauss(1.0, 0.08), 0.5)
                p95 *= svc.external_failure[1]
            if svc.uses_db and waiters:
                p95 *= 1 + 0.55 * waiters
                error += max(0, waiters - 4) * 0.7
            if svc.uses_db and exhausted:
                error += 28.0 * max(self.rng.gauss(1.0, 0.05), 0.5)
                p95 *= 2.2
            # a slow daily swing of traffic (+-25 %) with a little noise
            daily = 1.0 + 0.25 * math.sin(2 * math.pi * self.t / 86400.0)
            svc.rps = round(svc.baseline_rps * daily * max(self.rng.gauss(1.0, 0.04), 0.5), 1)
            svc.error_rate = round(min(error, 100.0), 2)
            svc.p95 = round(p95, 1)
            svc.health_up = bool(ready)
            svc.health_latency = round(max(self.rng.gauss(6.0, 1.5), 1.0), 1)
