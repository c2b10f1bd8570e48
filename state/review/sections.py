"""The review's tables: timeline, impact, response metrics, actions, updates, escalations."""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING, Any

from state.action_words import action_name, params_in_full
from state.clock import from_epoch
from state.guide.milestones import is_pager
from state.guide.policy import UPDATE_CADENCE
from state.review.facts import SIGNAL_KINDS, LockSample, Row
from state.review.format import NONE, fenced, iso, md, span, table

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from state.guide.milestones import Milestones
    from state.review.escalations import DueEscalation
    from state.review.metrics import Impact

# The Event column for what people did; the entry's own text goes under Action Taken.
_LABELS = {
    "incident_declared": "Incident declared",
    "incident_acknowledged": "Acknowledged",
    "severity_changed": "Severity changed",
    "status_changed": "Status changed",
    "role_assigned": "Role assigned",
    "note_added": "Note",
    "incident_resolved": "Incident resolved",
    "action_requested": "Action requested",
    "action_finished": "Action finished",
    "verification_checked": "Resolution check",
    "verification_finished": "Resolution verdict",
    "message_queued": "Update queued",
    "message_sent": "Update delivery",
    "message_resent": "Update resent",
    "escalated": "Escalated",
}
_CONTEXT = SIGNAL_KINDS | {"session_started", "session_resumed"}


def timeline(rows: tuple[Row, ...]) -> list[str]:
    """The console's timeline: signals in the Event column, people's acts under Action Taken."""
    out = []
    for row in rows:
        if row.kind in _CONTEXT:
            event, action = md(row.text), NONE
        else:
            label = _LABELS.get(row.kind) or row.kind.replace("_", " ").capitalize()
            event, action = md(label), md(row.text)
        out.append((iso(row.at), event, action, md(row.person) if row.person else NONE))
    if not out:
        return ["Nothing happened that the console puts on its timeline."]
    return table(("Time", "Event", "Action Taken", "Person"), out)


def impact(part_impact: Impact) -> list[str]:
    rows = []
    for s in part_impact.services:
        error = s.error_peak
        p95 = s.p95_peak
        ratio = f" ({p95[1]:.1f}x baseline)" if p95 and math.isfinite(p95[1]) else ""
        rows.append(
            (
                md(s.service),
                md(", ".join(s.why)),
                iso(s.down_at) if s.down_at else "no",
                f"{error[0]:.1f}%" if error else NONE,
                _at(error[1]) if error else NONE,
                f"{p95[0]:.0f} ms{ratio}" if p95 else NONE,
                _at(p95[2]) if p95 else NONE,
            )
        )
    header = (
        "Service",
        "Affected because",
        "First down",
        "Peak error rate",
        "At",
        "Peak p95",
        "At",
    )
    out = table(header, rows) if rows else ["No service was down or past a threshold."]
    peak = part_impact.lock_peak
    chains = part_impact.lock_peaks
    if peak is None:
        out += ["", "- **Database lock chain peak:** none (no session was blocked)"]
    elif len(chains) > 1:  # each chain told apart, with its own peak and blocker
        out += ["", f"- **Database lock chains:** {len(chains)}, each at its own peak:"]
        out += [f"  - {_lock_peak(chain)}" for chain in chains]
    else:
        out += ["", f"- **Database lock chain peak:** {_lock_peak(peak)}"]
    return out


def _lock_peak(peak: LockSample) -> str:
    """'14 sessions blocked at 2026-03-14T09:27:26Z, behind pid 4242 (...) on tracks'."""
    behind = f", behind {md(peak.root)}" if peak.root else ""
    many = "s" if peak.blocked != 1 else ""
    return f"{peak.blocked} session{many} blocked at {_at(peak.at)}{behind}"


def metrics(milestones: Milestones) -> list[str]:
    """Each milestone by its one definition, against the held severity's targets; then each
    stretch of the update cadence, on time, late by how much, or missed."""
    rows = []
    since_words = {"detected": NONE, "declared": "detected"}
    for m in milestones.measures():
        seconds = m.seconds
        if m.key == "detected":
            took = target = result = NONE
        else:
            took = span(seconds) if seconds is not None else NONE
            target = m.target or "none set by the guide"
            result = m.result or NONE
            if m.note:
                result = f"{result}: {md(m.note)}"
        rows.append(
            (
                f"{m.name}[^{m.key}]",
                iso(m.at) if m.at else "never" if m.result == "not done" else "not reached",
                since_words.get(m.key, "declared") if m.since or m.key == "detected" else NONE,
                took,
                target,
                result,
            )
        )
    held = milestones.held_words()
    out = [f"Targets: {held}.", ""]
    out += table(("Milestone", "At", "Counted from", "Took", "Target", "Result"), rows)
    return [*out, "", *cadence(milestones)]


