"""One definition of each milestone (state/guide/milestones.py): what counts, which severity's
targets apply, and that the drill's score card and the review read the same numbers."""

from __future__ import annotations

from state.console import ConsoleState
from state.events import (
    IncidentAcknowledged,
    IncidentDeclared,
    IncidentResolved,
    MessageQueued,
    MessageSent,
    SessionStarted,
    SeverityChanged,
)
from state.guide.drill import Expectations, score
from state.guide.milestones import is_pager
from state.guide.policy import TARGETS
from state.guide.severity import IncidentStatus, Severity
from state.review.facts import gather
from state.review.files import review_files
from state.review.metrics import parts
from tests.unit.helpers import at, error_rate, fold_all

EXPECTED = Expectations("bad-deploy", Severity.P2, (("rollout_undo", None),))


def started():
    return SessionStarted(at=at(0), mode="drill", version="0", operator="bob", services=("api",))


def declared(t: float, severity: Severity = Severity.P2):
    return IncidentDeclared(
        at=at(t), incident_id="INC-1", severity=severity, title="t", reason="r", by="bob"
    )


def message(t: float, n: str, channel: str, channel_type: str, purpose: str = "update", **kw):
    """A message queued and delivered one second later, as the outbox journals it."""
    status = kw.pop("status", IncidentStatus.INVESTIGATING)
    common = {"message_id": n, "channel": channel, "status": status, "text": "x", "by": "bob"}
    return [
        MessageQueued(at=at(t), purpose=purpose, channel_type=channel_type, **common),
        MessageSent(at=at(t + 1), outcome=kw.pop("outcome", "delivered"), **common),
    ]


def both(events):
    """(the drill's card lines by name, the review's milestones by key) of one journal."""
    card = score(events, EXPECTED)
    [part] = parts(gather([*events, card]))
    return {m.name: m for m in card.milestones}, {m.key: m for m in part.milestones.measures()}


def test_time_to_declare_runs_from_the_last_raise_before_the_declaration():
    events = [
        started(),
        error_rate(10, api=8.0),  # flagged: above 5%
        error_rate(20, api=1.0),  # cleared
        error_rate(100, api=8.0),  # flagged again: the first signal of this incident
        declared(500),
    ]
    drill, review = both(events)
    assert review["detected"].at == at(100) and review["declared"].seconds == 400
    assert (drill["Declared"].took, drill["Declared"].target) == (400, 300)
    assert drill["Declared"].verdict == review["declared"].result == "missed"


def test_a_declaration_before_any_signal_is_on_time():
    events = [started(), declared(5), error_rate(10, api=30.0)]
    drill, review = both(events)
    assert review["detected"].at is None and review["declared"].result == ""
    assert drill["Declared"].verdict == "met"


def test_a_pagerduty_acknowledge_or_page_is_no_first_status_update():
    """The issue's service-down session: the only delivery was PagerDuty's acknowledge."""
    events = [
        started(),
        declared(0, Severity.P1),
        IncidentAcknowledged(at=at(55), by="bob"),
        *message(55, "ack", "pagerduty", "pagerduty", purpose="acknowledge"),
        *message(60, "page", "pagerduty", "pagerduty"),  # an update sent to a pager: a page
        *message(70, "esc", "#leads", "slack", purpose="escalation"),
        error_rate(31 * 60, api=1.0),
    ]
    drill, review = both(events)
    # the drill ended (scored) without one: "not done", the card's word too
    assert review["first_update"].at is None and review["first_update"].result == "not done"
    assert drill["First status update"].verdict == "not done"
    [part] = parts(gather(events))
    assert [g.result for g in part.milestones.cadence()] == ["missed"]
    state = fold_all(ConsoleState(), events)
    assert state.incident.last_update_at is None  # the header's "update due" never reset
    review_md = review_files(events)[0].data.decode()
    assert "| PagerDuty acknowledge |" in review_md and "| page (Investigating) |" in review_md
    assert "- First status update: " not in review_md.split("### What Went Well")[1].split("###")[0]


def test_a_status_update_that_reached_people_counts_on_slack_statuspage_or_email():
    for channel, kind in (("#incidents", "slack"), ("status", "statuspage"), ("mail", "sink")):
        events = [started(), declared(0), *message(30, "m", channel, kind)]
        _, review = both(events)
        assert review["first_update"].at == at(31), channel


