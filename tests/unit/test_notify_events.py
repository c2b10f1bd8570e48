"""MessageQueued, Escalated and MessageSent: what they do to the state and say on the timeline."""

from __future__ import annotations

from state.console import ConsoleState, EscalationChange, PendingMessage
from state.events import Escalated, IncidentDeclared, MessageQueued, MessageSent
from state.fold import fold
from state.guide.severity import IncidentStatus, Severity
from state.journal.store import Journal
from tests.unit.helpers import as_json, at, fold_all

INCIDENT = "INC-20260306-8400"


def declared() -> IncidentDeclared:
    return IncidentDeclared(
        at=at(0),
        incident_id=INCIDENT,
        severity=Severity.P1,
        title="tracklist-service 5xx",
        reason="error rate",
        by="ana",
    )


def queued(n: int, channel: str = "#incidents", purpose="update", t: float = 10) -> MessageQueued:
    return MessageQueued(
        at=at(t),
        message_id=f"{INCIDENT}:{channel}:{n}",
        channel=channel,
        status=IncidentStatus.IDENTIFIED,
        text="We have identified the issue",
        by="ana",
        purpose=purpose,
    )


def posted(n: int, delivered: bool, channel: str = "#incidents", t: float = 20, detail: str = ""):
    return MessageSent(
        at=at(t),
        message_id=f"{INCIDENT}:{channel}:{n}",
        channel=channel,
        status=IncidentStatus.IDENTIFIED,
        text="We have identified the issue",
        outcome="delivered" if delivered else "failed",
        detail=detail,
        by="ana",
    )


def escalated(level: int = 3, t: float = 30, channels=("#management", "pagerduty")) -> Escalated:
    return Escalated(
        at=at(t),
        level=level,
        reason="P1 unacknowledged 15 min",
        by="ana",
        contacts=("engineering manager", "product manager"),
        channels=channels,
    )


def base(*events) -> ConsoleState:
    return fold_all(ConsoleState(), [declared(), *events])


def texts_added(state: ConsoleState, *events) -> list[str]:
    after = fold_all(state, events)
    return [e.text for e in after.timeline[len(state.timeline) :]]


# ---- fold ----------------------------------------------------------------------------------------


def test_a_queued_update_is_pending_until_its_outcome():
    state = base(queued(1))
    assert state.incident.pending_messages == {
        f"{INCIDENT}:#incidents:1": PendingMessage(
            channel="#incidents", status=IncidentStatus.IDENTIFIED, queued_at=at(10)
        )
    }
    assert state.incident.last_update_at is None
    after = fold(state, posted(1, delivered=True))
    assert after.incident.pending_messages == {}
    assert after.incident.last_update_at == at(20)
    assert after.incident.status is IncidentStatus.IDENTIFIED


def test_a_failed_update_leaves_the_cadence_and_status_alone():
    after = base(queued(1), posted(1, delivered=False, detail="HTTP 410"))
    assert after.incident.pending_messages == {}
    assert after.incident.last_update_at is None
    assert after.incident.status is IncidentStatus.INVESTIGATING


def test_escalation_records_the_level_and_its_history():
    state = base(escalated(2, t=30), escalated(3, t=40))
    assert state.incident.escalation_level == 3
    assert state.incident.escalation_history == (
        EscalationChange(at=at(30), level=2, reason="P1 unacknowledged 15 min", by="ana"),
        EscalationChange(at=at(40), level=3, reason="P1 unacknowledged 15 min", by="ana"),
    )


def test_an_escalation_page_is_not_a_status_update():
    state = base(escalated(3), queued(1, "pagerduty", "escalation", t=30))
    assert state.incident.pending_messages[f"{INCIDENT}:pagerduty:1"].level == 3
    after = fold(state, posted(1, delivered=True, channel="pagerduty", t=31))
    assert after.incident.last_update_at is None
    assert after.incident.status is IncidentStatus.INVESTIGATING
    assert after.incident.pending_messages == {}


def test_without_an_incident_they_change_nothing_but_the_count():
    state = fold_all(ConsoleState(), [queued(1), escalated(), posted(1, True)])
    assert state.incident is None and state.events == 3


# ---- timeline ------------------------------------------------------------------------------------


def test_timeline_wording():
    state = base()
    assert texts_added(state, queued(1)) == ["Identified update queued for #incidents by ana"]
    assert texts_added(base(queued(1)), posted(1, True)) == [
        "Identified update delivered to #incidents"
    ]
    assert texts_added(base(queued(1)), posted(1, False, detail="slack webhook $X: HTTP 410")) == [
        "Identified update FAILED to #incidents: slack webhook $X: HTTP 410"
    ]
    assert texts_added(state, escalated()) == [
        "Escalated to L3 (engineering manager, product manager) by ana: P1 unacknowledged "
        "15 min; paging #management, pagerduty"
    ]
    assert texts_added(state, escalated(channels=())) == [
        "Escalated to L3 (engineering manager, product manager) by ana: P1 unacknowledged "
        "15 min; no channel paged"
    ]


def test_an_escalations_pages_appear_once_with_their_outcome():
    state = base(escalated(3))
    assert texts_added(state, queued(1, "pagerduty", "escalation")) == []
    paged = base(escalated(3), queued(1, "pagerduty", "escalation"))
    assert texts_added(paged, posted(1, True, "pagerduty", detail="PagerDuty incident P1")) == [
        "L3 escalation page delivered to pagerduty: PagerDuty incident P1"
    ]


def test_tones():
    state = base(queued(1), escalated())
    tones = {e.kind: e.tone for e in state.timeline}
    assert tones["message_queued"] == "action"
    assert tones["escalated"] == "warn"
    assert fold(state, posted(1, False)).timeline[-1].tone == "bad"


def test_text_from_outside_is_inert_on_the_timeline():
    state = base(queued(1))
    after = fold(state, posted(1, False, detail="HTTP 500 \x1b[2J\x1b]0;pwned\x07 body"))
    assert "\x1b" not in after.timeline[-1].text and "\x07" not in after.timeline[-1].text


def test_replaying_the_journal_gives_the_same_state(tmp_path):
    events = [
        declared(),
        queued(1),
        escalated(),
        queued(1, "pagerduty", "escalation"),
        posted(1, True),
        posted(1, False, "pagerduty"),
    ]
    live = fold_all(ConsoleState(), events)
    with Journal.create(tmp_path / "r.warroom") as journal:
        for event in events:
            journal.append(event)
        replayed = fold_all(ConsoleState(), journal.events())
    assert as_json(replayed) == as_json(live)
