"""What a person should read on the timeline for each event: people's acts and signal changes.

Raw samples never appear; a sample only adds an entry when it changes what a
person would conclude (a threshold crossed, a pod crash-looping, a lock chain).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterator
from itertools import chain, compress
from typing import TYPE_CHECKING

from state import events as ev
from state.action_words import PINNING_PARAMS, WORDED_PARAMS, action_words, revisions
from state.console import ChainStanding, ConsoleState, TimelineEntry
from state.guide.episodes import CLEAR_HOLD, SIGNAL_RULES, rule
from state.guide.investigation import STEP_TITLES, findings_count
from state.guide.policy import ERROR_RATE_P1, ERROR_RATE_P2, LATENCY_RATIO_P2
from state.guide.resolution import STABLE_CHECKS
from state.guide.signals import latency_ratio, worst_pod
from state.locks import (
    blocking_chains,
    chain_key,
    chain_sizes,
    connection_share,
    connections_used,
    root_named,
    root_words,
    unseen,
)
from state.rollouts import again, all_available
from state.rollouts import changes as rollout_changes
from state.text import inert, marked_name

if TYPE_CHECKING:
    from state.console import SignalEpisode
    from state.guide.severity import IncidentStatus

POOL_NEARLY_FULL, POOL_RELIEVED = 0.9, 0.75  # shares of max_connections
LISTED = 3  # items of a list parameter a timeline entry names; the journal keeps them all


def _param(value: object) -> str:
    """A request's parameter as a person reads it: a long list (45 pids) by its first items
    and its length."""
    if isinstance(value, (list, tuple)):  # names as they are, never Python's quoted repr
        if len(value) > LISTED + 1:
            shown = ", ".join(inert(v) for v in value[:LISTED])
            return f"[{shown}, … {len(value)} in all]"
        return f"[{', '.join(inert(v) for v in value)}]"
    return inert(value)


def written_again(event: ev.JournalWrittenAgain) -> str:
    """'Journal written again: 1,234 events held in memory since 10:47:52, when it could not
    be (disk full (/mnt/tiny))'."""
    thinned = f"; {event.thinned:,} probe samples thinned" if event.thinned else ""
    return (
        f"Journal written again: {event.held:,} events held in memory since "
        f"{event.since:%H:%M:%S}, when it could not be ({inert(event.reason, 80)}){thinned}"
    )


SOURCE_NAMES = {
    "kubernetes": "Kubernetes",
    "health": "Health checks",
    "error_rate": "Prometheus (error rate)",
    "latency": "Prometheus (p95 latency)",
    "postgres": "PostgreSQL",
    "redis": "Redis",
}

PART_NAMES = {"history": "sparkline history", "baseline": "p95 baseline"}


def _session_rules(
    event: ev.SessionStarted | ev.SessionResumed, entry: Callable[..., TimelineEntry]
) -> Iterator[TimelineEntry]:
    """What a session runs without, and a read-only context made writable: said at its start."""
    if event.unconfigured:
        names = ", ".join(SOURCE_NAMES.get(s, inert(s, 40)) for s in event.unconfigured)
        yield entry(f"Not configured, so not watched: {names}", "warn")
    if event.writes_allowed:
        where = f"context {marked_name(event.context)}" if event.context else "the cluster"
        yield entry(
            f"Writes allowed on read-only {where} by {inert(event.operator)} (--allow-writes)",
            "warn",
        )


def _revision(state: ConsoleState, target: str) -> int:
    """The revision the console last saw the target Deployment at; 0 when unknown."""
    deployment = state.deployments.get(target.rsplit("/", 1)[-1])
    return deployment.revision if deployment else 0


def investigation_line(event: ev.InvestigationShown) -> str:
    """'Investigated What changed (tracklist-service) by ana: 4 findings; first: ...'."""
    title = STEP_TITLES.get(event.step, inert(event.step, 40))
    on = f" ({inert(event.service, 60)})" if event.service else ""
    worst = next((f for f in event.findings if f.tone == "bad"), None) or next(
        (f for f in event.findings if f.tone == "warn"), None
    )
    line = f"Investigated {title}{on} by {inert(event.by)}: {findings_count(event)}"
    if event.unavailable:
        line += f", {len(event.unavailable)} part(s) unavailable"
    if worst is not None:
        line += f"; {inert(worst.text, 160)}"
    return line


