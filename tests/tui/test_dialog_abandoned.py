"""However an action ends, its dialog closes and the panes held still for its choice follow
the samples again: done, Escape, a backend gone (refused, then Escape), its worker cancelled
by a second action or by quitting, an automatic prompt opening over it.

Before: a worker cancelled while its dialog was open left the dialog on screen, and its yes
(or a status update's Send) went nowhere: nothing was done and nothing said so. And the
guide's automatic escalation prompt, opening in the status update's worker group, cancelled
an update being drafted that way."""

from __future__ import annotations

from textual.widgets import Button

from state.events import ActionRequested, MessageQueued
from state.guide.severity import Severity
from tests.tui.test_actions import journaled
from tests.tui.test_backend_confirm import SIZE, holding, opened_on_4242
from tests.tui.test_comms import declared
from tests.tui.test_locks_pane import sampled
from tests.tui.waiting import shown, until
from widgets.comms_dialogs import EscalateScreen, UpdateScreen
from widgets.locks import LocksPane
from widgets.modals import ConfirmScreen, LiveConfirmScreen, NoticeScreen


def stack(app) -> list[str]:
    return [type(s).__name__ for s in app.screen_stack]


async def chosen_4242(pilot) -> tuple[LiveConfirmScreen, LocksPane]:
    """The Locks pane held still on 4242 (the cursor moved), then `k`'s confirmation."""
    pane = pilot.app.query_one(LocksPane)
    await pilot.press("3", "down", "up")
    assert pane.frozen
    return await opened_on_4242(pilot), pane


async def test_escape_closes_the_kill_and_gives_the_pane_back(tmp_path) -> None:
    session = await holding(tmp_path, 1)
    app = session.app()
    async with app.run_test(size=SIZE) as pilot:
        _, pane = await chosen_4242(pilot)
        await pilot.press("escape")
        await until(pilot, lambda: stack(app) == ["ConsoleScreen"] and not pane.frozen)
    assert journaled(session, ActionRequested) == []


async def test_a_backend_gone_is_refused_in_the_dialog_and_escape_then_ends_it(tmp_path) -> None:
    session = await holding(tmp_path, 1)
    app = session.app()
    async with app.run_test(size=SIZE) as pilot:
        dialog, pane = await chosen_4242(pilot)
        session.clock.advance(2)
        sampled(session)  # 4242 ended
        await until(pilot, lambda: dialog.seen.refusal is not None)
        await pilot.press("y")  # refused, and said why, in the dialog
        await pilot.pause()
        assert app.screen is dialog
        await pilot.press("escape")
        await until(pilot, lambda: stack(app) == ["ConsoleScreen"] and not pane.frozen)
    assert journaled(session, ActionRequested) == []


async def test_a_second_action_closes_the_first_ones_dialog(tmp_path) -> None:
    """The palette's "Cancel query of pid 4242" (or a runbook's step) starts another action
    while `k`'s confirmation is open: the first is cancelled, and so is its dialog."""
    session = await holding(tmp_path, 1)
    app = session.app()
    async with app.run_test(size=SIZE) as pilot:
        first, _ = await chosen_4242(pilot)
        app.remediation.end_pid(4242, "cancel_backend")
        await until(pilot, lambda: first not in app.screen_stack)
        await shown(pilot, LiveConfirmScreen)
        second = app.screen
        assert isinstance(second, LiveConfirmScreen) and second is not first
        assert stack(app) == ["ConsoleScreen", "LiveConfirmScreen"]
        assert second.title_text.startswith("Cancel")
        await pilot.press("escape")
        await until(pilot, lambda: stack(app) == ["ConsoleScreen"])
    assert journaled(session, ActionRequested) == []


async def test_a_cancelled_worker_closes_its_dialog_now_or_once_it_is_on_top(tmp_path) -> None:
    session = await holding(tmp_path, 1)
    app = session.app()
    async with app.run_test(size=SIZE) as pilot:
        _, pane = await chosen_4242(pilot)
        app.workers.cancel_group(app, "action")  # as quitting cancels it
        await until(pilot, lambda: stack(app) == ["ConsoleScreen"] and not pane.frozen)
        _, pane = await chosen_4242(pilot)  # again, with something over the dialog
        app.push_screen(NoticeScreen("over it", "read me"))
        await shown(pilot, NoticeScreen)
        app.workers.cancel_group(app, "action")
        await until(pilot, lambda: not pane.frozen)
        assert stack(app) == ["ConsoleScreen", "LiveConfirmScreen", "NoticeScreen"]
        await pilot.press("escape")  # the notice read: the abandoned dialog goes with it
        await until(pilot, lambda: stack(app) == ["ConsoleScreen"])
    assert journaled(session, ActionRequested) == []


async def test_quitting_with_the_kill_dialog_open_sends_nothing(tmp_path) -> None:
    session = await holding(tmp_path, 1)
    app = session.app()
    async with app.run_test(size=SIZE) as pilot:
        await chosen_4242(pilot)
        await pilot.press("ctrl+q")  # no incident open: it quits at once
        await pilot.pause()
    assert app.return_code == 0
    assert journaled(session, ActionRequested) == []


async def test_the_guides_escalation_prompt_leaves_the_update_being_drafted_working(
    tmp_path,
) -> None:
    """A P2 reaches its 30-minute trigger while the commander drafts a status update: the
    prompt opens over the draft; closed, the draft is there and Send sends it."""
    session, app = await declared(tmp_path, "service-down", severity=Severity.P2)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        await shown(pilot, UpdateScreen)
        draft = app.screen
        session.clock.advance(31 * 60)
        app.comms.check_escalation()
        await shown(pilot, EscalateScreen)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is draft)
        draft.query_one("#ok", Button).press()
        await shown(pilot, ConfirmScreen)
        app.screen.query_one("#ok", Button).press()
        await until(pilot, lambda: stack(app) == ["ConsoleScreen"])
    assert journaled(session, MessageQueued), "the update was never queued"


async def test_a_remediation_cancelled_at_its_menu_gives_the_services_pane_back(tmp_path) -> None:
    from widgets.action_dialogs import RemediationMenu
    from widgets.services import ServicesPane

    session = await holding(tmp_path, 1)
    app = session.app()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(ServicesPane)
        await pilot.press("1", "down")
        assert pane.frozen
        await pilot.press("r")
        await shown(pilot, RemediationMenu)
        await pilot.press("escape")
        await until(pilot, lambda: stack(app) == ["ConsoleScreen"] and not pane.frozen)
    assert journaled(session, ActionRequested) == []
