"""Live with nothing reachable: a console that cannot see says so, and suggests no outage.

No cluster answers and the health names do not resolve from here: the Services pane shows
each check as UNKNOWN with the reason, not DOWN, and the header says what it cannot see
instead of suggesting a P1 (or calling everything clear). A service whose check answers
503 is still down.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from state.events import HealthResult, HealthSampled, ProbeFailed
from tests.hostile import pane_lines
from tests.tui.live_console import T0, live_console

if TYPE_CHECKING:
    from tui.app import WarroomApp

SERVICES = ("analysis-service", "file-watcher", "tracklist-service", "notification-service")


def blind(service: str) -> HealthResult:
    return HealthResult(service=service, up=False, error="DNS lookup failed", unknown=True)


def console(tmp_path, *results: HealthResult) -> WarroomApp:
    failed = ProbeFailed(at=T0, source="kubernetes", reason="DNS lookup failed")
    return live_console(tmp_path, SERVICES, failed, HealthSampled(at=T0, results=results))[0]


async def test_health_checks_that_cannot_resolve_are_unknown_not_down(tmp_path) -> None:
    app = console(tmp_path, *(blind(s) for s in SERVICES))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        header = app.query_one("#header")._text.plain
        assert "suggested" not in header and "P1" not in header
        assert "all guide thresholds clear" not in header
        cannot_see = f"unknown: {', '.join(SERVICES)} (DNS lookup failed, from this console)"
        # the warnings first, the reassurance last: a cut at the edge loses the latter
        assert f" {cannot_see} · " in header
        assert header.endswith(" · no threshold crossed in what is watched")
        pane = app.query_one("#services")
        rows = pane_lines(app, pane)
        for service in SERVICES:
            [row] = [r for r in rows if r.startswith(service)]
            assert "UNKNOWN" in row and "DOWN" not in row, row
        subtitle = str(pane.border_subtitle)
        assert subtitle.startswith("/health unknown from here: DNS lookup failed x4; stale")


async def test_a_503_among_them_is_still_down(tmp_path) -> None:
    down = HealthResult(service="file-watcher", up=False, status_code=503, error="HTTP 503")
    app = console(tmp_path, *(down if s == "file-watcher" else blind(s) for s in SERVICES))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        header = app.query_one("#header")._text.plain
        assert "suggested  P2 HIGH  file-watcher down" in header
        rows = pane_lines(app, app.query_one("#services"))
        [row] = [r for r in rows if r.startswith("file-watcher")]
        assert "503" in row and "UNKNOWN" not in row
