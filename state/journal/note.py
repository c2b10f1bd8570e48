"""A note beside a journal saying what it does not hold: `<journal>-unrecorded`.

While a journal's file cannot be written (a full disk), its console holds the events in
memory (holding.py) and says so in its header. Nobody else can see it: `warroom replay`
following the journal would say "live" with nothing arriving, and a console that ends with
the events unwritten on a hang-up has no terminal left to say so on. So a console keeps a
note beside the journal it writes: made when it opens the journal for writing, while the
disk has room, its blocks written then; rewritten in place, never grown (a full disk
takes that), when holding begins, at each try that fails, when it ends, and when the console
ends with events held. On an orderly end with nothing lost it is removed.

One JSON object a line, padded with spaces to `SIZE` bytes. A line is one console's: its
pid, since when (the time of the first event the file does not hold, epoch seconds), why,
how many events are held, and whether that console has ended with them (they are lost).
A line left by a console that is gone is kept, as ended, by the next console writing the
journal (a resumed session): `warroom journals` and replay say it. A console killed while
holding leaves its line unended: its pid no longer writes the journal, so it is read as
ended too.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

SIZE = 4096  # bytes: ~25 lines; the oldest give way
SUFFIX = "-unrecorded"


def note_path(journal: Path) -> Path:
    """The note beside the journal at `journal`."""
    return Path(f"{journal}{SUFFIX}")


@dataclass(frozen=True)
class Unrecorded:
    """What one console's journal did not take: `held` events from `since` (epoch seconds)
    on, because of `reason`; `ended`: the console ended with them held (lost)."""

    pid: int
    since: float
    reason: str
    held: int
    ended: bool = False


class Note:
    """This console's note beside the journal it writes."""

    def __init__(self, path: Path, fd: int, earlier: list[Unrecorded]) -> None:
        self.path = path
        self._fd: int | None = fd
        self.earlier = earlier  # lines of consoles gone, kept
        self.now: Unrecorded | None = None  # this console's, while it holds events

    @classmethod
    def make(cls, journal: Path) -> Note | None:
        """The note beside `journal`, its `SIZE` bytes written now; the lines of consoles
        before this one kept, as ended. None if it cannot be made (a folder we may not write
        in): the journal is written as before, with nobody told of a hold but its console."""
        path = note_path(journal)
        earlier = [replace(line, ended=True) for line in read(journal)]
        try:  # never through a link: a note is ours, beside the journal
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        except OSError:
            return None
        note = cls(path, fd, earlier)
        if not note._write():
            note.close()
            return None
        with contextlib.suppress(OSError):  # a longer file there before: its rest goes
            os.ftruncate(fd, SIZE)
        return note

    def say(self, now: Unrecorded | None) -> None:
        """Rewrite the note in place with this console's line `now` (None: it holds nothing)."""
        if now != self.now:
            self.now = now
            self._write()

    def _write(self) -> bool:
        if self._fd is None:
            return False
        lines = [*self.earlier, *([self.now] if self.now else [])]
        text = b""
        for line in reversed(lines):  # the newest kept first, should they not all fit
            encoded = json.dumps(asdict(line)).encode() + b"\n"
            if len(text) + len(encoded) > SIZE:
                break
            text = encoded + text
        try:
            return os.pwrite(self._fd, text.ljust(SIZE, b" "), 0) == SIZE
        except OSError:  # a file we cannot write after all (EIO, a read-only remount)
            return False

    def close(self) -> None:
        """Leave the note if it has something to say, else remove it."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._fd = None
        if not self.earlier and (self.now is None or not self.now.held):
            with contextlib.suppress(OSError):
                self.path.unlink()


def read(journal: Path) -> list[Unrecorded]:
    """The lines of the note beside `journal`, oldest first; none if there is no note, and
    a line that is not one (a damaged or foreign file) is passed over."""
    try:
        with note_path(journal).open("rb") as file:
            data = file.read(SIZE)
    except OSError:
        return []
    found = []
    for raw in data.splitlines():
        with contextlib.suppress(ValueError, TypeError, KeyError, AttributeError):
            line = json.loads(raw)
            said = Unrecorded(
                pid=int(line["pid"]),
                since=float(line["since"]),
                reason=str(line["reason"]),
                held=int(line["held"]),
                ended=bool(line.get("ended", False)),
            )
            if math.isfinite(said.since) and said.held >= 0:  # else not one we wrote
                found.append(said)
    return found