def cadence(milestones: Milestones) -> list[str]:
    """The guide's update cadence, one row per update due between declaration and resolution."""
    severity = milestones.held
    step = UPDATE_CADENCE[severity]
    head = "#### Update Cadence"
    if step is None:
        return [head, "", f"{severity.value} sets no update cadence."]
    gaps = milestones.cadence()
    until = "the resolution" if milestones.resolved else "the end of the journal"
    lines = [
        head,
        "",
        f"The guide: an update every {step.total_seconds() / 60:g} minutes at "
        f"{severity.value}, from the declaration to {until}. Only status updates that "
        "reached people count (Slack, Statuspage, email or chat, delivered); a page or an "
        "acknowledgement does not.",
        "",
    ]
    if not gaps:
        return [*lines, "No update was due yet."]
    rows = [(iso(g.since), iso(g.due), iso(g.at) if g.at else "none", g.result) for g in gaps]
    return lines + table(("Counted from", "Update due by", "Delivered", "Result"), rows)


def unknown_outcome(action_id: str, stopped: Mapping[str, tuple[datetime, bool]]) -> str:
    """Why an action with no outcome journaled has none, as the console told it: 'outcome
    unknown: the console stopped while it ran (said on resume at 2026-03-14T09:31:02Z; not
    run again)'. `stopped`: Facts.stopped."""
    at, told = stopped.get(action_id, (None, False))
    if at is None:  # no session since: the console stopped as it ran, or still runs it
        return "outcome unknown: none journaled by the end of the journal"
    if told:
        return (
            f"outcome unknown: the console stopped while it ran (said on resume at {iso(at)};"
            " not run again)"
        )
    # a journal written before resumes told it: the console stopped, or the run was cut off
    return f"outcome unknown: none journaled before the session resumed at {iso(at)}"


def actions(
    people: tuple[Any, ...], stopped: Mapping[str, tuple[datetime, bool]] | None = None
) -> list[str]:
    """Each ActionRequested with its ActionFinished; one with none journaled is said to be of
    unknown outcome, and why (`unknown_outcome`), never "none"."""
    finished = {e.action_id: e for e in people if _kind(e) == "action_finished"}
    rows = []
    for e in people:
        if _kind(e) != "action_requested":
            continue
        params = params_in_full(e.params)
        done = finished.get(e.action_id)
        if done is None:
            outcome, when = unknown_outcome(e.action_id, stopped or {}), "unknown"
        else:
            word = "done" if done.ok else "FAILED"
            outcome, when = md(f"{word}: {done.result}" if done.result else word), iso(done.at)
        rows.append(
            (
                iso(e.at),
                md(e.by),
                md(f"{action_name(e.action)} ({params})" if params else action_name(e.action)),
                md(e.target),
                "yes" if e.dry_run else "no",
                when,
                outcome,
            )
        )
    if not rows:
        return ["No action was taken from the console."]
    header = ("Requested", "By", "Action", "Target", "Dry run", "Finished", "Outcome")
    return table(header, rows)