def test_a_journal_without_channel_types_takes_a_pagerduty_name_for_a_pager():
    assert is_pager("", "pagerduty") and is_pager("", "PagerDuty-oncall")
    assert not is_pager("", "#incidents") and not is_pager("slack", "pagerduty-alerts")


def test_a_resolved_update_alone_resolves_for_the_review_and_the_header():
    events = [
        started(),
        declared(0),
        *message(300, "r", "#incidents", "slack", status=IncidentStatus.RESOLVED),
    ]
    [part] = parts(gather(events))
    assert (
        part.milestones.resolved == at(301) == fold_all(ConsoleState(), events).incident.resolved_at
    )
    assert "**Status:** resolved at 2026-03-06T12:05:01Z by bob's Resolved update" in (
        review_files(events)[0].data.decode()
    )


def test_every_target_is_the_severity_the_incident_reached():
    raised = SeverityChanged(
        at=at(60), severity=Severity.P1, previous=Severity.P3, reason="worse", by="bob"
    )
    lowered = SeverityChanged(at=at(90), severity=Severity.P3, previous=Severity.P1, by="bob")
    resolved = IncidentResolved(at=at(3000), summary="fixed", by="bob")
    events = [started(), declared(0, Severity.P3), raised, lowered, resolved]
    [part] = parts(gather(events))
    assert part.milestones.held is Severity.P1
    resolve = next(m for m in part.milestones.measures() if m.key == "resolved")
    assert resolve.target_seconds == TARGETS[Severity.P1].resolution.total_seconds()


def test_a_drill_holds_the_expected_severity_and_says_the_chosen_one_was_lower():
    """The issue's P4 drill of a P1 scenario: 7 min 30 s to act, 11 min to resolve."""
    expected = Expectations("bad-deploy", Severity.P1, (("rollout_undo", None),))
    events = [
        started(),
        declared(0, Severity.P4),
        IncidentAcknowledged(at=at(450), by="bob"),
        IncidentResolved(at=at(660), summary="fixed", by="bob"),
    ]
    card = score(events, expected)
    lines = {m.name: m for m in card.milestones}
    assert card.expected is Severity.P1
    assert (lines["Acknowledged"].target, lines["Acknowledged"].verdict) == (300, "missed")
    assert lines["Resolved"].target == 3600
    assert "lower" in lines["Severity"].detail and lines["Severity"].verdict == "missed"
    [part] = parts(gather([*events, card]))
    assert part.milestones.held is Severity.P1
    assert "Targets: P1, the scenario's expected severity (the commander chose P4, lower)" in (
        review_files([*events, card])[0].data.decode()
    )


def test_the_right_fix_after_wrong_moves_is_found(tmp_path):
    """db-lock-storm: a restart of a healthy service and a cancel of a pid that blocks nobody,
    then pid 4242, the scenario's blocker, terminated: the fix is found, the two listed."""
    from tests.play import Session
    from tests.unit.review_sessions import perform

    session = Session("db-lock-storm", tmp_path / "j.warroom", mode="drill").run(40)
    session.declare(Severity.P2)
    perform(session, "restart", "tracktion/file-watcher")
    perform(session, "cancel_backend", "postgres", {"pid": 1})
    session.run(50)
    perform(session, "terminate_backend", "postgres", {"pid": 4242})
    session.run(60)
    expected = Expectations("db-lock-storm", Severity.P2, (("terminate_backend", None),))
    card = score(session.recorder.journal.events(), expected)
    fix = next(m for m in card.milestones if m.name == "Remediation")
    assert (fix.verdict, fix.points) == ("met", 20)
    assert "terminate backend pid 4242 after 1 other" in fix.detail  # the cancel failed
    assert len(card.harmful) == 2


def test_one_update_to_several_channels_is_one_update_and_one_cadence_row():
    """The issue's double count: one Investigating update to #incidents and the status page
    at the same moment is one update, whatever its channels, in the review and the card."""
    events = [
        started(),
        declared(0),
        *message(30, "slack", "#incidents", "slack"),
        *message(30, "page", "status", "statuspage"),
        error_rate(20 * 60, api=1.0),
    ]
    drill, _ = both(events)
    [part] = parts(gather(events))
    assert part.milestones.updates == [at(31)]
    assert [g.result for g in part.milestones.cadence()] == ["on time"]
    assert drill["Update cadence"].detail == "every 30 min: on time"
    review_md = review_files(events)[0].data.decode()
    assert "Every status update came on time (1 due)" in review_md
    # two updates at two moments are still two
    later = [*events[:-1], *message(600, "s2", "#incidents", "slack"), events[-1]]
    [part] = parts(gather(later))
    assert part.milestones.updates == [at(31), at(601)]


