"""The Services pane's health column across samples: a healthy check shows "200 ok" whatever
its latency until it is slow (500 ms), then the milliseconds; back under, "ok" again; a 503 is
the code. The pane composes its rows again only when what it shows of the checks changes
(widgets/services.py `shown_health`), and every sample that changes it is drawn."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from state.events import HealthResult, HealthSampled
from tests.hostile import pane_lines
from tests.tui.live_console import T0, live_console

if TYPE_CHECKING:
    from tui.app import WarroomApp

HEALTH = re.compile(r"200 ok|200 \d+ms|503|DOWN|UNKNOWN")
SERVICES = ("analysis-service", "file-watcher")


def sample(seconds: int, **latency: float | int) -> HealthSampled:
    """Each service up with its latency in ms; a negative one answers 503."""
    results = tuple(
        HealthResult(service=s, up=True, status_code=200, latency_ms=float(ms))
        if ms >= 0
        else HealthResult(service=s, up=False, status_code=503, error="HTTP 503", latency_ms=3.0)
        for s, ms in ((s, latency[s.split("-")[0]]) for s in SERVICES)
    )
    return HealthSampled(at=T0 + timedelta(seconds=seconds), results=results)


def health_cells(app: WarroomApp) -> list[str]:
    """Each service's HEALTH cell as drawn."""
    rows = pane_lines(app, app.query_one("#services"))
    found = [HEALTH.search(r) for s in SERVICES for r in rows if r.startswith(s)]
    return [m[0] if m else "" for m in found]


async def test_the_health_column_follows_what_it_shows(tmp_path) -> None:
    app, clock = live_console(tmp_path, SERVICES, sample(0, analysis=12, file=9))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert health_cells(app) == ["200 ok", "200 ok"]
        for seconds, latency, shown in (
            (2, {"analysis": 14, "file": 11}, ["200 ok", "200 ok"]),
            (4, {"analysis": 14, "file": 712.4}, ["200 ok", "200 712ms"]),
            (6, {"analysis": 14, "file": 640}, ["200 ok", "200 640ms"]),
            (8, {"analysis": 16, "file": 20}, ["200 ok", "200 ok"]),
            (10, {"analysis": -1, "file": 20}, ["503", "200 ok"]),
        ):
            clock.set(T0 + timedelta(seconds=seconds + 1))
            app.record(sample(seconds, **latency))
            await pilot.pause()
            assert health_cells(app) == shown, seconds
