"""The panes' colours are the theme's: switching it (the palette's "Change theme") recolours
them, and without colour (NO_COLOR) the severity still reads in words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.color import Color
from textual.geometry import Region

from tests.play import Session
from widgets.error_rate import ErrorRatePane
from widgets.header import IncidentHeader

if TYPE_CHECKING:
    from rich.segment import Segment

BADGE = " P1 CRITICAL "  # the header's suggested severity, bad-deploy 70 s in
VERDICT = "P1 >20%"  # the error rate pane's verdict on tracklist-service


def segment(widget, words: str) -> Segment:
    """The drawn segment that holds `words`, as the terminal gets it (filters applied)."""
    for strip in widget.render_lines(Region(0, 0, *widget.outer_size)):
        for seg in strip:
            if words in seg.text:
                return seg
    raise AssertionError(f"{words!r} not drawn in {widget}")


def colour(rich_colour) -> Color:
    return Color.from_rich_color(rich_colour)


async def test_switching_the_theme_recolours_the_panes_with_its_variables(tmp_path) -> None:
    app = (await Session("bad-deploy", tmp_path / "j.warroom").arun(70)).app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        header, errors = app.query_one(IncidentHeader), app.query_one(ErrorRatePane)
        assert app.theme == "warroom"
        badge, verdict = segment(header, BADGE), segment(errors.table, VERDICT)
        assert colour(badge.style.bgcolor) == Color.parse("#f4005f")  # as it always was
        assert colour(verdict.style.color) == Color.parse("#f4005f")
        for name in ("nord", "textual-light"):
            app.theme = name
            await pilot.pause()
            variables = app.theme_variables
            badge, verdict = segment(header, BADGE), segment(errors.table, VERDICT)
            assert colour(badge.style.bgcolor) == Color.parse(variables["error"])
            assert colour(verdict.style.color) == Color.parse(variables["error"])
            assert verdict.style.bold
            assert colour(badge.style.bgcolor) != Color.parse("#f4005f")


async def test_without_colour_the_severity_still_reads(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = (await Session("bad-deploy", tmp_path / "j.warroom").arun(70)).app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.no_color
        badge = segment(app.query_one(IncidentHeader), BADGE)
        verdict = segment(app.query_one(ErrorRatePane).table, VERDICT)
        for drawn in (badge, verdict):
            for rich_colour in (drawn.style.color, drawn.style.bgcolor):
                if rich_colour is not None:  # grey at most: the words carry the meaning
                    r, g, b = colour(rich_colour).rgb
                    assert r == g == b, drawn
