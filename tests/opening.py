"""Open a demo, drill or live session at once, as the console does just after its first frame.

The console checks its input with `session_start` before it draws and opens the session in
the mode's `opening` just after (tui/opening.py); tests do both in one call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.contexts import label, select
from tui.demo import DemoSession, start_demo
from tui.live import live_wiring
from tui.opening import Mode, session_start

if TYPE_CHECKING:
    from pathlib import Path

    from tui.base import Wiring
    from tui.config import Config


def open_demo(
    scenario: str,
    seed: int,
    speed: float,
    journal: Path | None,
    operator: str,
    mode: Mode = "demo",
    services: int = 4,
) -> DemoSession:
    """Start a new demo (or drill) session, or resume the one journaled at `journal`."""
    return start_demo(
        session_start(
            mode, journal, operator, scenario=scenario, seed=seed, speed=speed, services=services
        )
    )


def open_live(config: Config, journal: Path | None, operator: str) -> Wiring:
    """Start a new live session, or resume the live session journaled at `journal`."""
    selected = select(config)
    return live_wiring(session_start("live", journal, operator, label=label(selected)), selected)
