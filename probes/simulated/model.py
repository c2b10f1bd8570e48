"""The simulated cluster's moving parts: services, pods and database sessions."""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass, field

# k8s generates names from this alphabet (no vowels, no confusable digits).
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
CRASH_REASONS = ("CrashLoopBackOff", "OOMKilled", "Error")


def template_hash(seed: int, service: str, template: int) -> str:
    digest = hashlib.sha256(f"{seed}/{service}/{template}".encode()).digest()
    return "".join(_NAME_ALPHABET[b % len(_NAME_ALPHABET)] for b in digest[:9])


REGISTRY = "registry.tracktion.io"


def image(service: str, template: int) -> str:
    """The container image a simulated template runs: one release per template."""
    return f"{REGISTRY}/{service}:1.{template}.0"


def pod_suffix(rng: random.Random) -> str:
    return "".join(rng.choice(_NAME_ALPHABET) for _ in range(5))


def pod_uid(seed: int, name: str, made: int) -> str:
    """The `made`-th pod's metadata.uid, a UUID as the API server gives: its own even when
    a name comes back, the same in a resumed demo (drawn from no random stream)."""
    digest = hashlib.sha256(f"{seed}/{name}/{made}".encode()).digest()[:16]
    return str(uuid.UUID(bytes=digest, version=4))


@dataclass
class SimPod:
    name: str
    template: int
    phase: str = "Pending"
    reason: str | None = "ContainerCreating"
    ready: bool = False
    restarts: int = 0
    ready_at: float | None = None  # when a starting pod becomes ready
    crashing: str | None = None  # the crash reason while this pod crash-loops
    next_crash: float = 0.0
    backoff: float = 10.0
    uid: str = ""  # metadata.uid: which pod of that name (pod_uid)

    @property
    def failing(self) -> bool:
        """Not Running, or Running but crash-looping: what 'delete failing pods' removes."""
        return self.phase != "Running" or self.crashing is not None


@dataclass
class SimService:
    name: str
    baseline_p95: float  # ms
    baseline_error: float  # percent
    uses_db: bool
    baseline_rps: float = 50.0
    desired: int = 3
    revision: int = 1
    templates: dict[int, int] = field(default_factory=dict)  # revision -> template id
    # template id -> the revisions its ReplicaSet had before it was rolled back to
    # (the controller's deployment.kubernetes.io/revision-history annotation)
    former: dict[int, tuple[int, ...]] = field(default_factory=dict)
    bad_templates: dict[int, tuple[float, float]] = field(default_factory=dict)
    pods: list[SimPod] = field(default_factory=list)
    crash: tuple[str, tuple[str, ...]] | None = None  # (reason, actions that clear it)
    external_failure: tuple[float, float] | None = None  # (error %, latency factor)
    degraded: tuple[float, float] | None = None  # a fleet service's standing trouble, the same
    rollout_next: float = 0.0
    warnings: list[str] = field(default_factory=list)
    rolled_at: dict[int, float] = field(default_factory=dict)  # revision -> when it began
    # derived every tick
    error_rate: float = 0.0
    p95: float = 0.0
    rps: float = 0.0
    health_up: bool = True
    health_latency: float = 5.0

    @property
    def template(self) -> int:
        return self.templates[self.revision]

    @property
    def ready(self) -> int:
        return sum(1 for p in self.pods if p.ready)

    @property
    def updated(self) -> int:
        return sum(1 for p in self.pods if p.template == self.template)


@dataclass
class SimSession:
    pid: int
    user: str
    application: str
    state: str
    query: str
    query_start: float
    xact_start: float | None
    blocked_by: tuple[int, ...] = ()
    relation: str | None = None
    lock_mode: str | None = None
    wait_event_type: str | None = None
    backend_start: float | None = None  # when the backend began: before its first transaction

    def __post_init__(self) -> None:
        if self.backend_start is None:
            known = [t for t in (self.query_start, self.xact_start) if t is not None]
            self.backend_start = min(known)


@dataclass
class SimDatabase:
    max_connections: int = 100
    active: int = 4
    idle: int = 22
    blocker: SimSession | None = None
    waiters: list[SimSession] = field(default_factory=list)
    leaked: list[SimSession] = field(default_factory=list)
    storm: tuple[str, float, int] | None = None  # (relation, every, max waiters)
    storm_next: float = 0.0
    leak: tuple[str, float] | None = None  # (service, per minute)
    leak_carry: float = 0.0
    next_pid: int = 5001

    @property
    def used(self) -> int:
        held = (1 if self.blocker else 0) + len(self.waiters) + len(self.leaked)
        return self.active + self.idle + held

    @property
    def exhausted(self) -> bool:
        return self.used >= self.max_connections - 3  # superuser_reserved_connections
