"""Drills driven by Pilot: a commander who follows the guide scores an A; one who does not,
an F with the harm listed. The score card is journaled, so replay and export show it."""

from __future__ import annotations

import subprocess
import sys

from textual.widgets import Button, OptionList

from probes.notify.config import demo_config
from probes.simulated.scenario import load
from state.events import DrillScored
from state.journal.store import Journal
from tests.opening import open_demo
from tests.play import Session
from tests.tui.waiting import on_service, shown
from tui.drill import DrillApp, drill_console, expectations
from tui.opening import session_start
from widgets.comms_dialogs import EscalateScreen
from widgets.score_card import ScoreCardScreen


def drill_app(session: Session, scenario: str) -> DrillApp:
    return DrillApp(
        session.recorder,
        session.clock,
        operator="trainee",
        actions=session.actions,
        notify=demo_config(),
        watch_terminal=False,
        expected=expectations(load(scenario)),
    )


async def ok(pilot, last: bool = True) -> None:
    """Press the dialog's OK; on the last dialog of a flow, wait for the flow to finish."""
    for _ in range(100):  # a worker pushes the dialog; under load that takes a few frames
        if pilot.app.screen.query("#ok"):
            break
        await pilot.pause(0.02)
    pilot.app.screen.query_one("#ok", Button).press()
    await pilot.pause()
    if last:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def remediate(pilot, service: str, action: str) -> None:
    """`r` on `service`, chosen by name in the Services pane (its rows sort worst first)."""
    await on_service(pilot, service)
    await pilot.press("r")
    for _ in range(100):
        if pilot.app.screen.query(OptionList):
            break
        await pilot.pause(0.02)
    options = pilot.app.screen.query_one(OptionList)
    options.highlighted = [
        options.get_option_at_index(i).id for i in range(options.option_count)
    ].index(action)
    await pilot.press("enter")
    await pilot.pause()
    await ok(pilot)  # the confirmation


def card(session: Session) -> DrillScored:
    with Journal.open(session.recorder.journal.path, read_only=True) as journal:
        cards = [e for e in journal.events() if isinstance(e, DrillScored)]
    assert len(cards) == 1
    return cards[0]


async def test_a_run_by_the_guide_scores_an_a(tmp_path) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(50)
    app = drill_app(session, "bad-deploy")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("d", "tab", "enter")  # the suggested P1
        await pilot.pause()
        # the guide: a P1 goes to the on-call manager immediately; the console asks at once
        await ok(pilot, last=False)  # L3, the guide's reason filled in
        await ok(pilot)  # the confirmation naming who is paged
        await session.arun(70)
        await pilot.press("a")
        for role_steps, person in ((0, "bob"), (1, "carol")):  # TL (preselected), then CL
            await pilot.press("o", *["right"] * role_steps, "tab", *person, "enter")
            await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
        await ok(pilot, last=False)  # the prefilled Investigating update
        await ok(pilot)  # sent
        await app.comms._sender.deliver_due()
        await remediate(pilot, "tracklist-service", "rollout_undo")
        await session.arun(160)
        await pilot.press("v")
        for minute in range(1, 5):
            await session.arun(160 + 60 * minute)
            app.verification.verification_step()
        await pilot.press("x", *"rolled back to revision 7", "enter")
        await pilot.pause()
        await pilot.press("escape")  # no final update this time
        await pilot.pause()
        assert isinstance(app.screen, ScoreCardScreen)
        assert "Grade A" in app.screen.query_one("#card").render().plain
    result = card(session)
    assert result.grade == "A" and result.harmful == ()
    verdicts = {m.name: m.verdict for m in result.milestones}
    assert verdicts["Remediation"] == "met" and verdicts["Severity"] == "met"
    assert verdicts["Acknowledged"] == "met" and verdicts["Verified before resolving"] == "met"


