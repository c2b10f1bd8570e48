"""A drill's score card, from its journal: each milestone (state/guide/milestones.py, as the
review measures it) against the targets of the scenario's expected severity.

Pure: the same events and expectations always give the same card.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from state.action_words import action_words
from state.console import ConsoleState
from state.events import (
    ActionFinished,
    ActionRequested,
    DrillScored,
    EventBase,
    Milestone,
    Verdict,
    VerificationFinished,
)
from state.fold import fold
from state.guide.harm import harm, matches
from state.guide.milestones import NAMES, Measure, Milestones, Tracker
from state.guide.policy import UPDATE_CADENCE
from state.guide.severity import Role, Severity

HARM_PENALTY = 15
GRADES = ((90, "A"), (75, "B"), (60, "C"), (40, "D"), (0, "F"))


@dataclass(frozen=True)
class Expectations:
    """What the scenario's author says a good commander does."""

    scenario: str
    severity: Severity
    fixes: tuple[tuple[str, str | None], ...]  # (action, service or None for any target)
    runbook: str | None = None  # the guide's runbook the scenario exercises


def score(events: Iterable[EventBase], expected: Expectations) -> DrillScored:
    """The score card of a drill, from its journal's events: the milestones of its first
    incident by their one definition (state/guide/milestones.py), held to the targets of the
    scenario's expected severity; the trainee's own severity is scored on its own line."""
    state, tracker = ConsoleState(), Tracker(expected.fixes)
    harmful: list[str] = []
    requested: dict[str, ActionRequested] = {}
    fixes: list[tuple[ActionRequested, bool]] = []  # successful remediations, right or not
    wrong: set[str] = set()  # the action ids of harmful requests: no fix, whatever their kind
    verified = False
    last_at = None
    seen: list[EventBase] = []
    for seq, event in enumerate(events, start=1):
        seen.append(event)
        if isinstance(event, ActionRequested) and not event.dry_run:
            requested[event.action_id] = event
            if (hurt := harm(state, event)) is not None:
                harmful.append(hurt)
                wrong.add(event.action_id)
        before = state
        state = fold(state, event)
        tracker.observe(seq, event, before, state)
        last_at = event.at
        incident = tracker.current
        resolved = incident is not None and incident.resolved is not None
        match event:
            case ActionFinished(ok=True) if event.action_id in requested and not resolved:
                action = requested[event.action_id]
                right = matches(action, expected.fixes) and event.action_id not in wrong
                fixes.append((action, right))
            case VerificationFinished(stable=True) if not resolved:
                verified = True
    milestones = tracker.incidents[0] if tracker.incidents else None
    if milestones is not None:
        milestones.expected = expected.severity
    card = _card(state, milestones, tracker, fixes, verified, harmful, expected, last_at)
    if expected.runbook is None:
        return card
    return card.model_copy(update={"milestones": (*card.milestones, _runbook(expected, seen))})


def _runbook(expected: Expectations, events: list[EventBase]) -> Milestone:
    """The runbook's steps done, skipped and done out of order: reported, not scored."""
    from state.guide.runbook import load, out_of_order, progress

    runbook = load(expected.runbook or "")
    ticks = progress(runbook, events)
    done = sum(1 for t in ticks.values() if t[0] == "done")
    skipped = sum(1 for t in ticks.values() if t[0] == "skipped")
    detail = (
        f"{done} of {len(runbook.steps)} steps done, {skipped} skipped, "
        f"{out_of_order(runbook, ticks)} out of order"
    )
    return Milestone(name=f"Runbook {runbook.title}", verdict="n/a", detail=detail, of=0)


def _timed(measure: Measure, of: int = 10) -> Milestone:
    """One measured milestone as a card line: all `of` points when its target was met."""
    took, target = measure.seconds, measure.target_seconds
    if measure.key == "declared" and measure.since is None:
        detail = "before any signal the guide's rules flag"
        return Milestone(name=measure.name, verdict="met", detail=detail, points=of, of=of)
    if not measure.result:
        detail = "the guide sets no target"
        verdict: Verdict = "n/a" if measure.at is not None else "not done"
        return Milestone(name=measure.name, took=took, verdict=verdict, detail=detail, of=0)
    # the milestones' own words: a drill that ended is closed, so not reached is "not done"
    verdict = "not done" if measure.at is None else measure.result  # type: ignore[assignment]
    return Milestone(
        name=measure.name,
        took=took,
        target=target,
        verdict=verdict,
        detail=measure.note,
        points=of if verdict == "met" else 0,
        of=of,
    )


