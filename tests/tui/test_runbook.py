"""Pilot: the guide's High Error Rate runbook driven end to end on the bad-deploy demo without
leaving warroom: find the rollout, see the new exception group, undo, verify, resolve, with
every step on the timeline and in the journal."""

from __future__ import annotations

from textual.widgets import OptionList

from probes.simulated.scenario import load as load_scenario
from state.events import (
    ActionFinished,
    IncidentAcknowledged,
    IncidentResolved,
    InvestigationShown,
    NoteAdded,
    RunbookOpened,
    RunbookStepTicked,
    VerificationFinished,
)
from state.guide.drill import score
from state.guide.resolution import STABLE_CHECKS
from state.guide.runbook import load, progress
from state.journal.store import Journal
from tests.play import Session
from tests.tui.test_actions import choose, confirm
from tests.tui.waiting import on_service, shown
from tui.drill import expectations
from widgets.action_dialogs import RemediationMenu, ResolveScreen
from widgets.investigate import InvestigateScreen
from widgets.runbook import RunbookScreen


def journal(session: Session) -> list:
    with Journal.open(session.recorder.journal.path, read_only=True) as j:
        return list(j.events())


def step_index(screen: RunbookScreen, step_id: str) -> int:
    return next(i for i, s in enumerate(screen.steps) if s.id == step_id)


async def step(pilot, step_id: str, *keys: str) -> None:
    """Highlight the runbook's step `step_id` and press `keys` (Enter runs it)."""
    screen = pilot.app.screen
    assert isinstance(screen, RunbookScreen), screen
    options = screen.query_one(OptionList)
    index = next(i for i, s in enumerate(screen.steps) if s.id == step_id)
    options.highlighted = next(
        i
        for i in range(options.option_count)
        if options.get_option_at_index(i).id == f"step-{index}"
    )
    await pilot.press(*keys)
    await pilot.pause()


async def runbook_on(pilot, service: str) -> RunbookScreen:
    """The cursor on `service` in Services (a fix's target), then `b`: the runbook shown."""
    await on_service(pilot, service)
    await pilot.press("b")
    await shown(pilot, RunbookScreen)
    screen = pilot.app.screen
    assert isinstance(screen, RunbookScreen)
    return screen


async def investigated(pilot) -> InvestigateScreen:
    await shown(pilot, InvestigateScreen)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, InvestigateScreen)
    return screen


def findings(screen: InvestigateScreen) -> str:
    options = screen.query_one(OptionList)
    return "\n".join(
        str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
    )


async def test_high_error_rate_runbook_on_the_bad_deploy_demo(tmp_path) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(140)
    session.declare()
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await runbook_on(pilot, "tracklist-service")
        assert (
            app.screen.query_one("#runbook-head")
            .render()
            .plain.startswith("Runbook: High Error Rate")
        )
        await step(pilot, "acknowledge", "enter")
        await step(pilot, "join", "t")  # the bridge call: ticked by hand
        # Check Recent Changes: the rollout of revision 8, 2 minutes before
        await step(pilot, "changes", "enter")
        screen = await investigated(pilot)
        assert "tracklist-service revision 8" in findings(screen) and "2 min ago" in findings(
            screen
        )
        await pilot.press("escape")
        await pilot.pause()
        # Analyze Error Patterns: the new exception group, pinned to the timeline
        await step(pilot, "errors", "enter")
        screen = await investigated(pilot)
        options = screen.query_one(OptionList)
        options.highlighted = next(
            i
            for i in range(options.option_count)
            if "KeyError" in str(options.get_option_at_index(i).prompt)
        )
        await pilot.press("p", "escape")
        await pilot.pause()
        await step(pilot, "resources", "s")  # skipped, on purpose
        # the fix: undo the rollout, through the remediation menu and its confirmation
        await step(pilot, "fix", "enter")
        await shown(pilot, RemediationMenu)
        assert "tracklist-service" in str(app.screen.query_one(".dialog-title").render())
        await choose(pilot, "rollout_undo")
        await confirm(pilot)
        await shown(pilot, RunbookScreen)
        await step(pilot, "update", "s")
        # verify: five good checks a minute apart once the old revision serves again
        await session.arun(400)
        await step(pilot, "verify", "enter")
        for minute in range(1, STABLE_CHECKS):
            await session.arun(400 + 60 * minute)
            app.verification.verification_step()
        await pilot.pause()
        await step(pilot, "resolve", "enter")
        await shown(pilot, ResolveScreen)
        await pilot.press(*"rolled back tracklist-service to revision 7", "enter")
        await pilot.pause()
        text = "\n".join(e.text for e in session.recorder.state.timeline)
    events = journal(session)
    kinds = [type(e) for e in events]
    for kind in (
        RunbookOpened,
        IncidentAcknowledged,
        RunbookStepTicked,
        InvestigationShown,
        NoteAdded,
        ActionFinished,
        VerificationFinished,
        IncidentResolved,
    ):
        assert kind in kinds, kind
    undo = [e for e in events if isinstance(e, ActionFinished)]
    assert [(e.action, e.ok) for e in undo] == [("rollout_undo", True)]
    assert [e.stable for e in events if isinstance(e, VerificationFinished)] == [True]
    ticks = progress(load("high-error-rate"), events)
    assert {k: v[0] for k, v in ticks.items()} == {
        "acknowledge": "done",
        "join": "done",
        "assess": "done",
        "changes": "done",
        "errors": "done",
        "resources": "skipped",
        "fix": "done",
        "update": "skipped",
        "verify": "done",
        "resolve": "done",
    }
    # a drill of this journal reports the runbook's steps on its score card (not scored)
    card = score(events, expectations(load_scenario("bad-deploy")))
    assert card.milestones[-1].name == "Runbook High Error Rate"
    assert card.milestones[-1].detail == "8 of 10 steps done, 2 skipped, 1 out of order"
    assert card.milestones[-1].of == 0
    for words in (
        "Runbook High Error Rate opened",
        "Acknowledged by alice",
        "Runbook step done: Join Incident Channel",
        "Investigated What changed",
        "Note by alice: Finding (Error patterns, Logs)",
        "Runbook step skipped: Check System Resources",
        "undo rollout of tracktion/tracklist-service (revision 8 → 7) done",
        "Resolution verified, stable",
        "Resolved by alice: rolled back tracklist-service to revision 7",
    ):
        assert words in text, words


