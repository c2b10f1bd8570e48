"""Pilot tests for `u` and `e`: texts from the guide's templates, a confirmation naming the
channels, deliveries on the timeline, and the automatic escalation on a frozen clock."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from textual.widgets import Button, Checkbox, Input, RadioButton, Static, TextArea

from probes.notify.config import demo_config
from state.events import Escalated, IncidentResolved, MessageQueued, MessageSent
from state.guide.severity import Severity
from state.journal.store import Journal
from tests.play import Session
from tests.tui.drawn import text
from tests.tui.waiting import shown
from widgets.comms_dialogs import EscalateScreen, UpdateScreen
from widgets.modals import ConfirmScreen, DeclareScreen

if TYPE_CHECKING:
    from tui.app import WarroomApp


def journaled(session: Session, kind: type) -> list:
    with Journal.open(session.recorder.journal.path, read_only=True) as journal:
        return [e for e in journal.events() if isinstance(e, kind)]


def timeline(app) -> str:
    return app.query_one("#timeline")._body.plain


async def press_ok(pilot) -> None:
    pilot.app.screen.query_one("#ok", Button).press()
    await pilot.pause()


async def confirm(pilot, words: str) -> None:
    """Wait for the confirmation, check it says `words` with Cancel focused, then confirm."""
    await shown(pilot, ConfirmScreen)
    dialog = pilot.app.screen
    assert isinstance(dialog, ConfirmScreen)
    assert words in dialog.message
    assert pilot.app.focused.id == "cancel"
    await press_ok(pilot)


async def deliver(pilot, app) -> None:
    await app.comms._sender.deliver_due()
    app.redraw()
    await pilot.pause()


async def post_update(pilot, app) -> None:
    """`u`, its review and its confirmation as prefilled, then one look at the outbox."""
    await pilot.press("u")
    await shown(pilot, UpdateScreen)
    await press_ok(pilot)
    await shown(pilot, ConfirmScreen)
    await press_ok(pilot)
    await deliver(pilot, app)


async def declared(
    tmp_path, scenario: str = "bad-deploy", severity: Severity | None = None, **options
) -> tuple[Session, WarroomApp]:
    """`scenario` run 60 s with an incident declared (the suggested severity unless given),
    and its console with the demo notify channels; `options` as Session.app takes them."""
    session = (await Session(scenario, tmp_path / "j.warroom").arun(60)).declare(severity)
    if "notify" not in options:
        options["notify"] = demo_config()
    return session, session.app(**options)


async def test_a_status_update_is_prefilled_confirmed_and_delivered(tmp_path) -> None:
    session, app = await declared(
        tmp_path, severity=Severity.P2, notify=demo_config(tmp_path / "sent.jsonl")
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("u")
        await shown(pilot, UpdateScreen)
        dialog = app.screen
        assert isinstance(dialog, UpdateScreen)
        public = dialog.query_one("#public", TextArea).text
        assert public.startswith("We are investigating reports of issues with tracklist-service")
        ticked = {str(c.label).split(" ")[0]: c.value for c in dialog.query(Checkbox)}
        assert ticked["#incidents"] and ticked["status-page"]  # preselected in config
        assert not ticked["pagerduty"]
        internal = dialog.query_one("#internal", TextArea).text
        await press_ok(pilot)
        await shown(pilot, ConfirmScreen)
        # the preview keeps the message's lines: it looks like what Slack will show
        body = str(app.screen.query_one(".dialog-reason", Static).render())
        assert all(line.strip() in body.splitlines() for line in internal.splitlines())
        await confirm(pilot, "To: #incidents, status-page")
        await deliver(pilot, app)
        assert "Investigating update delivered to #incidents" in timeline(app)
        assert "update due 30:00" in app.query_one("#header")._text.plain  # P2, from delivery
    assert [q.channel for q in journaled(session, MessageQueued)] == ["#incidents", "status-page"]
    assert all(p.outcome == "delivered" for p in journaled(session, MessageSent))


async def test_acknowledging_tells_pagerduty_and_is_not_a_status_update(tmp_path) -> None:
    session, app = await declared(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        app.comms.escalate_now(2, "tracklist team needed", "alice")  # the page: a trigger
        await deliver(pilot, app)
        await pilot.press("a")
        await pilot.pause()
        await deliver(pilot, app)
        assert "Acknowledgement delivered to pagerduty" in timeline(app)
        assert "update due 15:00" in app.query_one("#header")._text.plain  # cadence unmoved
    queued = [(q.channel, q.purpose) for q in journaled(session, MessageQueued)]
    assert ("pagerduty", "escalation") in queued
    assert queued[-1] == ("pagerduty", "acknowledge")


async def test_no_acknowledge_goes_to_a_pagerduty_that_was_never_paged(tmp_path) -> None:
    """A P1 declared with its page to the on-call manager declined: nothing was triggered on
    PagerDuty, so `a` sends it no acknowledge, and the timeline says why."""
    session, app = await declared(tmp_path, severity=Severity.P1)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        await deliver(pilot, app)
        shown_text = timeline(app)
        assert "Acknowledgement delivered to pagerduty" not in shown_text
        assert "Acknowledgement not sent to pagerduty: no page was triggered there" in " ".join(
            shown_text.split()
        )
    assert [q for q in journaled(session, MessageQueued) if q.purpose == "acknowledge"] == []


async def test_cancelling_the_update_sends_nothing(tmp_path) -> None:
    session, app = await declared(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("u")
        await shown(pilot, UpdateScreen)
        await press_ok(pilot)
        await shown(pilot, ConfirmScreen)
        await pilot.press("enter")  # Cancel has the focus
        await pilot.pause()
    assert journaled(session, MessageQueued) == []


async def test_escalate_names_who_and_where(tmp_path) -> None:
    session, app = await declared(tmp_path, "service-down", severity=Severity.P2)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        await shown(pilot, EscalateScreen)
        assert isinstance(app.screen, EscalateScreen)
        await pilot.press("right", "right", "enter")  # L3, and no reason yet
        assert "Say why you escalate" in str(app.screen.query_one("#problem").render())
        assert app.focused is not None and app.focused.id == "reason"
        await pilot.press(*"need a DBA", "enter")
        await shown(pilot, ConfirmScreen)
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen) and "#management, pagerduty" in confirm.message
        await press_ok(pilot)
        await deliver(pilot, app)
        assert "escalated to L3, next L4 in 1:00:00" in app.query_one("#header")._text.plain
    escalated = journaled(session, Escalated)
    assert [(e.level, e.reason, e.by) for e in escalated] == [(3, "need a DBA", "alice")]


async def declare_p1(pilot, app) -> None:
    """`d`, P1, OK: until the escalation dialog the declaration prompts is shown."""
    await pilot.press("d")
    await shown(pilot, DeclareScreen)
    app.screen.query_one("#sev-P1", RadioButton).value = True
    await pilot.pause()
    await press_ok(pilot)
    await shown(pilot, EscalateScreen)


async def test_declaring_a_p1_prompts_the_escalation_to_the_on_call_manager(tmp_path) -> None:
    """The guide's P1: "Escalation: Immediate to on-call manager" (level 3), asked once."""
    session = await Session("service-down", tmp_path / "j.warroom").arun(60)
    app = session.app(notify=demo_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await declare_p1(pilot, app)
        assert isinstance(app.screen, EscalateScreen)  # prompt-first: the commander decides
        assert chosen_level(app.screen) == "L3 engineering manager / product manager"
        await pilot.press("escape")
        app.comms.check_escalation()  # asked once, not every second
        await pilot.pause()
        assert not isinstance(app.screen, EscalateScreen)
        app.redraw()
        assert "ESCALATE to L3 now" in app.query_one("#header")._text.plain
        # the header says L3 is due: `e` offers L3, with the guide's reason, not L1
        await pilot.press("e")
        await shown(pilot, EscalateScreen)
        assert isinstance(app.screen, EscalateScreen)
        assert chosen_level(app.screen) == "L3 engineering manager / product manager"
        reason = app.screen.query_one("#reason", Input).value
        assert reason == "P1 declared: immediately: escalate to on-call manager (level 3)"
        assert "engineering manager" in str(app.screen.query_one("#reach").render())


async def test_the_prompted_escalation_says_why_it_opened_with_no_toast_over_it(tmp_path) -> None:
    """At 80x24 a toast saying "the guide says escalate now" sat over the dialog's buttons
    for 30 s: the dialog that opens by itself says so in its own title instead."""
    session = await Session("service-down", tmp_path / "j.warroom").arun(60)
    app = session.app(notify=demo_config())
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await declare_p1(pilot, app)
        await pilot.pause()
        assert str(app.screen.query_one(".dialog-title").render()) == "Escalate: the guide says now"
        drawn = text(app)
        assert "Review" in drawn and "Cancel" in drawn  # its buttons, with nothing over them
        assert "escalate now" not in drawn.lower()
        await pilot.press("escape")
        await pilot.press("e")  # asked for with the key: its plain title
        await shown(pilot, EscalateScreen)
        assert str(app.screen.query_one(".dialog-title").render()) == "Escalate"


def chosen_level(screen: EscalateScreen) -> str:
    """The level the dialog shows chosen (its radio on), as labelled."""
    from widgets.choices import Choices

    pressed = screen.query_one("#level", Choices).pressed_button
    assert pressed is not None
    return str(pressed.label)


async def test_an_acknowledged_p2_still_goes_to_the_team_lead_at_30_minutes(tmp_path) -> None:
    """ "30 minutes: P2 incidents automatically escalate to team lead": no 'unacknowledged'."""
    session, app = await declared(tmp_path, "service-down", severity=Severity.P2)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        session.clock.advance(29 * 60)
        app.comms.check_escalation()
        app.redraw()
        await pilot.pause()
        assert "escalate to L2 in 01:00" in app.query_one("#header")._text.plain
        session.clock.advance(61)
        app.comms.check_escalation()
        await shown(pilot, EscalateScreen)
        assert isinstance(app.screen, EscalateScreen) and app.screen.level == 2


async def test_automatic_paging_escalates_by_itself(tmp_path) -> None:
    session, app = await declared(
        tmp_path, "service-down", severity=Severity.P2, escalation_mode="page"
    )
    async with app.run_test(size=(120, 40)) as pilot:
        session.clock.advance(timedelta(minutes=30, seconds=1).total_seconds())
        app.comms.check_escalation()
        await deliver(pilot, app)
    escalated = journaled(session, Escalated)
    assert [(e.level, e.by) for e in escalated] == [(2, "warroom (automatic escalation)")]
    assert escalated[0].reason == "P2 open 30 min: escalate to team lead (level 2)"


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_read_only_says_updates_and_escalation_are_disabled(tmp_path, size) -> None:
    _, app = await declared(tmp_path, read_only=True)
    async with app.run_test(size=size) as pilot:
        for key, what in (("u", "posting status updates"), ("e", "escalation")):
            await pilot.press(key)
            await pilot.pause()
            assert len(app.screen_stack) == 1
            assert [n.message for n in app._notifications][-1].startswith(f"read-only: {what}")
        header = app.query_one("#header")._text.plain  # type: ignore[attr-defined]
        # at 80 columns the header's short form: 'update 15:00 not sent from this console'
        assert "15:00 not sent from this console" in header
        assert ("update due 15:00" in header) == (size == (120, 40))
        keys = app.query_one("#keys")._text.plain  # type: ignore[attr-defined]
        if size == (120, 40):  # every key, these dimmed
            assert "u Update" in keys and "e Escalate" in keys
        else:  # the phase's keys this console can run
            assert "u Update" not in keys and "a Ack" in keys


async def test_a_lost_slack_reply_is_resent_only_by_the_commander(tmp_path, monkeypatch) -> None:
    """Slack took the post and answered past the timeout: one post, shown as delivery unknown;
    the palette's Resend asks first, warns of a duplicate, and posts exactly one more."""
    from probes.notify.config import parse
    from tests.servers.receivers import Reply, SlackReceiver

    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(60)
    session.declare(Severity.P2)
    cfg = parse(
        {
            "channels": {"#incidents": {"type": "slack", "webhook_env": "TEST_SLACK_HOOK"}},
            "updates": ["#incidents"],
            "timeout": 0.5,
        }
    )
    with SlackReceiver() as slack:
        monkeypatch.setenv("TEST_SLACK_HOOK", slack.webhook_url)
        slack.then(Reply(delay=2.0))
        app = session.app(notify=cfg)
        async with app.run_test(size=(120, 40)) as pilot:
            await post_update(pilot, app)
            assert "Investigating update to #incidents: delivery UNKNOWN" in timeline(app)
            await deliver(pilot, app)  # however often the loop looks, nothing is sent again
            assert len(slack.requests) == 1

            title = "Resend Investigating update to #incidents (delivery unknown)"
            commands = {c.title: c for c in app.get_system_commands(app.screen)}
            commands[title].callback()
            await confirm(pilot, "may post a duplicate")
            await deliver(pilot, app)
            assert "Investigating update resent to #incidents by alice" in timeline(app)
            assert "Investigating update delivered to #incidents" in timeline(app)
            assert title not in {c.title for c in app.get_system_commands(app.screen)}
        assert len(slack.requests) == 2 == len(slack.channel)
    posted = journaled(session, MessageSent)
    assert [p.outcome for p in posted] == ["unknown", "delivered"]


async def test_a_resumed_journal_reacts_only_to_what_this_session_records(tmp_path) -> None:
    """Acknowledged and resolved before: resuming pages nobody, offers no final update and
    scores no drill again. The same events recorded now do all three."""
    from state.recorder import Recorder
    from tui.drill import DrillApp, expectations
    from widgets.score_card import ScoreCardScreen

    path = tmp_path / "j.warroom"
    session = (await Session("bad-deploy", path, mode="drill").arun(60)).declare().acknowledge()
    session.record(IncidentResolved(at=session.clock.now(), summary="rolled back", by="alice"))
    session.recorder.journal.close()
    with Journal.open(path, read_only=True) as journal:
        before = len(list(journal.events()))
    recorder = Recorder.reopen(Journal.open(path, read_only=True))
    app = DrillApp(
        recorder,
        session.clock,
        operator="bob",
        notify=demo_config(),
        watch_terminal=False,
        expected=expectations(session.cluster.scenario),
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert len(app.screen_stack) == 1  # no update offered, no score card
        assert app.recorder.state.events == before  # nothing queued for PagerDuty
        app.record(IncidentResolved(at=session.clock.now(), summary="again", by="bob"))
        await shown(pilot, UpdateScreen)  # recorded now: the final update is offered
        app.screen.query_one("#cancel", Button).press()
        await pilot.pause()
        await shown(pilot, ScoreCardScreen)  # and, once it is cancelled, the drill scored


async def test_the_resolved_update_stays_offered_after_it_was_dismissed(tmp_path) -> None:
    """`x`, then Esc at the final update's offer: `u` still offers the Resolved update of the
    incident just resolved, and the palette finds it, until another incident is declared."""
    from state.guide.severity import IncidentStatus

    _, app = await declared(tmp_path, severity=Severity.P2)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("x", *"rolled back", "enter")
        await shown(pilot, UpdateScreen)
        await pilot.press("escape")  # dismissed
        await pilot.pause()
        assert not isinstance(app.screen, UpdateScreen)
        await pilot.press("u")
        await shown(pilot, UpdateScreen)
        dialog = app.screen
        assert isinstance(dialog, UpdateScreen) and dialog.status is IncidentStatus.RESOLVED
        await pilot.press("escape")
        await pilot.pause()
        iid = app.recorder.state.incident.incident_id
        titles = [c.title for c in app.palette_commands()]
        assert f"Post the Resolved update for {iid}" in titles
        await pilot.press("d")  # a new incident: its updates are its own
        await shown(pilot, DeclareScreen)
        await pilot.press("tab", "enter")
        await pilot.pause()
        if isinstance(app.screen, EscalateScreen):
            await pilot.press("escape")
            await pilot.pause()
        assert app.recorder.state.incident.open
        assert not any(
            t.startswith("Post the Resolved update")
            for t in (c.title for c in app.palette_commands())
        )


async def test_after_a_verified_fix_the_update_says_monitoring_and_resolved_says_how(
    tmp_path,
) -> None:
    """Rolled back and verified stable: `u` preselects Monitoring (the guide's status once a
    fix is in and watched), not Investigating. Resolved at `x`, the final update carries the
    summary the IC typed, inert."""
    from state.guide.severity import IncidentStatus
    from tests.tui.test_header_warnings import rolled_back, verified

    session = await rolled_back(tmp_path)
    app = session.app(notify=demo_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await verified(session, app, pilot)
        await pilot.press("u")
        await shown(pilot, UpdateScreen)
        dialog = app.screen
        assert isinstance(dialog, UpdateScreen) and dialog.status is IncidentStatus.MONITORING
        assert dialog.query_one("#public", TextArea).text.startswith("A fix has been implemented")
        assert "**Status:** Monitoring" in dialog.query_one("#internal", TextArea).text
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("x", *"rolled back to revision 7 [b]now[/b]", "enter")
        await shown(pilot, UpdateScreen)
        dialog = app.screen
        assert isinstance(dialog, UpdateScreen) and dialog.status is IncidentStatus.RESOLVED
        public = dialog.query_one("#public", TextArea).text
        internal = dialog.query_one("#internal", TextArea).text
    said = "rolled back to revision 7 [b]now[/b]"
    assert public == f"This issue has been resolved. {said}. All services are operating normally."
    assert f"Resolution: {said}" in internal.splitlines()  # as typed, never read as markup


async def test_quitting_with_an_update_still_unsent_says_so(tmp_path, monkeypatch) -> None:
    """Slack asked to wait (429, Retry-After): the update sits in the outbox. Quitting then
    would leave it unsent until someone opens the journal again, so `q` says which message
    waits and why, even once no incident is open; with nothing waiting, it asks no more."""
    from probes.notify.config import parse
    from tests.servers.receivers import Reply, SlackReceiver

    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(60)
    session.declare(Severity.P2)
    cfg = parse(
        {
            "channels": {"#incidents": {"type": "slack", "webhook_env": "TEST_SLACK_HOOK"}},
            "updates": ["#incidents"],
        }
    )
    with SlackReceiver() as slack:
        monkeypatch.setenv("TEST_SLACK_HOOK", slack.webhook_url)
        slack.then(Reply(status=429, body="rate_limited", headers={"Retry-After": "600"}))
        app = session.app(notify=cfg)
        async with app.run_test(size=(80, 24)) as pilot:
            await post_update(pilot, app)
            assert len(slack.requests) == 1
            await pilot.press("q")
            await shown(pilot, ConfirmScreen)
            said = app.screen.message
            assert "is still open" in said
            assert "1 message(s) not sent yet: Investigating update to #incidents" in said
            assert "HTTP 429" in said
            assert "unsent until the journal is opened again" in said
            await pilot.press("escape")
            await pilot.pause()

            app.record(IncidentResolved(at=session.clock.now(), summary="rolled back", by="alice"))
            await pilot.pause()
            assert not app.recorder.state.incident.open
            await shown(pilot, UpdateScreen)  # the final Resolved update, offered: not now
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("q")
            await shown(pilot, ConfirmScreen)
            assert "not sent yet: Investigating update to #incidents" in app.screen.message
            assert "is still open" not in app.screen.message