def entries(
    before: ConsoleState, after: ConsoleState, event: ev.EventBase
) -> Iterator[TimelineEntry]:
    """The timeline entries `event` adds when it turns `before` into `after`."""
    at = event.at

    def entry(text: str, tone: str = "info") -> TimelineEntry:
        return TimelineEntry(at=at, kind=getattr(event, "kind", "event"), text=text, tone=tone)  # type: ignore[arg-type]

    match event:
        case ev.SessionStarted():
            what = f"scenario {inert(event.scenario)}" if event.scenario else "live deployment"
            if event.context:
                what += f", context {marked_name(event.context)}"
            yield entry(f"Session started ({event.mode}, {what}) by {inert(event.operator)}")
            if event.begun_afresh:
                yield entry(
                    "Begun afresh in a journal no session had begun in (its opening was cut "
                    "short): nothing was lost"
                )
            yield from _session_rules(event, entry)
        case ev.SessionResumed():
            where = f" (context {marked_name(event.context)})" if event.context else ""
            yield entry(f"Session resumed{where} by {inert(event.operator)}")
            for line in event.unrecorded:  # what was declared, done or noted then is not here
                yield entry(f"The journal lacks {inert(line)}: not shown here", "bad")
            for _, words in event.unsettled:  # requested, and the console stopped as it ran
                yield entry(
                    f"{inert(words, 300)}: outcome unknown: the console stopped while it ran"
                    " (not run again)",
                    "bad",
                )
            yield from _session_rules(event, entry)
        case ev.IncidentDeclared():
            why = (
                f" ({inert(event.reason)})" if event.reason and event.reason != event.title else ""
            )
            yield entry(
                f"Incident {event.incident_id} declared {event.severity.label} by "
                f"{inert(event.by)}: {inert(event.title)}{why}",
                "bad",
            )
        case ev.IncidentAcknowledged():
            yield entry(f"Acknowledged by {inert(event.by)}", "action")
        case ev.SeverityChanged():
            yield entry(
                f"Severity {event.previous.label} -> {event.severity.label} by {inert(event.by)}"
                + (f": {inert(event.reason)}" if event.reason else ""),
                "warn",
            )
        case ev.StatusChanged():
            yield entry(f"Status {event.status.word} ({inert(event.by)})", "action")
        case ev.RoleAssigned():
            yield entry(
                f"{event.role.value} {event.role.role_name}: {inert(event.person)} "
                f"(assigned by {inert(event.by)})",
                "action",
            )
        case ev.NoteAdded():
            yield entry(f"Note by {inert(event.by)}: {inert(event.text)}")
        case ev.JournalWrittenAgain():
            yield entry(written_again(event), "warn")
        case ev.InvestigationShown():
            yield entry(investigation_line(event))
        case ev.RunbookOpened():
            yield entry(f"Runbook {inert(event.title, 60)} opened by {inert(event.by)}", "action")
        case ev.RunbookStepTicked():
            yield entry(
                f"Runbook step {event.outcome}: {inert(event.text, 120)} ({inert(event.by)})",
                "action",
            )
        case ev.RunbookChecked():
            word = "met" if event.ok else "NOT met"
            yield entry(
                f"Runbook resolution criteria {word}: {inert(event.detail, 200)}",
                "good" if event.ok else "warn",
            )
        case ev.IncidentResolved():
            yield entry(f"Resolved by {inert(event.by)}: {inert(event.summary)}", "good")
        case ev.ActionRequested():
            unsaid = WORDED_PARAMS | PINNING_PARAMS
            rest = sorted((k, v) for k, v in event.params.items() if k not in unsaid)
            params = ", ".join(f"{inert(k)}={_param(v)}" for k, v in rest)
            was = _revision(before, event.target) if event.action == "rollout_undo" else 0
            yield entry(
                f"{inert(event.by)} requested "
                + action_words(event.action, event.target, event.params)
                + (f" (from revision {was})" if was else "")
                + (" (dry run)" if event.dry_run else "")
                + (f" ({params})" if params else ""),
                "action",
            )
        case ev.ActionFinished():
            what = action_words(event.action, event.target) if event.action else "action"
            verdict = "done" if event.ok else "FAILED"
            dry = " (dry run)" if event.dry_run else ""
            moved = ""
            if event.action == "rollout_undo" and event.ok and not event.dry_run:
                moved = revisions(_revision(before, event.target), event.result)
            yield entry(
                f"{what}"
                + (f" ({moved})" if moved else "")
                + f"{dry} {verdict}"
                + (f": {inert(event.result)}" if event.result else ""),
                "good" if event.ok else "bad",
            )
        case ev.VerificationChecked():
            word = "passed" if event.ok else "failed"
            yield entry(
                f"Resolution check {word} ({event.streak}/{STABLE_CHECKS} in a row): "
                f"{inert(event.detail)}",
                "good" if event.ok else "warn",
            )
        case ev.VerificationFinished():
            if event.stable:
                yield entry(f"Resolution verified, stable: {inert(event.detail)}", "good")
            else:
                yield entry(f"Resolution not verified: {inert(event.detail)}", "bad")
        case ev.MessageSent():
            queued = (
                before.incident.pending_messages.get(event.message_id) if before.incident else None
            )
            what = message_name(
                queued.purpose if queued else "update", queued.level if queued else 0, event.status
            )
            if event.outcome == "unknown":
                yield entry(
                    f"{what} to {inert(event.channel)}: delivery UNKNOWN, not sent again"
                    + (f" ({inert(event.detail)})" if event.detail else "")
                    + "; if it did not arrive, resend it from the command palette",
                    "warn",
                )
            else:
                delivered = event.outcome == "delivered"
                yield entry(
                    f"{what} {'delivered' if delivered else 'FAILED'} to {inert(event.channel)}"
                    + (f": {inert(event.detail)}" if event.detail else ""),
                    "action" if delivered else "bad",
                )
        case ev.MessageResent():
            what = message_name(event.purpose, event.level, event.status)
            yield entry(
                f"{what} resent to {inert(event.channel)} by {inert(event.by)}"
                " (its first delivery was unknown: it may post a duplicate)",
                "action",
            )
        case ev.MessageQueued():
            if event.purpose == "update":  # an escalation's pages are listed on its own entry
                yield entry(
                    f"{event.status.word} update queued for {inert(event.channel)} "
                    f"by {inert(event.by)}",
                    "action",
                )
        case ev.Escalated():
            who = f" ({', '.join(inert(c) for c in event.contacts)})" if event.contacts else ""
            paging = ", ".join(inert(c) for c in event.channels)
            yield entry(
                f"Escalated to L{event.level}{who} by {inert(event.by)}: {inert(event.reason)}"
                + (f"; paging {paging}" if paging else "; no channel paged"),
                "warn",
            )
        case ev.ProbeFailed() if event.unknown:
            yield entry(
                f"{SOURCE_NAMES[event.source]} unknown from this console: {inert(event.reason)}",
                "warn",
            )
        case ev.ProbeFailed():
            yield entry(f"{SOURCE_NAMES[event.source]} unreachable: {inert(event.reason)}", "warn")
        case ev.ProbeRecovered():
            yield entry(f"{SOURCE_NAMES[event.source]} reachable again", "good")
        case ev.DeploymentsSampled() | ev.HealthSampled() | ev.MetricSampled() if (
            after.tells_start and first_sample(before, event)
        ):
            yield from _at_start(after, event, entry)
    match event:
        case ev.DeploymentsSampled():
            yield from _deployment_changes(before, after, entry)
        case ev.HealthSampled():
            yield from _health_changes(before, after, entry)
        case ev.MetricSampled() if after.signal_rules < SIGNAL_RULES:
            yield from _metric_changes(before, after, event.metric, entry)
        case ev.MetricPartMissing():
            key = f"{event.metric}:{event.part}"
            if before.metric_missing.get(key) != event.reason:  # each new reason once
                what = PART_NAMES[event.part]
                yield entry(f"{SOURCE_NAMES[event.metric]} {what} missing: {inert(event.reason)}")
        case ev.MetricHistoryLoaded():
            if f"{event.metric}:history" in before.metric_missing:
                yield entry(f"{SOURCE_NAMES[event.metric]} {PART_NAMES['history']} loaded", "good")
        case ev.DatabaseSampled():
            yield from _lock_changes(before, after, entry)
    if after.episodes is not before.episodes:
        yield from _episode_changes(before, after, event)


