"""The one way a session opens, demo, drill or live, new or resumed: settled before the
console draws (its scenario's name, its journal), then opened just after its first frame.

Nothing here loads pydantic or the simulation, so bad input is refused, in one line and
with the file untouched, before the terminal is taken over; `session_start` is that part.
The rest (the journal's fold, the event models, the simulation or the live probes) is the
mode's `opening` (tui/demo.py `demo_wiring`, tui/live.py `live_wiring`), which the console
runs just after its first frame (tui/base.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from probes.simulated.scenario_files import is_builtin, scenario_file
from state.clock import WallClock
from state.journal.store import Journal, JournalError
from tui.paths import new_journal_path

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

Mode = Literal["demo", "drill", "live"]

DEFAULT_SCENARIO = "bad-deploy"
DEFAULT_SEED = 7


@dataclass
class SessionStart:
    """A session's open journal, and what the rest of its opening needs."""

    journal: Journal  # read-only while `resuming`, until the session has read it all
    mode: Mode
    operator: str
    start: datetime  # when a new session starts; a resumed one goes on from its journal
    resuming: bool
    scenario: str = ""  # demo, drill: a built-in scenario's name, or a scenario file's path
    seed: int = DEFAULT_SEED
    speed: float = 1.0
    services: int = 4  # demo, drill: how many services the simulation runs


def session_start(
    mode: Mode,
    journal: Path | None,
    operator: str,
    *,
    label: str = "",
    scenario: str = "",
    seed: int = DEFAULT_SEED,
    speed: float = 1.0,
    services: int = 4,
) -> SessionStart:
    """Check the scenario (demo, drill) and open (or create) the journal, named after `label`
    (live) or the scenario; raises ScenarioError, JournalError."""
    if journal is not None and journal.exists():
        # read-only until the whole journal has been read back (tui/demo.py, tui/live.py):
        # one found damaged is refused with the file byte for byte as it was
        reading = _resumable(journal, mode)
        start = WallClock().now()
        return SessionStart(reading, mode, operator, start, True, scenario, seed, speed, services)
    meta: dict[str, str] = {"mode": mode}
    if mode != "live":
        if is_builtin(scenario):
            scenario_file(scenario)  # an unknown name fails here, before any file is created
            label = scenario
        else:
            label = _validated_file(scenario)
        meta["scenario"] = label
    start = WallClock().now().replace(microsecond=0)
    path = journal or new_journal_path(start, mode, label)
    created = Journal.create(path, {**meta, "created": start.isoformat()})
    return SessionStart(created, mode, operator, start, False, scenario, seed, speed, services)


def _resumable(path: Path, mode: Mode) -> Journal:
    """The journal, open read-only, if this session can go on with it: its own kind, begun
    by a session start. Raises JournalError, leaving the file as it was."""
    journal = Journal.open(path, read_only=True)
    try:
        kind = journal.meta().get("mode")
        begun = journal.first_kind() == "session_started"
    except BaseException:
        journal.close()
        raise
    if (kind is not None and kind != mode) or not begun:
        journal.close()
        raise not_resumable(path, mode)
    return journal


def not_resumable(path: Path, mode: str) -> JournalError:
    return JournalError(f"{path} is not a {mode} session journal; it cannot be resumed as one")


def _validated_file(path: str) -> str:
    """A scenario file is the user's own: validate it whole now. Returns its name."""
    from probes.simulated.scenario import load

    return load(path).name
