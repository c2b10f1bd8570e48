"""A toast never covers an open dialog (tui/toasts.py): at 80x24 Textual's toasts sat over
a dialog's buttons. They wait while it is open and are shown once it closes."""

from __future__ import annotations

from state.journal.replay import Replay
from state.journal.store import Journal
from tests.play import Session
from tests.tui.drawn import text
from tests.tui.waiting import shown
from tui.replay import ReplayApp
from widgets.modals import NoteScreen


async def test_toasts_wait_while_a_dialog_is_open_and_show_after(tmp_path) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(60)
    app = session.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        app.notify("Runbook suggested: shown before", timeout=30, markup=False)
        await pilot.pause()
        assert "shown before" in text(app)
        await pilot.press("n")
        await shown(pilot, NoteScreen)
        app.notify("Suggested: raised later", timeout=30, markup=False)
        await pilot.pause()
        drawn = text(app)
        assert not app.screen.query("Toast")  # none over the dialog (one may lie beneath it)
        assert "raised later" not in drawn
        assert any("Add" in line and "Cancel" in line for line in drawn.split("\n"))
        app.screen.say("a problem of the dialog itself")  # as a dialog with no problem line
        await pilot.pause()
        assert "a problem of the dialog itself" in text(app)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.pause()
        drawn = text(app)
        assert "shown before" in drawn and "raised later" in drawn


async def test_ctrl_c_says_how_to_quit_in_plain_words(tmp_path) -> None:
    """ctrl+c, the key a person presses first to leave, answers with the console's quit key:
    Textual's own toast is markup ('Press [b]ctrl+q[/b]'), drawn as typed by the plain
    toasts, and named ctrl+q where `q` is the key that asks before an open incident ends."""
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(60)
    live = session.app()
    replay = ReplayApp(Replay(Journal.open(tmp_path / "j.warroom", read_only=True)))
    for app in (live, replay):
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await pilot.press("ctrl+c")
            await pilot.pause()
            drawn = text(app)
            assert "Press q to quit" in drawn and "[b]" not in drawn
            assert app.is_running
