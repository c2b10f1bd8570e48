"""The console state: everything the widgets read, built only by the fold."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from state.events import (
    CacheSampled,
    DatabaseSampled,
    DeploymentStatus,
    HealthResult,
    Instant,
    Model,
    Purpose,
)
from state.guide.severity import IncidentStatus, Role, Severity

HISTORY = 120  # samples kept per service for the sparklines (4 minutes at 2 s)
TIMELINE_LIMIT = 2000

Tone = Literal["info", "good", "warn", "bad", "action"]


class ProbeHealth(Model):
    """Whether a probe's pane is fresh, and why not."""

    last_ok: Instant | None = None
    failed_at: Instant | None = None
    reason: str | None = None
    unknown: bool = False  # failing, but never reached from here (ProbeFailed.unknown)

    @property
    def failing(self) -> bool:
        return self.reason is not None

    @property
    def unreachable(self) -> bool:
        """Failing in a way that says the backend is down: it was reached, or should have
        been, and did not answer; a name that does not resolve from here is unknown."""
        return self.failing and not self.unknown


class RoleChange(Model):
    at: Instant
    role: Role
    person: str
    by: str


class EscalationChange(Model):
    at: Instant
    level: int
    reason: str
    by: str


class PendingMessage(Model):
    """A message in the outbox whose outcome (a MessageSent) has not come yet."""

    channel: str
    status: IncidentStatus
    purpose: Purpose = "update"
    queued_at: Instant
    level: int = 0  # the escalation level a page was sent for
    pager: bool = False  # sent to a pager (PagerDuty): no status update (guide/milestones.py)


class Incident(Model):
    incident_id: str
    title: str
    severity: Severity
    # the most severe it was declared or changed to: whose targets apply (guide/milestones.py)
    severity_reached: Severity | None = None
    status: IncidentStatus = IncidentStatus.INVESTIGATING
    declared_at: Instant
    declared_by: str
    reason: str = ""
    acknowledged_at: Instant | None = None
    acknowledged_by: str | None = None
    resolved_at: Instant | None = None
    resolution_summary: str | None = None
    roles: dict[Role, str] = Field(default_factory=dict)
    role_history: tuple[RoleChange, ...] = ()
    last_update_at: Instant | None = None
    verification: str | None = None  # "checking 3/5", "stable", "not verified: …"
    # when the guide's stability watch last confirmed it stable (5 good checks in a row);
    # None while unverified, or once a later check failed
    verified_at: Instant | None = None
    escalation_level: int = 0  # the guide's level 1-5 last escalated to; 0 not escalated
    escalation_history: tuple[EscalationChange, ...] = ()
    pending_messages: dict[str, PendingMessage] = Field(default_factory=dict)  # by message id

    @property
    def open(self) -> bool:
        return self.resolved_at is None

    @property
    def reached(self) -> Severity:
        """The severity the incident reached, as Milestones.reached counts it."""
        return self.severity_reached or self.severity


class TimelineEntry(Model):
    at: Instant
    kind: str
    text: str
    tone: Tone = "info"
    # an entry that stands for something still going on (a signal's episode) has a key: a
    # later entry with the same key replaces it where it stands instead of being appended
    key: str | None = None


class ChainStanding(Model):
    """A lock chain standing (lock_rules 4), kept to tell its clearing when its blocker is
    gone from the sample: since when it was told, and its root blocker as it was named then
    (state/locks.py root_named)."""

    since: Instant
    root: str


class SignalEpisode(Model):
    """One signal's breach, from its first sample over the line until it held clear.

    `key` names the signal ("error_rate:api", "latency:api", "down:api", "database");
    `peak` is its worst value (percent, ratio to the p95 baseline, 1 for down), `level` the
    worst band reached (2: an error rate over 20%). See state/guide/episodes.py.
    """

    key: str
    began: Instant
    peak: float
    peak_at: Instant
    level: int = 1
    fired_at: Instant | None = None  # held over the line for the signal's hold: firing
    clear_since: Instant | None = None  # under the clear line since, while it stays under
    ended: Instant | None = None  # held clear: the episode is over, from clear_since
    # it began in its metric's first sample of a session that tells the start (tells_start):
    # its one line says so ("at start: api error rate over 5%, ..."), no second line beside it
    at_start: bool = False


