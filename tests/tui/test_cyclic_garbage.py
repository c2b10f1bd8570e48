"""Drawing leaves nothing for Python's cyclic garbage collector (widgets/acyclic.py), and
what a dialog built is collected as it closes (tui/startup.py `collect_closed_dialog`).

Garbage in reference cycles outlives the young collections and waits for a full one, which
pauses the UI loop; a key pressed meanwhile waits for it (README, "The key -> frame tail").
`?` and back draws the help and then the console again, behind and in front.
"""

from __future__ import annotations

import gc

from textual.command import CommandPalette
from textual.strip import Strip

from tests.play import Session
from tests.tui.waiting import pressed, shown
from tui import startup
from widgets.help import HelpScreen

SIZE = (120, 40)


async def test_lines_drawn_again_leave_no_strip_to_the_cyclic_collector(tmp_path) -> None:
    app = (await Session("bad-deploy", tmp_path / "j.warroom", services=60).arun(20)).app()
    async with app.run_test(size=SIZE) as pilot:
        await pressed(pilot, "question_mark")  # the help, built once and kept
        await shown(pilot, HelpScreen)
        await pressed(pilot, "escape")
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)  # what a collection finds unreachable is kept to look at
        try:
            for _ in range(3):
                await pressed(pilot, "question_mark")
                await shown(pilot, HelpScreen)
                await pilot.pause()
                await pressed(pilot, "escape")
                await pilot.pause()
            gc.collect()
            strips = sum(isinstance(found, Strip) for found in gc.garbage)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
        assert not isinstance(app.screen, HelpScreen)
    assert strips == 0


async def test_a_closed_dialog_is_collected_once_the_console_is_drawn_again(
    tmp_path, monkeypatch
) -> None:
    collected: list[str] = []
    monkeypatch.setattr(startup, "collect_closed_dialog", lambda: collected.append("collected"))
    app = (await Session("bad-deploy", tmp_path / "j.warroom").arun(4)).app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pressed(pilot, "ctrl+p")
        await shown(pilot, CommandPalette)
        await pilot.pause()
        assert collected == []  # nothing while the dialog is up
        await pressed(pilot, "escape")
        await pilot.pause()
        assert not isinstance(app.screen, CommandPalette)
        assert collected == ["collected"]
        await pressed(pilot, "question_mark")
        await shown(pilot, HelpScreen)
        await pressed(pilot, "escape")
        await pilot.pause()
        assert collected == ["collected"]  # the help is kept: it left nothing to collect
