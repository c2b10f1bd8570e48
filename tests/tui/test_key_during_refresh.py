"""A key pressed while a probes' refresh is drawn is answered before the refresh's remaining
panes (issue #10, key -> frame at large; tui/view.py `redraw_sliced`).

At 300 services a refresh's repaint is ~15 ms of the UI loop; drawn in one go, a key pressed
during it waited for all of it. The refresh is drawn a pane at a time: here `?` is typed as
the refresh draws its first pane, every time, and the panes after it are drawn only once the
help is on screen. The wait for the key's answer is made long (KEY_FIRST), so that the panes
go on because the help was drawn, not because the wait ran out.
"""

from __future__ import annotations

from textual import events

from tests.play import Session
from tests.tui.waiting import shown, until
from tui import view
from widgets.help import HelpScreen


async def test_a_key_pressed_during_a_refresh_is_answered_before_its_remaining_panes(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(view, "KEY_FIRST", 60.0)
    session = await Session("service-down", tmp_path / "j.warroom", services=300).arun(20)
    app = session.app()
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.console_screen
            await until(pilot, lambda: screen.ready)
            await session.arun(24)  # a new sample: the refresh has something to draw
            drawn: list[tuple[str | None, bool]] = []  # (pane, whether the help was on top)
            draw = screen._show_pane

            def logged(pane, state, now) -> bool:
                drawn.append((pane.id, isinstance(app.screen, HelpScreen)))
                if len(drawn) == 1:  # typed as the refresh draws its first pane
                    app.post_message(events.Key("question_mark", "?"))
                return draw(pane, state, now)

            monkeypatch.setattr(screen, "_show_pane", logged)
            app.redraw_sliced()
            await shown(pilot, HelpScreen)
            await until(pilot, lambda: len(drawn) == len(screen.panes))
            assert [pane for pane, _ in drawn] == [pane.id for pane in screen.panes]
            assert drawn[0][1] is False
            assert all(on_top for _, on_top in drawn[1:]), drawn  # each after the answer
            assert isinstance(app.screen, HelpScreen)
            # the refresh, finished, shows the new state under the help once it closes
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is screen)
            assert screen._drawn_state is session.recorder.state
    finally:
        session.recorder.journal.close()
