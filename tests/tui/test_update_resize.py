"""The status update's texts follow the terminal: resized with the dialog open (120x40 ->
80x24), each text is wrapped again at its new width and drawn so, never left at the old
width and cut at the dialog's edge."""

from __future__ import annotations

from textual.widgets import TextArea

from tests.hostile import screen_text
from tests.tui.test_comms import declared
from tests.tui.waiting import shown
from widgets.comms_dialogs import UpdateScreen


async def test_a_resize_wraps_the_drawn_texts_at_the_new_width(tmp_path) -> None:
    _, app = await declared(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("u")
        await shown(pilot, UpdateScreen)
        await pilot.pause()
        public = app.screen.query_one("#public", TextArea)
        # a text as long as it is wrapped on as many lines at either width: the case where
        # nothing but the wrap changes
        public.text = "We are investigating reports of issues with some of our services. " * 2
        await pilot.pause()
        lines = public.wrapped_document.height
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        assert public.wrapped_document.height == lines  # as many lines: no size change
        drawn = [
            line.strip(" █│") for line in screen_text(app).split("\n") if "investigating" in line
        ]
        assert drawn and all(len(line) <= public.wrap_width + 1 for line in drawn), drawn
        assert drawn[-1].endswith("of our services."), drawn  # the whole text, none cut off