def message_name(purpose: str, level: int, status: IncidentStatus) -> str:
    """What a message is, for a person: an update of a status, a page, an acknowledgement."""
    return {
        "escalation": f"L{level} escalation page",
        "acknowledge": "Acknowledgement",
    }.get(purpose, f"{status.word} update")


# Names below come from the outside world (Kubernetes objects, Prometheus labels): made inert,
# and marked where that changed them (state/text.py `marked_name`).


def _deployment_changes(before: ConsoleState, after: ConsoleState, entry):
    if after.deployments is before.deployments:  # the fold kept them: nothing changed
        return
    for key in sorted(before.deployments.keys() - after.deployments.keys()):
        # the cluster answered without it: deleted (kubectl delete), or renamed by a release
        yield entry(f"{marked_name(key)}: no such deployment in the cluster any more", "bad")
    for key, now in after.deployments.items():
        was = before.deployments.get(key)
        if was is None and before.deployments:
            yield entry(f"{marked_name(key)}: deployment found in the cluster", "warn")
        if was is None or was is now:
            continue
        name = marked_name(key)
        known = before.rollouts
        rolling = None if known is None else known.get(key) == was.revision
        told_whole = False  # a line said its replicas are all available: not said twice
        for text, tone in rollout_changes(name, was, now, rolling):
            if after.rollout_rules > 1:
                told_whole = told_whole or all_available(text, now)
            else:  # as then: only "available again" kept it from being said
                told_whole = text.endswith(again(now))
            yield entry(text, tone)
        old_reason, new_reason = worst_pod(was)[1], worst_pod(now)[1]
        if new_reason != old_reason and new_reason not in (None, "ContainerCreating", "Pending"):
            yield entry(f"{name}: pods {marked_name(new_reason)}", "bad")
        if now.ready >= now.desired > 0 and was.ready < was.desired and not told_whole:
            yield entry(f"{name}: all {now.desired} replicas ready", "good")


