"""The guide's message templates, filled from the console state: pure and deterministic."""

from __future__ import annotations

from datetime import timedelta

import pytest

from state.console import ConsoleState
from state.events import (
    ActionFinished,
    ActionRequested,
    IncidentDeclared,
    IncidentResolved,
    MetricSampled,
    RoleAssigned,
    SessionStarted,
)
from state.guide.severity import IncidentStatus, Role, Severity
from state.guide.templates import (
    affected_services,
    component_status,
    components,
    escalation_contacts,
    escalation_text,
    internal_update_text,
    status_page_text,
    summary_line,
)
from tests.unit.helpers import (
    T0,
    at,
    deployment,
    deployments,
    error_rate,
    fold_all,
    health,
    latency,
)

SERVICES = ("analysis-service", "tracklist-service", "file-watcher", "notification-service")


def declared(severity: Severity = Severity.P1) -> IncidentDeclared:
    return IncidentDeclared(
        at=at(10),
        incident_id="INC-20260306-8410",
        severity=severity,
        title="tracklist-service 5xx",
        reason="tracklist-service error rate 34.0% > 20%",
        by="ana",
    )


def outage(*more) -> ConsoleState:
    """tracklist down, analysis at 7.5% errors, file-watcher slow, notification fine."""
    events = [
        SessionStarted(at=T0, mode="demo", version="0", operator="ana", services=SERVICES),
        deployments(
            1,
            deployment("analysis-service"),
            deployment("tracklist-service", ready=0),
            deployment("file-watcher"),
            deployment("notification-service", ready=2),
        ),
        health(1, analysis_service=True, tracklist_service=False, file_watcher=True),
        error_rate(2, analysis_service=7.5, tracklist_service=34.0, file_watcher=0.1),
        latency(2, baseline={"file-watcher": 100.0}, file_watcher=450.0),
        declared(),
        *more,
    ]
    return fold_all(ConsoleState(), events)


# ---- affected services and component statuses ----------------------------------------------------


def test_component_status_follows_the_guides_thresholds():
    state = outage()
    assert component_status(state, "tracklist-service") == "major_outage"  # down
    assert component_status(state, "notification-service") == "partial_outage"  # 2 of 3 ready
    assert component_status(state, "analysis-service") == "degraded_performance"  # > 5%
    assert component_status(state, "file-watcher") == "degraded_performance"  # 4.5x baseline


def test_an_error_rate_over_20_percent_is_a_partial_outage():
    state = fold_all(ConsoleState(), [error_rate(1, api=25.0), health(1, api=True)])
    assert component_status(state, "api") == "partial_outage"


def test_affected_services_are_those_down_or_past_a_threshold_in_console_order():
    assert affected_services(outage()) == SERVICES


def test_resolved_puts_every_component_back_to_operational():
    assert set(components(outage(), IncidentStatus.RESOLVED).values()) == {"operational"}


# ---- the status page templates -------------------------------------------------------------------


def test_the_four_status_page_templates():
    state = fold_all(
        ConsoleState(),
        [health(1, api=True, worker=False), error_rate(1, api=9.0, worker=0.0), declared()],
    )
    assert status_page_text(state, IncidentStatus.INVESTIGATING) == (
        "We are investigating reports of issues with api and worker. "
        "We will provide updates as we learn more."
    )
    assert status_page_text(state, IncidentStatus.IDENTIFIED, "A bad deploy of worker.") == (
        "We have identified the issue affecting api and worker. A bad deploy of worker. "
        "We are working on a fix."
    )
    assert status_page_text(state, IncidentStatus.IDENTIFIED) == (
        "We have identified the issue affecting api and worker. We are working on a fix."
    )
    assert status_page_text(state, IncidentStatus.MONITORING) == (
        "A fix has been implemented and we are monitoring the results. "
        "Service should be restored for most users."
    )
    assert status_page_text(state, IncidentStatus.RESOLVED) == (
        "This issue has been resolved. All services are operating normally."
    )


def test_the_resolved_update_carries_the_ics_summary_inert():
    typed = "rolled back worker\x1b[2J\nto revision 7."
    resolved = IncidentResolved(at=at(20), summary=typed, by="ana")
    state = fold_all(ConsoleState(), [health(1, api=True), declared(), resolved])
    assert status_page_text(state, IncidentStatus.RESOLVED) == (
        "This issue has been resolved. rolled back worker to revision 7. "
        "All services are operating normally."
    )
    internal = internal_update_text(state, at(21), IncidentStatus.RESOLVED)
    assert "Resolution: rolled back worker to revision 7" in internal.splitlines()
    assert "\x1b" not in internal


def test_three_services_are_listed_with_commas_and_none_says_some():
    assert "analysis-service, tracklist-service, file-watcher and notification-service" in (
        status_page_text(outage(), IncidentStatus.INVESTIGATING)
    )
    calm = fold_all(ConsoleState(), [health(1, api=True), declared()])
    assert status_page_text(calm, IncidentStatus.INVESTIGATING).startswith(
        "We are investigating reports of issues with some of our services."
    )


