"""Every fact the console knows enters as one of these events.

Probes (real or simulated) emit the sample and failure events; people emit the
incident events through the console. Each event is journaled, then folded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from state.clock import bounded
from state.guide.severity import IncidentStatus, Role, Severity

# Every instant in an event or the state is aware UTC and within the calendar's bounds (see
# `bounded`): a body written without a zone (by an older or another writer) is taken as UTC,
# as the clock does, so that no comparison or sum of instants fails on a journal's content.
Instant = Annotated[datetime, AfterValidator(bounded)]

# The probe sources, one per pane-feeding backend. A failure names one of these.
Source = Literal["kubernetes", "health", "error_rate", "latency", "postgres", "redis"]
SOURCES: tuple[Source, ...] = ("kubernetes", "health", "error_rate", "latency", "postgres", "redis")


def _unread(value: object) -> bool:
    return value is None


# a field a later version added: left out of the JSON while unknown (None), so that states
# and samples without it serialize, journal and hash exactly as before it was read
Unread = Field(default=None, exclude_if=_unread)


class Model(BaseModel):
    # defer_build: a model's validator is built when first used, not at import, so start-up
    # pays only for the events a session actually sees
    model_config = ConfigDict(
        frozen=True, extra="forbid", ser_json_inf_nan="strings", defer_build=True
    )


class EventBase(Model):
    at: Instant


# ---- samples -------------------------------------------------------------------------


class PodStatus(Model):
    name: str
    phase: str  # Running, Pending, Succeeded, Failed, Unknown
    reason: str | None = None  # CrashLoopBackOff, ImagePullBackOff, OOMKilled, Error, ...
    ready: bool = False
    restarts: int = 0


class DeploymentStatus(Model):
    name: str
    namespace: str = "default"
    desired: int
    ready: int
    updated: int = 0
    # status.replicas (pods of every ReplicaSet of it, old ones too) and availableReplicas:
    # what `kubectl rollout status` counts. None in journals kept before they were read
    # (`state.rollouts.counted`): the timeline tells those rollouts in its earlier words.
    replicas: int | None = None
    available: int | None = None
    revision: int = 0
    paused: bool = False
    rollout: str | None = (
        None  # None when complete; else e.g. "progressing", "ProgressDeadlineExceeded"
    )
    pods: tuple[PodStatus, ...] = ()
    warnings: tuple[str, ...] = ()  # recent Warning events, newest first
    # each pod's metadata.uid, in the order of `pods`: which pod of that name it is (a pod
    # recreated under its name has a new one), for "delete the failing pods" to send back.
    # Never drawn, and not journaled (exclude): its request journals the uids it named, while
    # 3,000 pods' uids would add ~72 KB to every whole row of a large hour; () when unknown
    # (read back). Here, not on PodStatus: a sixth field grows each pod's dict by 88 bytes.
    pod_uids: tuple[str | None, ...] = Field(default=(), exclude=True)

    def pods_with_uids(self) -> Iterator[tuple[PodStatus, str | None]]:
        """(pod, its uid or None when unknown), in order."""
        if len(self.pod_uids) == len(self.pods):
            return zip(self.pods, self.pod_uids, strict=True)
        return ((pod, None) for pod in self.pods)


class DeploymentsSampled(EventBase):
    kind: Literal["deployments_sampled"] = "deployments_sampled"
    deployments: tuple[DeploymentStatus, ...]


class HealthResult(Model):
    service: str
    up: bool
    status_code: int | None = None
    latency_ms: float | None = None
    error: str | None = None
    # True when this console could not reach the host at all (the name did not resolve, no
    # route, the connection never opened, not an http(s) URL): `up` is False but nothing is
    # known about the service, so it is not down. `error` says why. A refusal, a reset, a
    # hang after connecting and an error reply are answers: down, with `unknown` False.
    unknown: bool = False


class HealthSampled(EventBase):
    kind: Literal["health_sampled"] = "health_sampled"
    results: tuple[HealthResult, ...]


Metric = Literal["error_rate", "latency"]


class MetricSampled(EventBase):
    """One instant value per service. None is 'no data'; NaN and inf are kept as they came."""

    kind: Literal["metric_sampled"] = "metric_sampled"
    metric: Metric
    values: dict[str, float | None]
    baseline: dict[str, float] = Field(default_factory=dict)
    # requests per second per service, the error rate's denominator (error_rate samples only)
    request_rate: dict[str, float | None] = Field(default_factory=dict)


class MetricHistoryLoaded(EventBase):
    """Recent history for the sparklines, read once when a metrics probe starts."""

    kind: Literal["metric_history_loaded"] = "metric_history_loaded"
    metric: Metric
    series: dict[str, tuple[float | None, ...]]
    baseline: dict[str, float] = Field(default_factory=dict)


MetricPart = Literal["history", "baseline"]


class MetricPartMissing(EventBase):
    """A part of a metric pane that its instant values do not need could not be read: the
    sparklines' history (a range query) or the p95 baseline. The values are shown all the
    same; the probe tries the part again later (a refused range query at a coarser step)."""

    kind: Literal["metric_part_missing"] = "metric_part_missing"
    metric: Metric
    part: MetricPart
    reason: str


class DbSession(Model):
    """A backend in a blocking chain or running long, as pg_stat_activity shows it.

    A prepared transaction holds locks with no backend: pg_blocking_pids() says 0 for it. The
    probe gives it a row of its own, keyed by the negative of its transaction id (`pid` < 0),
    with `prepared` its gid, `user` its owner, `database` its database and `xact_start` when
    it was prepared; a waiter's `blocked_by` holds that same key. A 0 left in `blocked_by` is
    a prepared transaction the probe could not name.
    """

    pid: int
    user: str | None = None
    application: str | None = None
    state: str | None = None  # active, idle, idle in transaction, ...
    query: str = ""
    query_start: Instant | None = None
    xact_start: Instant | None = None
    wait_event_type: str | None = None
    blocked_by: tuple[int, ...] = ()
    relation: str | None = None
    lock_mode: str | None = None
    # when the backend started: a pid is reused, this is not (journals before it lack it)
    backend_start: Instant | None = None
    # False: another role's session the console's role may not see (no pg_read_all_stats);
    # its state, statement and times are unknown, its pid, user and application are not
    visible: bool = True
    prepared: str | None = None  # the gid, when this row is a prepared transaction
    # the gid as a printable SQL literal that reads back as the gid's exact text
    # (state/text.py sql_literal), for COMMIT/ROLLBACK PREPARED; journals before it lack it
    prepared_sql: str | None = None
    database: str | None = None  # a prepared transaction's database
    # the server's track_activity_query_size (bytes) when `query` is as long as it:
    # pg_stat_activity keeps no more of a statement, so the one shown may be cut there (None:
    # shorter, or not read; journals before it lack it)
    query_cut_at: int | None = None
    # with `query_cut_at`: the statement ends within a character of the limit, in a
    # multi-byte encoding: cut only if the next character did not fit, which the server
    # does not say (probes/postgres/probe.py server_cut); journals before it lack it
    query_may_be_whole: bool = False
    # its role is a superuser (pg_roles.rolsuper): PostgreSQL lets only a superuser end or
    # cancel its backend (None: not read)
    superuser: bool | None = Unread

    @property
    def is_prepared(self) -> bool:
        """A prepared transaction (or one pg_blocking_pids() reported as pid 0)."""
        return self.prepared is not None or self.pid <= 0


class DatabaseSampled(EventBase):
    kind: Literal["database_sampled"] = "database_sampled"
    connections: dict[str, int]  # by state: active, idle, idle in transaction, waiting
    max_connections: int
    sessions: tuple[DbSession, ...] = ()  # blockers, waiters and long-running queries
    # client sessions of other roles whose state and statement the console's role may not
    # see (it lacks pg_monitor / pg_read_all_stats): not in `connections`; > 0 means the
    # database signal is unknown, not healthy (journals before it lack it: 0)
    hidden_sessions: int = 0
    # the console's own role is a superuser (read once per connection; None: not read): a
    # role that is not may not end a superuser's backend
    console_superuser: bool | None = Unread
    # when the console's role may end or cancel only some roles' backends (neither superuser
    # nor a member of pg_signal_backend): those roles, its own first, then each whose
    # privileges it has, as PostgreSQL decides it; None: any role's but a superuser's, or not
    # read (journals before it)
    console_signals: tuple[str, ...] | None = Unread


class CacheSampled(EventBase):
    kind: Literal["cache_sampled"] = "cache_sampled"
    used_memory_mb: float
    max_memory_mb: float | None = None


class ProbeFailed(EventBase):
    """A probe could not sample; journaled once per change of reason, not every refresh."""

    kind: Literal["probe_failed"] = "probe_failed"
    source: Source
    reason: str
    # the backend could not be reached from this machine at all (its name does not resolve
    # here): nothing is known of it, so it is unknown, never down
    unknown: bool = False


class ProbeRecovered(EventBase):
    kind: Literal["probe_recovered"] = "probe_recovered"
    source: Source


# ---- session and incident ----------------------------------------------------------------


class SessionStarted(EventBase):
    kind: Literal["session_started"] = "session_started"
    mode: Literal["live", "demo", "drill"]
    version: str
    operator: str
    scenario: str | None = None
    seed: int | None = None
    speed: float = 1.0
    services: tuple[str, ...] = ()
    # which signal rules the console ran (state/guide/episodes.py): a journal written before
    # they were versioned says nothing and replays under rules 1, as it was shown then
    signal_rules: int = 1
    # which lock-chain reading the console ran (state/locks.py LOCK_RULES): 1 when not said
    lock_rules: int = 1
    # how the console told a rollout's end (state/rollouts.py ROLLOUT_RULES): 1 when not said
    rollout_rules: int = 1
    # begun in a journal an earlier console had created but begun no session in (its opening
    # was cut short, tui/opening.py): nothing was lost, and the timeline says so
    begun_afresh: bool = False
    # live: the kubeconfig context whose rules apply (tui/contexts.py); the probe sources with
    # no backend configured; whether --allow-writes made a read-only context writable
    context: str | None = None
    unconfigured: tuple[str, ...] = ()
    writes_allowed: bool = False
    # the timeline tells what is already wrong in each source's first sample ('at start: api
    # /health failing: HTTP 503'); a journal written before says nothing and replays and
    # exports as it did
    tells_start: bool = False


class SessionResumed(EventBase):
    kind: Literal["session_resumed"] = "session_resumed"
    operator: str
    version: str
    context: str | None = None  # as SessionStarted's: the resumed session's own
    unconfigured: tuple[str, ...] = ()
    writes_allowed: bool = False
    # what the journal lacks as it is resumed: each hold a console ended with unwritten, as
    # the note beside the journal says it ('347 events after …Z NOT RECORDED (disk full …): …')
    unrecorded: tuple[str, ...] = ()
    # each action requested that has no outcome journaled (the console stopped while it ran):
    # (its action id, the action as people say it), told once, on the first resume after it
    # (state/journal/unsettled.py); never run again
    unsettled: tuple[tuple[str, str], ...] = ()


class IncidentDeclared(EventBase):
    kind: Literal["incident_declared"] = "incident_declared"
    incident_id: str
    severity: Severity
    title: str
    reason: str
    by: str


class IncidentAcknowledged(EventBase):
    kind: Literal["incident_acknowledged"] = "incident_acknowledged"
    by: str


class SeverityChanged(EventBase):
    kind: Literal["severity_changed"] = "severity_changed"
    severity: Severity
    previous: Severity
    reason: str = ""
    by: str


class StatusChanged(EventBase):
    kind: Literal["status_changed"] = "status_changed"
    status: IncidentStatus
    by: str


class RoleAssigned(EventBase):
    kind: Literal["role_assigned"] = "role_assigned"
    role: Role
    person: str
    by: str


class NoteAdded(EventBase):
    kind: Literal["note_added"] = "note_added"
    text: str
    by: str


class JournalWrittenAgain(EventBase):
    """The journal could not be written from `since` (why: `reason`): the `held` events after
    it were kept in memory, shown, and written in their order just before this one; `thinned`
    probe samples were dropped to bound memory (state/journal/holding.py)."""

    kind: Literal["journal_written_again"] = "journal_written_again"
    since: Instant
    reason: str
    held: int
    thinned: int = 0


Tone = Literal["info", "warn", "bad", "good"]


# the lines that said "nothing found" before `Finding.found` was journaled, by part: a journal
# written then counts them as it would now (state/guide/investigation.py `findings_count`)
_NOTHING_BEFORE = {
    "Rollouts": "no rollout of a watched deployment in the last ",
    "Events": "no events in the last ",
    "Config": "no config change in events or templates",
    "Pods": "every pod Running and Ready",
    "Nodes": "no nodes listed",
    "Usage": "metrics.k8s.io answered with no samples",
    "5xx rate": "no 5xx series in the last ",
    "Slow statements": "no statement with mean > ",
    "Largest tables": "no user tables",
}
_NOT_FINDINGS_BEFORE = re.compile(
    r"… \d+ more not shown \(of \d+\)"  # a cut part's last line
    r"|.*: last \d+ lines of \d+ pods \(\d+ logs\), \d+ ERROR/FATAL/Exception lines in \d+ groups"
)


class Finding(Model):
    """One line an investigation section showed: its part (e.g. "Rollouts"), text, tone.

    `found` is False for a line that says the part found nothing ("no events in the last
    6 h"), sums up the lines under it (the logs read) or says how many more were left out:
    it is shown, and never counted as a finding.
    """

    part: str
    text: str
    tone: Tone = "info"
    found: bool = True

    @model_validator(mode="before")
    @classmethod
    def _older(cls, data: Any) -> Any:
        """A line journaled before `found` existed: its known "nothing found" texts."""
        if isinstance(data, dict) and "found" not in data:
            text, before = str(data.get("text", "")), _NOTHING_BEFORE.get(data.get("part", ""))
            if (before and text.startswith(before)) or _NOT_FINDINGS_BEFORE.fullmatch(text):
                return {**data, "found": False}
        return data


class InvestigationShown(EventBase):
    """What one section of the guide's investigation showed when opened: a compact snapshot.

    `step` is one of state/guide/investigation.py STEPS; `unavailable` holds one line per
    part that could not be read (slow, refused, no permission), so replay shows the gaps too.
    A section that read more than state/guide/investigation.py SNAPSHOT_FINDINGS keeps the
    worst of them: `read` counts all it read, `omitted` those left out, and each cut part ends
    with a finding "… N more not shown (of M)" (state/guide/investigation.py `snapshot`).
    """

    kind: Literal["investigation_shown"] = "investigation_shown"
    step: str
    service: str | None = None
    findings: tuple[Finding, ...] = ()
    unavailable: tuple[str, ...] = ()
    read: int | None = None  # findings the section read; None: every one is in `findings`
    omitted: int = 0  # of those, left out of `findings`
    by: str


class RunbookOpened(EventBase):
    """The commander opened one of the guide's runbooks (state/guide/runbooks/*.toml)."""

    kind: Literal["runbook_opened"] = "runbook_opened"
    runbook: str
    title: str
    by: str


class RunbookStepTicked(EventBase):
    """A runbook step the console cannot do itself, ticked by hand: done, or skipped."""

    kind: Literal["runbook_step_ticked"] = "runbook_step_ticked"
    runbook: str
    step: str
    text: str
    outcome: Literal["done", "skipped"] = "done"
    by: str


class RunbookChecked(EventBase):
    """A runbook's resolution criteria checked (by `v` while it is open): each, met or not."""

    kind: Literal["runbook_checked"] = "runbook_checked"
    runbook: str
    ok: bool
    detail: str
    by: str


class IncidentResolved(EventBase):
    kind: Literal["incident_resolved"] = "incident_resolved"
    summary: str
    by: str


# ---- room for actions and status updates -------------------------------------------------------


class ActionRequested(EventBase):
    """A mutating action, journaled before it runs: who, what, exact target, parameters."""

    kind: Literal["action_requested"] = "action_requested"
    action_id: str
    action: str  # restart, rollout_undo, scale, delete_failing_pods, circuit_breaker, ...
    target: str  # namespace/deployment, or pid with user and query start
    params: dict[str, Any] = Field(default_factory=dict)
    dry_run: bool = False
    before: str = ""  # the target's state when the action was chosen
    by: str


class ActionFinished(EventBase):
    """How a requested action ended; a failure carries the backend's one-line reason."""

    kind: Literal["action_finished"] = "action_finished"
    action_id: str
    action: str = ""
    target: str = ""
    ok: bool
    dry_run: bool = False
    result: str = ""
    after: str = ""  # the target's state as the console saw it when the action returned
    # who asked for it (the operator): a runbook step done through its key names them; ""
    # in journals written before it, where the ActionRequested of `action_id` says who
    by: str = ""


class VerificationChecked(EventBase):
    """One check of the guide's resolution criteria; `streak` counts consecutive good ones."""

    kind: Literal["verification_checked"] = "verification_checked"
    ok: bool
    streak: int
    detail: str
    by: str


class VerificationFinished(EventBase):
    """The verdict of a stability watch: stable after enough good checks, or not."""

    kind: Literal["verification_finished"] = "verification_finished"
    stable: bool
    detail: str
    by: str = ""  # who ran the watch; "" in journals before it (its checks say who)


# What a message in the outbox is for: a status update, an escalation page, an acknowledgement
Purpose = Literal["update", "escalation", "acknowledge"]
# How sending a message ended: delivered, failed for good, or unknown (see MessageSent)
Outcome = Literal["delivered", "failed", "unknown"]


class MessageQueued(EventBase):
    """A message written to the outbox, to be sent to `channel`; its outcome is a MessageSent.

    Journals of warroom 0.1.0 hold it as kind "update_queued" (state/journal/codec.py).
    """

    kind: Literal["message_queued"] = "message_queued"
    message_id: str
    channel: str
    status: IncidentStatus
    text: str
    by: str
    purpose: Purpose = "update"
    # the configured channel's type ("slack", "pagerduty", "statuspage"; a demo sink, the type
    # it stands for): a message to a pager is no status update (state/guide/milestones.py).
    # "" in journals written before it was journaled.
    channel_type: str = ""


class MessageSent(EventBase):
    """How sending a queued message ended: `outcome` delivered, failed for good, or unknown.

    Delivery is unknown when the request left and no reply came back (a read timeout, a
    connection dropped, the console stopped mid-request) on a channel that cannot tell a
    second copy from a new message (Slack): it is not sent again unless a person resends it.
    Journals of warroom 0.1.0 hold it as kind "update_posted", with `delivered` and
    `delivery_unknown` for `outcome` (state/journal/codec.py).
    """

    kind: Literal["message_sent"] = "message_sent"
    message_id: str
    channel: str
    status: IncidentStatus
    text: str
    outcome: Outcome
    detail: str = ""
    by: str


class MessageResent(EventBase):
    """A person sent again a message whose delivery was unknown; it may post a duplicate.

    Journals of warroom 0.1.0 hold it as kind "update_resent".
    """

    kind: Literal["message_resent"] = "message_resent"
    message_id: str
    channel: str
    status: IncidentStatus
    purpose: Purpose = "update"
    level: int = 0  # the escalation level of a page sent again
    by: str


class Escalated(EventBase):
    """The incident escalated to a level of the guide (1-5); its pages follow as MessageQueued."""

    kind: Literal["escalated"] = "escalated"
    level: int = Field(ge=1, le=5)
    reason: str
    by: str
    contacts: tuple[str, ...] = ()  # the guide's contact roles at this level
    channels: tuple[str, ...] = ()  # where the pages were queued


Verdict = Literal["met", "missed", "not done", "n/a"]


class Milestone(Model):
    """One line of a drill's score card: what was due, when it was done, met or not."""

    name: str
    took: float | None = None  # seconds, from the milestone's start; None: not done
    target: float | None = None  # seconds the guide allows; None: no time target
    verdict: Verdict
    detail: str = ""
    points: int = 0
    of: int = 0


class DrillScored(EventBase):
    """A drill's score card, journaled at its end so replay and export show it."""

    kind: Literal["drill_scored"] = "drill_scored"
    scenario: str
    milestones: tuple[Milestone, ...]
    harmful: tuple[str, ...] = ()
    points: int
    of: int
    grade: str
    # the scenario's expected severity, whose targets every milestone was held to; None in
    # cards journaled before it was recorded
    expected: Severity | None = None


Event = Annotated[
    DeploymentsSampled
    | HealthSampled
    | MetricSampled
    | MetricHistoryLoaded
    | MetricPartMissing
    | DatabaseSampled
    | CacheSampled
    | ProbeFailed
    | ProbeRecovered
    | SessionStarted
    | SessionResumed
    | IncidentDeclared
    | IncidentAcknowledged
    | SeverityChanged
    | StatusChanged
    | RoleAssigned
    | NoteAdded
    | JournalWrittenAgain
    | InvestigationShown
    | RunbookOpened
    | RunbookStepTicked
    | RunbookChecked
    | IncidentResolved
    | ActionRequested
    | ActionFinished
    | VerificationChecked
    | VerificationFinished
    | MessageQueued
    | MessageSent
    | MessageResent
    | Escalated
    | DrillScored,
    Field(discriminator="kind"),
]

# kind -> event class: the journal stores the kind beside each body and parses with it
EVENT_TYPES: dict[str, type[EventBase]] = {
    cls.model_fields["kind"].default: cls for cls in EventBase.__subclasses__()
}
