"""A pane's body repaints the lines that changed (widgets/pane.py PaneBody): what is on the
screen is the new text, every line of it, whether one line changed or their number did."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from widgets.pane import PaneBody


class OneBody(App[None]):
    CSS = "PaneBody { height: auto; text-wrap: nowrap; text-overflow: ellipsis; }"

    def compose(self) -> ComposeResult:
        yield PaneBody("", markup=False)


def screen_lines(app: App) -> list[str]:
    return [strip.text.rstrip() for strip in app.screen._compositor.render_strips()]


def body(*lines: str) -> Text:
    text = Text(no_wrap=True)
    for line in lines:
        text.append(line, "bold" if "blocks" in line else "")
        text.append("\n")
    return text


async def test_a_changed_line_is_drawn_and_the_others_stay() -> None:
    app = OneBody()
    async with app.run_test(size=(40, 6)) as pilot:
        shown = app.query_one(PaneBody)
        first = body("connections 20/80", "▶ 880 client-6 34s blocks 2", "└ 881 client-7 34s")
        shown.show(first, None)
        await pilot.pause()
        assert screen_lines(app)[:3] == [
            "connections 20/80",
            "▶ 880 client-6 34s blocks 2",
            "└ 881 client-7 34s",
        ]
        ticked = body("connections 20/80", "▶ 880 client-6 35s blocks 2", "└ 881 client-7 35s")
        shown.show(ticked, first)
        await pilot.pause()
        assert screen_lines(app)[:3] == [
            "connections 20/80",
            "▶ 880 client-6 35s blocks 2",
            "└ 881 client-7 35s",
        ]
        fewer = body("connections 19/80", "no blocking chains")
        shown.show(fewer, ticked)  # fewer lines: laid out again, nothing left of the old
        await pilot.pause()
        assert screen_lines(app)[:3] == ["connections 19/80", "no blocking chains", ""]
