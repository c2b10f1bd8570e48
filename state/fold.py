"""The one fold: fold(state, event) -> state. Pure; the same events always give the same state."""

from __future__ import annotations

import math
import operator
from collections.abc import Collection
from itertools import repeat

from state import events as ev
from state.console import (
    HISTORY,
    TIMELINE_LIMIT,
    ConsoleState,
    EscalationChange,
    Incident,
    PendingMessage,
    ProbeHealth,
    RoleChange,
    TimelineEntry,
)
from state.guide.episodes import SIGNAL_RULES, legacy_breach, step
from state.guide.milestones import is_pager, reaches_people, resolves
from state.guide.policy import ERROR_RATE_P1, ERROR_RATE_P2, LATENCY_RATIO_P2, band
from state.guide.resolution import STABLE_CHECKS
from state.guide.severity import IncidentStatus, Role
from state.rollouts import under_way
from state.timeline import at_start_episodes, entries, first_sample, lock_reading

_SAMPLE_SOURCE = {
    "deployments_sampled": "kubernetes",
    "health_sampled": "health",
    "database_sampled": "postgres",
    "cache_sampled": "redis",
}


# The samples and probe outcomes: what the signals (state/guide/episodes.py) are read from.
_SIGNAL_EVENTS = (
    ev.DeploymentsSampled,
    ev.HealthSampled,
    ev.MetricSampled,
    ev.DatabaseSampled,
    ev.ProbeFailed,
    ev.ProbeRecovered,
)


def fold(
    state: ConsoleState, event: ev.Event | ev.EventBase, history: int = HISTORY
) -> ConsoleState:
    """Return the state after `event`; `state` itself is never changed.

    `history` (>= 1) is how many values of each metric series are kept: HISTORY for the
    sparklines; 1 for a reader of the last value only (ConsoleState.latest: the review),
    which then skips copying 300 series of 120 values per sample of a large hour."""
    after = _apply(state, event, history)
    if isinstance(event, _SIGNAL_EVENTS):
        after = _signals(state, after, event)
        if isinstance(event, ev.MetricSampled) and after.tells_start and first_sample(state, event):
            after = at_start_episodes(after, event)
    if isinstance(event, ev.DeploymentsSampled) and after.rollouts is not None:
        rolling = rollouts_under_way(state, after)
        if rolling != after.rollouts:
            after = after.model_copy(update={"rollouts": rolling})
    if isinstance(event, ev.DatabaseSampled) and after.lock_rules > 1:
        after = lock_reading(state, after)
    new_entries = tuple(entries(state, after, event))
    update: dict = {"now": event.at, "events": state.events + 1}
    if after.episodes and any(e.ended for e in after.episodes.values()):
        update["episodes"] = {k: e for k, e in after.episodes.items() if e.ended is None}
    if new_entries:
        update["timeline"] = _placed(after.timeline, new_entries)
    return after.model_copy(update=update)


def _signals(before: ConsoleState, after: ConsoleState, event: ev.EventBase) -> ConsoleState:
    """`after` with its signal episodes (those ended just now included) and breach moved on."""
    if after.signal_rules < SIGNAL_RULES:
        breach = legacy_breach(before, after, event.at)
        return after if breach is after.breach else after.model_copy(update={"breach": breach})
    episodes, breach = step(after, event.at, _kinds(event))
    if episodes is after.episodes and breach is after.breach:
        return after
    return after.model_copy(update={"episodes": episodes, "breach": breach})


def _kinds(event: ev.EventBase) -> tuple[str, ...]:
    """The signal kinds (state/guide/episodes.py RULES) a sample or probe outcome informs."""
    match event:
        case ev.MetricSampled():
            return (event.metric,)
        case ev.HealthSampled() | ev.DeploymentsSampled():
            return ("down",)
        case ev.DatabaseSampled():
            return ("database",)
        case ev.ProbeFailed() | ev.ProbeRecovered() if event.source == "postgres":
            return ("database",)
    return ()


def _placed(timeline: tuple[TimelineEntry, ...], new: tuple[TimelineEntry, ...]):
    """`timeline` with `new` appended, except that an entry whose key is already there
    replaces that one where it stands: an episode's one entry, updated as it goes."""
    out = list(timeline)
    for entry in new:
        if entry.key is not None:
            where = next((i for i in range(len(out) - 1, -1, -1) if out[i].key == entry.key), None)
            if where is not None:
                out[where] = entry
                continue
        out.append(entry)
    return tuple(out[-TIMELINE_LIMIT:])


def _fresh(state: ConsoleState, source: str, event: ev.EventBase) -> dict[str, ProbeHealth]:
    """The probes map with `source` marked as sampled now (and no longer failing)."""
    return {**state.probes, source: ProbeHealth(last_ok=event.at)}


