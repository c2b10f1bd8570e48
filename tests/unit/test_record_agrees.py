"""The record tells one story: on recorded sessions, the review, the drill's score card, the
header and `warroom journals` agree on every milestone (state/guide/milestones.py).

Each example plays a scenario of the simulated cluster on the frozen clock and seed
(tests/play.py) as a commander might: declare at some moment and severity, maybe acknowledge,
post status updates (and a PagerDuty acknowledge, which is none), take the scenario's fix,
resolve with `x`, by a delivered Resolved update, or not at all. Then the drill is scored
and the whole journal exported, and what each view says is read back from what it shows.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from probes.simulated.scenario import load
from state.events import IncidentAcknowledged, IncidentResolved
from state.guide.drill import score
from state.guide.severity import IncidentStatus, Severity
from state.journal.store import Journal
from state.journal.summary import summarize
from state.locks import blocking_chains
from state.review.files import review_files
from state.review.format import span
from tests.play import OPERATOR, Session
from tests.unit.review_sessions import perform, post
from tui.drill import expectations
from tui.journals import Listed, row
from widgets.format import duration
from widgets.header import IncidentHeader

SCENARIOS = (
    "bad-deploy",
    "service-down",
    "db-lock-storm",
    "connection-pool-exhaustion",
    "external-api-failure",
)
STEP = 4.0  # seconds between samples: fine enough for the signals, quick enough for examples


@dataclass(frozen=True)
class Plan:
    scenario: str
    declare_at: int
    severity: Severity | None  # None: the console's suggestion
    ack_after: int | None
    updates: tuple[int, ...]  # seconds after the declaration
    pager_ack: bool
    fix_after: int | None
    resolve: str  # "x", "update" or "open"
    end_after: int
    drill: bool  # scored against the scenario (its expected severity), or a demo's review


plans = st.builds(
    Plan,
    scenario=st.sampled_from(SCENARIOS),
    declare_at=st.integers(6, 60).map(lambda n: n * 4),
    severity=st.one_of(st.none(), st.sampled_from(list(Severity))),
    ack_after=st.one_of(st.none(), st.integers(1, 150).map(lambda n: n * 4)),
    updates=st.lists(st.integers(1, 300).map(lambda n: n * 4), max_size=3, unique=True).map(
        lambda xs: tuple(sorted(xs))
    ),
    pager_ack=st.booleans(),
    fix_after=st.one_of(st.none(), st.integers(2, 100).map(lambda n: n * 4)),
    resolve=st.sampled_from(("x", "update", "open")),
    end_after=st.integers(30, 330).map(lambda n: n * 4),
    drill=st.booleans(),
)


def fix(session: Session, scenario: str) -> None:
    """The scenario's first accepted remediation, on its right target."""
    accepted = load(scenario).accepted_remediations[0]
    params: dict = {}
    if accepted.action == "terminate_backend":
        db = session.recorder.state.database
        roots = [c.session.pid for c in blocking_chains(db.sessions)] if db else []
        params = {"pid": roots[0] if roots else 4242}
    perform(session, accepted.action, f"tracktion/{accepted.target or 'analysis-service'}", params)


def play(plan: Plan, path: Path) -> Session:
    mode = "drill" if plan.drill else "demo"
    session = Session(plan.scenario, path, mode=mode).run(plan.declare_at, STEP)
    session.declare(plan.severity)
    iid = session.recorder.state.incident.incident_id  # type: ignore[union-attr]
    steps: list[tuple[int, str, int]] = [(t, "update", n) for n, t in enumerate(plan.updates)]
    if plan.ack_after is not None:
        steps.append((plan.ack_after, "ack", 0))
    if plan.fix_after is not None:
        steps.append((plan.fix_after, "fix", 0))
    end = plan.end_after
    if plan.resolve != "open":
        steps.append((end, "resolve", 0))
    for after, what, n in sorted(steps):
        session.run(plan.declare_at + after, STEP)
        if what == "ack":
            session.record(IncidentAcknowledged(at=session.clock.now(), by=OPERATOR))
            if plan.pager_ack:  # what tui/comms_keys.py queues on `a`: no status update
                text = f"{iid} acknowledged by {OPERATOR}"
                status = IncidentStatus.INVESTIGATING
                post(
                    session,
                    f"{iid}:pd:a",
                    "pagerduty",
                    status,
                    text,
                    purpose="acknowledge",
                    channel_type="pagerduty",
                )
        elif what == "update":
            text = "We are investigating reports of issues."
            post(
                session,
                f"{iid}:#incidents:{n}",
                "#incidents",
                IncidentStatus.INVESTIGATING,
                text,
                channel_type="slack",
            )
        elif what == "fix":
            fix(session, plan.scenario)
        elif plan.resolve == "x":
            session.record(IncidentResolved(at=session.clock.now(), summary="fixed", by=OPERATOR))
        else:
            post(
                session,
                f"{iid}:status:r",
                "status-page",
                IncidentStatus.RESOLVED,
                "This incident has been resolved.",
                channel_type="statuspage",
            )
    session.run(plan.declare_at + end + 8, STEP)
    return session


