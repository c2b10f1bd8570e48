"""The guide's three runbooks (state/guide/runbooks/*.toml): which one the signals match, where
the commander is in it, which escalation criterion is met, and its resolution criteria.

Progress is read from the journal's events alone, so replay and a resumed session show the
same ticks: a console-action step is done when its action's event is journaled (the
acknowledgement, an investigation section read, a remediation that finished, a verification,
the resolution); a step the console cannot do is done or skipped when ticked by hand.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from state import events as ev
from state.guide.policy import ERROR_RATE_P1, ERROR_RATE_P2
from state.guide.severity import Severity
from state.guide.signals import service_down
from state.locks import connections_used

if TYPE_CHECKING:
    from state.console import ConsoleState

NAMES = ("high-error-rate", "service-down", "database-performance")
POOL_EXHAUSTED_SHARE = 0.9  # of max_connections: "connection pool exhausted"
NO_IMPROVEMENT_MINUTES = 15  # "No improvement after 15 minutes of investigation"
RESOLVED_ERROR_RATE = 1.0  # "Error rate <1%"
UNRESPONSIVE_SECONDS = 300  # "Database completely unresponsive for >5 minutes"
REQUESTS_FAILING_PERCENT = 75.0  # "More than 75% of application requests timing out"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Step(_Strict):
    id: str
    text: str
    action: str | None = None  # a console key's action: acknowledge, remediate, verify, ...
    investigate: str | None = None  # an Investigate section: changes, state, errors, ...

    @property
    def manual(self) -> bool:
        return self.action is None and self.investigate is None


class Phase(_Strict):
    title: str
    start: int  # minutes after the incident was declared
    end: int
    steps: tuple[Step, ...]


class Runbook(_Strict):
    name: str
    title: str
    trigger: str
    severity: str
    team: str
    escalation: tuple[str, ...]
    resolution: tuple[str, ...]
    phases: tuple[Phase, ...]

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(s for p in self.phases for s in p.steps)

    def phase_at(self, minutes: float) -> Phase:
        """The phase whose time box holds `minutes` since the start; the last one after."""
        for phase in self.phases:
            if minutes < phase.end:
                return phase
        return self.phases[-1]


@cache
def load(name: str) -> Runbook:
    """One of NAMES, read from its data file; KeyError for another name."""
    if name not in NAMES:
        raise KeyError(name)
    text = files("state.guide").joinpath("runbooks", f"{name}.toml").read_text("utf-8")
    return Runbook.model_validate(tomllib.loads(text))


def suggest(state: ConsoleState) -> tuple[str, str] | None:
    """(runbook name, why) the live signals match, worst first; None when none does."""
    down = [s for s in state.services if service_down(state, s)]
    if down:
        return "service-down", f"{down[0]} health check failing"
    db = state.database
    if db is not None and db.max_connections:
        blocked = [s for s in db.sessions if s.blocked_by]
        if blocked:
            return "database-performance", f"{len(blocked)} sessions waiting on locks"
        if connections_used(db) >= POOL_EXHAUSTED_SHARE * db.max_connections:
            return "database-performance", "connections nearly exhausted"
    high = [(state.latest("error_rate", s) or 0.0, s) for s in state.services]
    worst = max(high, default=(0.0, ""))
    if worst[0] > ERROR_RATE_P2:
        # said once, when it crosses (tui/runbook.py watch): the value then, named as such,
        # never read as the value now, which the Error rate pane shows
        why = f"{worst[1]} error rate > {ERROR_RATE_P2:g}%, crossed at {worst[0]:.1f}%"
        return "high-error-rate", why
    return None


def runbook_service(state: ConsoleState, name: str) -> str | None:
    """The service runbook `name` is opened for, from the signals that match it: the first
    service down (Service Down), else the one with the worst error rate above 0 (the
    application a fix acts on); None when no service stands out."""
    if name == "service-down":
        down = [s for s in state.services if service_down(state, s)]
        if down:
            return down[0]
    rate, worst = max(
        ((state.latest("error_rate", s) or 0.0, s) for s in state.services), default=(0.0, "")
    )
    return worst if rate > 0 else None


def done_by(step: Step, event: ev.EventBase) -> bool:
    """Whether journaled `event` completes console-action `step`."""
    match event:
        case ev.IncidentAcknowledged():
            return step.action == "acknowledge"
        case ev.InvestigationShown():
            return step.investigate == event.step
        case ev.ActionFinished():
            wanted = {"remediate": None, "terminate_backend": "terminate_backend"}
            wanted["terminate_idle"] = "terminate_idle"
            if step.action not in wanted or not event.ok or event.dry_run:
                return False
            name = wanted[step.action]
            return event.action == name if name else event.action not in wanted.values()
        case ev.MessageQueued():
            return step.action == "post_update" and event.purpose == "update"
        case ev.VerificationFinished():  # a watch that did not confirm it leaves it open
            return step.action == "verify" and event.stable
        case ev.RunbookChecked():
            return step.action == "verify" and event.ok
        case ev.IncidentResolved():
            return step.action == "resolve"
    return False


def progress(
    runbook: Runbook, events: Iterable[ev.EventBase], since: datetime | None = None
) -> dict[str, tuple[str, datetime, str, int]]:
    """step id -> (done|skipped, when, by, journal order) from `events` at or after `since`;
    the first tick of a step wins. A step done through its key is the person's who pressed
    it: the event's `by`, else (a journal written before outcomes named anyone) who asked
    for the action or ran the check; "console" only when no event says."""
    out: dict[str, tuple[str, datetime, str, int]] = {}
    asked: dict[str, str] = {}  # action id -> who requested it
    checked = ""  # who ran the latest verification check
    for seq, event in enumerate(events):
        if isinstance(event, ev.ActionRequested):
            asked[event.action_id] = event.by
        elif isinstance(event, ev.VerificationChecked):
            checked = event.by
        if since is not None and event.at < since:
            continue
        if isinstance(event, ev.RunbookStepTicked):
            if event.runbook == runbook.name and event.step not in out:
                out[event.step] = (event.outcome, event.at, event.by, seq)
            continue
        for step in runbook.steps:
            if step.id not in out and not step.manual and done_by(step, event):
                out[step.id] = ("done", event.at, _who(event, asked, checked), seq)
    return out


def _who(event: ev.EventBase, asked: dict[str, str], checked: str) -> str:
    """Who did what `event` records: its own `by`, else who asked or checked."""
    by = getattr(event, "by", "")
    if not by and isinstance(event, ev.ActionFinished):
        by = asked.get(event.action_id, "")
    if not by and isinstance(event, ev.VerificationFinished):
        by = checked
    return by or "console"


def out_of_order(runbook: Runbook, ticks: dict[str, tuple[str, datetime, str, int]]) -> int:
    """Steps done or skipped while a step of the runbook before them was still open."""
    order = [s.id for s in runbook.steps]
    count = 0
    for step, tick in ticks.items():
        earlier = order[: order.index(step)] if step in order else []
        if any(s not in ticks or ticks[s][3] > tick[3] for s in earlier):
            count += 1
    return count


def escalation_met(
    runbook: Runbook,
    state: ConsoleState,
    investigating_since: datetime | None,
    error_then: float | None,
    now: datetime,
) -> list[str]:
    """The runbook's escalation criteria the state meets now, in its words."""
    rates = {s: state.latest("error_rate", s) or 0.0 for s in state.services}
    p1_already = state.incident is not None and state.incident.severity is Severity.P1
    affected = [s for s, r in rates.items() if r > ERROR_RATE_P2 or service_down(state, s)]
    met = []
    for criterion in runbook.escalation:
        lowered = criterion.lower()
        p1 = (
            not p1_already
            and lowered.startswith("error rate >20%")
            and any(r > ERROR_RATE_P1 for r in rates.values())
        )
        several = lowered.startswith("multiple services affected") and len(affected) > 1
        if p1 or several or _database_met(lowered, state, rates, now):
            met.append(criterion)
        elif lowered.startswith("no improvement after 15 minutes") and investigating_since:
            minutes = (now - investigating_since).total_seconds() / 60
            worst = max(rates.values(), default=0.0)
            if minutes >= NO_IMPROVEMENT_MINUTES and error_then is not None and worst >= error_then:
                met.append(criterion)
    return met