AT_START_EACH = 3  # past this many, one line names the first few: never a flood at 300


def first_sample(before: ConsoleState, event: ev.EventBase) -> bool:
    """Whether `event` is its source's first sample of the session (the state had none)."""
    match event:
        case ev.DeploymentsSampled():
            return not before.deployments
        case ev.HealthSampled():
            return not before.health
        case ev.MetricSampled():
            return not (before.error_rate if event.metric == "error_rate" else before.latency)
    return False


def _wrong_at_start(after: ConsoleState, event: ev.EventBase) -> tuple[str, list[tuple]]:
    """What the first sample shows wrong: (what many share, [(service, its words)])."""
    match event:
        case ev.HealthSampled():
            failing = [
                (
                    h.service,
                    f"HTTP {h.status_code}" if h.status_code else inert(h.error or "no answer"),
                )
                for h in event.results
                if not h.up and not h.unknown
            ]
            return "failing /health", [(s, f"/health failing: {why}") for s, why in failing]
        case ev.DeploymentsSampled():
            return "with no replica ready", [
                (d.name, f"no replica ready (0/{d.desired})")
                for d in event.deployments
                if d.desired > 0 and d.ready == 0
            ]
        case ev.MetricSampled() if event.metric == "error_rate":
            rows = _no_episode(after, "error_rate")
            return f"with error rate over {ERROR_RATE_P2:g}%", [
                (s, f"error rate {v:.1f}% over {ERROR_RATE_P2:g}%")
                for s in rows
                if (v := after.latest("error_rate", s)) is not None
                and math.isfinite(v)
                and v > ERROR_RATE_P2
            ]
        case ev.MetricSampled():
            rows = _no_episode(after, "latency")
            return f"with p95 over {LATENCY_RATIO_P2:g}x baseline", [
                (s, f"p95 {after.latest('latency', s):.0f} ms, {r:.1f}x baseline")
                for s in rows
                if (r := latency_ratio(after, s)) is not None
                and math.isfinite(r)
                and r > LATENCY_RATIO_P2
            ]
    return "", []


def _no_episode(after: ConsoleState, metric: str) -> list[str]:
    """The services of `metric`'s rows with no episode begun at start: one that has one is
    told by its episode's line, which says it was so at start (SignalEpisode.at_start)."""
    episodes = after.episodes
    return [
        s
        for s in after.metric_rows(metric)
        if not ((e := episodes.get(f"{metric}:{s}")) is not None and e.at_start)
    ]