def review_rows(review: str) -> dict[str, list[str]]:
    """The Response Metrics table: milestone name -> its cells (At, From, Took, Target, Result)."""
    table = review.split("### Response Metrics\n")[1].split("\n#### ")[0]
    rows = {}
    for line in table.splitlines():
        found = re.match(r"\| ([A-Za-z ]+)\[\^\w+\] \| (.*) \|$", line)
        if found:
            rows[found.group(1)] = found.group(2).split(" | ")
    return rows


# Each example is a whole session: few, derandomized (the same plans every run), and not
# shrunk (a failing plan is printed as it is, and it is small enough to read).
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow],
)
@example(  # the service-down: only PagerDuty's acknowledge, the P1 update overdue
    Plan("service-down", 40, None, 56, (), True, 400, "open", 1100, drill=False)
)
@example(  # the P4 drill of a P1 scenario: acted at 7 min 30 s, resolved at 11 min
    Plan("bad-deploy", 48, Severity.P4, 450, (360,), False, 450, "x", 660, drill=True)
)
@example(  # a lock storm resolved only by a delivered Resolved update, updates late
    Plan("db-lock-storm", 60, Severity.P2, 100, (1900, 2400), True, 200, "update", 2600, True)
)
@given(plans)
def test_review_card_header_and_journals_agree_on_every_milestone(plan: Plan) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "session.warroom"
        session = play(plan, path)
        expected = expectations(load(plan.scenario))
        card = score(session.recorder.journal.events(), expected) if plan.drill else None
        if card is not None:
            session.record(card)
        state = session.recorder.state
        session.recorder.journal.close()
        with Journal.open(path, read_only=True) as journal:
            events = list(journal.events())
            listed = summarize(journal)
    review = review_files(events)[0].data.decode()
    rows = review_rows(review)
    incident = state.incident
    assert incident is not None

    # one severity for every target, stated as such: a drill's expected one, else the one
    # the incident reached
    if card is not None:
        held = expected.severity
        assert f"Targets: {held.value}, the scenario's expected severity" in review
    else:
        held = incident.reached
        assert f"Targets: {held.value}, the severity the incident reached." in review

    # the score card: each milestone measured once, the same took and the same verdict
    if card is not None:
        lines = {m.name: m for m in card.milestones}
        for name in ("Declared", "Acknowledged", "First status update", "Mitigated", "Resolved"):
            at, _, took, _, result = rows[name]
            line = lines[name]
            assert took == (span(line.took) if line.took is not None else "—"), name
            if at in ("not reached", "never"):
                assert line.verdict == "not done", name
            elif result in ("met", "missed"):
                assert line.verdict == result, name

    # the header: the same acknowledgement, first update and resolution; while open, the
    # same verdict on the acknowledgement when both hold the same severity
    acked, resolved = rows["Acknowledged"][0], rows["Resolved"][0]
    # a milestone a closed incident (resolved, or its drill ended) never reached: "never"
    closed = incident.resolved_at is not None or card is not None
    assert _at(incident.acknowledged_at, closed) == acked
    assert _at(incident.resolved_at, closed) == resolved
    delivered = re.findall(r"\| \S+ \| \S+ \| (\S+) \| (?:on time|late by [^|]+) \|", review)
    if delivered:  # the cadence's last delivered update is the header's "last update"
        assert incident.last_update_at is not None
        assert _at(incident.last_update_at) >= delivered[-1]
    now = incident.resolved_at or events[-1].at
    header = IncidentHeader().compose_text(state, now, "DRILL").plain
    if incident.resolved_at is not None:
        assert "RESOLVED" in header and "ack due" not in header
    elif incident.acknowledged_at is not None:
        took = (incident.acknowledged_at - incident.declared_at).total_seconds()
        assert f"acked in {duration(took)}" in header
        if held is incident.reached:
            word = "LATE" if rows["Acknowledged"][4] == "missed" else "ok"
            assert f"acked in {duration(took)} {word}" in header
    else:
        assert "ack due" in header

    # `warroom journals`: the same incident, severity and state
    assert (listed.incident_id, listed.severity) == (incident.incident_id, incident.severity)
    assert listed.state == ("open" if resolved in ("not reached", "never") else "resolved")
    assert ("still open when the journal ends" in review) == (listed.state == "open")
    # ... and beside the incident, the incident's own start and duration, as the review's
    started, seconds = row(Listed(path, 0, events[-1].at, listed))[2:4]
    assert f"**Incident Start:** {started}\n" in review
    assert re.search(rf"\*\*Duration:\*\* [^\n]*\({re.escape(seconds)}, ", review), seconds


def _at(when, closed: bool = False) -> str:
    if when is None:
        return "never" if closed else "not reached"
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