def _database_met(
    criterion: str, state: ConsoleState, rates: dict[str, float], now: datetime
) -> bool:
    """The database criteria the console can observe; "evidence of data corruption" is
    for people, never prompted."""
    pg = state.probe("postgres")
    down = pg.unreachable  # a host that does not resolve from here is unknown, not down
    down_for = (now - pg.failed_at).total_seconds() if down and pg.failed_at else 0.0
    if criterion.startswith("database connectivity issues"):
        return down
    if criterion.startswith("database completely unresponsive for >5 minutes"):
        return down_for >= UNRESPONSIVE_SECONDS
    if criterion.startswith("more than 75% of application requests"):
        return any(r > REQUESTS_FAILING_PERCENT for r in rates.values())
    if criterion.startswith("database resource usage >90%"):
        db = state.database
        if db is None or not db.max_connections:
            return False
        return connections_used(db) >= POOL_EXHAUSTED_SHARE * db.max_connections
    return False


def resolution(runbook: Runbook, state: ConsoleState) -> tuple[bool, str]:
    """Service Down's resolution criteria (all pods Running, health 200, error rate <1%),
    checked on the state; other runbooks defer to the guide's verification (`v`)."""
    problems = []
    for name in state.services:
        deployment = state.deployments.get(name)
        if deployment is not None:
            bad = [p.name for p in deployment.pods if p.phase != "Running" or not p.ready]
            if bad:
                problems.append(f"{name}: {len(bad)} pods not Running and ready")
        health = state.health.get(name)
        if health is None or not health.up or health.status_code != 200:
            problems.append(f"{name}: health not 200")
        rate = state.latest("error_rate", name)
        if rate is None or rate >= RESOLVED_ERROR_RATE:
            problems.append(f"{name}: error rate {'unknown' if rate is None else f'{rate:.1f}%'}")
    if problems:
        return False, "; ".join(problems)
    return True, "all pods Running, health 200, error rate <1% on every service"