def at_start_episodes(after: ConsoleState, event: ev.MetricSampled) -> ConsoleState:
    """`after` with the episodes its metric's first sample began marked `at_start`."""
    marked = {
        k: e.model_copy(update={"at_start": True})
        for k, e in after.episodes.items()
        if k.startswith(f"{event.metric}:") and e.began == event.at and not e.at_start
    }
    if not marked:
        return after
    return after.model_copy(update={"episodes": {**after.episodes, **marked}})


def _at_start(after: ConsoleState, event: ev.EventBase, entry):
    """What is already wrong in a source's first sample, for an IC opening the console
    mid-incident (the timeline otherwise tells only changes): a line per service, or past
    AT_START_EACH one line naming the first few."""
    shared, wrong = _wrong_at_start(after, event)
    if len(wrong) <= AT_START_EACH:
        for service, words in wrong:
            yield entry(f"at start: {marked_name(service)} {words}", "bad")
        return
    names = ", ".join(marked_name(s) for s, _ in wrong[:AT_START_EACH])
    yield entry(f"at start: {len(wrong)} services {shared}: {names}, ...", "bad")


def _health_changes(before: ConsoleState, after: ConsoleState, entry):
    if after.health is before.health:
        return
    # the results that are not the very objects they were (50 of 300 a refresh at large)
    kept = map(operator.is_, map(before.health.get, after.health), after.health.values())
    for key, now in compress(after.health.items(), map(operator.not_, kept)):
        was = before.health.get(key)
        if was is None or (was.up, was.unknown) == (now.up, now.unknown):
            continue
        name = marked_name(key)
        if now.unknown:
            why = inert(now.error or "no answer")
            yield entry(f"{name} /health unknown from this console: {why}", "warn")
        elif now.up:
            yield entry(f"{name} /health OK again", "good")
        else:
            why = f"HTTP {now.status_code}" if now.status_code else inert(now.error or "no answer")
            yield entry(f"{name} /health failing: {why}", "bad")


def _metric_changes(before: ConsoleState, after: ConsoleState, metric: str, entry):
    if after.bands is before.bands:  # the fold keeps unchanged bands the same object
        return
    prefix = f"{metric}:"
    for key, new in after.bands.items():
        old = before.bands.get(key, 0)
        if not key.startswith(prefix) or new == old:
            continue
        service = key[len(prefix) :]
        name = marked_name(service)
        value = after.latest(metric, service) or 0.0
        if metric == "error_rate":
            if new > old:
                limit = ERROR_RATE_P1 if new == 2 else ERROR_RATE_P2
                yield entry(f"{name} error rate {value:.1f}% crossed {limit:g}%", "bad")
            elif new == 0:
                yield entry(
                    f"{name} error rate back under {ERROR_RATE_P2:g}% ({value:.1f}%)", "good"
                )
            else:
                yield entry(
                    f"{name} error rate down to {value:.1f}%, under {ERROR_RATE_P1:g}%", "warn"
                )
        else:
            ratio = latency_ratio(after, service) or 0.0
            if new > old:
                yield entry(f"{name} p95 {value:.0f} ms, {ratio:.1f}x baseline", "bad")
            else:
                yield entry(f"{name} p95 back to {value:.0f} ms ({ratio:.1f}x baseline)", "good")


def blocked_count(state: ConsoleState) -> int:
    """How many sessions of `state.database` wait on a lock (their `blocked_by` says on
    whom); 0 without a sample. Counted once a sample (a refresh compares the one before,
    counted at the refresh before, with the one after), and by change from the one before."""
    db = state.database
    if db is None:
        return 0
    for sample, count in _BLOCKED_COUNTED:
        if sample is db:
            return count
    last = _BLOCKED_COUNTED[-1] if _BLOCKED_COUNTED else None
    moved = _moved(last[0].sessions, db.sessions, last[1]) if last is not None else None
    count = sum(map(bool, map(_BLOCKED_BY, db.sessions))) if moved is None else moved
    _BLOCKED_COUNTED[:] = [_BLOCKED_COUNTED[-1], (db, count)] if _BLOCKED_COUNTED else [(db, count)]
    return count


