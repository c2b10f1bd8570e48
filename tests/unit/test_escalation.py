"""The guide's automatic escalation triggers on a frozen timeline."""

from __future__ import annotations

from datetime import timedelta

from state.guide.escalation import LEVEL_AUDIENCE, LEVEL_NAMES, next_escalation
from state.guide.severity import Severity
from tests.unit.helpers import T0, at

MIN = 60


def test_a_p1_goes_to_the_on_call_manager_immediately():
    """The guide's P1: "Escalation: Immediate to on-call manager" (level 3)."""
    due = next_escalation(Severity.P1, T0, level=0)
    assert (due.at, due.level) == (T0, 3)
    assert due.reason == "P1 declared: immediately: escalate to on-call manager (level 3)"


def test_p2_goes_to_the_team_lead_after_30_minutes_acknowledged_or_not():
    """ "30 minutes: P2 incidents automatically escalate to team lead": no condition."""
    due = next_escalation(Severity.P2, T0, level=0)
    assert (due.at, due.level) == (at(30 * MIN), 2)
    assert due.reason == "P2 open 30 min: escalate to team lead (level 2)"


def test_p1_then_goes_to_senior_management_after_an_hour_then_executives():
    due = next_escalation(Severity.P1, T0, level=3)
    assert (due.at, due.level) == (at(60 * MIN), 4)
    due = next_escalation(Severity.P1, T0, level=4)
    assert (due.at, due.level) == (at(120 * MIN), 5)
    assert next_escalation(Severity.P1, T0, level=5) is None


def test_p2_escalates_to_senior_management_after_an_hour_and_never_to_executives():
    due = next_escalation(Severity.P2, T0, level=2)
    assert (due.at, due.level) == (at(60 * MIN), 4)
    assert next_escalation(Severity.P2, T0, level=4) is None


def test_a_level_already_reached_is_not_triggered_again():
    due = next_escalation(Severity.P1, T0, level=3)
    assert due.level == 4


def test_p3_p4_and_resolved_incidents_do_not_escalate_by_themselves():
    assert next_escalation(Severity.P3, T0, level=0) is None
    assert next_escalation(Severity.P4, T0, level=0) is None
    assert next_escalation(Severity.P1, T0, level=0, resolved=True) is None


def test_an_overdue_trigger_stays_due_until_acted_on():
    due = next_escalation(Severity.P2, T0 - timedelta(hours=3), level=0)
    assert due.level == 2 and due.at < T0  # overdue, still the first step


def test_the_hierarchy_and_who_hears_of_each_level():
    assert LEVEL_NAMES[1].startswith("primary") and LEVEL_NAMES[5] == "CEO"
    assert [LEVEL_AUDIENCE[n] for n in range(1, 6)] == [
        "team",
        "team",
        "management",
        "executive",
        "executive",
    ]
