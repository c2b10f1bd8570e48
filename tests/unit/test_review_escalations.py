"""The review says each escalation the guide's triggers made due, and whether it was made
(state/review/escalations.py): "No escalation was journaled." alone hid a P1's manager
never paged, while the console's header had said "ESCALATE to L3 now" for an hour."""

from __future__ import annotations

from state.events import Escalated, IncidentResolved, NoteAdded, SeverityChanged
from state.guide.severity import Severity
from state.review.escalations import due_escalations
from state.review.facts import gather
from state.review.files import review_files
from state.review.metrics import parts
from tests.unit.helpers import at
from tests.unit.test_review import declared, started


def due(events) -> list[tuple[str, int, str, float | None]]:
    (part,) = [p for p in parts(gather(events)) if p.incident is not None]
    return [(d.at.strftime("%H:%M:%S"), d.level, d.why, d.late) for d in due_escalations(part)]


def escalated(t: float, level: int) -> Escalated:
    return Escalated(at=at(t), level=level, reason="r", by="bob")


def test_a_p2_raised_to_p1_makes_the_manager_due_at_the_raise_and_says_it_never_came() -> None:
    events = [
        started(),
        declared(10, Severity.P2),
        SeverityChanged(at=at(40), severity=Severity.P1, previous=Severity.P2, by="bob"),
        escalated(120, 2),  # the team lead: below the manager the P1 wants
        IncidentResolved(at=at(600), summary="ok", by="bob"),
    ]
    assert due(events) == [("12:00:40", 3, "P1 declared: immediately", None)]
    review = next(f for f in review_files(events) if f.name.endswith("_review.md")).data.decode()
    section = review.split("### Escalations\n")[1].split("\n## ")[0]
    assert "| 2026-03-06T12:02:00Z | L2 |" in section  # what was made, as before
    assert (
        "| 2026-03-06T12:00:40Z | L3 | P1 declared: immediately: escalate to on-call manager "
        "| **not escalated** |"
    ) in section
    assert "L3 (on-call manager) fell due at 2026-03-06T12:00:40Z" in review  # an action item


def test_a_trigger_met_late_says_by_how_much_and_one_met_before_is_on_time() -> None:
    events = [
        started(),
        declared(0, Severity.P1),
        escalated(150, 3),  # 2 min 30 s after the P1's "immediately"
        escalated(3000, 4),  # senior management before the hour
        NoteAdded(at=at(4000), text="still open at 1 h 6 min", by="bob"),
    ]
    assert due(events) == [
        ("12:00:00", 3, "P1 declared: immediately", 150.0),
        ("13:00:00", 4, "P1/P2 open 1 h", 0.0),
    ]
    review = next(f for f in review_files(events) if f.name.endswith("_review.md")).data.decode()
    assert "| 2026-03-06T12:02:30Z, 2 min 30 s late |" in review
    assert "| on time (2026-03-06T12:50:00Z) |" in review
    assert "fell due" not in review  # no action item: both were met


def test_nothing_falls_due_after_the_resolution() -> None:
    events = [
        started(),
        declared(0, Severity.P2),
        IncidentResolved(at=at(20 * 60), summary="ok", by="bob"),  # before the 30 min trigger
    ]
    assert due(events) == []
