"""SVG snapshots of the Investigate screen (the bad-deploy's new exception group) and of the
High Error Rate runbook open with some steps done, at 120x40 and 80x24.

Deterministic: seed 7, a frozen clock starting 2026-03-14 09:26:00 UTC, fixed terminal sizes.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.play import Session
from tests.tui.waiting import shown
from widgets.investigate import InvestigateScreen
from widgets.runbook import RunbookScreen

SIZES = {"120x40": (120, 40), "80x24": (80, 24)}


def burning(tmp_path) -> Session:
    return Session("bad-deploy", tmp_path / "journal.warroom").run(60).declare().run(140)


def _investigate_test(size: str) -> Callable:
    def test(snap_compare, tmp_path) -> None:
        app = burning(tmp_path).app()

        async def show(pilot) -> None:
            await pilot.press("g")
            await shown(pilot, InvestigateScreen)
            await pilot.app.workers.wait_for_complete()  # the first section, read on opening
            await pilot.pause()  # mounted: 3 is the screen's key now, not the panes'
            await pilot.press("3")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

        assert snap_compare(app, terminal_size=SIZES[size], run_before=show)

    return test


def _runbook_test(size: str) -> Callable:
    def test(snap_compare, tmp_path) -> None:
        session = burning(tmp_path).acknowledge()
        app = session.app()

        async def show(pilot) -> None:
            await pilot.press("b")
            await shown(pilot, RunbookScreen)
            await pilot.press("down", "t")  # the bridge call, ticked by hand
            await pilot.pause()

        assert snap_compare(app, terminal_size=SIZES[size], run_before=show)

    return test


for _size in SIZES:
    globals()[f"test_investigate_errors_{_size}"] = _investigate_test(_size)
    globals()[f"test_runbook_high_error_rate_{_size}"] = _runbook_test(_size)
for _key, _test in list(globals().items()):
    if _key.startswith("test_"):
        _test.__name__ = _key