def _moved(was: tuple, now: tuple, count: int) -> int | None:
    """The sessions of `now` that wait, from the `count` of `was`: only the sessions that are
    not the very objects at their place in `was` are read (the journal's reader and the probe
    keep an unchanged session the same object; ~50 of 1,001 a refresh at large). None when
    the samples are not of one length or most of it moved: then count them all."""
    if len(was) != len(now):
        return None
    places = list(compress(range(len(now)), map(operator.is_not, now, was)))
    if len(places) > len(now) // 4:
        return None
    for i in places:
        count += bool(now[i].blocked_by) - bool(was[i].blocked_by)
    return count


_BLOCKED_BY = operator.attrgetter("blocked_by")
# the last two samples counted, with their count
_BLOCKED_COUNTED: list[tuple[ev.DatabaseSampled, int]] = []


def _unseen(state: ConsoleState) -> str | None:
    return unseen(state.database) if state.database else None


def _pool(state: ConsoleState) -> float:
    return connection_share(state.database) if state.database else 0.0


def _lock_changes(before: ConsoleState, after: ConsoleState, entry):
    old_share, new_share = _pool(before), _pool(after)
    db = after.database
    if db is not None and new_share > POOL_NEARLY_FULL >= old_share:
        used = connections_used(db)
        yield entry(
            f"PostgreSQL connections {used}/{db.max_connections}: pool nearly exhausted", "bad"
        )
    elif old_share > POOL_NEARLY_FULL and new_share <= POOL_RELIEVED:
        yield entry(f"PostgreSQL connections back to {round(new_share * 100)}% of max", "good")
    old, new = blocked_count(before), blocked_count(after)
    if old == 0 and new > 0:
        yield entry(f"Lock chain: {new} session{'s' if new > 1 else ''} blocked", "bad")
    elif after.lock_rules > 3 and db is not None:
        if after.lock_standing is not before.lock_standing:
            yield from _chains_cleared(before, after, entry)
        elif old > 0 and new == 0:  # a state with no chain kept standing: said as before
            yield entry("Lock chain cleared", "good")
        if after.lock_told is not before.lock_told:
            yield from _chains_grown(before.lock_told, after.lock_told, db, entry)
    elif old > 0 and new == 0:
        yield entry("Lock chain cleared", "good")
    elif after.lock_rules == 2 and after.lock_told is not before.lock_told:
        yield entry(f"Lock chain grew: {new} sessions blocked", "bad")
    elif after.lock_told is not before.lock_told and db is not None:
        yield from _chains_grown(before.lock_told, after.lock_told, db, entry)
    was, blind = _unseen(before), _unseen(after)
    if blind and not was:  # said once as it starts, not at every count
        yield entry(f"Database signal unknown: {blind}", "bad")
    elif was and not blind:
        yield entry("Database: every session visible again", "good")


def lock_reading(before: ConsoleState, after: ConsoleState) -> ConsoleState:
    """`after` (a database sample folded) with what its lock rules keep of the chains told:
    `lock_told` (rules 2: `told_together`; 3 and 4: `chains_told`) and, under 4,
    `lock_standing`. `after` itself when nothing moved."""
    if after.lock_rules == 2:
        told = told_together(before, after)
    elif after.lock_rules > 2:
        told = chains_told(before, after)
    else:
        return after
    update: dict = {} if told is after.lock_told else {"lock_told": told}
    if after.lock_rules > 3 and told.keys() != after.lock_standing.keys():
        update["lock_standing"] = _standing(after, told)
    return after.model_copy(update=update) if update else after


def told_together(before: ConsoleState, after: ConsoleState) -> dict[str, int]:
    """`after.lock_told` under lock_rules 2: {"": n}, the count of blocked sessions the
    timeline last told of the chains counted together ("Lock chain: 3 sessions blocked",
    "Lock chain grew: 8 sessions blocked"), told again each time it doubles from that. Kept
    in the state, not only read back from the timeline: the review folds with its timeline
    kept empty, and missed the "grew" lines the console showed (journals of rules 2 exported
    without them). A state with no count kept (a keyframe written before it was) reads it
    from its timeline, as the console then did. The same dict when nothing is told."""
    told = before.lock_told
    new = blocked_count(after)
    if not new:
        return {} if told else told
    old = blocked_count(before)
    if not old:
        return {"": new}
    last = told.get("")
    if last is None:
        last = _last_told(before.timeline, old)
    return {"": new} if new > old and new >= 2 * last else told


