"""An end-backend worker cut short (cancelled while its dialog is open or its action runs)
still gives the locks pane back to the live samples: it never stays frozen on an old one."""

from __future__ import annotations

from tests.tui.test_backend_confirm import SIZE, holding, opened_on_4242
from tests.tui.waiting import until
from widgets.locks import LocksPane


async def test_a_cancelled_end_backend_worker_releases_the_locks_pane(tmp_path) -> None:
    session = await holding(tmp_path, 1)
    app = session.app()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(LocksPane)
        await opened_on_4242(pilot)
        pane.choosing()  # the commander held the pane still to choose
        assert pane.frozen
        app.workers.cancel_group(app, "action")
        await until(pilot, lambda: not any(w.group == "action" for w in app.workers))
        await pilot.pause()
        assert not pane.frozen