def test_a_harmful_action_is_no_mitigation_and_the_right_fix_is(tmp_path):
    """service-down, declared P4, the healthy file-watcher restarted, then quit: analysis-service
    still crash-loops, so nothing was mitigated, in the card or the review. Undoing the
    analysis-service rollout (the scenario's fix) mitigates once it is up again."""
    from probes.simulated.scenario import load
    from tests.play import Session
    from tests.unit.review_sessions import perform
    from tui.drill import expectations

    expected = expectations(load("service-down"))
    session = Session("service-down", tmp_path / "j.warroom", mode="drill").run(40)
    session.declare(Severity.P4)
    perform(session, "restart", "tracktion/file-watcher")
    session.run(60)
    events = list(session.recorder.journal.events())
    card = {m.name: m for m in score(events, expected).milestones}
    [part] = parts(gather(events))
    assert part.milestones.mitigated is None
    assert card["Mitigated"].verdict == "not done" and card["Mitigated"].took is None
    review_md = review_files(events)[0].data.decode()
    assert "| Mitigated[^mitigated] | not reached |" in review_md
    # the scenario's fix on its target: mitigated once analysis-service is no longer flagged
    fixed = Session("service-down", tmp_path / "k.warroom", mode="drill").run(40)
    fixed.declare(Severity.P1)
    target = expected.fixes[0][1] or "analysis-service"
    perform(fixed, expected.fixes[0][0], f"tracktion/{target}")
    fixed.run(200)
    events = list(fixed.recorder.journal.events())
    card = {m.name: m for m in score(events, expected).milestones}
    [part] = parts(gather(events))
    done = next(e.at for e in events if getattr(e, "kind", "") == "action_finished")
    assert part.milestones.mitigated is not None and part.milestones.mitigated > done
    assert card["Mitigated"].took == part.milestones.measures()[4].seconds


def test_a_resolution_while_the_signals_breach_is_no_success(tmp_path):
    """external-api-failure: declared, resolved with `x` 19 s later with no acknowledgement,
    no update and no fix while 5xx stood at 15 %. Nothing of it went well: the resolution is
    missed, the milestones never reached read "not done" alike in review and card, and each
    becomes an action item."""
    from probes.simulated.scenario import load
    from tests.play import OPERATOR, Session
    from tui.drill import expectations

    session = Session("external-api-failure", tmp_path / "j.warroom", mode="drill").run(60)
    session.declare(Severity.P2)
    session.run(79)
    breaching = session.recorder.state.bands
    assert any(breaching.values())  # the guide's rules still flag the 5xx
    session.record(IncidentResolved(at=session.clock.now(), summary="done", by=OPERATOR))
    session.run(90)
    events = list(session.recorder.journal.events())
    [part] = parts(gather(events))
    measured = {m.key: m for m in part.milestones.measures()}
    assert measured["resolved"].result == "missed"
    assert "still breached" in measured["resolved"].note
    assert measured["acknowledged"].result == measured["first_update"].result == "not done"
    review_md = review_files(events)[0].data.decode()
    well = review_md.split("### What Went Well")[1].split("###")[0]
    assert "- Resolved:" not in well and "| pending |" not in review_md
    assert "| Acknowledged[^acknowledged] | never | declared | — | 15 minutes | not done |" in (
        review_md
    )
    items = review_md.split("## Action Items")[1].split("## Prevention")[0]
    assert "Resolve only once the guide's resolution criteria hold: resolved while" in items
    assert "closed without an acknowledgement" in items
    assert "closed without any reaching people" in items
    card = {m.name: m for m in score(events, expectations(load("external-api-failure"))).milestones}
    assert card["Acknowledged"].verdict == card["First status update"].verdict == "not done"
    assert card["Resolved"].verdict == "missed" and "still breached" in card["Resolved"].detail
