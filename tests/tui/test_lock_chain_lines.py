"""A lock chain that clears while another stands, on the console's timeline: its own line,
naming its root blocker (pid, role, application), how long it stood and how many still stand.
Found live: the IC learnt a chain had cleared only once every chain had."""

from __future__ import annotations

from datetime import timedelta

from state.events import DatabaseSampled, DbSession
from tests.tui.live_console import T0, live_console
from widgets.timeline import TimelinePane


def chains(seconds: float, **behind: int) -> DatabaseSampled:
    """Per root pid ("b4242": 3 sessions waiting on pid 4242), a batch job's backend."""
    sessions = []
    for root, waiters in behind.items():
        pid = int(root[1:])
        sessions.append(
            DbSession(
                pid=pid,
                user="batch",
                application=f"job-{pid}",
                state="idle in transaction",
                relation="accounts",
                backend_start=T0,
            )
        )
        sessions += [DbSession(pid=pid * 10 + i, blocked_by=(pid,)) for i in range(waiters)]
    at = T0 + timedelta(seconds=seconds)
    return DatabaseSampled(
        at=at, connections={"active": 3}, max_connections=100, sessions=tuple(sessions)
    )


def timeline(app) -> str:
    return app.query_one(TimelinePane).content.render().plain


async def test_a_chain_clearing_beside_another_has_its_own_line(tmp_path) -> None:
    events = [chains(2, b4242=3), chains(4, b4242=3, b777=2), chains(79, b4242=3)]
    app, clock = live_console(tmp_path, (), *events)
    clock.advance(80)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        told = timeline(app)
        assert (
            "Lock chain cleared after 1 min 15 s, behind pid 777 (role batch, application "
            "job-777) on accounts; 1 chain still standing"
        ) in " ".join(told.split())
        assert "Lock chain: 2 sessions blocked behind pid 777 on accounts" in told
