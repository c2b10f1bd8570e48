"""One pass over a journal's events: what the review needs, gathered as the console folded it.

Every event goes through `state.fold.fold`, so the timeline rows are exactly those the
console showed, and the signals (threshold bands, services down) are the console's own.
Samples are reduced as they pass: per service a series of values, per signal a list of
changes; nothing keeps a whole day of sample events in memory.
"""

from __future__ import annotations

import math
import operator
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from state.console import ConsoleState, Incident
from state.events import JournalWrittenAgain, SessionResumed
from state.fold import fold
from state.guide.harm import harm
from state.guide.milestones import Change, Milestones, Tracker, services_down
from state.locks import blocker_name, blocking_chains, chain_key
from state.rollouts import counted, state_of
from state.timeline import blocked_count

if TYPE_CHECKING:
    from state.events import DbSession, EventBase

# Events that only report what the world looks like; anything else was done by someone.
SIGNAL_KINDS = frozenset(
    {
        "deployments_sampled",
        "health_sampled",
        "metric_sampled",
        "metric_history_loaded",
        "database_sampled",
        "cache_sampled",
        "probe_failed",
        "probe_recovered",
    }
)
# The samples that can take a service down or up.
_DOWN_KINDS = frozenset(
    {"deployments_sampled", "health_sampled", "probe_failed", "probe_recovered"}
)


@dataclass(frozen=True)
class Row:
    """One timeline entry as the console made it, with who did it when someone did."""

    seq: int
    at: datetime
    kind: str
    text: str
    person: str | None


@dataclass
class Series:
    """One service's values of one metric: epoch seconds, value, and for p95 the baseline ratio."""

    times: array = field(default_factory=lambda: array("d"))
    values: array = field(default_factory=lambda: array("d"))
    ratios: array = field(default_factory=lambda: array("d"))


@dataclass
class _Runs:
    """One service's values of one metric by run: consecutive samples of the metric in which
    the service has the very same value object (and, for p95, the very same baseline), so
    the same value and ratio. By position in the metric's samples: a run starts at `starts[j]`
    and holds until `lasts[j]`, the last sample read value by value that had it (the samples
    after it copied that one, up to the next read value by value)."""

    starts: array = field(default_factory=lambda: array("q"))
    lasts: array = field(default_factory=lambda: array("q"))
    values: array = field(default_factory=lambda: array("d"))
    ratios: array = field(default_factory=lambda: array("d"))
    value: object = None  # the last run's value and baseline, as objects
    base: object = None
    seen: int = -1  # the last sample read value by value that had a value


@dataclass
class _Samples:
    """One metric's samples: the time of each (epoch seconds), which were read value by value
    (the others held the very values of the sample before, and the same baseline)."""

    times: array = field(default_factory=lambda: array("d"))
    read: array = field(default_factory=lambda: array("q"))
    values: dict | None = None  # the last sample's values and baseline
    baseline: object = None


class SeriesByName(Mapping[tuple[str, str], Series]):
    """(metric, service) -> Series, every sample of the journal with a finite value, as it
    was sampled; kept by run (a value repeated between two scrapes is one entry, ~1/8 of a
    live large hour's 1.08 million values) and made whole for the few the review reads."""

    def __init__(self) -> None:
        self.runs: dict[tuple[str, str], _Runs] = {}
        self.samples: dict[str, _Samples] = {}
        self._made: dict[tuple[str, str], Series] = {}

    def __getitem__(self, key: tuple[str, str]) -> Series:
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = _whole(self.runs[key], self.samples[key[0]])
        return made

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.runs)

    def __len__(self) -> int:
        return len(self.runs)


def _whole(runs: _Runs, samples: _Samples) -> Series:
    """The series `runs` says: each run's value (and ratio) at each of its samples' times."""
    out, read, times, end_of_all = Series(), samples.read, samples.times, len(samples.times)
    for j, start in enumerate(runs.starts):
        after = bisect_right(read, runs.lasts[j])  # the next sample read value by value
        end = read[after] if after < len(read) else end_of_all
        out.times.extend(times[start:end])
        out.values.extend(runs.values[j : j + 1] * (end - start))
        if runs.ratios:
            out.ratios.extend(runs.ratios[j : j + 1] * (end - start))
    return out


@dataclass(frozen=True)
class LockSample:
    at: float  # epoch seconds
    blocked: int
    root: str  # who the longest wait is behind, already made inert by whoever reads it
    # which chain (lock rules 2: one sample per chain): its root blocker, "pid@backend_start"
    # or "gid:<gid>" for a prepared transaction; "" under lock rules 1 (one sample, all chains)
    chain: str = ""