def _standing(after: ConsoleState, told: dict[str, int]) -> dict:
    """`after.lock_standing` for the chains of `told` (lock_rules 4): each chain kept since
    it was first told, a new one from now, named as its root blocker is now."""
    kept = after.lock_standing
    db = after.database
    out = {}
    for key in told:
        found = kept.get(key)
        if found is None and db is not None:
            found = ChainStanding(since=db.at, root=root_named(db.sessions, key))
        if found is not None:
            out[key] = found
    return out


def _chains_cleared(before: ConsoleState, after: ConsoleState, entry):
    """Each chain gone since `before` (lock_rules 4), in a line of its own: its root blocker,
    how long it stood, and how many chains still stand (found live: a chain that cleared
    beside another had no line; the IC learnt it only when all had cleared)."""
    gone = before.lock_standing.keys() - after.lock_standing.keys()
    if not gone:
        return
    left = len(after.lock_standing)
    still = "none" if not left else f"{left} chain{'s' if left > 1 else ''}"
    at = after.database.at if after.database is not None else after.now
    for key in sorted(gone, key=lambda k: (before.lock_standing[k].since, k)):
        was = before.lock_standing[key]
        stood = _span((at - was.since).total_seconds()) if at is not None else "a while"
        yield entry(
            f"Lock chain cleared after {stood}, behind {was.root}; {still} still standing",
            "good",
        )


def chains_told(before: ConsoleState, after: ConsoleState) -> dict[str, int]:
    """`after.lock_told` (lock_rules 3): by each chain of `after.database` (its root blocker,
    state/locks.py chain_key), the count of blocked sessions last told of it. A chain is told
    as it appears and again each time it doubles from the count last told, so one that grows
    from 1 to 14 reads 1, 2, 4, 8, one that wavers between 3 and 4 is not told at every
    sample, and one growing beside another is told by itself (found live: "grew" counted
    every chain together). The guide names no count that matters more (its "Lock
    Contention": find the blocker). The chains are read again only when the count of
    blocked sessions changes: one growing by as many as another shrinks is told at the
    next change. The same dict when nothing is told."""
    told = before.lock_told
    new = blocked_count(after)
    if not new:
        return {} if told else told
    if told and new == blocked_count(before) and not _waits_moved(before, after):
        return told
    db = after.database
    assert db is not None  # blocked sessions were counted in it
    now = chain_sizes(db.sessions)
    said = {k: n if k not in told or n >= 2 * told[k] else told[k] for k, n in now.items()}
    return told if said == told else said


def _waits_moved(before: ConsoleState, after: ConsoleState) -> bool:
    """Under lock_rules 4, with as many sessions blocked as before: did the sessions others
    wait on change? A chain that cleared as another grew by as many keeps the count, but its
    root blocker no longer blocks anyone; a chain that appeared adds one. (A root that came to
    wait on another moves the count itself.) Always False before 4: those chains were read
    again only when the count moved, as then."""
    if after.lock_rules < 4 or before.database is None or after.database is None:
        return False
    return _blockers(before.database) != _blockers(after.database)


def _blockers(db: ev.DatabaseSampled) -> frozenset[int]:
    """The pids some session of `db` waits on (~60 us at 1,000 sessions: a lock storm's
    queue moves at every sample, so by place nearly every session differs); the last two
    samples' kept."""
    for sample, found in _BLOCKERS:
        if sample is db:
            return found
    found = frozenset(chain.from_iterable(map(_BLOCKED_BY, db.sessions)))
    _BLOCKERS[:] = [*_BLOCKERS[-1:], (db, found)]
    return found


_BLOCKERS: list[tuple[ev.DatabaseSampled, frozenset[int]]] = []


def _chains_grown(told: dict[str, int], now: dict[str, int], db: ev.DatabaseSampled, entry):
    """Each chain told anew (lock_rules 3): one that appeared beside others, one that
    doubled; its root blocker named when more than one chain stands."""
    if not told:  # the first chains: "Lock chain: N sessions blocked" said them all
        return
    chains = {chain_key(c.session): c for c in blocking_chains(db.sessions)}
    for key, n in now.items():
        if n == told.get(key) or key not in chains:
            continue
        behind = f" behind {root_words(chains[key], db.sessions)}"
        if key not in told:
            yield entry(f"Lock chain: {n} session{'s' if n > 1 else ''} blocked{behind}", "bad")
        else:
            yield entry(f"Lock chain grew: {n} sessions blocked{behind * (len(now) > 1)}", "bad")