def rollouts_under_way(before: ConsoleState, after: ConsoleState) -> dict[str, int]:
    """`after.rollouts`: by Deployment of `after`, the revision whose rollout is under way."""
    known = before.rollouts or {}
    out = {}
    for key, now in after.deployments.items():
        was = before.deployments.get(key)
        if under_way(known.get(key), was, now):
            out[key] = now.revision
    return out


def _rules(event: ev.SessionStarted | ev.SessionResumed) -> dict[str, object]:
    """What a live session's first event says it runs under: its context and backends."""
    return {
        "context": event.context,
        "unconfigured": event.unconfigured,
        "writes_allowed": event.writes_allowed,
    }


def _services(state: ConsoleState, names: Collection[str]) -> tuple[str, ...]:
    """The services known, `names`' new ones appended; the very same tuple when none is new,
    so that what is drawn from it is known unchanged by identity (widgets/table.py)."""
    known = set(state.services)
    if known.issuperset(names):  # most samples: no service is new (one C pass)
        return state.services
    new = [n for n in dict.fromkeys(names) if n not in known]
    return (*state.services, *new) if new else state.services


def _kept(old: dict, new: dict) -> dict:
    """`old` itself when `new` holds the same entries (the same objects, or equal ones):
    a sample that changed nothing leaves the state's part the same object."""
    if old is new:
        return old
    if len(old) != len(new):
        return new
    if _held(new, old):  # most samples: every row the very object it was, seen in one C pass
        return old
    for key, value in new.items():
        was = old.get(key, new)
        if was is not value and was != value:
            return new
    return old


def _by_service(
    state: ConsoleState, event: ev.EventBase, source: str, field: str, by_service: dict
) -> ConsoleState:
    """`state` with `field` now `by_service` (keyed by service name), those services known
    and `source` sampled."""
    return state.model_copy(
        update={
            field: by_service,
            "services": _services(state, by_service),
            "probes": _fresh(state, source, event),
        }
    )


def _append(
    series: dict[str, tuple], values: dict[str, float | None], history: int
) -> dict[str, tuple]:
    out = dict(series)
    if history == 1:  # the review's fold: each series is its last value, as a 1-tuple
        out.update(zip(values, zip(values.values(), strict=True), strict=True))
        return out
    # concatenation, not unpacking (RUF005): 0.65 s against 0.90 s CPU for the 300 series x
    # 3,600 samples of a large hour (tests/benchmarks/large_hour.py)
    get = out.get
    for name, value in values.items():
        kept = get(name)
        if kept is None:
            out[name] = (value,)
        elif len(kept) < history:
            out[name] = kept + (value,)  # noqa: RUF005
        else:
            out[name] = kept[len(kept) - history + 1 :] + (value,)  # noqa: RUF005
    return out


def _usable(baseline: dict[str, float]) -> dict[str, float]:
    """The baselines a ratio can be taken against: NaN, an infinity, 0 or less is none."""
    return {service: v for service, v in baseline.items() if math.isfinite(v) and v > 0}


# metric -> (the services shown, service -> (value, baseline, band before, band after, key)) of
# the last bands taken: the fold's one memory. A sample's unchanged values are the very
# objects of the one before (the journal's reader and the probes keep them), so a band is
# taken again only for a value or baseline that changed or a band that moved since; the
# answer is the same either way.
_BANDS_TAKEN: dict[str, tuple[tuple[str, ...], dict[str, tuple]]] = {}
# metric -> (values, baseline, bands, services) of its last bands taken, when they moved none:
# a sample that holds the very values of that one, against the very baseline, bands and
# services, moves none either (the bands are a function of those), so it is not gone through
_BANDS_STILL: dict[str, tuple[dict, dict | None, dict[str, int], tuple[str, ...]]] = {}


