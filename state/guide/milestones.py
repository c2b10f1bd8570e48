"""THE definition of an incident's milestones, by the guide; the review, the drill's score
card, the header and `warroom journals` all read them from here.

- detected: the start of the breach the console saw, read at the declaration
  (`state.guide.signals.detection`): the first sample over the line of its first signal (a
  service down, an error rate above 5%, a p95 above 3x its baseline, the database
  unreachable), however it flapped after; a blip that held clear before its hold is none
  (state/guide/episodes.py). A journal recorded before those rules: the moment the guide's
  rules last started flagging something, as it was read then.
- declared: the IncidentDeclared. Target: "identify and acknowledge incidents within 5
  minutes" (Rapid Detection), counted from detected.
- acknowledged: the first IncidentAcknowledged, the guide's "Response Time" (P1 < 5 min,
  P2 15 min, P3 1 h, P4 next business day), counted from declared.
- first status update: the first status update that reached people, delivered to Slack,
  Statuspage, or an email or chat channel (`reaches_people`). A page, an escalation page or
  a PagerDuty acknowledge is no status update. One update queued to several channels at
  once is one update (one row of the cadence), at its first delivery. Target: the update
  cadence of the severity (P1 15 min, P2/P3 30 min; P4 none), counted from declared, as
  the header's "update due".
- mitigated: the signals that made the incident got better after an action for it: an
  action that succeeded (not a dry run) on a target that was in trouble when it was asked
  (`state.guide.harm`: never a restart of a healthy service or a terminate of a pid that
  blocked nobody; in a drill, one of the scenario's accepted fixes), then the first sample
  after which nothing the guide's rules flagged when it was asked is flagged any more (a
  service down is up, an error rate fell back under its band). An action on a healthy target
  or one that changed nothing is never a mitigation. The guide sets no target.
- resolved: the IncidentResolved, or the delivery of a status update saying Resolved
  (`resolves`), whichever came first. Target: the resolution time of the severity. A
  resolution while the guide's rules still flagged something (`flags`: a service down, an
  error rate over 5%) restored nothing: it is missed, whenever it came.

A milestone not reached by a closed incident (resolved, or a drill that ended) is "not
done"; by an open one, "pending" until its deadline passes, then "missed".

Every target is the one of a single severity per incident: the severity the incident
reached (the most severe it was declared or changed to), or, in a drill, the scenario's
expected severity (`Milestones.held`).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import compress
from typing import TYPE_CHECKING, Any, Literal

from state.guide.harm import harm, matches
from state.guide.policy import TARGETS, UPDATE_CADENCE, resolution_due, response_due
from state.guide.severity import IncidentStatus, Severity
from state.guide.signals import detection as breach_at
from state.guide.signals import service_down

if TYPE_CHECKING:
    from state.console import ConsoleState

DECLARE_TARGET = timedelta(
    minutes=5
)  # "Rapid Detection: identify and acknowledge within 5 minutes"

KEYS = ("detected", "declared", "acknowledged", "first_update", "mitigated", "resolved")
NAMES = {
    "detected": "Detected",
    "declared": "Declared",
    "acknowledged": "Acknowledged",
    "first_update": "First status update",
    "mitigated": "Mitigated",
    "resolved": "Resolved",
}
# "": the guide sets no target; "not done": never reached by an incident that was closed (or
# a drill that ended); "pending": not reached yet by an open one, its deadline not passed
Result = Literal["met", "missed", "pending", "not done", ""]

# Channel types whose messages page someone rather than tell people how the incident stands.
PAGER_TYPES = frozenset({"pagerduty"})


# ---- what counts -----------------------------------------------------------------------------


def is_pager(channel_type: str, channel: str) -> bool:
    """Does a message to this channel page someone (PagerDuty) rather than inform people?

    `channel_type` is the configured type journaled with the message ("slack", "pagerduty",
    "statuspage"; a demo sink journals the type it stands for). Journals from before it was
    journaled ("") name the channel only: one named like PagerDuty is taken for it.
    """
    if channel_type:
        return channel_type in PAGER_TYPES
    return "pagerduty" in channel.lower()


def reaches_people(purpose: str, pager: bool, outcome: str) -> bool:
    """Is this message's delivery a status update that reached people? `purpose` as queued
    (update, escalation, acknowledge), `pager` from is_pager, `outcome` from MessageSent."""
    return purpose == "update" and not pager and outcome == "delivered"


def resolves(purpose: str, status: IncidentStatus, outcome: str) -> bool:
    """Does this delivery say the incident is resolved (the guide's final update)? On any
    channel: a PagerDuty resolve is the commander's word too."""
    return purpose == "update" and status is IncidentStatus.RESOLVED and outcome == "delivered"


# ---- detection: the one place that says what the guide's rules flag --------------------------


def services_down(state: ConsoleState) -> frozenset[str]:
    """The services down as the guide's triage counts them.

    By change: a service whose health result and deployment are the very objects they were
    in the last state asked about (the fold and the journal's reader keep an unchanged row the
    same object) is down or not as it was then; only the other rows are judged again."""
    names = state.services or tuple(sorted(set(state.deployments) | set(state.health)))
    health, deployments = state.health, state.deployments
    last = next(iter(_last_down), None)  # read once: another thread may fold too
    if last is not None and last[0] is names:
        _, was_health, was_deployments, was = last
        if was_health is health and was_deployments is deployments:
            return was
        same_health = map(operator.is_, map(health.get, names), map(was_health.get, names))
        same_deployment = map(
            operator.is_, map(deployments.get, names), map(was_deployments.get, names)
        )
        moved = list(
            compress(names, map(operator.not_, map(operator.and_, same_health, same_deployment)))
        )
        down = (was - frozenset(moved)) | frozenset(s for s in moved if service_down(state, s))
        if down == was:
            down = was
    else:
        down = frozenset(s for s in names if service_down(state, s))
    _last_down[:] = [(names, health, deployments, down)]
    return down


# the last answer of services_down, with the rows it came from
_last_down: list[tuple[tuple[str, ...], dict, dict, frozenset[str]]] = []


def flags(state: ConsoleState, down: frozenset[str] | None = None) -> tuple[str, ...]:
    """What the guide's rules flag in `state`, one reason each ("api down", "api error rate
    > 20%", "database unreachable"); () when nothing. `down`: services_down(state), if known."""
    down = services_down(state) if down is None else down
    unreachable = state.probe("postgres").unreachable
    for was_down, was_bands, was_unreachable, answer in _flagged:  # a refresh asks twice
        if was_down is down and was_bands is state.bands and was_unreachable == unreachable:
            return answer
    reasons = [f"{service} down" for service in sorted(down)]
    for key in sorted(state.bands):
        if state.bands[key]:
            metric, service = key.split(":", 1)
            reasons.append(f"{service} {_band_words(metric, state.bands[key])}")
    if unreachable:  # not resolving from here is unknown, not down
        reasons.append("database unreachable")
    answer = tuple(reasons)
    _flagged[:] = [*_flagged[-1:], (down, state.bands, unreachable, answer)]
    return answer


# the last two answers of flags, with what they were read from (the state's parts kept the
# same objects while unchanged: services_down's set, the fold's bands)
_flagged: list[tuple[frozenset[str], dict[str, int], bool, tuple[str, ...]]] = []


def _band_words(metric: str, band: int) -> str:
    if metric == "error_rate":
        return "error rate > 20%" if band >= 2 else "error rate > 5%"
    return "p95 > 3x baseline"


# Sample kinds that can change what the guide's rules flag; a history load or cache cannot.
_FLAG_KINDS = frozenset(
    {
        "deployments_sampled",
        "health_sampled",
        "metric_sampled",
        "database_sampled",
        "probe_failed",
        "probe_recovered",
    }
)


def detection(kind: str, before: ConsoleState, after: ConsoleState) -> tuple[str, ...] | None:
    """What the guide's rules flag after an event of `kind` took `before` to `after`, or None
    when that event cannot have changed it (most samples): detection's one definition."""
    if kind not in _FLAG_KINDS:
        return None
    if kind == "metric_sampled" and after.bands == before.bands:
        return None
    if kind == "database_sampled" and not before.probe("postgres").failing:
        return None  # a database sample only ends a PostgreSQL probe failure
    return flags(after)


# ---- one incident's milestones -----------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One milestone, measured: reached at `at` (None: not reached), counted from `since`,
    against `due` (None: the guide sets no target)."""

    key: str  # one of KEYS
    at: datetime | None
    since: datetime | None
    due: datetime | None
    target: str  # the guide's words for the target, "" when none
    result: Result
    note: str = ""  # why a reached milestone still missed: "resolved while api down breached"

    @property
    def name(self) -> str:
        return NAMES[self.key]

    @property
    def seconds(self) -> float | None:
        """From `since` to `at`, in seconds; None when either is missing."""
        if self.at is None or self.since is None:
            return None
        return (self.at - self.since).total_seconds()

    @property
    def target_seconds(self) -> float | None:
        if self.due is None or self.since is None:
            return None
        return (self.due - self.since).total_seconds()


@dataclass(frozen=True)
class Gap:
    """One stretch the update cadence covers: from `since` (the declaration or an update) an
    update was due by `due`; `at` is when the next one was delivered (None: none came)."""

    since: datetime
    due: datetime
    at: datetime | None

    @property
    def result(self) -> str:
        """'on time', 'late by 3 min 12 s' or 'missed'."""
        if self.at is None:
            return "missed"
        late = (self.at - self.due).total_seconds()
        return "on time" if late <= 0 else f"late by {_span(late)}"


@dataclass
class Milestones:
    """One incident's milestones, as its journal recorded them."""

    incident_id: str
    declared: datetime
    declared_severity: Severity
    detected: datetime | None = None
    detected_why: str = ""
    severities: list[tuple[datetime, Severity]] = field(default_factory=list)  # changes
    acknowledged: datetime | None = None
    updates: list[datetime] = field(default_factory=list)  # each update that reached people, once
    mitigated: datetime | None = None
    resolved: datetime | None = None
    end: datetime | None = None  # the last event of the incident's part of the journal
    expected: Severity | None = None  # a drill's: the scenario's expected severity
    # what the guide's rules still flagged when it was resolved ("api down"): () when none
    resolved_breaching: tuple[str, ...] = ()

    @property
    def closed(self) -> bool:
        """Is the incident over: resolved, or its drill ended (and was scored)? A milestone
        a closed incident never reached is "not done", never "pending"."""
        return self.resolved is not None or self.expected is not None

    @property
    def first_update(self) -> datetime | None:
        return self.updates[0] if self.updates else None

    @property
    def reached(self) -> Severity:
        """The most severe severity the incident was declared or changed to."""
        worst = self.declared_severity
        for _, severity in self.severities:
            worst = worst.worst(severity)
        return worst

    @property
    def held(self) -> Severity:
        """The severity whose targets every milestone is held to: the scenario's expected one
        in a drill, else the one the incident reached."""
        return self.expected or self.reached

    def held_words(self) -> str:
        """Which severity the targets are, and why: 'P1, the severity the incident reached'."""
        held = self.held
        if self.expected is None:
            return f"{held.value}, the severity the incident reached"
        chosen = self.reached
        words = f"{held.value}, the scenario's expected severity"
        if chosen.rank > held.rank:
            return f"{words} (the commander chose {chosen.value}, lower)"
        if chosen is not held:
            return f"{words} (the commander chose {chosen.value}, higher)"
        return words

    def measures(self) -> tuple[Measure, ...]:
        """Each milestone of KEYS, measured against the held severity's targets."""
        severity, end, closed = self.held, self.end or self.declared, self.closed
        declared = self.declared
        cadence = UPDATE_CADENCE[severity]
        detect_due = self.detected + DECLARE_TARGET if self.detected else None
        return (
            Measure("detected", self.detected, None, None, "", ""),
            _judged("declared", declared, self.detected, detect_due, "5 minutes", end, False),
            _judged(
                "acknowledged",
                self.acknowledged,
                declared,
                response_due(severity, declared),
                TARGETS[severity].response_words,
                end,
                closed,
            ),
            _judged(
                "first_update",
                self.first_update,
                declared,
                declared + cadence if cadence else None,
                f"{cadence.total_seconds() / 60:g} minutes" if cadence else "",
                end,
                closed,
            ),
            _judged("mitigated", self.mitigated, declared, None, "", end, closed),
            self._resolution(end),
        )

    def _resolution(self, end: datetime) -> Measure:
        """Resolved against the held severity's resolution time; a resolution while the
        guide's rules still flagged the incident's signals restored nothing: missed."""
        severity = self.held
        measure = _judged(
            "resolved",
            self.resolved,
            self.declared,
            resolution_due(severity, self.declared),
            TARGETS[severity].resolution_words,
            end,
            self.closed,
        )
        if self.resolved is None or not self.resolved_breaching:
            return measure
        note = f"resolved while {'; '.join(self.resolved_breaching)} still breached"
        return replace(measure, result="missed", note=note)

    def cadence(self) -> list[Gap]:
        """Each stretch the held severity's update cadence covers, from the declaration to
        the resolution (or the end of the journal); [] when the severity has no cadence."""
        step = UPDATE_CADENCE[self.held]
        if step is None:
            return []
        stop = self.resolved or self.end or self.declared
        gaps: list[Gap] = []
        since = self.declared
        for update in self.updates:
            if update > stop:
                break
            gaps.append(Gap(since, since + step, update))
            since = update
        if since + step < stop:  # the update due before the resolution (or the end) never came
            gaps.append(Gap(since, since + step, None))
        return gaps


def _judged(
    key: str,
    at: datetime | None,
    since: datetime | None,
    due: datetime | None,
    words: str,
    end: datetime,
    closed: bool,
) -> Measure:
    if at is None and closed:  # the incident is over without it: it will never come
        result: Result = "not done"
    elif due is None:
        result = ""
    elif at is not None:
        result = "met" if at <= due else "missed"
    else:  # not reached when the journal ends: missed only once past its deadline
        result = "missed" if end > due else "pending"
    return Measure(key, at, since, due, words, result)


def _span(seconds: float) -> str:
    total = max(int(seconds), 0)
    if total < 60:
        return f"{total} s"
    if total < 3600:
        return f"{total // 60} min" + (f" {total % 60} s" if total % 60 else "")
    return f"{total // 3600} h {total % 3600 // 60:02d} min"


# ---- the milestones of every incident of a journal, as its events pass ------------------------


@dataclass(frozen=True)
class Change:
    """The guide's rules starting (value 1) or stopping (0) to flag something."""

    seq: int
    at: datetime
    value: int
    why: str = ""


class Tracker:
    """Reads a journal's events in order, each with the console state before and after it
    was folded, and keeps every incident's milestones (`incidents`, in declaration order)
    and when the guide's rules started and stopped flagging (`flagged`: under held signals,
    each breach but those of blips only, from its first sample over the line)."""

    def __init__(self, fixes: tuple[tuple[str, str | None], ...] | None = None) -> None:
        """`fixes`: a drill scenario's accepted fixes, (action, service or None); only those
        can mitigate. None (a live session, or a review): any action that was not harmful."""
        self.incidents: list[Milestones] = []
        self._fixes = fixes
        # action id -> what the guide's rules flagged when it was requested; only actions
        # for the incident (not harmful, a scenario's accepted fix in a drill) are kept
        self._for_incident: dict[str, frozenset[str]] = {}
        self._mitigating: frozenset[str] = frozenset()  # what an accepted fix is to make better
        self.flagged: list[Change] = []
        self._window = True  # a breach now may be the next incident's detection
        self._since = 0  # the seq of the last resolution: a breach before it is not the next's
        # message id -> (purpose, pager, the update it belongs to: its queueing moment)
        self._messages: dict[str, tuple[str, bool, datetime | None]] = {}
        self._counted: set[datetime | None] = set()  # the updates already in `updates`

    @property
    def current(self) -> Milestones | None:
        return self.incidents[-1] if self.incidents else None

    def observe(self, seq: int, event: Any, before: ConsoleState, after: ConsoleState) -> None:
        kind: str = getattr(event, "kind", "")
        at: datetime = event.at
        if after.signal_rules > 1:  # held signals (state/guide/episodes.py): sustained breaches
            self._sustained(seq, after)
        elif (reasons := detection(kind, before, after)) is not None:
            self._flag(seq, at, reasons)
        if kind == "incident_declared":
            detected = breach_at(after, self._since) if self._window else None
            self.incidents.append(
                Milestones(
                    incident_id=event.incident_id,
                    declared=at,
                    declared_severity=event.severity,
                    detected=detected.began if detected else None,
                    detected_why=detected.why if detected else "",
                    end=at,
                )
            )
            self._window = False
            return
        m = self.current
        if m is None:
            return
        m.end = at if m.end is None else max(m.end, at)
        pending = self._mitigating and m.mitigated is None and m.resolved is None
        if pending and kind in _FLAG_KINDS and not self._mitigating & set(flags(after)):
            m.mitigated = at  # none of what the accepted fix was for is flagged any more
            self._mitigating = frozenset()
        if kind == "severity_changed":
            m.severities.append((at, event.severity))
        elif kind == "incident_acknowledged" and m.acknowledged is None:
            m.acknowledged = at
        elif kind == "message_queued":
            pager = is_pager(getattr(event, "channel_type", ""), event.channel)
            self._messages[event.message_id] = (event.purpose, pager, at)
        elif kind == "message_sent":
            purpose, pager, update = self._messages.get(
                event.message_id, ("update", is_pager("", event.channel), None)
            )
            # one update queued to several channels at once is one update, however many
            # channels it reached: counted at its first delivery (`update` None: a journal
            # without its queueing, each delivery on its own)
            key = update if update is not None else at
            if reaches_people(purpose, pager, event.outcome) and key not in self._counted:
                self._counted.add(key)
                m.updates.append(at)
            if resolves(purpose, event.status, event.outcome):
                self._resolved(m, at, seq, after)
        elif kind == "action_requested" and not event.dry_run:
            self._requested(event, before)
        elif kind == "action_finished" and event.ok and not event.dry_run and m.resolved is None:
            flagged = self._for_incident.get(event.action_id)
            if flagged and m.mitigated is None:
                self._mitigating = self._mitigating | flagged
        elif kind == "incident_resolved":
            self._resolved(m, at, seq, after)
        elif kind == "drill_scored":
            if getattr(event, "expected", None) is not None:
                m.expected = event.expected
            # the card held mitigation to the scenario's accepted fixes, which only the drill
            # knows: the review of a drill reads it from the card, so that both say the same
            line = next((x for x in event.milestones if x.name == NAMES["mitigated"]), None)
            if line is not None and event.expected is not None:
                took = line.took
                m.mitigated = None if took is None else m.declared + timedelta(seconds=took)

    def _requested(self, event: Any, before: ConsoleState) -> None:
        """Keep an action that is for the incident, with what the guide's rules flagged when it
        was requested: an action taken while nothing was flagged cannot mitigate."""
        if harm(before, event) is not None:
            return
        if self._fixes is not None and not matches(event, self._fixes):
            return
        self._for_incident[event.action_id] = frozenset(flags(before))

    def _resolved(self, m: Milestones, at: datetime, seq: int, state: ConsoleState) -> None:
        if m.resolved is not None:
            return
        m.resolved = at
        m.resolved_breaching = flags(state)
        self._window, self._since = True, seq

    def _sustained(self, seq: int, state: ConsoleState) -> None:
        """Rules 2: `flagged` rises at the first sample over the line of each breach and falls
        when it ends; a breach of blips that held clear before firing is taken back."""
        breach = state.breach
        raised = bool(self.flagged) and self.flagged[-1].value == 1
        if breach is not None and breach.ended is None:  # open: pending or sustained
            change = Change(seq, breach.began, 1, breach.why)
            if not raised:
                self.flagged.append(change)
            elif (self.flagged[-1].at, self.flagged[-1].why) != (breach.began, breach.why):
                self.flagged[-1] = change  # a blip in it dropped: it starts later
        elif raised:
            ended = breach is not None and breach.began == self.flagged[-1].at
            if ended and breach is not None and breach.ended is not None:
                self.flagged.append(Change(seq, breach.ended, 0))
            else:
                self.flagged.pop()  # blips only: never flagged

    def _flag(self, seq: int, at: datetime, reasons: tuple[str, ...]) -> None:
        now = int(bool(reasons))
        if now == (self.flagged[-1].value if self.flagged else 0):
            return
        self.flagged.append(Change(seq, at, now, "; ".join(reasons)))


def incident_span(
    declared: datetime, resolved: datetime | None, end: datetime | None
) -> tuple[datetime, float]:
    """An incident's start and duration in seconds, as the review, the score card and `warroom
    journals` state them: from its declaration to its resolution (`resolved`), or, still open,
    to the end of the journal (`end`, its last event)."""
    stop = resolved or end or declared
    return declared, max((stop - declared).total_seconds(), 0.0)


def severity_at(
    declared: Severity, changes: list[tuple[datetime, Severity]], when: datetime
) -> Severity:
    """The severity in effect at `when`: `declared`, then each (at, severity) change by then."""
    current = declared
    for at, severity in changes:
        if at <= when:
            current = severity
    return current
