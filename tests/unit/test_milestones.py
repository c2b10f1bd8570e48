"""The drill's score card and the review measure time to declare, and pick the severity
whose targets apply, by one definition (state/guide/milestones.py): on the same journal
they agree."""

from __future__ import annotations

from state.events import IncidentDeclared, IncidentResolved, SessionStarted, SeverityChanged
from state.guide.drill import Expectations, score
from state.guide.policy import TARGETS
from state.guide.severity import Severity
from state.review.facts import gather
from state.review.metrics import parts
from tests.unit.helpers import at, error_rate

EXPECTED = Expectations("bad-deploy", Severity.P2, (("rollout_undo", None),))


def started():
    return SessionStarted(at=at(0), mode="drill", version="0", operator="bob", services=("api",))


def declared(t: float, severity: Severity = Severity.P2):
    return IncidentDeclared(
        at=at(t), incident_id="INC-1", severity=severity, title="t", reason="r", by="bob"
    )


def both(events):
    """(the drill's milestones by name, the review's metrics by key) of one journal."""
    card = score(events, EXPECTED)
    [part] = parts(gather(events))
    return {m.name: m for m in card.milestones}, {m.key: m for m in part.metrics}


def test_time_to_declare_runs_from_the_last_raise_before_the_declaration():
    events = [
        started(),
        error_rate(10, api=8.0),  # flagged: above 5%
        error_rate(20, api=1.0),  # cleared
        error_rate(100, api=8.0),  # flagged again: the first signal of this incident
        declared(500),
    ]
    drill, review = both(events)
    declare, detect = drill["Declared after the first alert"], review["detect"]
    assert detect.start == at(100) and detect.seconds == 400
    assert (declare.took, declare.target) == (400, 300)
    assert declare.verdict == detect.verdict == "missed"


def test_a_declaration_before_any_signal_has_no_time_to_declare():
    events = [started(), declared(5), error_rate(10, api=30.0)]
    drill, review = both(events)
    assert review["detect"].start is None
    assert drill["Declared after the first alert"].verdict == "n/a"


def test_a_milestone_is_held_to_the_severity_in_effect_when_it_was_reached():
    raised = SeverityChanged(
        at=at(60), severity=Severity.P1, previous=Severity.P3, reason="worse", by="bob"
    )
    resolved = IncidentResolved(at=at(3000), summary="fixed", by="bob")
    events = [started(), declared(0, Severity.P3), raised, resolved]
    drill, review = both(events)
    assert review["resolve"].severity is Severity.P1
    assert drill["Resolved"].target == TARGETS[Severity.P1].resolution.total_seconds()
    assert drill["Severity"].detail == f"chose {Severity.P3.label}, expected {Severity.P2.label}"
