"""What a demo (or drill) settles before the console draws: its scenario's name, its journal.

Nothing here loads pydantic or the simulation, so bad input is refused, in one line and
with the file untouched, before the terminal is taken over; the rest of the session opens
just after the console's first frame (tui/demo.py, tui/base.py).
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

Mode = Literal["demo", "drill"]


@dataclass
class DemoStart:
    """A demo session's open journal, and what the rest of its opening needs."""

    journal: Journal  # read-only while `resuming`, until the session has read it all
    scenario: str  # a built-in scenario's name, or a scenario file's path
    seed: int
    speed: float
    operator: str
    mode: Mode
    start: datetime  # when a new session starts; a resumed one goes on from its journal
    resuming: bool


def demo_start(
    scenario: str, seed: int, speed: float, journal: Path | None, operator: str, mode: Mode
) -> DemoStart:
    """Check the scenario and open (or create) the journal; raises ScenarioError, JournalError."""
    if journal is not None and journal.exists():
        # read-only until the whole journal has been read back (tui/demo.py): one found
        # damaged is refused with the file byte for byte as it was
        reading = _resumable(journal, mode)
        start = WallClock().now()
        return DemoStart(reading, scenario, seed, speed, operator, mode, start, resuming=True)
    if is_builtin(scenario):
        scenario_file(scenario)  # an unknown name fails here, before any file is created
        name = scenario
    else:
        name = _validated_file(scenario)
    start = WallClock().now().replace(microsecond=0)
    path = journal or new_journal_path(start, mode, name)
    meta = {"mode": mode, "scenario": name, "created": start.isoformat()}
    created = Journal.create(path, meta)
    return DemoStart(created, scenario, seed, speed, operator, mode, start, resuming=False)


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