async def test_a_careless_run_scores_an_f_and_names_the_harm(tmp_path) -> None:
    session = await Session("service-down", tmp_path / "j.warroom").arun(700)  # 10 min unseen
    app = drill_app(session, "service-down")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("d", "right", "right", "enter")  # P3 for a P1
        await pilot.pause()
        await remediate(pilot, "file-watcher", "restart")  # healthy
        await session.arun(760)
        await pilot.press("x", *"it went away", "enter")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ScoreCardScreen)
    result = card(session)
    assert result.grade == "F"
    assert result.harmful[0].startswith("restart file-watcher, which was healthy")
    verdicts = {m.name: m.verdict for m in result.milestones}
    assert verdicts["Declared"] == "missed"
    assert verdicts["Severity"] == "missed" and verdicts["Acknowledged"] == "not done"
    assert verdicts["Remediation"] == "missed"


def test_drill_list_keeps_the_answers_for_the_instructor() -> None:
    plain = subprocess.run(
        [sys.executable, "-m", "tui", "drill", "--list"], capture_output=True, text=True, timeout=60
    )
    assert plain.returncode == 0 and "connection-pool-exhaustion" in plain.stdout
    assert "rollout_undo" not in plain.stdout
    answers = subprocess.run(
        [sys.executable, "-m", "tui", "drill", "--list", "--answers"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "expects P2 HIGH; fix: circuit_breaker" in answers.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "tui", "drill", "nope"], capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 2 and bad.stderr.startswith("warroom: unknown scenario 'nope'")


async def test_a_resumed_drill_is_scored_by_the_scenario_it_plays(tmp_path) -> None:
    path = tmp_path / "drill.warroom"
    open_demo("service-down", 7, 1.0, path, "trainee", mode="drill").recorder.journal.close()
    start = session_start("drill", path, "trainee", scenario="bad-deploy")
    app = drill_console(start)  # the journal's scenario wins
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(100):  # the drill opens just after its first frame
            if app.opened or app.open_failure:
                break
            await pilot.pause(0.02)
        assert app.expected.scenario == "service-down"
        assert app.recorder.state.scenario == "service-down"
    app.recorder.journal.close()


async def test_the_final_resolved_update_is_scored_once_it_is_delivered(tmp_path) -> None:
    """The card is computed after the final Resolved update reached #incidents, not before:
    it is the drill's first status update, so the card cannot say 'not done'."""
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(50)
    app = drill_app(session, "bad-deploy")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("d", "tab", "enter")
        await pilot.pause()
        await shown(pilot, EscalateScreen)  # a P1: the on-call manager is asked for at once
        await pilot.press("escape")
        await pilot.pause()
        await session.arun(70)
        await pilot.press("x", *"rolled back", "enter")
        await pilot.pause()
        await ok(pilot, last=False)  # the prefilled Resolved update
        await ok(pilot)  # sent
        for _ in range(200):  # the sender delivers, then the drill scores
            if isinstance(app.screen, ScoreCardScreen):
                break
            await pilot.pause(0.02)
        assert isinstance(app.screen, ScoreCardScreen)
    result = card(session)
    lines = {m.name: m for m in result.milestones}
    assert lines["First status update"].verdict == "met"
    assert lines["First status update"].took is not None
    with Journal.open(session.recorder.journal.path, read_only=True) as journal:
        events = list(journal.events())
    sent = [i for i, e in enumerate(events) if getattr(e, "kind", "") == "message_sent"]
    scored = [i for i, e in enumerate(events) if isinstance(e, DrillScored)]
    assert sent and scored and sent[-1] < scored[0]  # delivered, then scored


async def test_a_drill_resumed_after_its_card_keeps_one_card(tmp_path) -> None:
    path = tmp_path / "drill.warroom"
    session = await Session("bad-deploy", path, mode="drill").arun(50)
    app = drill_app(session, "bad-deploy")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("d", "tab", "enter")
        await pilot.pause()
        app.finish_drill()  # ended and scored
        await pilot.pause()
    again = drill_app(session, "bad-deploy")
    async with again.run_test(size=(120, 40)) as pilot:
        for _ in range(100):  # the console opens just after its first frame
            if again.opened:
                break
            await pilot.pause(0.02)
        await pilot.pause()
        again.finish_drill()  # quitting the resumed drill shows its card again
        await pilot.pause()
        assert isinstance(again.screen, ScoreCardScreen)
    card(session)  # exactly one card in the journal