async def test_escalation_prompted_once_and_v_checks_service_downs_criteria(tmp_path) -> None:
    from state.events import RunbookChecked
    from state.guide.severity import Severity
    from widgets.modals import ConfirmScreen

    session = await Session("service-down", tmp_path / "j.warroom").arun(90)
    session.declare(Severity.P2)  # below P1: "Error rate >20%" asks for the P1 escalation
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("b")
        await shown(pilot, RunbookScreen)
        assert "Runbook: Service Down" in str(app.screen.query_one("#runbook-head").render())
        app.runbooks.watch()
        await shown(pilot, ConfirmScreen)
        assert "Error rate >20% (immediate P1 escalation)" in app.screen.message
        await pilot.press("escape")  # declined
        await pilot.pause()
        app.runbooks.watch()  # the same criterion: never asked again
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape", "v")  # with Service Down open, v checks its criteria too
        await pilot.pause()
        await pilot.press("b", "]")  # another runbook than the suggested one, journaled
        await pilot.pause()
        head = str(app.screen.query_one("#runbook-head").render())
        assert head.startswith("Runbook: Database Performance")
    opened = [e.runbook for e in journal(session) if isinstance(e, RunbookOpened)]
    assert opened == ["service-down", "database-performance"]
    checked = [e for e in journal(session) if isinstance(e, RunbookChecked)]
    assert len(checked) == 1 and not checked[0].ok
    assert "analysis-service: 3 pods not Running and ready" in checked[0].detail


async def test_the_matching_runbook_is_suggested_once(tmp_path) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(140)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.runbooks.watch()
        app.runbooks.watch()  # the same suggestion: said once
        await pilot.pause()
        said = [n.message for n in app._notifications if "Runbook suggested" in n.message]
    # the value it crossed at, named so: the Error rate pane shows today's
    then = session.recorder.state.latest("error_rate", "tracklist-service")
    assert said == [
        "Runbook suggested: High Error Rate (tracklist-service error rate > 5%, crossed at "
        f"{then:.1f}%). Press b to open it"
    ]


def verify_line(screen: RunbookScreen, step_id: str = "verify") -> str:
    """A step's line as the screen shows it (the verify step's with what its watch says)."""
    options = screen.query_one(OptionList)
    index = next(i for i, s in enumerate(screen.steps) if s.id == step_id)
    for i in range(options.option_count):
        option = options.get_option_at_index(i)
        if option.id == f"step-{index}":
            return str(option.prompt)
    raise AssertionError("no verify step")