class Breach(Model):
    """What the console saw go wrong, across signals: from the first breach of a signal
    until every signal held clear. Its start is when an incident was detected
    (`state.guide.signals.detection`)."""

    began: Instant
    why: str  # the first signal's words: "api error rate > 5%"
    events: int  # how many events had been folded when it began: its place in the journal
    sustained: bool = False  # a signal in it fired (held for its hold)
    ended: Instant | None = None
    cleared: Instant | None = None  # the last of its signals to end, so far
    # while not sustained: the last sustained breach, which stands again if this one turns
    # out to be blips only
    before: Breach | None = None


class ConsoleState(Model):
    mode: str = "live"
    operator: str = ""
    scenario: str | None = None
    services: tuple[str, ...] = ()
    # the services the session was started to watch (config's [cluster] services, the
    # simulation's): those a metric pane owes a row even without a series (signals.no_series)
    configured: tuple[str, ...] = ()
    tells_start: bool = False  # SessionStarted.tells_start: the timeline's 'at start:' lines
    deployments: dict[str, DeploymentStatus] = Field(default_factory=dict)
    # by Deployment, the revision whose rollout is under way (state/rollouts.py under_way):
    # a rollout's end is told "complete", a crash loop's "available again". None in a state
    # of a journal kept before it was (a session begun since keeps it): told as then
    rollouts: dict[str, int] | None = None
    # how the session tells a rollout's end (SessionStarted.rollout_rules): 1 for a journal
    # that does not say, as it was shown then; 2 tells it once (state/rollouts.py)
    rollout_rules: int = 1
    health: dict[str, HealthResult] = Field(default_factory=dict)
    error_rate: dict[str, tuple[float | None, ...]] = Field(default_factory=dict)
    request_rate: dict[str, float | None] = Field(default_factory=dict)  # latest req/s
    latency: dict[str, tuple[float | None, ...]] = Field(default_factory=dict)
    latency_baseline: dict[str, float] = Field(default_factory=dict)
    # per "metric:part" (history, baseline), why that part of a metric pane could not be read
    metric_missing: dict[str, str] = Field(default_factory=dict)
    database: DatabaseSampled | None = None
    cache: CacheSampled | None = None
    probes: dict[str, ProbeHealth] = Field(default_factory=dict)
    context: str | None = None  # the kubeconfig context a live session runs against
    unconfigured: tuple[str, ...] = ()  # probe sources with no backend: unknown, never healthy
    writes_allowed: bool = False  # --allow-writes made the read-only context writable
    # per "metric:service", the threshold band last crossed (0 normal, 1 P2, 2 P1); the fold
    # moves down a band only once the value falls 20% below its threshold, so noise
    # around a threshold does not flood the timeline
    bands: dict[str, int] = Field(default_factory=dict)
    # the signal rules the session was recorded under (SessionStarted.signal_rules): 1 for a
    # journal that does not say, so it replays as it was shown; 2 adds holds and episodes
    signal_rules: int = 1
    # the lock-chain reading the session was recorded under (SessionStarted.lock_rules): 1 for
    # a journal that does not say; 2 tells a chain as it grows and each chain's peak apart; 3
    # tells each chain's growth apart; 4 tells each chain's clearing apart
    lock_rules: int = 1
    # under lock_rules 3 and 4, by each lock chain standing (its root blocker: state/locks.py
    # chain_key), how many blocked sessions the timeline last told of it; under 2, by "" (the
    # chains counted together), the count the timeline last told of them all
    lock_told: dict[str, int] = Field(default_factory=dict)
    # under lock_rules 4, by each lock chain standing (chain_key): since when, and its root
    # blocker in words, for the line that tells it cleared
    lock_standing: dict[str, ChainStanding] = Field(default_factory=dict)
    episodes: dict[str, SignalEpisode] = Field(default_factory=dict)  # open ones, by key
    breach: Breach | None = None  # the open breach, else the last sustained one
    incident: Incident | None = None
    timeline: tuple[TimelineEntry, ...] = ()
    now: Instant | None = None  # the time of the last event folded
    opened_at: Instant | None = None  # when the session started or resumed: probes sample after
    events: int = 0  # how many events were folded

    def latest(self, metric: str, service: str) -> float | None:
        series = (self.error_rate if metric == "error_rate" else self.latency).get(service, ())
        return series[-1] if series else None

    def metric_rows(self, metric: str) -> tuple[str, ...]:
        """The services a metric's pane shows and its thresholds (timeline, severity) read:
        the configured services that have a series, in their order; every series, by name,
        only when no service is configured. One set, so nothing alerts that is not shown."""
        series = self.error_rate if metric == "error_rate" else self.latency
        if self.services:
            return tuple(s for s in self.services if s in series)
        return tuple(sorted(series))

    def probe(self, source: str) -> ProbeHealth:
        return self.probes.get(source) or ProbeHealth()
