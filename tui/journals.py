"""`warroom journals`: the past sessions in the data folder, newest first, one line each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import click

from state.journal.note import SUFFIX as NOTE
from state.journal.store import Journal, JournalError, wal_path
from state.journal.summary import SessionSummary, summarize
from state.journal.writer import writer_of
from state.review.format import NONE, iso, span
from state.text import file_name, inert
from tui.paths import journal_dir

# SQLite's files beside a journal, and the note of what it does not hold (state/journal/
# note.py): part of it, not sessions of their own
_SIDECARS = ("-wal", "-shm", "-journal", NOTE)
HEADER = ("INCIDENT", "SEVERITY", "STARTED", "DURATION", "STATE", "SESSION", "FILE", "SIZE")


@dataclass(frozen=True)
class Listed:
    path: Path
    size: int
    modified: datetime
    summary: SessionSummary | None
    problem: str = ""  # why the file is unreadable, or damaged

    @property
    def when(self) -> datetime:
        """When the session started; for a file that is no journal, when it was written."""
        if self.summary is not None and self.summary.started is not None:
            return self.summary.started
        return self.modified


def journals() -> None:
    """Print one row per file in the journals folder; an unreadable or damaged one says why."""
    folder = journal_dir()
    listed = sorted(
        (read(p) for p in folder.iterdir() if p.is_file() and not p.name.endswith(_SIDECARS)),
        key=lambda item: (item.when, item.path.name),
        reverse=True,
    )
    if not listed:
        click.echo(f"no journals in {folder}")
        return
    rows = [HEADER, *(row(item) for item in listed)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    for r, item in zip(rows, [None, *listed], strict=True):
        line = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip()
        if item is not None and item.problem:
            line += f"  ({item.problem})"
        if item is not None:
            line += unrecorded(item.path)
        click.echo(line)


def unrecorded(path: Path) -> str:
    """Who writes the journal now and what it does not hold, from the note beside it (tui/
    unrecorded.py): a console's hold now; the events consoles ended with unwritten."""
    from tui.unrecorded import hold_said, holds, lost_said

    pid = writer_of(path)
    now, lost = holds(path, pid)
    said = "".join(f"  ({lost_said(line, day=True)})" for line in lost)
    if pid is not None:
        holding = f": {hold_said(now)}" if now is not None else ""
        said += f"  (being written by a console, pid {pid}{holding})"
    return said


def read(path: Path) -> Listed:
    info = path.stat()
    modified = datetime.fromtimestamp(info.st_mtime, UTC)
    size = info.st_size + _wal_size(path)
    try:
        with Journal.open(path, read_only=True) as journal:
            summary = summarize(journal)
            try:
                journal.verify()
            except JournalError as exc:  # what it says of its session, and that it is damaged
                return Listed(path, size, modified, summary, _why(exc, path))
            return Listed(path, size, modified, summary)
    except JournalError as exc:
        return Listed(path, size, modified, None, _why(exc, path))


def _wal_size(path: Path) -> int:
    """The bytes of the -wal beside `path`: a journal's newest events until SQLite moves them
    into the file (a console writing it, or killed before it could)."""
    try:
        return wal_path(path).stat().st_size
    except OSError:
        return 0


def _why(error: JournalError, path: Path) -> str:
    """The reason, one line; the listing names the file in its own column."""
    return inert(str(error).replace(str(path), path.name))


def row(item: Listed) -> tuple[str, ...]:
    """The cells of one file; names from the file or journal are made inert for the terminal."""
    s = item.summary
    name = file_name(item.path.name)  # the file's own name, escaped if need be
    if s is None:
        return (NONE, NONE, NONE, NONE, "unreadable", NONE, name, _size(item.size))
    state = "damaged" if item.problem else s.state
    incident = inert(s.incident_id) if s.incident_id else NONE
    if s.incidents > 1:
        incident += f" (+{s.incidents - 1} earlier)"
    session = inert(s.mode) + (f" {inert(s.scenario)}" if s.scenario else "")
    # beside an incident, its own start and duration, as its review states them; else the
    # session's
    started, seconds = s.incident_span or (s.started, s.seconds)
    return (
        incident,
        s.severity.value if s.severity else NONE,
        iso(started) if started else NONE,
        span(seconds) if seconds is not None else NONE,
        state,
        session,
        name,
        _size(item.size),
    )


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"
