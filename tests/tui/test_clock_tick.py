"""The clock's second (tui/base.py, tui/screen.py): with no new event, what shows the time
still moves on, the ages in borders included, in a pane redrawn only when the state changes."""

from __future__ import annotations

from datetime import timedelta

from tests.play import Session, probe_outage
from widgets.services import ServicesPane
from widgets.timeline import TimelinePane


async def test_a_stale_border_ages_every_second_with_no_new_event(tmp_path) -> None:
    scenario = probe_outage(tmp_path, "health")
    session = await Session(scenario, tmp_path / "j.warroom").arun(40)
    app = session.app(badge="LIVE", actions=None)
    async with app.run_test(size=(120, 40)) as pilot:
        services = app.console_screen.query_one(ServicesPane)
        await pilot.pause()
        # the last good health sample was at 8 s; now is 40 s
        assert str(services.border_subtitle).startswith("stale 32s: connection refused")
        state = app.recorder.state
        for _ in range(3):
            session.clock.advance(1)
            app._clock_tick()  # what the one-second timer runs
        await pilot.pause()
        assert app.recorder.state is state  # nothing new came in
        assert str(services.border_subtitle).startswith("stale 35s: connection refused")
        assert services.has_class("-stale")


async def test_an_entry_stamped_ahead_shows_when_the_clock_reaches_it(tmp_path) -> None:
    """The Timeline shows an entry once the clock reaches its time, with no new event (the
    second's repaint passes the Timeline over while every entry of its state is shown)."""
    scenario = probe_outage(tmp_path, "health")
    session = await Session(scenario, tmp_path / "j.warroom").arun(40)
    app = session.app(badge="LIVE", actions=None)
    async with app.run_test(size=(120, 40)) as pilot:
        timeline = app.console_screen.query_one(TimelinePane)
        state = app.recorder.state
        newest = state.timeline[-1]
        session.clock.set(newest.at - timedelta(seconds=2))  # the newest is 2 s ahead
        app.redraw()
        await pilot.pause()
        shown = lines(timeline)
        assert newest.text not in shown
        session.clock.advance(1)
        app._clock_tick()
        await pilot.pause()
        assert lines(timeline) == shown
        session.clock.advance(1)
        app._clock_tick()
        await pilot.pause()
        assert app.recorder.state is state  # nothing new came in
        assert newest.text in lines(timeline)


def lines(timeline: TimelinePane) -> str:
    return timeline._body.plain if timeline._body is not None else ""
