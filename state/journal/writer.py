"""One console writes a journal at a time: a writer's lock on the journal file.

Two consoles on one journal (an IC reconnecting over SSH while the first console still runs
under tmux, or a colleague starting the same command) would each fold their own session and
interleave their events in one file: a journal neither can be replayed as. The console
writing a journal holds an exclusive `flock` on the file; another console asking to write it
is refused in one line naming the holder's pid, and pointed at `warroom replay`, which reads
without the lock. The kernel lets the lock go when the holder exits, however it ends (a
hang-up, SIGKILL, a crash), so a dead console never leaves a journal locked.

`flock` is separate from the POSIX byte-range locks SQLite takes on the same file (Linux, and
BSDs), so it neither blocks nor is dropped by SQLite's own locking.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from state.journal.errors import JournalError


class WriterLock:
    """This process's exclusive hold on a journal file, until `release` or exit."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def take(cls, path: Path) -> WriterLock:
        """The writer's lock on the existing file at `path`. Raises JournalError if another
        console holds it (naming its pid where the system says) or the file cannot be opened."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as exc:
            raise JournalError(f"cannot open journal {path}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(os.fstat(fd))
            os.close(fd)
            raise in_use(path, holder) from None
        except OSError:
            pass  # a filesystem without flock (some network mounts): write as before
        return cls(path, fd)

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)  # closing the only descriptor lets the lock go
            self._fd = None


def ensure_free(path: Path) -> None:
    """Raise JournalError (as `WriterLock.take`) if another console is writing `path`."""
    WriterLock.take(path).release()


def in_use(path: Path, holder: int | None) -> JournalError:
    """The one line refusing a journal another console is writing."""
    who = f"another console (pid {holder})" if holder else "another console"
    return JournalError(
        f"{path} is open in {who}: follow it with `warroom replay {path}`, or end that console"
        " first"
    )


def writer_of(path: Path) -> int | None:
    """The pid of the console writing the journal at `path`, or None if none is (or the
    system does not say: /proc/locks is Linux's). Takes no lock, so it never stands in a
    console's way: replay and `warroom journals` ask it."""
    try:
        return _holder(path.stat())
    except OSError:
        return None


def _holder(stat: os.stat_result) -> int | None:
    """The pid holding a flock on the file of `stat`, from /proc/locks (Linux), if any."""
    device = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 4321 fe:00:2334945 0 EOF"; a blocked waiter is "1: -> ..."
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == device:
            with contextlib.suppress(ValueError):
                return int(fields[4])
    return None