def _card(
    state: ConsoleState,
    milestones: Milestones | None,
    tracker: Tracker,
    fixes: list[tuple[ActionRequested, bool]],
    verified: bool,
    harmful: list[str],
    expected: Expectations,
    end,
) -> DrillScored:
    if milestones is None:
        flagged = next((c for c in tracker.flagged if c.value), None)
        lines = [
            Milestone(
                name="Declared",
                verdict="not done",
                detail=f"the guide's rules flagged {flagged.why}" if flagged else "",
                of=10,
            ),
            *(
                Milestone(name=NAMES[key], verdict="not done", of=10)
                for key in ("acknowledged", "first_update", "resolved")
            ),
        ]
    else:
        measured = {m.key: m for m in milestones.measures()}
        lines = [
            _timed(measured["declared"]),
            _timed(measured["acknowledged"]),
            _timed(measured["first_update"]),
            _cadence(milestones),
            _timed(measured["mitigated"]),
            _timed(measured["resolved"]),
        ]
    right = next((a for a, ok in fixes if ok), None)
    shown = right or (fixes[0][0] if fixes else None)
    accepted = ", ".join(action_words(a, t or "any service") for a, t in expected.fixes)
    lines += [
        _severity(milestones, expected.severity),
        _roles(state),
        Milestone(
            name="Remediation",
            verdict="met" if right else "missed" if fixes else "not done",
            detail=(
                action_words(shown.action, shown.target, shown.params)
                + (f" after {len(fixes) - 1} other" if right and len(fixes) > 1 else "")
                + f" (scenario's fix: {accepted})"
            )
            if shown
            else "",
            points=20 if right else 0,
            of=20,
        ),
        Milestone(
            name="Verified before resolving",
            verdict="met" if verified else "not done",
            points=10 if verified else 0,
            of=10,
        ),
    ]
    of = sum(m.of for m in lines)
    points = max(sum(m.points for m in lines) - HARM_PENALTY * len(harmful), 0)
    percent = 100 * points / of if of else 0
    grade = next(letter for floor, letter in GRADES if percent >= floor)
    return DrillScored(
        at=end,
        scenario=expected.scenario,
        milestones=tuple(lines),
        harmful=tuple(harmful),
        points=points,
        of=of,
        grade=grade,
        expected=expected.severity,
    )


def _cadence(milestones: Milestones) -> Milestone:
    """Every update due by the cadence of the held severity, each on time or not."""
    name = "Update cadence"
    gaps = milestones.cadence()
    step = UPDATE_CADENCE[milestones.held]
    if step is None:
        return Milestone(name=name, verdict="n/a", detail="P4 sets no update cadence", of=0)
    if not gaps:  # nothing to judge: no update fell due before the drill ended
        return Milestone(name=name, verdict="n/a", detail="no update was due yet", of=0)
    results = [g.result for g in gaps]
    met = all(r == "on time" for r in results)
    detail = ", ".join(results)
    return Milestone(
        name=name,
        took=max(
            ((g.at or milestones.resolved or milestones.end or g.due) - g.since).total_seconds()
            for g in gaps
        ),
        target=step.total_seconds(),
        verdict="met" if met else "missed",
        detail=f"every {step.total_seconds() / 60:g} min: {detail}",
        points=10 if met else 0,
        of=10,
    )


def _severity(milestones: Milestones | None, expected: Severity) -> Milestone:
    """The trainee's severity, scored on its own against the scenario's expected one: the
    most severe it was declared or raised to."""
    chosen = milestones.reached if milestones else None
    if chosen is None:
        return Milestone(
            name="Severity", verdict="not done", detail=f"expected {expected.label}", of=10
        )
    off = chosen.rank - expected.rank
    points = 10 if off == 0 else 5 if off == -1 else 0  # over-classifying by one costs less
    verdict: Verdict = "met" if off == 0 else "missed"
    return Milestone(
        name="Severity",
        verdict=verdict,
        detail=f"chose {chosen.label}, expected {expected.label}"
        + (" (lower: the targets above are the expected severity's)" if off > 0 else ""),
        points=points,
        of=10,
    )


def _roles(state: ConsoleState) -> Milestone:
    roles = state.incident.roles if state.incident else {}
    held = [r for r in (Role.IC, Role.TL, Role.CL) if r in roles]
    points = {3: 10, 2: 5}.get(len(held), 0)
    detail = ", ".join(f"{r.value} {roles[r]}" for r in held) or "none"
    return Milestone(
        name="Roles IC, TL, CL",
        verdict="met" if len(held) == 3 else "missed",
        detail=detail,
        points=points,
        of=10,
    )