@dataclass
class Facts:
    """Everything the review reads, in journal order."""

    events: int = 0
    first: EventBase | None = None  # normally SessionStarted
    first_at: datetime | None = None
    last_at: datetime | None = None
    rows: list[Row] = field(default_factory=list)
    keyed: dict[str, int] = field(default_factory=dict)  # an entry's key -> its row's index
    people: list[tuple[int, EventBase]] = field(default_factory=list)  # (seq, event)
    incidents: list[Incident] = field(default_factory=list)  # as each stood at its end
    series: SeriesByName = field(default_factory=SeriesByName)  # (metric, service)
    bands: dict[str, list[Change]] = field(default_factory=dict)  # "metric:service"
    down: dict[str, list[Change]] = field(default_factory=dict)  # service
    flagged: list[Change] = field(default_factory=list)  # the guide's rules flag anything
    milestones: list[Milestones] = field(default_factory=list)  # one per incident declared
    harmful: list[tuple[int, str, str]] = field(default_factory=list)  # (seq, action id, why)
    locks: list[LockSample] = field(default_factory=list)  # samples with a session blocked
    requested_by: dict[str, str] = field(default_factory=dict)  # action id -> who asked
    # an action requested with no outcome journaled when a session resumed the journal: its
    # id -> (that resume's time, whether the resume said its outcome was unknown); the
    # console stopped while it ran (state/journal/unsettled.py)
    stopped: dict[str, tuple[datetime, bool]] = field(default_factory=dict)
    finished: set[str] = field(default_factory=set)  # the action ids with an outcome
    # seq of a person's act -> the watched rollouts not complete then ("tracklist-service
    # rollout of revision 9 not complete (...)"); acts with every rollout complete are absent
    unsettled: dict[int, tuple[str, ...]] = field(default_factory=dict)
    down_now: frozenset[str] = frozenset()  # the services down after the last sample
    # each time the journal could not be written for a while: its events held, written late
    interrupted: list[JournalWrittenAgain] = field(default_factory=list)


def gather(events: Iterable[EventBase]) -> Facts:
    """Fold `events` once, keeping what the review needs."""
    facts = Facts()
    tracker = Tracker()
    state = ConsoleState()
    unsettled: tuple[str, ...] = ()
    for seq, event in enumerate(events, start=1):
        kind: str = getattr(event, "kind", "event")
        before = state
        state = fold(state, event, history=1)  # the review reads the last values only
        if facts.first is None:
            facts.first, facts.first_at = event, event.at
        facts.last_at = event.at if facts.last_at is None else max(facts.last_at, event.at)
        facts.events = seq
        why = harm(before, event) if kind == "action_requested" else None  # type: ignore[arg-type]
        if why is not None and not getattr(event, "dry_run", False):
            facts.harmful.append((seq, event.action_id, why))  # type: ignore[attr-defined]
        if isinstance(event, JournalWrittenAgain):
            facts.interrupted.append(event)
        elif isinstance(event, SessionResumed):
            _resumed(facts, event)
        if kind == "deployments_sampled" and state.deployments is not before.deployments:
            unsettled = _unsettled(state)
        if kind not in SIGNAL_KINDS:
            _person(facts, seq, event, state)
            if unsettled:
                facts.unsettled[seq] = unsettled
        elif kind == "metric_sampled":
            _metric(facts, event, before, state, seq)
        elif kind == "database_sampled":
            _locks(facts, event, state)
        if state.timeline:  # ours is kept empty, so what the fold appended is this event's
            person = _person_of(facts, event)
            for e in state.timeline:
                _row(facts, Row(seq, e.at, e.kind, e.text, person), e.key)
            state = state.model_copy(update={"timeline": ()})
        tracker.observe(seq, event, before, state)
        if kind in _DOWN_KINDS:
            _down(facts, state, seq, event.at)
    facts.flagged, facts.milestones = tracker.flagged, tracker.incidents
    return facts


_ROLLOUT = operator.attrgetter("rollout")


def _unsettled(state: ConsoleState) -> tuple[str, ...]:
    """The rollouts not complete in `state`, each as `v` says it. Samples of journals kept
    before the rollout's counts were read are left out: their reviews stay as they were."""
    if not any(map(_ROLLOUT, state.deployments.values())):  # most samples: all complete
        return ()
    return tuple(
        f"{name} {standing}"
        for name, d in state.deployments.items()
        if counted(d) and (standing := state_of(d)) is not None
    )


def _row(facts: Facts, row: Row, key: str | None) -> None:
    """Add `row`; a keyed entry seen before (a signal's episode) replaces its row, which
    keeps its place, as the console replaced it on the timeline."""
    if key is not None and key in facts.keyed:
        where = facts.keyed[key]
        facts.rows[where] = Row(facts.rows[where].seq, row.at, row.kind, row.text, row.person)
        return
    if key is not None:
        facts.keyed[key] = len(facts.rows)
    facts.rows.append(row)


def _person(facts: Facts, seq: int, event: EventBase, state: ConsoleState) -> None:
    facts.people.append((seq, event))
    kind = getattr(event, "kind", "")
    if kind == "incident_declared":
        facts.incidents.append(state.incident)  # type: ignore[arg-type]
    elif facts.incidents and state.incident is not None:
        facts.incidents[-1] = state.incident
    if kind == "action_requested":
        facts.requested_by[event.action_id] = event.by  # type: ignore[attr-defined]
    elif kind == "action_finished":
        facts.finished.add(event.action_id)  # type: ignore[attr-defined]