def _last_told(timeline: tuple[TimelineEntry, ...], counted: int) -> int:
    """How many blocked sessions the timeline last told of for the lock chain still going
    ("Lock chain: 3 sessions blocked", "Lock chain grew: 8 sessions blocked"): a chain is told
    again each time it doubles from that, so a chain of 1 that grows to 14 reads 1, 2, 4, 8 and
    one that wavers between 3 and 4 is not told at every sample. The guide names no count of
    blocked sessions that matters more (its "Lock Contention" section: find the blocker). Falls
    back to `counted` (the count before) when the chain's first line left the timeline."""
    for told in reversed(timeline):
        if not told.text.startswith("Lock chain"):
            continue
        head, _, rest = told.text.partition(": ")
        number = rest.split(" ", 1)[0]
        if head in ("Lock chain", "Lock chain grew") and number.isdigit():
            return int(number)
        return counted  # "Lock chain cleared": this chain's first line is gone
    return counted


# ---- signal episodes (rules 2): one entry each, replaced where it stands as it goes ------------

_EPISODE_KINDS = ("error_rate", "latency")  # down and the database have entries of their own


def _episode_changes(before: ConsoleState, after: ConsoleState, event: ev.EventBase):
    kind = getattr(event, "kind", "event")
    for key, gone in before.episodes.items():
        if key.split(":", 1)[0] in _EPISODE_KINDS and key not in after.episodes:
            yield _episode_entry(gone, kind, dropped=True)
    for key, new in after.episodes.items():
        if key.split(":", 1)[0] not in _EPISODE_KINDS:
            continue
        old = before.episodes.get(key)
        if old is new:  # most samples change no episode
            continue
        if old is None or old.began != new.began or episode_text(old) != episode_text(new):
            yield _episode_entry(new, kind)


def _episode_entry(episode: SignalEpisode, kind: str, dropped: bool = False) -> TimelineEntry:
    if dropped:
        tone = "info"
    elif episode.ended is not None:
        tone = "good"
    else:
        tone = "bad" if episode.fired_at is not None else "warn"
    return TimelineEntry(
        at=episode.began,
        kind=kind,
        text=episode_text(episode, dropped),
        tone=tone,  # type: ignore[arg-type]
        key=f"episode:{episode.key}:{episode.began.isoformat()}",
    )


def episode_text(episode: SignalEpisode, dropped: bool = False) -> str:
    """An episode in one line: what crossed, its peak, and where it stands (pending, firing
    since, ended at, or a blip that was not sustained)."""
    metric, _, service = episode.key.partition(":")
    name = marked_name(service)
    if episode.at_start:  # over its line from the first sample: the IC opened mid-incident
        name = f"at start: {name}"
    signal = rule(episode.key)
    hold, clear = _span(signal.hold.total_seconds()), _span(CLEAR_HOLD.total_seconds())
    if metric == "error_rate":
        what = f"{name} error rate over {ERROR_RATE_P2:g}%"
        peak = f"peak {episode.peak:.1f}%" + (
            f" (over {ERROR_RATE_P1:g}%)" if episode.level >= 2 else ""
        )
        under = f"under {signal.clear:g}%"
    else:
        what = f"{name} p95 over {signal.line:g}x baseline"
        peak = f"peak {episode.peak:.1f}x"
        under = f"under {signal.clear:g}x"
    peak += f" at {episode.peak_at:%H:%M:%S}"
    if dropped:
        lasted = _span(((episode.clear_since or episode.began) - episode.began).total_seconds())
        return f"{what} for {lasted}, {peak}: cleared within its {hold} hold, never fired"
    if episode.ended is not None:
        lasted = _span((episode.ended - episode.began).total_seconds())
        until = f"until {episode.ended:%H:%M:%S} ({lasted})"
        return f"{what} {until}, {peak}: ended, {under} for {clear}"
    recovering = f"; {under} since {episode.clear_since:%H:%M:%S}" if episode.clear_since else ""
    if episode.fired_at is not None:
        return f"{what}, {peak}: FIRING since {episode.fired_at:%H:%M:%S}{recovering}"
    fires = episode.began + signal.hold
    return f"{what}, {peak}: pending, fires at {fires:%H:%M:%S} unless it clears{recovering}"


def _span(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min" + (f" {rest} s" if rest else "")
