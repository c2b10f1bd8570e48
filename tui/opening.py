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

from probes.simulated.scenario_files import DEFAULT_SEED, is_builtin, scenario_file
from state.clock import WallClock
from state.journal.store import Journal, JournalError, holds_nothing
from state.journal.writer import ensure_free
from state.text import inert
from tui.paths import new_journal_path

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

Mode = Literal["demo", "drill", "live"]


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
    afresh: bool = False  # begun in an existing journal no session had begun in


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
    scenario_asked: bool = False,
) -> SessionStart:
    """Check the scenario (demo, drill) and open (or create) the journal, named after `label`
    (live) or the scenario; raises ScenarioError, JournalError.

    An existing journal no session began in (its opening was cut short: a zero-byte file, or
    the schema and no event) is begun afresh, as nothing in it can be lost; one that holds
    anything else is resumed if it is this mode's session, refused otherwise."""
    existing = journal is not None and journal.exists()
    if journal is not None and existing:
        # first: a console creating it leaves a file that reads as foreign or damaged until
        # its schema is in; refused before the first frame, the lock is taken on reopening
        ensure_free(journal)
    if journal is not None and existing and not _no_session_in(journal):
        # read-only until the whole journal has been read back (tui/demo.py, tui/live.py):
        # one found damaged is refused with the file byte for byte as it was
        reading = _resumable(journal, mode, scenario if scenario_asked else None)
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
    meta["created"] = start.isoformat()
    if existing:
        created = Journal.begin_afresh(path, meta)
        if created is None:
            raise JournalError(f"{path}: another console began a session in it just now")
    else:
        created = Journal.create(path, meta)
    return SessionStart(
        created, mode, operator, start, False, scenario, seed, speed, services, afresh=existing
    )


def _no_session_in(path: Path) -> bool:
    """True if no session began in the journal at `path`: zero bytes, or no event."""
    if holds_nothing(path):
        return True
    with Journal.open(path, read_only=True) as reading:
        return reading.count() == 0


def _resumable(path: Path, mode: Mode, scenario: str | None = None) -> Journal:
    """The journal, open read-only, if this session can go on with it: its own kind, begun
    by a session start, and of `scenario` when one was asked for on the command line (a
    built-in's name; a file's scenario is named by its file, not checked here). Raises
    JournalError, saying what it holds, leaving the file as it was."""
    journal = Journal.open(path, read_only=True)
    try:
        meta = journal.meta()
        kind, held = meta.get("mode"), meta.get("scenario")
        first = journal.first_kind()
        if kind is not None and kind != mode:
            raise not_resumable(path, mode, f"a {kind} session")
        if scenario is not None and is_builtin(scenario) and held and held != scenario:
            raise JournalError(
                f"{path} holds a {inert(held, 60)} {mode} session, not {scenario}: leave out"
                " the scenario to resume it, or name another journal"
            )
        if first != "session_started":
            raise not_resumable(path, mode, f"{journal.count()} events but no session start")
    except BaseException:
        journal.close()
        raise
    return journal


def not_resumable(path: Path, mode: str, holds: str = "") -> JournalError:
    """The one line refusing to resume `path` as a `mode` session; `holds` says what it is."""
    if holds:
        return JournalError(f"{path} holds {holds}; it cannot be resumed as a {mode} session")
    return JournalError(f"{path} is not a {mode} session journal; it cannot be resumed as one")


def _validated_file(path: str) -> str:
    """A scenario file is the user's own: validate it whole now. Returns its name."""
    from probes.simulated.scenario import load

    return load(path).name
