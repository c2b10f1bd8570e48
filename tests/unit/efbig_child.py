"""Run as a child process: a journal written under RLIMIT_FSIZE, so the OS refuses its writes
with EFBIG (SIGXFSZ ignored), then the limit raised as an operator would free the disk.
Prints one JSON line of what it saw (tests/unit/test_journal_held.py)."""

from __future__ import annotations

import json
import resource
import signal
import sys
from pathlib import Path

from state.events import NoteAdded
from state.journal.store import Journal
from state.recorder import Recorder
from tests.unit.helpers import at


def main(path: Path) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG from write(2), not death
    recorder = Recorder(Journal.create(path))
    _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, hard))
    sent = []
    for t in range(2000):
        sent.append(NoteAdded(at=at(t), text=f"note {t} " + "x" * 400, by="ana"))
        recorder.record(sent[-1])
        if recorder.holding is not None and len(recorder.holding.events) >= 50:
            break
    holding = recorder.holding
    seen = {
        "reason": holding.reason if holding else None,
        "held": len(holding.events) if holding else 0,
        "retried": recorder.retry(at(3000)) is not None,  # still refused
    }
    resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))  # room again
    said = recorder.retry(at(3001))
    seen["written"] = said.held if said else 0
    texts = [e.text for e in recorder.journal.events() if isinstance(e, NoteAdded)]
    seen["all_in_order"] = texts == [e.text for e in sent]
    seen["commit_refused"] = _commit_refused(recorder, path, hard)
    recorder.journal.close()
    print(json.dumps(seen))


def _commit_refused(recorder: Recorder, path: Path, hard: int) -> list[str]:
    """A transaction whose statements fit in SQLite's page cache and whose COMMIT the OS
    refuses (its -wal frames would pass the limit): what it wrote is held, nothing raised.
    The notes held after it, in order."""
    db = recorder.journal.connection
    db.execute("PRAGMA wal_autocheckpoint = 0")  # the -wal only grows: its next frame passes
    recorder.record(NoteAdded(at=at(3002), text="grow", by="ana"))
    wal = Path(f"{path}-wal").stat().st_size
    resource.setrlimit(resource.RLIMIT_FSIZE, (wal, hard))
    with recorder.journal.transaction():
        recorder.record(NoteAdded(at=at(3003), text="in the transaction", by="ana"))
        assert recorder.holding is None  # in the page cache: refused at COMMIT
    held = recorder.holding
    resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
    return [getattr(e, "text", "") for e in held.events] if held else []


if __name__ == "__main__":
    main(Path(sys.argv[1]))
