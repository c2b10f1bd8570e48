"""A watched service the cluster answers without (its deployment deleted mid-session, or a name
the config got wrong): the console says it cannot see it, never that all is clear.

Seen live against kmock: `kubectl delete deployment analysis-service` left its row at `?` with
nothing on the timeline, and a config with a typo in `services` (`analysis-servce`) read
'no threshold crossed in what is watched', unknowns naming only what was not configured.
"""

from __future__ import annotations

from datetime import timedelta

from tests.tui.live_console import T0, fresh, header, live_console
from widgets.timeline import TimelinePane

SERVICES = ("analysis-service", "file-watcher")
CLEAR = "all guide thresholds clear"


def sampled(seconds: float, *present: str) -> list:
    """Every backend fresh at T0 + `seconds`, all healthy, the cluster holding `present`."""
    at = T0 + timedelta(seconds=seconds)
    rated, timed = dict.fromkeys(SERVICES, 0.1), dict.fromkeys(SERVICES, 100.0)
    return fresh(at, SERVICES, present, rated, timed)


def timeline(app) -> str:
    return app.query_one(TimelinePane).content.render().plain


async def test_every_deployment_there_reads_all_clear(tmp_path) -> None:
    """The baseline the two below differ from: the same console with both deployments."""
    app, _ = live_console(tmp_path, SERVICES, *sampled(0, *SERVICES))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert CLEAR in header(app)


async def test_a_name_the_cluster_has_no_deployment_of_is_unknown(tmp_path) -> None:
    app, _ = live_console(tmp_path, SERVICES, *sampled(0, "file-watcher"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        text = header(app)
        assert CLEAR not in text
        assert "unknown: analysis-service (no such deployment in the cluster)" in text
        assert text.endswith("no threshold crossed in what is watched")


async def test_a_deployment_deleted_mid_session_is_told_and_unknown(tmp_path) -> None:
    events = [*sampled(0, *SERVICES), *sampled(2, "file-watcher")]
    app, clock = live_console(tmp_path, SERVICES, *events)
    clock.advance(2)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "analysis-service: no such deployment in the cluster any more" in timeline(app)
        assert "unknown: analysis-service (no such deployment in the cluster)" in header(app)