def _resumed(facts: Facts, event: SessionResumed) -> None:
    """Each action requested and never finished before `event`: cut off by the console's
    stop, whether or not the resume told it (journals before it did: `unsettled` empty)."""
    told = {action_id for action_id, _ in event.unsettled}
    finished = facts.finished
    for action_id in facts.requested_by:
        if action_id not in finished and action_id not in facts.stopped:
            facts.stopped[action_id] = (event.at, action_id in told)


def _person_of(facts: Facts, event: EventBase) -> str | None:
    if getattr(event, "kind", "") == "action_finished":
        # an outcome has no author of its own: it is whoever asked for the action
        return facts.requested_by.get(getattr(event, "action_id", ""))
    return getattr(event, "by", None)


def _metric(facts: Facts, event: Any, before: ConsoleState, after: ConsoleState, seq: int) -> None:
    metric, values = event.metric, event.values
    latency = metric == "latency"
    baseline = after.latency_baseline if latency else None
    samples = facts.series.samples.get(metric)
    if samples is None:
        samples = facts.series.samples[metric] = _Samples()
    k, last = len(samples.times), samples.values
    samples.times.append(event.at.timestamp())
    samples.values, copied = values, False
    if last is not None and baseline is samples.baseline and values.keys() == last.keys():
        # the values the journal's reader left unchanged are the very objects of the sample
        # before (state/journal/rows.py): a sample between two scrapes changes none
        copied = all(map(operator.is_, values.values(), map(last.get, values)))
    if not copied:
        samples.baseline = baseline
        _runs(facts.series.runs, samples, metric, values, baseline, k)
    if after.bands is not before.bands and after.bands != before.bands:
        for key, band in after.bands.items():
            if band != before.bands.get(key, 0):
                facts.bands.setdefault(key, []).append(Change(seq, event.at, band))


def _runs(
    known: dict[tuple[str, str], _Runs],
    samples: _Samples,
    metric: str,
    values: dict[str, float | None],
    baseline: dict[str, float] | None,
    k: int,
) -> None:
    """Read the values of the `k`th sample of `metric` one by one: a value that is the very
    object of its run's (with the very baseline) in the sample read before goes on with it."""
    before = samples.read[-1] if samples.read else -1
    samples.read.append(k)
    isfinite = math.isfinite
    for service, value in values.items():
        if value is None or not isfinite(value):
            continue  # no data, NaN and inf are no peak
        runs = known.get((metric, service))
        if runs is None:
            runs = known[(metric, service)] = _Runs()
        base = None if baseline is None else baseline.get(service)
        if runs.seen == before and value is runs.value and base is runs.base:
            runs.lasts[-1] = runs.seen = k
            continue
        runs.starts.append(k)
        runs.lasts.append(k)
        runs.values.append(value)
        if baseline is not None:
            runs.ratios.append(value / base if base else math.nan)
        runs.value, runs.base, runs.seen = value, base, k


def _locks(facts: Facts, event: Any, state: ConsoleState) -> None:
    if not blocked_count(state):  # most samples: no session waits (counted as the fold did)
        return
    at = event.at.timestamp()
    if state.lock_rules > 1:  # each chain apart, by its root blocker (found live: two merged)
        for chain in blocking_chains(event.sessions):
            root = chain.session
            root_name = _blocker(root.pid, event.sessions, root if chain.sampled else None)
            facts.locks.append(LockSample(at, chain.blocks, root_name, chain_key(root)))
        return
    waiting = [s for s in event.sessions if s.blocked_by]
    by_pid = {s.pid: s for s in event.sessions}
    blockers = {p for s in waiting for p in s.blocked_by} - {s.pid for s in waiting}
    root_name = ""
    if blockers:
        pid = min(blockers, key=lambda p: (-sum(p in s.blocked_by for s in waiting), p))
        root_name = _blocker(pid, event.sessions, by_pid.get(pid))
    facts.locks.append(LockSample(at, len(waiting), root_name))


def _blocker(pid: int, sessions: Any, holder: DbSession | None) -> str:
    """'pid 4242 (batch, idle in transaction) on tracks', or a prepared transaction's gid."""
    who = ", ".join(x for x in (holder.user, holder.state) if x) if holder else ""
    on = f" on {holder.relation}" if holder and holder.relation else ""
    name = f"pid {pid}" if pid > 0 else blocker_name(pid, sessions)
    return name + (f" ({who})" if who else "") + on


def _down(facts: Facts, state: ConsoleState, seq: int, at: datetime) -> None:
    """Note services going down or up."""
    down = services_down(state)
    if down != facts.down_now:
        for service in sorted(down ^ facts.down_now):
            facts.down.setdefault(service, []).append(Change(seq, at, int(service in down)))
        facts.down_now = down
