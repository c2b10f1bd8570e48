"""The guide's three runbooks as data: loaded whole, suggested by the live signals, their
progress read from journaled events, escalation criteria and Service Down's resolution."""

from __future__ import annotations

from datetime import timedelta

import pytest

from state.events import (
    ActionFinished,
    ActionRequested,
    IncidentAcknowledged,
    InvestigationShown,
    RunbookStepTicked,
    VerificationChecked,
    VerificationFinished,
)
from state.guide.runbook import (
    NAMES,
    escalation_met,
    load,
    out_of_order,
    progress,
    resolution,
    suggest,
)
from tests.play import START, Session


@pytest.mark.parametrize("name", NAMES)
def test_each_runbook_has_the_guides_parts(name: str) -> None:
    rb = load(name)
    assert rb.trigger and rb.severity and rb.team and rb.escalation and rb.resolution
    assert [p.start for p in rb.phases] == sorted(p.start for p in rb.phases)
    assert all(p.end > p.start for p in rb.phases)
    ids = [s.id for s in rb.steps]
    assert len(ids) == len(set(ids))
    assert any(s.manual for s in rb.steps) or name == "service-down"
    assert {"verify", "resolve"} <= {s.action for s in rb.steps}


def test_phase_clock_picks_the_time_box() -> None:
    rb = load("high-error-rate")
    assert rb.phase_at(0).title == "Initial Response"
    assert rb.phase_at(7).title == "Investigation"
    assert rb.phase_at(500).title == rb.phases[-1].title


@pytest.mark.parametrize(
    ("scenario", "runbook"),
    [
        ("bad-deploy", "high-error-rate"),
        ("external-api-failure", "high-error-rate"),
        ("certificate-expiry", "high-error-rate"),
        ("service-down", "service-down"),
        ("db-lock-storm", "database-performance"),
        ("connection-pool-exhaustion", "database-performance"),
    ],
)
def test_the_signals_suggest_the_scenarios_runbook(tmp_path, scenario: str, runbook: str) -> None:
    quiet = Session(scenario, tmp_path / "q.warroom").run(10)
    assert suggest(quiet.recorder.state) is None
    session = Session(scenario, tmp_path / "j.warroom").run(300)
    hint = suggest(session.recorder.state)
    assert hint is not None and hint[0] == runbook, hint


def test_progress_reads_console_actions_and_hand_ticks_from_the_journal() -> None:
    rb = load("high-error-rate")
    at = START + timedelta(minutes=1)
    events = [
        IncidentAcknowledged(at=at, by="alice"),
        RunbookStepTicked(at=at, runbook=rb.name, step="join", text="Join", by="bob"),
        InvestigationShown(at=at, step="changes", by="alice"),
        ActionFinished(at=at, action_id="1", action="rollout_undo", target="t", ok=True),
        ActionFinished(at=at, action_id="2", action="restart", target="t", ok=True, dry_run=True),
    ]
    ticks = progress(rb, events)
    assert {k: v[0] for k, v in ticks.items()} == {
        "acknowledge": "done",
        "join": "done",
        "changes": "done",
        "fix": "done",
    }
    assert ticks["join"][2] == "bob"
    # the fix came before the quick assessment and the other investigation steps
    assert out_of_order(rb, ticks) >= 1


def test_a_step_done_through_its_key_is_the_persons_in_old_journals_too() -> None:
    """The fix and the verification name who did them: the outcome's own `by`, or, in a
    journal written before outcomes carried one, who asked for the action or ran the check."""
    rb = load("high-error-rate")
    at = START + timedelta(minutes=1)
    asked = ActionRequested(
        at=at, action_id="1", action="rollout_undo", target="t", params={}, by="ana"
    )
    now = [
        asked,
        ActionFinished(at=at, action_id="1", action="rollout_undo", target="t", ok=True, by="ana"),
        VerificationChecked(at=at, ok=True, streak=5, detail="ok", by="bo"),
        VerificationFinished(at=at, stable=True, detail="5 good checks", by="bo"),
    ]
    ticks = progress(rb, now)
    assert (ticks["fix"][2], ticks["verify"][2]) == ("ana", "bo")
    old = [  # as journaled before: the outcomes' bodies carry no `by`
        asked,
        ActionFinished.model_validate_json(
            '{"kind": "action_finished", "at": "2026-03-14T09:27:00Z", "action_id": "1",'
            ' "action": "rollout_undo", "target": "t", "ok": true}'
        ),
        VerificationChecked(at=at, ok=True, streak=5, detail="ok", by="bo"),
        VerificationFinished.model_validate_json(
            '{"kind": "verification_finished", "at": "2026-03-14T09:27:00Z", "stable": true,'
            ' "detail": "5 good checks"}'
        ),
    ]
    ticks = progress(rb, old)
    assert (ticks["fix"][2], ticks["verify"][2]) == ("ana", "bo")
    failed = VerificationFinished(at=at, stable=False, detail="error rate 9%", by="bo")
    assert "verify" not in progress(rb, [failed])  # a watch that did not confirm: still open


def test_escalation_criteria_and_service_down_resolution(tmp_path) -> None:
    session = Session("service-down", tmp_path / "j.warroom").run(300)
    rb = load("service-down")
    state = session.recorder.state
    met = escalation_met(rb, state, None, None, session.clock.now())
    assert "Error rate >20% (immediate P1 escalation)" in met
    ok, detail = resolution(rb, state)
    assert not ok and "analysis-service" in detail
    healthy = Session("bad-deploy", tmp_path / "h.warroom").run(10)
    assert resolution(rb, healthy.recorder.state) == (
        True,
        "all pods Running, health 200, error rate <1% on every service",
    )


def test_database_criteria_the_console_can_see(tmp_path) -> None:
    from state.events import ProbeFailed

    session = Session("connection-pool-exhaustion", tmp_path / "j.warroom").run(300)
    rb = load("database-performance")
    state = session.recorder.state
    met = escalation_met(rb, state, None, None, session.clock.now())
    assert "Database resource usage >90% sustained" in met
    assert "Evidence of data corruption" not in met  # for people: never prompted
    failed = session.clock.now()
    session.record(ProbeFailed(at=failed, source="postgres", reason="connection refused"))
    later = failed + timedelta(minutes=6)
    state = session.recorder.state
    assert "Database completely unresponsive for >5 minutes" in escalation_met(
        rb, state, None, None, later
    )
    assert "Database completely unresponsive for >5 minutes" not in escalation_met(
        rb, state, None, None, failed + timedelta(minutes=4)
    )
    her = load("high-error-rate")
    assert "Database connectivity issues" in escalation_met(her, state, None, None, later)