def _bands(
    state: ConsoleState, event: ev.MetricSampled, baseline: dict[str, float]
) -> dict[str, int]:
    """The threshold bands after `event`, for the services the metric panes show only
    (ConsoleState.metric_rows): a series of a service not configured never alerts.
    `state.bands` itself when none moved."""
    bands = state.bands
    out: dict[str, int] | None = None  # a copy of `bands`, once one band moved
    error_rate = event.metric == "error_rate"
    memory = _BANDS_TAKEN.get(event.metric)
    if memory is None or memory[0] is not state.services:
        memory = _BANDS_TAKEN[event.metric] = (state.services, {})
        _BANDS_STILL.pop(event.metric, None)  # taken for other services: not still for these
    taken = memory[1]
    still = _BANDS_STILL.pop(event.metric, None)
    if (
        still is not None
        and still[2] is bands
        and still[3] is state.services
        and (error_rate or still[1] is baseline)
        and _same_objects(event.values, still[0])
    ):
        _BANDS_STILL[event.metric] = still
        return bands
    shown = frozenset(state.services)
    for service, value in event.values.items():
        base = None if error_rate else baseline.get(service)
        last = taken.get(service)
        if last is not None and last[0] is value and last[1] is base:
            key, band_now = last[4], (bands if out is None else out).get(last[4])
            if band_now is not None and band_now == last[2]:
                if band_now != last[3]:
                    if out is None:
                        out = dict(bands)
                    out[key] = last[3]
                continue
        if shown and service not in shown:
            continue
        if value is None or not math.isfinite(value):
            continue  # no data is not a recovery; NaN and inf cross no threshold, as in policy
        key = f"{event.metric}:{service}"
        current = (bands if out is None else out).get(key, 0)
        if error_rate:
            after = band(value, current, (ERROR_RATE_P2, ERROR_RATE_P1))
        elif base:
            after = band(value / base, current, (LATENCY_RATIO_P2,))
        else:
            continue
        taken[service] = (value, base, current, after, key)
        if after != current or key not in bands:
            if out is None:
                out = dict(bands)
            out[key] = after
    if out is None:
        _BANDS_STILL[event.metric] = (event.values, baseline, bands, state.services)
    return bands if out is None else out


def _same_objects(new: dict, old: dict) -> bool:
    """Does `new` hold the very objects `old` does, under the same keys?"""
    return len(new) == len(old) and _held(new, old)


def _held(new: dict, old: dict) -> bool:
    """Is each entry of `new` the very object `old` holds under its key (a key `old` lacks
    is not held, whatever its value)?"""
    return all(map(operator.is_, new.values(), map(old.get, new, repeat(_MISSING))))


_MISSING = object()


def _found(state: ConsoleState, key: str) -> dict[str, str]:
    """The missing metric parts without `key` ("latency:history"), which has just been read."""
    return {k: v for k, v in state.metric_missing.items() if k != key}


def _incident(state: ConsoleState, **changes) -> ConsoleState:
    if state.incident is None:
        return state
    return state.model_copy(update={"incident": state.incident.model_copy(update=changes)})


