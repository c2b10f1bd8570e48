"""The Timeline pane shows a flapping signal as one entry per episode, updated where it
stands: the pool scenario's error rate crosses 20% and falls back under 5% every few seconds,
and the commander reads when it began, its peak and that it is firing, not 22 pairs."""

from __future__ import annotations

from tests.play import Session


def timeline(app) -> list[str]:
    return app.query_one("#timeline")._body.plain.splitlines()


async def test_a_flapping_error_rate_is_one_line_per_service(tmp_path) -> None:
    session = await Session("connection-pool-exhaustion", tmp_path / "j.warroom").arun(400)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        lines = timeline(app)
        rates = [line for line in lines if "error rate" in line]
        assert not [line for line in lines if "crossed" in line or "back under" in line]
        services = sorted(line.split()[1] for line in rates)
        assert services == sorted(set(services)) and services  # one line per service
        assert all(": FIRING since " in line and "peak" in line for line in rates), rates
        before = app.query_one("#timeline")._body.plain
        await session.arun(440)  # more flapping: the same lines, no new ones
        app.redraw()
        await pilot.pause()
        after = [line for line in timeline(app) if "error rate" in line]
        assert len(after) == len(rates), (before, after)
