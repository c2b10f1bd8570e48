"""One incident's part of a journal, its impact and its response metrics against the guide."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from state.guide.severity import IncidentStatus

if TYPE_CHECKING:
    from collections.abc import Mapping

    from state.console import Incident
    from state.events import EventBase
    from state.guide.milestones import Change, Milestones
    from state.guide.severity import Severity
    from state.review.facts import Facts, LockSample, Row

_END = 1 << 62  # a sequence number after every event


@dataclass(frozen=True)
class ServiceImpact:
    service: str
    why: tuple[str, ...]  # "down", "error rate > 20%", "p95 > 3x baseline"
    down_at: datetime | None  # first seen down in the window
    error_peak: tuple[float, float] | None  # (percent, epoch seconds)
    p95_peak: tuple[float, float, float] | None  # (ms, ratio to baseline or NaN, epoch seconds)


@dataclass(frozen=True)
class Impact:
    start: datetime
    end: datetime
    services: tuple[ServiceImpact, ...]
    lock_peak: LockSample | None  # the worst sample over every chain
    # each lock chain's own peak (by its root blocker), in the order they peaked: one under
    # lock rules 1, which sampled every chain as one
    lock_peaks: tuple[LockSample, ...] = ()


@dataclass(frozen=True)
class Part:
    """The journal as one review reads it: one incident (or the whole session, when none)."""

    incident: Incident | None
    milestones: Milestones | None  # the incident's, by the one definition
    resolved_by: EventBase | None  # the IncidentResolved, or the delivery that resolved it
    severity_changes: tuple[EventBase, ...]
    rows: tuple[Row, ...]  # sorted by time
    people: tuple[EventBase, ...]  # what people did, journal order
    end: datetime  # the last moment this part covers
    impact: Impact
    harmful: tuple[str, ...] = ()  # the actions that hurt rather than helped (guide/drill.py)
    breaches: tuple[tuple[str, datetime], ...] = ()  # (signal, first breach) in the impact
    unsettled: tuple[str, ...] = ()  # the rollouts not complete when it was resolved
    # the actions a stopped console left with no outcome (Facts.stopped), by action id
    stopped: Mapping[str, tuple[datetime, bool]] = field(default_factory=dict)

    @property
    def resolved_at(self) -> datetime | None:
        return self.milestones.resolved if self.milestones else None


def parts(facts: Facts) -> list[Part]:
    """One part per declared incident, in order; one part for the whole session if none.

    Incident k's part runs from the previous incident's resolution to the next declaration,
    so what led up to it (a rollout, the first threshold crossed) and what followed (the
    "resolved" update, the stability checks) are in its review.
    """
    assert facts.first_at is not None and facts.last_at is not None
    declared = [s for s, e in facts.people if _kind(e) == "incident_declared"]
    if not declared:
        whole = Part(
            incident=None,
            milestones=None,
            resolved_by=None,
            severity_changes=(),
            rows=_sorted(facts.rows),
            people=_events(facts, 0, _END),
            end=facts.last_at,
            impact=_impact(facts, facts.first_at, facts.last_at),
            stopped=facts.stopped,
        )
        return [whole]
    out: list[Part] = []
    after = 0  # the previous incident's resolution, or the start
    for k, seq in enumerate(declared):
        before = declared[k + 1] if k + 1 < len(declared) else _END
        incident, milestones = facts.incidents[k], facts.milestones[k]
        mine = [(s, e) for s, e in facts.people if seq <= s < before]
        resolved = milestones.resolved
        by = next((x for x in mine if _resolving(x[1], resolved)), None) if resolved else None
        end = facts.last_at
        if k + 1 < len(declared):
            end = facts.incidents[k + 1].declared_at
        # an action that failed did nothing: it is an item as a failure, not as harm
        failed = {
            getattr(e, "action_id", "")
            for _, e in mine
            if _kind(e) == "action_finished" and not getattr(e, "ok", True)
        }
        detected = milestones.detected
        start = min(detected, incident.declared_at) if detected else incident.declared_at
        out.append(
            Part(
                incident=incident,
                milestones=milestones,
                resolved_by=by[1] if by else None,
                severity_changes=tuple(e for _, e in mine if _kind(e) == "severity_changed"),
                rows=_sorted([r for r in facts.rows if after < r.seq < before]),
                people=_events(facts, after, before),
                end=end,
                impact=_impact(facts, start, resolved or end),
                harmful=tuple(
                    why
                    for s, action_id, why in facts.harmful
                    if after < s < before and action_id not in failed
                ),
                breaches=_breaches(facts, start, resolved or end),
                unsettled=facts.unsettled.get(by[0], ()) if by else (),
                stopped=facts.stopped,
            )
        )
        # an incident never resolved lets the next one start at its own declaration
        after = by[0] if by else before - 1
    return out


def declared_severity(part: Part) -> Severity | None:
    """The severity the incident was declared with (before any change)."""
    return part.milestones.declared_severity if part.milestones else None


# ---- impact ------------------------------------------------------------------------------------


def _impact(facts: Facts, start: datetime, end: datetime) -> Impact:
    """Services down or past a threshold between `start` and `end`, with their peaks."""
    a, b = start.timestamp(), end.timestamp()
    names = sorted({s for _, s in facts.series} | set(facts.down))
    services = []
    for service in names:
        why: list[str] = []
        down_at = _first_raised(facts.down.get(service, []), start, end)
        if down_at is not None:
            why.append("down")
        error = _worst(facts.bands.get(f"error_rate:{service}", []), start, end)
        if error:
            why.append("error rate > 20%" if error >= 2 else "error rate > 5%")
        if _worst(facts.bands.get(f"latency:{service}", []), start, end):
            why.append("p95 > 3x baseline")
        if not why:
            continue
        services.append(
            ServiceImpact(
                service,
                tuple(why),
                down_at,
                _error_peak(facts, service, a, b),
                _p95_peak(facts, service, a, b),
            )
        )
    locks = [s for s in facts.locks if a <= s.at <= b]
    peak = min(locks, key=_worse) if locks else None
    chains: dict[str, LockSample] = {}
    for sample in locks:
        was = chains.get(sample.chain)
        if was is None or _worse(sample) < _worse(was):
            chains[sample.chain] = sample
    peaks = tuple(sorted(chains.values(), key=lambda s: (s.at, -s.blocked, s.root)))
    return Impact(start, end, tuple(services), peak, peaks)


def _worse(sample: LockSample) -> tuple[int, float]:
    """Sorts the most sessions blocked first, the earliest of equals first."""
    return -sample.blocked, sample.at


def _breaches(facts: Facts, start: datetime, end: datetime) -> tuple[tuple[str, datetime], ...]:
    """Each signal that breached a threshold of the guide between `start` and `end`, with
    when it first did, in time order."""
    found = []
    for service, changes in facts.down.items():
        if (at := _first_raised(changes, start, end)) is not None:
            found.append((f"{service} down", at))
    for key, changes in facts.bands.items():
        if (at := _first_raised(changes, start, end)) is not None:
            metric, service = key.split(":", 1)
            words = "error rate > 5%" if metric == "error_rate" else "p95 > 3x baseline"
            found.append((f"{service} {words}", at))
    return tuple(sorted(found, key=lambda x: (x[1], x[0])))


def _state_at(changes: list[Change], when: datetime) -> int:
    value = 0
    for change in changes:
        if change.at > when:
            break
        value = change.value
    return value


def _first_raised(changes: list[Change], start: datetime, end: datetime) -> datetime | None:
    if _state_at(changes, start):
        return start
    return next((c.at for c in changes if start < c.at <= end and c.value), None)


def _worst(changes: list[Change], start: datetime, end: datetime) -> int:
    inside = [c.value for c in changes if start < c.at <= end]
    return max([_state_at(changes, start), *inside])


def _span(times, a: float, b: float) -> range:
    return range(bisect_left(times, a), bisect_right(times, b))


def _peak(facts: Facts, metric: str, service: str, a: float, b: float) -> int | None:
    """The index of the first highest value between `a` and `b`."""
    series = facts.series.get((metric, service))
    best = None
    if series is not None:
        for i in _span(series.times, a, b):
            if best is None or series.values[i] > series.values[best]:
                best = i
    return best


def _error_peak(facts: Facts, service: str, a: float, b: float) -> tuple[float, float] | None:
    i = _peak(facts, "error_rate", service, a, b)
    if i is None:
        return None
    series = facts.series[("error_rate", service)]
    return (series.values[i], series.times[i])


def _p95_peak(facts: Facts, service: str, a: float, b: float):
    i = _peak(facts, "latency", service, a, b)
    if i is None:
        return None
    series = facts.series[("latency", service)]
    return (series.values[i], series.ratios[i], series.times[i])


# ---- helpers -----------------------------------------------------------------------------------


def _resolving(event: object, at: datetime) -> bool:
    """Is `event` the one that resolved the incident at `at` (milestones.resolves)?"""
    kind = _kind(event)
    if getattr(event, "at", None) != at:
        return False
    if kind == "message_sent":
        return getattr(event, "status", None) is IncidentStatus.RESOLVED
    return kind == "incident_resolved"


def _kind(event: object) -> str:
    return getattr(event, "kind", "")


def _sorted(rows: list[Row]) -> tuple[Row, ...]:
    return tuple(sorted(rows, key=lambda r: (r.at, r.seq)))


def _events(facts: Facts, after: int, before: int) -> tuple[EventBase, ...]:
    return tuple(e for s, e in facts.people if after < s < before)