def test_names_from_outside_are_made_inert():
    state = fold_all(ConsoleState(), [health(1, **{"evil\x1b[31m\nx": False}), declared()])
    assert "\x1b" not in status_page_text(state, IncidentStatus.INVESTIGATING)


# ---- the internal status update ------------------------------------------------------------------


def test_the_internal_status_update_fills_every_field_of_the_template():
    state = outage(
        RoleAssigned(at=at(11), role=Role.IC, person="ana", by="ana"),
        RoleAssigned(at=at(12), role=Role.CL, person="li", by="ana"),
        ActionRequested(
            at=at(20),
            action_id="a1",
            action="rollout_undo",
            target="tracklist-service",
            by="ana",
        ),
        ActionFinished(
            at=at(25),
            action_id="a1",
            action="rollout_undo",
            target="tracklist-service",
            ok=True,
            result="revision 7 restored",
        ),
        ActionRequested(
            at=at(27),
            action_id="a2",
            action="terminate_idle",
            target="45 idle sessions",
            params={"older_than": 600.0, "pids": list(range(1000, 1045))},
            by="ana",
        ),
        ActionFinished(
            at=at(28),
            action_id="a2",
            action="terminate_idle",
            target="45 idle sessions",
            ok=True,
            result="terminated 45 idle sessions",
        ),
        MetricSampled(
            at=at(26),
            metric="error_rate",
            values={"tracklist-service": 34.0},
            request_rate={"tracklist-service": 50.0},
        ),
    )
    now = T0 + timedelta(minutes=3)
    text = internal_update_text(state, now, IncidentStatus.IDENTIFIED, next_steps=("watch",))
    lines = text.splitlines()
    assert lines[:4] == [
        "**Incident:** INC-20260306-8410",
        "**Time:** 2026-03-06 12:03:00 UTC",
        "**Status:** Identified",
        "**Severity:** P1",
    ]
    situation = lines[lines.index("**Current Situation:**") + 1]
    assert situation.startswith("tracklist-service 5xx. Now: down: tracklist-service;")
    actions = lines[lines.index("**Actions Taken:**") + 1 : lines.index("**Next Steps:**") - 1]
    # what was done, by its outcome: not each request, whose parameters list every pid
    assert actions == [
        "- revision 7 restored - 12:00:25 UTC",
        "- terminated 45 idle sessions - 12:00:28 UTC",
    ]
    assert "- watch" in lines
    assert "- Affected Users: unknown (about 17.0 failing requests/s)" in lines
    assert "- Services Down: tracklist-service" in lines
    assert (
        "- Error Rate: tracklist-service 34.0%, analysis-service 7.5%, file-watcher 0.1%" in lines
    )
    assert lines[lines.index("**Team:**") + 1 : lines.index("**Team:**") + 4] == [
        "- IC: ana",
        "- TL: unassigned",
        "- CL: li",
    ]
    # P1: every 15 minutes, counted from this update
    assert lines[-1] == "**Next Update:** 2026-03-06 12:18:00 UTC"


def test_p4_needs_no_next_update_and_a_given_situation_is_used():
    state = fold_all(ConsoleState(), [declared(Severity.P4)])
    text = internal_update_text(state, at(60), situation="All quiet")
    assert "**Current Situation:**\nAll quiet\n" in text
    assert text.endswith("**Next Update:** none required at P4")
    assert "- None yet" in text


def test_the_internal_update_is_deterministic():
    state = outage()
    assert internal_update_text(state, at(99)) == internal_update_text(state, at(99))


def test_no_incident_no_internal_update():
    with pytest.raises(ValueError, match="no incident"):
        internal_update_text(ConsoleState(), T0)


# ---- escalation messages -------------------------------------------------------------------------


def test_escalation_messages_are_the_scripts_per_level():
    assert escalation_text("INC-1", 1, "help") == (
        "🚨 Incident Escalated to L1\nIncident: INC-1\nReason: help"
    )
    assert escalation_text("INC-1", 2, "help").startswith("🚨 Incident Escalated to L2\n")
    assert escalation_text("INC-1", 3, "help") == (
        "⚠️ Management Escalation Required\nIncident: INC-1\nReason: help"
    )
    for level in (4, 5):
        assert escalation_text("INC-1", level, "help") == (
            "🚨 EXECUTIVE ESCALATION\nIncident: INC-1\nReason: help\nImmediate attention required"
        )


def test_escalation_contacts_are_the_guides_hierarchy():
    assert escalation_contacts(1) == ("primary on-call", "secondary on-call")
    assert escalation_contacts(3) == ("engineering manager", "product manager")
    assert escalation_contacts(5) == ("CEO",)


def test_summary_line():
    incident = outage().incident
    assert incident is not None
    assert summary_line(incident, IncidentStatus.MONITORING) == (
        "INC-20260306-8410 P1 CRITICAL Monitoring: tracklist-service 5xx"
    )
