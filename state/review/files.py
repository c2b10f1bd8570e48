"""The post-incident review of a journal in the guide's structure, its action items and invite.

`review_files(events)` is the whole export, pure: the same events always give the same
bytes (every time comes from the journal, nothing from the clock; everything is sorted).

A journal with no incident declared still gets a review, `session-<start>_review.md`: the
commander exporting a quiet shift or an undeclared drill wants to see what the signals did
and whether the guide's rules flagged anything nobody declared, and an exit code 2 would
call a perfectly good journal bad input. It has no action items and no meeting, since no
incident needs reviewing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from state.action_words import action_words
from state.collector import paused
from state.guide.milestones import incident_span
from state.guide.severity import Role
from state.review import sections, template
from state.review.escalations import due_escalations
from state.review.facts import Facts, gather
from state.review.format import day, file_stem, iso, md, minutes, span, table
from state.review.investigation import investigation_summary
from state.review.items import (
    action_items,
    action_items_json,
    closed_at,
    item_id,
    meeting_day,
    meeting_ics,
    overdue,
    unfinished,
)
from state.review.metrics import Part, declared_severity, parts
from state.review.template import block, lead

if TYPE_CHECKING:
    from state.events import EventBase
    from state.guide.milestones import Measure

NEXT_REVIEW = timedelta(days=30)  # the guide's "30-Day Review"


class ReviewError(Exception):
    """A journal that has nothing to review, said in one line."""


@dataclass(frozen=True)
class ReviewFile:
    name: str
    data: bytes


def review_files(events: Iterable[EventBase]) -> list[ReviewFile]:
    """Per incident: {id}_review.md, {id}_action_items.json, and once it is resolved
    {id}_pir_meeting.ics (the guide's meeting is two days after the resolution).

    A journal with several incidents gives one set per incident; one with none, a
    session review only.
    """
    with paused():  # the fold makes no cycles: no full collections in it (state/collector.py)
        facts = gather(events)
    if facts.first_at is None:
        raise ReviewError("the journal has no events: there is nothing to review")
    out: list[ReviewFile] = []
    stems: set[str] = set()
    for part in parts(facts):
        if part.incident is None:
            stem = file_stem(f"session-{facts.first_at:%Y%m%dT%H%M%SZ}")
            out.append(ReviewFile(f"{stem}_review.md", session_review(part, facts).encode()))
            continue
        incident_id = part.incident.incident_id
        stem = _unique(file_stem(incident_id), stems)
        items = action_items(part)
        out += [
            ReviewFile(f"{stem}_review.md", incident_review(part, facts).encode()),
            ReviewFile(
                f"{stem}_action_items.json", action_items_json(incident_id, part, items).encode()
            ),
        ]
        summary = investigation_summary(incident_id, part)
        if summary is not None:  # the guide's Investigation Summary, when the IC investigated
            out.append(ReviewFile(f"{stem}_investigation_summary.md", summary.encode()))
        if part.resolved_at is not None:  # an open incident's meeting is set at its resolution
            invite = meeting_ics(incident_id, part.incident.title, part)
            out.append(ReviewFile(f"{stem}_pir_meeting.ics", invite.encode()))
    return out


def _unique(stem: str, taken: set[str]) -> str:
    """`stem`, or `stem-2`, `stem-3`…: two incidents never write the same file."""
    name, n = stem, 1
    while name in taken:
        n += 1
        name = f"{stem}-{n}"
    taken.add(name)
    return name


def score_card_section(events: Iterable[Any]) -> str:
    """The drill's score card (DrillScored events), as Markdown; "" when there is none.

    Read by kind: an event whose kind starts with "drill_score" but has no milestones
    (a later shape of it) is listed field by field rather than dropped.
    """
    scored = [e for e in events if getattr(e, "kind", "").startswith("drill_score")]
    if not scored:
        return ""
    lines = ["### Score Card", ""]
    for event in scored:
        if hasattr(event, "milestones"):
            lines += sections.score_card(event)
        else:
            fields = event.model_dump(mode="json", exclude={"kind"})
            lines += table(("Field", "Value"), [(md(k), md(fields[k])) for k in sorted(fields)])
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# ---- the incident's review ------------------------------------------------------------------


def incident_review(part: Part, facts: Facts) -> str:
    incident = part.incident
    assert incident is not None
    ended = closed_at(part)
    _, took = incident_span(incident.declared_at, part.resolved_at, part.end)
    until = "declared to resolved" if part.resolved_at else "declared to the end of the journal"
    assert part.milestones is not None
    items = _items(incident.incident_id, action_items(part))
    card = score_card_section(part.people)
    return template.incident_review(
        incident_id=md(incident.incident_id),
        date=day(ended),
        start=iso(incident.declared_at),
        minutes=minutes(took),
        span=span(took),
        until=until,
        severity=_severity(part),
        title=md(incident.title),
        status=_status(part),
        team=_team(part),
        session=_session(facts),
        what_happened=block(_what_happened(part)),
        timeline=block(sections.timeline(part.rows)),
        affected=_affected(part),
        impact_start=iso(part.impact.start),
        impact_end=iso(part.impact.end),
        impact=block(sections.impact(part.impact)),
        went_well=lead(_went_well(part)),
        to_improve=lead(_to_improve(part)),
        metrics=block(sections.metrics(part.milestones)),
        actions=block(sections.actions(part.people, part.stopped)),
        updates=block(sections.updates(part.people)),
        escalations=block(sections.escalations(part.people, due_escalations(part))),
        score_card=f"{card}\n" if card else "",
        immediate=lead(items["immediate"]),
        short_term=lead(items["short-term"]),
        long_term=lead(items["long-term"]),
        **_meeting(part),
    )


def _meeting(part: Part) -> dict[str, str]:
    """The review meeting's dates: two days after the resolution; an open incident's are set
    when it is resolved, and no invite is written before."""
    if part.resolved_at is None:
        later = "scheduled at resolution (the incident is still open; no invite written yet)"
        return {"review_date": later, "next_review_date": "30 days after the review meeting"}
    meeting = meeting_day(part)
    return {
        "review_date": f"{meeting.isoformat()} (the review meeting)",
        "next_review_date": (meeting + NEXT_REVIEW).isoformat(),
    }


def _severity(part: Part) -> str:
    assert part.incident is not None
    now = part.incident.severity
    words = f"{now.value} {now.word}"
    if not part.severity_changes:
        return words
    first = declared_severity(part)
    assert first is not None
    changes = "; ".join(
        f"{iso(c.at)} {c.previous.value} -> {c.severity.value} by {md(c.by)}"  # type: ignore[attr-defined]
        + (f": {md(getattr(c, 'reason', ''))}" if getattr(c, "reason", "") else "")
        for c in part.severity_changes
    )
    return f"{words} (declared {first.value} {first.word}; {changes})"


def _status(part: Part) -> str:
    if part.resolved_at is not None:
        return f"resolved at {iso(part.resolved_at)}{_resolved_by(part)}"
    return f"still open when the journal ends at {iso(part.end)}"


def _resolved_by(part: Part) -> str:
    """' by alice', or ' by alice's Resolved update to #incidents' when a delivered update
    resolved it (state/guide/milestones.py)."""
    event = part.resolved_by
    if event is None:
        return ""
    by = f" by {md(getattr(event, 'by', ''))}"
    if getattr(event, "kind", "") == "message_sent":
        return f"{by}'s Resolved update to {md(event.channel)}"  # type: ignore[attr-defined]
    return by


def _team(part: Part) -> str:
    assert part.incident is not None
    roles = part.incident.roles
    named = [f"{role.value} {md(roles[role])}" for role in Role if role in roles]
    return ", ".join(named) or "[To be filled]"


def _session(facts: Facts) -> str:
    first = facts.first
    assert facts.first_at is not None and facts.last_at is not None
    words = []
    if getattr(first, "kind", "") == "session_started":
        words.append(f"{md(first.mode)} session")  # type: ignore[union-attr]
        if getattr(first, "scenario", None):
            words.append(f"scenario {md(first.scenario)}")  # type: ignore[union-attr]
        if getattr(first, "seed", None) is not None:
            words.append(f"seed {first.seed}")  # type: ignore[union-attr]
        words.append(f"operator {md(first.operator)}")  # type: ignore[union-attr]
    words.append(f"journal {iso(facts.first_at)} to {iso(facts.last_at)}, {facts.events:,} events")
    for gap in facts.interrupted:  # the file refused writes (a full disk): said, never hidden
        thinned = f", {gap.thinned:,} probe samples thinned" if gap.thinned else ""
        words.append(
            f"recording interrupted {iso(gap.since)} to {iso(gap.at)} ({md(gap.reason)}): "
            f"{gap.held:,} events held in memory, written late{thinned}"
        )
    return ", ".join(words)


def _what_happened(part: Part) -> list[str]:
    incident = part.incident
    assert incident is not None
    first = declared_severity(part)
    assert first is not None
    lines = [
        f"- Declared {iso(incident.declared_at)} by {md(incident.declared_by)} as "
        f"{first.value} {first.word}: {md(incident.title)}",
    ]
    if incident.reason:
        lines.append(f"- The guide's rules at the declaration: {md(incident.reason)}")
    milestones = part.milestones
    assert milestones is not None
    if milestones.detected is not None:
        lines.append(
            f"- First signal the guide's rules flagged: {iso(milestones.detected)}, "
            f"{md(milestones.detected_why)}"
        )
    else:
        lines.append("- No signal the guide's rules flag came before the declaration")
    if milestones.resolved is not None:
        summary = getattr(part.resolved_by, "summary", "") or "by the delivered Resolved update"
        lines.append(f"- Resolved {iso(milestones.resolved)}: {md(summary)}")
    else:
        lines.append(f"- Still open when the journal ends at {iso(part.end)}")
    lines.append(f"- Resolution verification: {md(incident.verification or 'not run')}")
    return lines


def _affected(part: Part) -> str:
    names = [md(s.service) for s in part.impact.services]
    return ", ".join(names) if names else "none (no service was down or past a threshold)"


def _went_well(part: Part) -> list[str]:
    assert part.milestones is not None
    good = [_measure_line(m) for m in part.milestones.measures() if m.result == "met"]
    gaps = part.milestones.cadence()
    if gaps and all(g.result == "on time" for g in gaps):
        good.append(f"Every status update came on time ({len(gaps)} due)")
    return _from_journal(good)


def _to_improve(part: Part) -> list[str]:
    assert part.milestones is not None
    bad = [
        _measure_line(m)
        for m in part.milestones.measures()
        if m.result == "missed" or (m.result == "not done" and m.target)
    ]
    late = overdue(part)
    if late:
        bad.append(
            "Status updates: " + "; ".join(f"the one due by {iso(g.due)} {g.result}" for g in late)
        )
    if part.unsettled and part.resolved_at is not None:
        bad.append(
            f"Resolved at {iso(part.resolved_at)} while a rollout was not complete: "
            + "; ".join(md(u) for u in part.unsettled)
        )
    for e in part.people:
        if getattr(e, "kind", "") == "action_finished" and not e.ok and not e.dry_run:  # type: ignore[attr-defined]
            what = action_words(e.action, e.target)  # type: ignore[attr-defined]
            bad.append(f"{md(what)} failed: {md(e.result)}")  # type: ignore[attr-defined]
    for e, why in unfinished(part):
        bad.append(f"{md(action_words(e.action, e.target))}: {why}")
    return _from_journal(bad)


def _from_journal(lines: list[str]) -> list[str]:
    """What the journal shows, as a list ahead of the guide's numbered placeholders."""
    return ["From the journal:", *(f"- {line}" for line in lines), ""] if lines else []


def _measure_line(m: Measure) -> str:
    target = f"target {m.target}" if m.target else "no target"
    took = m.seconds
    if took is None and m.result == "not done":
        return f"{m.name}: never, the incident was closed without it ({target})"
    if took is None:
        return f"{m.name}: not reached by the end of the journal ({target})"
    return f"{m.name}: {span(took)} ({target})" + (f": {md(m.note)}" if m.note else "")


def _items(incident_id: str, items) -> dict[str, list[str]]:
    """horizon (immediate, short-term, long-term) -> its action items, one line each, the
    owner left for the review meeting to name."""
    lines: dict[str, list[str]] = {"immediate": [], "short-term": [], "long-term": []}
    for item in items:
        owner = md(item.owner) if item.owner else "[Name]"
        lines[item.horizon].append(
            f"- [ ] {md(item.title)} - Owner: {owner} (suggested: {item.team})"
            f" - Due: {item.due.isoformat()} ({md(item_id(incident_id, item.number))})"
        )
    return lines


# ---- the session's review, when no incident was declared ------------------------------------


def session_review(part: Part, facts: Facts) -> str:
    assert facts.first_at is not None and facts.last_at is not None
    took = (facts.last_at - facts.first_at).total_seconds()
    flagged = next((c for c in facts.flagged if c.value), None)
    if flagged is None:
        verdict = "The guide's rules flagged no signal during the session."
    else:
        why = md(flagged.why)
        verdict = (
            f"The guide's rules first flagged a signal at {iso(flagged.at)} ({why}), yet no "
            "incident was declared. If one should have been: [why it was not]"
        )
    return (
        template.session_review(
            session_name=md(f"session-{facts.first_at:%Y%m%dT%H%M%SZ}"),
            date=day(facts.first_at),
            session=_session(facts),
            minutes=minutes(took),
            span=span(took),
            verdict=verdict,
            impact_start=iso(part.impact.start),
            impact_end=iso(part.impact.end),
            impact=block(sections.impact(part.impact)),
            timeline=block(sections.timeline(part.rows)),
            actions=block(sections.actions(part.people, part.stopped)),
            updates=block(sections.updates(part.people)),
            score_card=score_card_section(part.people),
        ).rstrip()
        + "\n"
    )
