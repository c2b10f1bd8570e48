"""SVG snapshots of each scenario at fixed moments: the regression suite and training material.

Deterministic: seed 7, a frozen clock starting 2026-03-14 09:26:00 UTC, fixed terminal sizes.
"""

from __future__ import annotations

from tests.play import Session
from tui.app import WarroomApp

SIZES = {"120x40": (120, 40), "80x24": (80, 24)}

# (scenario, seconds into it, declared?, pane shown at 80x24)
MOMENTS = {
    "bad-deploy-calm": ("bad-deploy", 16, False, 0),
    "bad-deploy-unfolding": ("bad-deploy", 70, False, 1),
    "bad-deploy-declared": ("bad-deploy", 110, True, 4),
    "db-lock-storm-chain": ("db-lock-storm", 80, True, 2),
    "service-down-crashloop": ("service-down", 90, True, 0),
}


def build(tmp_path, scenario: str, seconds: float, declared: bool) -> WarroomApp:
    session = Session(scenario, tmp_path / "journal.warroom")
    if declared:
        session.run(seconds - 30).declare().run(seconds - 20).acknowledge()
    session.run(seconds)
    return session.app()


def _snapshot_test(moment: str, size: str):
    scenario, seconds, declared, pane = MOMENTS[moment]

    def test(snap, tmp_path) -> None:
        app = build(tmp_path, scenario, seconds, declared)

        async def show_pane(pilot) -> None:
            if size == "80x24":
                await pilot.press(str(pane + 1))

        assert snap(app, SIZES[size], run_before=show_pane)

    return test


# One named test per snapshot (not parametrize): syrupy matches snapshots to tests by name,
# so updating one parametrized case would delete its siblings' files.
for _moment in MOMENTS:
    for _size in SIZES:
        _name = f"test_{_moment.replace('-', '_')}_{_size}"
        globals()[_name] = _snapshot_test(_moment, _size)
        globals()[_name].__name__ = _name