async def test_the_verify_step_shows_its_watch_counting_down_then_its_outcome(tmp_path) -> None:
    """Enter on Verify: the runbook screen itself says the check runs, counts down to the
    next check and to the earliest stable verdict, then says the outcome; a verification
    that fails says why and leaves the step open. A step done through its key (the fix,
    the verification) is the commander's, not "by console"."""
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(140)
    session.declare()
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await runbook_on(pilot, "tracklist-service")
        await step(pilot, "verify", "enter")  # still burning: the first check fails
        line = verify_line(screen)
        assert "[ ]" in line and "not verified at 09:28:20: " in line
        assert "tracklist-service error rate" in line
        # the fix through its key: the step is the commander's, not "by console"
        await step(pilot, "fix", "enter")
        await shown(pilot, RemediationMenu)
        await choose(pilot, "rollout_undo")
        await confirm(pilot)
        await shown(pilot, RunbookScreen)
        await pilot.pause()
        fixed = verify_line(screen, "fix")
        assert "[x]" in fixed and "done 09:28:20 by alice" in fixed, fixed
        await session.arun(400)
        await step(pilot, "verify", "enter")
        line = verify_line(screen)
        assert (
            "checking 1/5 good in a row · next check in 1:00 · stable at the earliest in 4:00"
            in line
        )
        await session.arun(420)  # 20 s on: the screen's own second tick redraws it
        screen.redraw()
        line = verify_line(screen)
        assert "next check in 0:40 · stable at the earliest in 3:40" in line
        for minute in range(1, STABLE_CHECKS):
            await session.arun(400 + 60 * minute)
            app.verification.verification_step()
        await pilot.pause()
        screen.redraw()
        line = verify_line(screen)
        assert "[x]" in line and "verified stable at 09:36:40: 5 good checks in a row" in line
        assert "done 09:36:40 by alice" in line
        assert "checking" not in line


async def test_the_fix_step_acts_on_the_runbooks_service_not_the_cursors(tmp_path) -> None:
    """The commander opened the runbook for tracklist-service, then moved the Services
    cursor to look at another service: "Apply the cause's solution" still fixes
    tracklist-service, the one its dialog names."""
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(140)
    session.declare()
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await runbook_on(pilot, "tracklist-service")
        fix = screen.query_one(OptionList).get_option(f"step-{step_index(screen, 'fix')}")
        assert "(key: remediate tracklist-service)" in str(fix.prompt)
        await pilot.press("escape")
        await pilot.pause()
        other = next(s for s in session.recorder.state.services if s != "tracklist-service")
        await on_service(pilot, other)
        await pilot.press("b")
        await shown(pilot, RunbookScreen)
        await step(pilot, "fix", "enter")
        await shown(pilot, RemediationMenu)
        title = str(app.screen.query_one(".dialog-title").render())
        assert "tracklist-service" in title and other not in title


async def test_a_check_that_fails_mid_watch_says_why_the_count_went_back(tmp_path) -> None:
    """Two good checks after the rollback, then analysis-service starts crash-looping: the
    watch goes on counting from 0, and the Verify step says which check failed, when, and
    why, rather than showing 'checking 0/5' as if it had just begun."""
    relapse = tmp_path / "relapse.toml"
    relapse.write_text(
        'name = "relapse"\ntitle = "t"\nexpected_severity = "P1"\nrunbook = "high-error-rate"\n'
        '[[faults]]\ntype = "bad_deploy"\nat = 20\nservice = "tracklist-service"\n'
        "error_rate = 34.0\nlatency_factor = 4.0\n"
        '[[faults]]\ntype = "crash_loop"\nat = 500\nservice = "analysis-service"\n'
    )
    session = await Session(str(relapse), tmp_path / "j.warroom").arun(140)
    session.declare()
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await runbook_on(pilot, "tracklist-service")
        await step(pilot, "fix", "enter")
        await shown(pilot, RemediationMenu)
        await choose(pilot, "rollout_undo")
        await confirm(pilot)
        await shown(pilot, RunbookScreen)
        await session.arun(400)
        await step(pilot, "verify", "enter")  # check 1: good
        await session.arun(460)
        app.verification.verification_step()  # check 2: good
        await pilot.pause()
        screen.redraw()
        assert "checking 2/5 good in a row" in verify_line(screen)
        assert "failed" not in verify_line(screen)
        await session.arun(580)  # analysis-service has crash-looped since 500
        app.verification.verification_step()  # check 3: failed
        await pilot.pause()
        screen.redraw()
        line = verify_line(screen)
        assert "check 3 failed at " in line and "analysis-service" in line, line
        assert "counting again · checking 0/5 good in a row · next check in 1:00" in line
        assert "[ ]" in line  # still watching: not verified, not ended


async def test_an_escalation_prompt_waits_for_an_open_dialog_to_close(tmp_path) -> None:
    """The prompt came over whatever dialog was open, with the focus: a `y` typed into a
    note, or meant for 'Quit anyway', answered it instead."""
    from state.guide.severity import Severity
    from widgets.modals import ConfirmScreen, NoteScreen

    session = await Session("service-down", tmp_path / "j.warroom").arun(90)
    session.declare(Severity.P2)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("b")
        await shown(pilot, RunbookScreen)
        await pilot.press("n")
        await shown(pilot, NoteScreen)
        app.runbooks.watch()  # the criterion met, a note being typed
        await pilot.pause()
        assert isinstance(app.screen, NoteScreen)
        await pilot.press("escape")
        await pilot.pause()
        app.runbooks.watch()  # the next sample's watch: asked now
        await shown(pilot, ConfirmScreen)
        assert "Error rate >20% (immediate P1 escalation)" in app.screen.message
