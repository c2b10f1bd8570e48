"""What the journal could not take, held in memory in order until it can again.

A full disk is a classic cause of an incident: the console must not crash on it, nor stop
showing what it sees. When a write fails for a reason of the disk or the file (SQLite's
SQLITE_FULL, SQLITE_IOERR: EIO, EFBIG past a file size limit; SQLITE_READONLY: a read-only
remount; SQLITE_CANTOPEN, SQLITE_PERM: an immutable file), every event from then on is held
here, in order, folded and shown; the outbox is kept in a copy in memory (state/journal/
store.py). The console tries again every few seconds; once the file takes a write again the
held events are written in their order, a few thousand rows a transaction (`WRITE_BACK_ROWS`),
the journal's lock let go between two so that a key pressed meanwhile waits for one of them,
not for the whole hold; events recorded meanwhile are held after them, so none lands out of
order. Then the timeline says what happened.

Memory stays bounded: past `MAX_ROWS` rows held, every other held probe sample of each stream
is dropped, oldest first, and counted as thinned. Nothing else is ever thinned: the
commander's actions, messages and notes, and the probes' failures, are all kept.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from state.journal import schema
from state.journal.rows import ROW_FIELDS, stream

if TYPE_CHECKING:
    from state.events import EventBase

# SQLite's primary result codes for a write the disk or the file refused
_UNWRITABLE = ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")
# rows of samples held before they are thinned: ~0.8 KB each in memory (a health result, a
# deployment with its pods, a metric value; measured with tracemalloc), so ~100 MB
MAX_ROWS = 120_000
_THINNED_TO = 3 / 4  # thinning stops once this share of MAX_ROWS is left
# rows of held events written back per transaction, the journal's lock let go between two:
# 4-5 ms of CPU at large (300 services); the whole 120,000-row bound in one held it 0.25 s
# of CPU (0.36-0.63 s wall under load), and an act recorded meanwhile waited all of it
WRITE_BACK_ROWS = 2_000


def unwritable(exc: BaseException) -> bool:
    """True if `exc` is SQLite refusing a write for a reason of the disk or the file, which
    may pass (space freed, a remount, a limit raised); not a bug, nor a damaged journal."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return isinstance(exc, sqlite3.Error) and name.startswith(_UNWRITABLE)


def reason(exc: BaseException, path: Path) -> str:
    """Why the journal at `path` could not be written, short, as the header says it:
    "disk full (/mnt/tiny)", "read-only file system (/mnt)", "file size limit reached"."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    folder = mount_of(path)
    try:
        disk = os.statvfs(path.parent)
    except OSError:
        disk = None
    if disk is not None and disk.f_flag & os.ST_RDONLY:
        return f"read-only file system ({folder})"
    if disk is not None and disk.f_bavail == 0:
        return f"disk full ({folder})"
    if name.startswith("SQLITE_FULL"):  # room on the disk: SQLite's own limit (max_page_count)
        return "journal full"
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")) or not os.access(
        path, os.W_OK
    ):
        return f"file not writable ({path.name})"
    if _past_size_limit(path):
        return "file size limit reached (ulimit -f)"
    return f"disk I/O error ({folder})"


def mount_of(path: Path) -> str:
    """The mount point the journal at `path` is on ("/mnt/tiny"), or its folder."""
    try:
        folder = path.resolve().parent
        while not os.path.ismount(folder) and folder.parent != folder:
            folder = folder.parent
    except OSError:
        return str(path.parent)
    return str(folder)


def _past_size_limit(path: Path) -> bool:
    import resource  # stdlib; POSIX

    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    if soft == resource.RLIM_INFINITY:
        return False
    sizes = []
    for file in (path, Path(f"{path}-wal")):
        with contextlib.suppress(OSError):
            sizes.append(file.stat().st_size)
    return any(size + 65536 >= soft for size in sizes)


def mirror_outbox(db: sqlite3.Connection) -> int:
    """Shadow the file's outbox with a copy in memory: a TEMP table of the same name, which
    SQLite reads and writes for an unqualified name before the file's. The outbox's own
    statements (outbox.py) then run unchanged. Returns the last outbox row the file holds."""
    written = db.execute("SELECT coalesce(max(seq), 0) FROM main.outbox").fetchone()
    db.execute("PRAGMA temp_store = MEMORY")
    db.execute(schema.OUTBOX.replace("CREATE TABLE", "CREATE TEMP TABLE", 1))
    db.execute("INSERT INTO temp.outbox SELECT * FROM main.outbox")
    return int(written[0])


def write_outbox_back(db: sqlite3.Connection) -> None:
    """Inside the transaction that writes the held events: the memory copy into the file."""
    db.execute("INSERT OR REPLACE INTO main.outbox SELECT * FROM temp.outbox")


def drop_mirror(db: sqlite3.Connection) -> None:
    db.execute("DROP TABLE temp.outbox")


def is_sample(event: EventBase) -> bool:
    """A probe's sample: what may be thinned (a later one of its stream says as much)."""
    return getattr(event, "kind", "").endswith("_sampled")