def _apply(state: ConsoleState, event: ev.Event | ev.EventBase, history: int) -> ConsoleState:
    match event:
        case ev.DeploymentsSampled():
            deployments = _kept(state.deployments, {d.name: d for d in event.deployments})
            return _by_service(state, event, "kubernetes", "deployments", deployments)
        case ev.HealthSampled():
            health = _kept(state.health, {**state.health, **{r.service: r for r in event.results}})
            return _by_service(state, event, "health", "health", health)
        case ev.MetricSampled():
            field = "error_rate" if event.metric == "error_rate" else "latency"
            update: dict = {
                field: _append(getattr(state, field), event.values, history),
                "probes": _fresh(state, event.metric, event),
            }
            baseline = state.latency_baseline
            if event.metric == "latency" and event.baseline:
                # a baseline that holds the very values the state's does says nothing new
                if not _held(event.baseline, baseline):
                    usable = _usable(event.baseline)
                    if not _held(usable, baseline):
                        baseline = {**baseline, **usable}
                update["latency_baseline"] = baseline
                update["metric_missing"] = _found(state, "latency:baseline")
            update["bands"] = _kept(state.bands, _bands(state, event, baseline))
            if event.request_rate:
                rates = {**state.request_rate, **event.request_rate}
                update["request_rate"] = _kept(state.request_rate, rates)
            return state.model_copy(update=update)
        case ev.MetricHistoryLoaded():
            field = "error_rate" if event.metric == "error_rate" else "latency"
            series = {**getattr(state, field)}
            for name, values in event.series.items():
                series[name] = tuple(values)[-history:]
            update = {field: series, "metric_missing": _found(state, f"{event.metric}:history")}
            if event.metric == "latency" and event.baseline:
                update["latency_baseline"] = {**state.latency_baseline, **_usable(event.baseline)}
            return state.model_copy(update=update)
        case ev.MetricPartMissing():
            missing = {**state.metric_missing, f"{event.metric}:{event.part}": event.reason}
            return state.model_copy(update={"metric_missing": missing})
        case ev.DatabaseSampled():
            return state.model_copy(
                update={"database": event, "probes": _fresh(state, "postgres", event)}
            )
        case ev.CacheSampled():
            return state.model_copy(
                update={"cache": event, "probes": _fresh(state, "redis", event)}
            )
        case ev.ProbeFailed():
            old = state.probe(event.source)
            failed = old.model_copy(
                update={
                    "failed_at": old.failed_at or event.at,
                    "reason": event.reason,
                    "unknown": event.unknown,
                }
            )
            return state.model_copy(update={"probes": {**state.probes, event.source: failed}})
        case ev.ProbeRecovered():
            old = state.probe(event.source)
            ok = old.model_copy(update={"failed_at": None, "reason": None, "unknown": False})
            return state.model_copy(update={"probes": {**state.probes, event.source: ok}})
        case ev.SessionStarted():
            return state.model_copy(
                update={
                    "mode": event.mode,
                    "operator": event.operator,
                    "scenario": event.scenario,
                    "services": _services(state, event.services),
                    "configured": event.services,
                    "tells_start": event.tells_start,
                    "opened_at": event.at,
                    "signal_rules": event.signal_rules,
                    "lock_rules": event.lock_rules,
                    "rollout_rules": event.rollout_rules,
                    "rollouts": {},
                    **_rules(event),
                }
            )
        case ev.SessionResumed():
            return state.model_copy(update={"opened_at": event.at, **_rules(event)})
        case ev.IncidentDeclared():
            incident = Incident(
                incident_id=event.incident_id,
                title=event.title,
                severity=event.severity,
                severity_reached=event.severity,
                declared_at=event.at,
                declared_by=event.by,
                reason=event.reason,
            )
            return state.model_copy(update={"incident": incident})
        case ev.IncidentAcknowledged():
            if state.incident is None or state.incident.acknowledged_at is not None:
                return state
            return _incident(state, acknowledged_at=event.at, acknowledged_by=event.by)
        case ev.SeverityChanged():
            if state.incident is None:
                return state
            reached = state.incident.reached.worst(event.severity)
            return _incident(state, severity=event.severity, severity_reached=reached)
        case ev.StatusChanged():
            return _incident(state, status=event.status)
        case ev.RoleAssigned():
            if state.incident is None:
                return state
            change = RoleChange(at=event.at, role=event.role, person=event.person, by=event.by)
            holder = event.person
            experts = state.incident.roles.get(Role.SME)
            if event.role is Role.SME and experts:  # several experts serve at once
                names = experts.split(", ")
                holder = experts if event.person in names else f"{experts}, {event.person}"
            return _incident(
                state,
                roles={**state.incident.roles, event.role: holder},
                role_history=(*state.incident.role_history, change),
            )
        case ev.IncidentResolved():
            return _incident(
                state,
                status=IncidentStatus.RESOLVED,
                resolved_at=event.at,
                resolution_summary=event.summary,
            )
        case ev.VerificationChecked():
            word = f"checking {event.streak}/{STABLE_CHECKS}" if event.ok else "check failed"
            return _incident(state, verification=word, verified_at=None)
        case ev.VerificationFinished():
            return _incident(
                state,
                verification="stable" if event.stable else "not verified",
                verified_at=event.at if event.stable else None,
            )
        case ev.MessageQueued() | ev.MessageResent():
            if state.incident is None:
                return state
            if isinstance(event, ev.MessageResent):
                level = event.level
            else:  # a page goes out for the level just escalated to
                level = state.incident.escalation_level if event.purpose == "escalation" else 0
            if isinstance(event, ev.MessageResent):
                earlier = state.incident.pending_messages.get(event.message_id)
                pager = earlier.pager if earlier else is_pager("", event.channel)
            else:
                pager = is_pager(event.channel_type, event.channel)
            message = PendingMessage(
                channel=event.channel,
                status=event.status,
                purpose=event.purpose,
                queued_at=event.at,
                level=level,
                pager=pager,
            )
            return _incident(
                state,
                pending_messages={**state.incident.pending_messages, event.message_id: message},
            )
        case ev.Escalated():
            if state.incident is None:
                return state
            step = EscalationChange(
                at=event.at, level=event.level, reason=event.reason, by=event.by
            )
            return _incident(
                state,
                escalation_level=event.level,
                escalation_history=(*state.incident.escalation_history, step),
            )
        case ev.MessageSent():
            if state.incident is None:
                return state
            waiting = dict(state.incident.pending_messages)
            sent = waiting.pop(event.message_id, None)
            # what counts is the milestones' one definition: a page (an escalation page, a
            # PagerDuty acknowledge or trigger) is no status update and does not move the
            # update cadence's clock
            purpose = sent.purpose if sent is not None else "update"
            pager = sent.pager if sent is not None else is_pager("", event.channel)
            changes: dict = {}
            if reaches_people(purpose, pager, event.outcome):
                changes = {"last_update_at": event.at}
                if state.incident.open:  # a late update does not reopen a resolved incident
                    changes["status"] = event.status
            if resolves(purpose, event.status, event.outcome):
                changes["status"] = event.status
                if state.incident.resolved_at is None:
                    # the guide's final update says the incident is resolved: it is, from
                    # when that was delivered, unless the commander resolved it (`x`) before
                    changes["resolved_at"] = event.at
            return _incident(state, pending_messages=waiting, **changes)
    return state
