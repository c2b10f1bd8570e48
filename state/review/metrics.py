"""One incident's part of a journal, its impact and its response metrics against the guide."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from state.guide.milestones import DECLARE_TARGET, declared_in_time, severity_at
from state.guide.policy import TARGETS, resolution_due, response_due

if TYPE_CHECKING:
    from state.console import Breach, Incident
    from state.events import EventBase
    from state.guide.severity import Severity
    from state.review.facts import Change, Facts, LockSample, Row

_END = 1 << 62  # a sequence number after every event

FIRST_UPDATE_TARGET = timedelta(minutes=30)  # the communication timeline: "(15-30 min)"


# key -> (name, where it starts, where it ends); the footnotes explain each
METRIC_NAMES: dict[str, tuple[str, str, str]] = {
    "detect": ("Time to detect", "first signal", "declared"),
    "acknowledge": ("Time to acknowledge", "declared", "acknowledged"),
    "update": ("Time to first update", "declared", "first update delivered"),
    "mitigate": ("Time to mitigate", "declared", "first action succeeded"),
    "resolve": ("Time to resolve", "declared", "resolved"),
}


@dataclass(frozen=True)
class Metric:
    """One response metric: from `start` to `end` (None: not reached), against a target."""

    key: str  # a key of METRIC_NAMES
    start: datetime | None
    end: datetime | None
    target_words: str  # "" when the guide sets no target
    severity: Severity | None  # whose target applied
    verdict: str  # met, missed, pending; "" with no target or nothing to measure

    @property
    def name(self) -> str:
        return METRIC_NAMES[self.key][0]

    @property
    def seconds(self) -> float | None:
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).total_seconds()


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
    lock_peak: LockSample | None


@dataclass(frozen=True)
class Part:
    """The journal as one review reads it: one incident (or the whole session, when none)."""

    incident: Incident | None
    resolved: EventBase | None
    severity_changes: tuple[EventBase, ...]
    detected_at: datetime | None
    detected_why: str
    rows: tuple[Row, ...]  # sorted by time
    people: tuple[EventBase, ...]  # what people did, journal order
    end: datetime  # the last moment this part covers
    impact: Impact
    metrics: tuple[Metric, ...]


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
            resolved=None,
            severity_changes=(),
            detected_at=None,
            detected_why="",
            rows=_sorted(facts.rows),
            people=_events(facts, 0, _END),
            end=facts.last_at,
            impact=_impact(facts, facts.first_at, facts.last_at),
            metrics=(),
        )
        return [whole]
    out: list[Part] = []
    after = 0  # the previous incident's resolution, or the start
    for k, seq in enumerate(declared):
        before = declared[k + 1] if k + 1 < len(declared) else _END
        incident = facts.incidents[k]
        mine = [(s, e) for s, e in facts.people if seq <= s < before]
        resolved = next((e for s, e in mine if _kind(e) == "incident_resolved"), None)
        end = facts.last_at
        if k + 1 < len(declared):
            end = facts.incidents[k + 1].declared_at
        detected = facts.detections[k]
        start = min(detected.began, incident.declared_at) if detected else incident.declared_at
        stop = resolved.at if resolved else end
        out.append(
            Part(
                incident=incident,
                resolved=resolved,
                severity_changes=tuple(e for _, e in mine if _kind(e) == "severity_changed"),
                detected_at=detected.began if detected else None,
                detected_why=detected.why if detected else "",
                rows=_sorted([r for r in facts.rows if after < r.seq < before]),
                people=_events(facts, after, before),
                end=end,
                impact=_impact(facts, start, stop),
                metrics=_metrics(incident, detected, mine, end),
            )
        )
        # an incident never resolved lets the next one start at its own declaration
        after = next((s for s, e in mine if _kind(e) == "incident_resolved"), before - 1)
    return out


def declared_severity(part: Part) -> Severity | None:
    """The severity the incident was declared with (before any change)."""
    if part.incident is None:
        return None
    first = part.severity_changes[0] if part.severity_changes else None
    return first.previous if first is not None else part.incident.severity  # type: ignore[attr-defined]


# ---- response metrics ------------------------------------------------------------------------


def _metrics(
    incident: Incident, detected: Breach | None, mine: list[tuple[int, Any]], end: datetime
) -> tuple[Metric, ...]:
    declared = incident.declared_at
    changes = [e for _, e in mine if _kind(e) == "severity_changed"]
    first_severity: Severity = changes[0].previous if changes else incident.severity
    steps = [(c.at, c.severity) for c in changes]

    def severity(when: datetime) -> Severity:
        """The severity in effect at `when`: its targets are the ones that applied."""
        return severity_at(first_severity, steps, when)

    def judged(key: str, reached: datetime | None, due, words) -> Metric:
        sev = severity(reached or end)
        deadline: datetime = due(sev)
        if reached is not None:
            verdict = "met" if reached <= deadline else "missed"
        else:  # not reached by the end of the journal: missed only once past the deadline
            verdict = "missed" if end > deadline else "pending"
        return Metric(key, declared, reached, words(sev), sev, verdict)

    at = _milestones(mine)
    detect_words = f"{DECLARE_TARGET.total_seconds() / 60:g} minutes"
    if detected is None:
        detect = Metric("detect", None, declared, detect_words, None, "")
    else:
        verdict = "met" if declared_in_time(detected.began, declared) else "missed"
        detect = Metric("detect", detected.began, declared, detect_words, None, verdict)
    mitigated = at["mitigate"]
    return (
        detect,
        judged(
            "acknowledge",
            at["acknowledge"],
            lambda s: response_due(s, declared),
            lambda s: TARGETS[s].response_words,
        ),
        judged(
            "update",
            at["update"],
            lambda s: declared + FIRST_UPDATE_TARGET,
            lambda s: "15-30 minutes",
        ),
        Metric("mitigate", declared, mitigated, "", severity(mitigated or end), ""),
        judged(
            "resolve",
            at["resolve"],
            lambda s: resolution_due(s, declared),
            lambda s: TARGETS[s].resolution_words,
        ),
    )


def _milestones(mine: list[tuple[int, Any]]) -> dict[str, datetime | None]:
    """When the incident was first acknowledged, updated, mitigated and resolved."""
    purpose = {
        e.message_id: getattr(e, "purpose", "update")
        for _, e in mine
        if _kind(e) == "message_queued"
    }
    tests = {
        "acknowledge": lambda e: _kind(e) == "incident_acknowledged",
        # an escalation page is not a status update
        "update": lambda e: (
            _kind(e) == "message_sent"
            and e.outcome == "delivered"
            and purpose.get(e.message_id, "update") != "escalation"
        ),
        "mitigate": lambda e: _kind(e) == "action_finished" and e.ok and not e.dry_run,
        "resolve": lambda e: _kind(e) == "incident_resolved",
    }
    return {key: next((e.at for _, e in mine if test(e)), None) for key, test in tests.items()}


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
    peak = min(locks, key=lambda s: (-s.blocked, s.at)) if locks else None
    return Impact(start, end, tuple(services), peak)


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


def _kind(event: object) -> str:
    return getattr(event, "kind", "")


def _sorted(rows: list[Row]) -> tuple[Row, ...]:
    return tuple(sorted(rows, key=lambda r: (r.at, r.seq)))


def _events(facts: Facts, after: int, before: int) -> tuple[EventBase, ...]:
    return tuple(e for s, e in facts.people if after < s < before)
