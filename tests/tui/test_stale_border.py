"""A stale pane's age lives in its border's last line (widgets/pane.py): while a backend hangs
the age moves on every second on screen, and the second repaints that line, not the pane's
300 rows under it, whatever the terminal's size or colours."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from textual._compositor import ChopsUpdate
from textual.geometry import Region

from tests.play import Session, probe_outage
from tests.tui.drawn import lines
from tests.tui.test_theme import colour, segment
from widgets.services import ServicesPane

if TYPE_CHECKING:
    from rich.segment import Segment
    from textual.app import App
    from textual.screen import Screen

    from widgets.pane import Pane

SERVICES = 300
AGE = re.compile(r"stale (\d+)s")


def repainted(screen: Screen) -> list[int]:
    """The screen rows each of `screen`'s updates repaints from now on, as sent to the
    terminal (a whole screen's update: every row). The test's own reading of the screen
    (`lines`, a full render) is not an update."""
    rows: list[int] = []
    compositor = screen._compositor
    render = compositor.render_update

    def recorded(*args: object, **kwargs: object) -> object:
        update = render(*args, **kwargs)  # type: ignore[arg-type]
        if kwargs.get("full"):
            pass
        elif isinstance(update, ChopsUpdate):
            rows.extend(y for y, _, _ in update.spans)
        elif update is not None:
            rows.extend(range(compositor.size.height))
        return update

    compositor.render_update = recorded  # type: ignore[method-assign]
    return rows


def border_age(app: App, pane: Pane) -> int:
    """The age the pane's border's last line shows on screen, in seconds."""
    bottom = lines(app)[pane.region.bottom - 1]
    found = AGE.search(bottom)
    assert found, bottom
    return int(found.group(1))


async def hanging(tmp_path) -> tuple[Session, App]:
    session = await Session(
        probe_outage(tmp_path, "health"), tmp_path / "j.warroom", services=SERVICES
    ).arun(40)
    return session, session.app(badge="LIVE", actions=None)


async def tick(app: App, session: Session, pilot) -> None:
    session.clock.advance(1)
    app._clock_tick()  # what the one-second timer runs
    await pilot.pause()
    await pilot.pause()


async def test_the_age_moves_on_each_second_and_repaints_its_border_line_alone(tmp_path) -> None:
    session, app = await hanging(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        services = app.console_screen.query_one(ServicesPane)
        await pilot.pause()
        await pilot.pause()
        state = app.recorder.state
        age = border_age(app, services)
        rows = repainted(app.screen)
        for second in range(1, 4):
            await tick(app, session, pilot)
            assert border_age(app, services) == age + second
        assert app.recorder.state is state  # nothing new came in: the clock alone moved
        region = services.region
        assert {y for y in rows if region.y <= y < region.bottom} == {region.bottom - 1}
        assert services.has_class("-stale")


async def test_an_age_that_shows_the_same_sets_nothing(tmp_path) -> None:
    """Past the hour the age reads in minutes ('1h 02m'): the seconds between repaint nothing."""
    session, app = await hanging(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        services = app.console_screen.query_one(ServicesPane)
        session.clock.advance(3600)
        app._clock_tick()
        await pilot.pause()
        await pilot.pause()
        said = services.border_subtitle
        assert said is not None and said.startswith("stale 1h 00m"), said
        rows = repainted(app.screen)
        for _ in range(3):
            await tick(app, session, pilot)
        region = services.region
        assert services.border_subtitle == said
        assert not [y for y in rows if region.y <= y < region.bottom]


async def test_after_a_resize_the_age_is_drawn_on_the_new_border_line(tmp_path) -> None:
    session, app = await hanging(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        services = app.console_screen.query_one(ServicesPane)
        await pilot.pause()
        before = services.region
        age = border_age(app, services)
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        await pilot.pause()
        assert services.region.bottom != before.bottom
        await tick(app, session, pilot)
        assert border_age(app, services) == age + 1
        assert bottom_line(services) == await whole_repaint(services, pilot)


async def test_a_new_theme_draws_the_border_line_as_a_whole_repaint_would(tmp_path) -> None:
    session, app = await hanging(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        services = app.console_screen.query_one(ServicesPane)
        await pilot.pause()
        age = border_age(app, services)
        old = bottom_line(services)
        app.theme = "textual-light"
        await pilot.pause()
        await tick(app, session, pilot)
        assert border_age(app, services) == age + 1
        drawn = bottom_line(services)
        assert {s.style for s in drawn} != {s.style for s in old}  # recoloured
        assert drawn == await whole_repaint(services, pilot)


async def test_without_colour_the_border_line_still_reads_the_age(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    session, app = await hanging(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        services = app.console_screen.query_one(ServicesPane)
        await pilot.pause()
        assert app.no_color
        age = border_age(app, services)
        for second in range(1, 3):
            await tick(app, session, pilot)
            assert border_age(app, services) == age + second
        said = segment(services, f"stale {age + 2}s")
        for rich_colour in (said.style.color, said.style.bgcolor):
            if rich_colour is not None:  # grey at most
                r, g, b = colour(rich_colour).rgb
                assert r == g == b, said


def bottom_line(pane: Pane) -> list[Segment]:
    """The pane's border's last line as drawn (its cached line, filters applied)."""
    width, height = pane.outer_size
    return list(pane.render_lines(Region(0, 0, width, height))[-1])


async def whole_repaint(pane: Pane, pilot) -> list[Segment]:
    """The same line drawn anew with the whole pane."""
    pane.refresh()
    await pilot.pause()
    return bottom_line(pane)
