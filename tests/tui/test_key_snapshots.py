"""SVG snapshots of the keys a commander sees: the key bar at 120x40 (every key, two lines)
and at 80x24 (the mitigating phase's keys), and the command palette searching "rollback".

Deterministic as tests/tui/test_snapshots.py: seed 7, a frozen clock, fixed sizes.
"""

from __future__ import annotations

from tests.play import OPERATOR
from tests.tui.test_snapshots import played
from tests.tui.waiting import shown

LOCKS = "3"


def _mitigating(tmp_path):
    """db-lock-storm burning, declared and acknowledged, a kill of the blocker just asked for:
    the phase whose keys a narrow bar shows."""
    from state.events import ActionRequested

    session = played(tmp_path, "db-lock-storm", "during")
    session.record(
        ActionRequested(
            at=session.clock.now(),
            action_id="snap-1",
            action="cancel_backend",
            target="pid 4242",
            params={"pid": 4242},
            by=OPERATOR,
        )
    )
    return session.app()


def test_key_bar_120x40(snap_compare, tmp_path) -> None:
    async def show(pilot) -> None:
        await pilot.press(LOCKS)

    assert snap_compare(_mitigating(tmp_path), terminal_size=(120, 40), run_before=show)


def test_key_bar_80x24(snap_compare, tmp_path) -> None:
    async def show(pilot) -> None:
        await pilot.press(LOCKS)

    assert snap_compare(_mitigating(tmp_path), terminal_size=(80, 24), run_before=show)


def test_palette_rollback_120x40(snap_compare, tmp_path) -> None:
    from textual.command import CommandList, CommandPalette

    app = played(tmp_path, "bad-deploy", "during").app()

    async def show(pilot) -> None:
        await pilot.press("ctrl+p")
        await shown(pilot, CommandPalette)
        await pilot.press(*"rollback")
        options = pilot.app.screen.query_one(CommandList)
        count = -1
        for _ in range(100):  # until the search has settled: the same hits twice running
            await pilot.pause(0.1)
            if options.option_count == count and count > 0:
                break
            count = options.option_count

    assert snap_compare(app, terminal_size=(120, 40), run_before=show)