def updates(people: tuple[Any, ...]) -> list[str]:
    """Every message, queued (MessageQueued) and/or sent (MessageSent), joined by message id:
    one table row each, its whole text below the table, verbatim."""
    messages: dict[str, dict[str, Any]] = {}
    for event in people:
        if _kind(event) in ("message_queued", "message_sent", "message_resent"):
            messages.setdefault(event.message_id, {})[_kind(event)] = event
    rows, texts = [], []
    for n, parts in enumerate(sorted(messages.values(), key=_first_at), start=1):
        queued, sent = parts.get("message_queued"), parts.get("message_sent")
        e: Any = sent or queued
        if sent is None:
            # in the outbox when the journal ends: sent by a console resuming it, or lost
            outcome = "queued; delivery unknown: none journaled by the end of the journal"
        elif sent.outcome == "unknown":
            outcome = md(f"delivery unknown: {sent.detail}" if sent.detail else "unknown")
        elif sent.outcome == "delivered":
            outcome = "delivered"
        else:
            outcome = md(f"FAILED: {sent.detail}" if sent.detail else "FAILED")
        if "message_resent" in parts:
            outcome += f" (resent by {md(parts['message_resent'].by)})"
        rows.append((str(n), iso(e.at), md(e.channel), _what(queued, e), outcome, md(e.by)))
        # its id as the receivers carry it (Slack's 'warroom …' line, PagerDuty's
        # custom_details.message_id): a post found there is found here by it
        mark = md(f"id {e.message_id}", cell=False)
        texts += [
            "",
            f"**Message {n}** ({md(e.channel)}, {iso(e.at)}, {mark}):",
            "",
            *fenced(e.text),
        ]
    if not rows:
        return ["No message was sent from the console."]
    header = ("#", "Time", "Channel", "Message", "Outcome", "By")
    return table(header, rows) + texts


def _what(queued: Any, e: Any) -> str:
    """A status update with its status, or the page it is (milestones.reaches_people)."""
    purpose = getattr(queued, "purpose", "update") if queued is not None else "update"
    if purpose == "escalation":
        return "escalation page"
    if purpose == "acknowledge":
        return "PagerDuty acknowledge"
    channel_type = getattr(queued, "channel_type", "") if queued is not None else ""
    if is_pager(channel_type, e.channel):
        return f"page ({e.status.word})"
    return f"status update ({e.status.word})"


def escalations(people: tuple[Any, ...], due: Sequence[DueEscalation] = ()) -> list[str]:
    """The escalations made, then those the guide's triggers made due and when each was met."""
    made = _made(people)
    if not due:
        return made
    rows = [(iso(d.at), f"L{d.level}", md(f"{d.why}: escalate to {d.who}"), _met(d)) for d in due]
    return [
        *made,
        "",
        "Due by the guide's triggers:",
        "",
        *table(("Due", "Level", "Trigger", "Met"), rows),
    ]


def _met(due: DueEscalation) -> str:
    if due.done is None:
        return "**not escalated**"
    if not due.late:
        return f"on time ({iso(due.done)})"
    return f"{iso(due.done)}, {span(due.late)} late"


def _made(people: tuple[Any, ...]) -> list[str]:
    rows = [
        (
            iso(e.at),
            f"L{e.level}",
            md(e.reason),
            md(e.by),
            md(", ".join(getattr(e, "contacts", ()))),
            md(", ".join(getattr(e, "channels", ()))),
        )
        for e in people
        if _kind(e) == "escalated"
    ]
    if not rows:
        return ["No escalation was journaled."]
    return table(("Time", "Level", "Reason", "By", "Contacts", "Paged"), rows)


def score_card(event: Any) -> list[str]:
    """A DrillScored: the grade, each milestone against its target, the harmful actions."""
    lines = [
        f"**Scenario:** {md(event.scenario)}, **Grade:** {md(event.grade)} "
        f"({event.points}/{event.of} points)",
        "",
    ]
    if getattr(event, "expected", None) is not None:
        lines[-1:] = [
            "",
            f"Targets: {event.expected.value}, the scenario's expected severity; the "
            "severity chosen is scored on its own line.",
            "",
        ]
    rows = [
        (
            md(m.name),
            span(m.took) if m.took is not None else NONE,
            span(m.target) if m.target is not None else NONE,
            md(m.verdict),
            f"{m.points}/{m.of}",
            md(m.detail),
        )
        for m in event.milestones
    ]
    lines += table(("Milestone", "Took", "Target", "Verdict", "Points", "Detail"), rows)
    harmful = getattr(event, "harmful", ())
    lines += ["", "Harmful actions:" if harmful else "No harmful action."]
    lines += [f"- {md(h)}" for h in harmful]
    return lines


def _first_at(parts: dict[str, Any]) -> tuple[datetime, str]:
    first = min(e.at for e in parts.values())
    return (first, next(iter(parts.values())).message_id)


def _at(epoch: float) -> str:
    return iso(from_epoch(epoch))


def _kind(event: object) -> str:
    return getattr(event, "kind", "")