def _rows(event: EventBase) -> int:
    fields = ROW_FIELDS.get(getattr(event, "kind"), ())  # noqa: B009
    return 1 + sum(len(getattr(event, field) or ()) for field in fields)


class Holding:
    """The events a journal could not take, in order; why, and since when."""

    def __init__(self, why: str, outbox_written: int) -> None:
        self.reason = why
        self.since: datetime | None = None  # the time of the first event held
        self.events: deque[EventBase] = deque()
        self.added = 0  # events ever held (a transaction rolled back takes its own out again)
        self.thinned = 0  # probe samples dropped to bound memory
        self.tries = 1  # writes tried and failed
        self.outbox_written = outbox_written  # the last outbox row the file holds
        self.written_back = 0  # events written back to the file so far (`chunk`, `written`)
        self._rows = 0

    def add(self, event: EventBase) -> None:
        if self.since is None:
            self.since = event.at
        self.events.append(event)
        self.added += 1
        self._rows += _rows(event)
        if self._rows > MAX_ROWS:
            self._thin()

    def cut(self, added: int) -> None:
        """Take out the events held after `added` had been: their transaction rolled back."""
        while self.added > added and self.events:
            self._rows -= _rows(self.events.pop())
            self.added -= 1
        if not self.events:
            self.since = None

    def chunk(self, rows: int | None = None) -> list[EventBase]:
        """The oldest events held, up to `rows` rows in all (WRITE_BACK_ROWS; at least one
        event): what one transaction writes back."""
        rows = WRITE_BACK_ROWS if rows is None else rows
        out: list[EventBase] = []
        total = 0
        for event in self.events:
            size = _rows(event)
            if out and total + size > rows:
                break
            out.append(event)
            total += size
        return out

    def written(self, count: int) -> None:
        """The oldest `count` events held are in the file now: they are held no more."""
        for _ in range(count):
            self._rows -= _rows(self.events.popleft())
        self.written_back += count

    @property
    def unwritten_since(self) -> datetime | None:
        """The time the journal's file ends at: of the first event it does not hold (part of
        the hold may have been written back before the file refused again)."""
        if self.written_back and self.events:
            return self.events[0].at
        return self.since

    def since_said(self) -> str:
        """Since when events are not in the file, as the console says it: "10:47:52" (UTC),
        or "now" before the first."""
        since = self.unwritten_since
        return since.strftime("%H:%M:%S") if since else "now"

    def others(self) -> int:
        """Events held that are not probe samples: the commander's, messages, probe failures."""
        return sum(1 for event in self.events if not is_sample(event))

    def _thin(self) -> None:
        """Drop every other sample of each stream, oldest first, until under the bound."""
        kept: deque[EventBase] = deque()
        seen: dict[str, int] = {}
        target = MAX_ROWS * _THINNED_TO
        while self.events:
            event = self.events.popleft()
            if self._rows > target and is_sample(event):
                key = stream(event)
                seen[key] = seen.get(key, 0) + 1
                if seen[key] % 2:
                    self._rows -= _rows(event)
                    self.thinned += 1
                    continue
            kept.append(event)
        self.events = kept
