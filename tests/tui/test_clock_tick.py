"""The clock's second (tui/base.py, tui/screen.py): with no new event, what shows the time
still moves on, the ages in borders included, in a pane redrawn only when the state changes."""

from __future__ import annotations

from tests.play import Session, probe_outage
from widgets.services import ServicesPane


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
