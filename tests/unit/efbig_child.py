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
    recorder.journal.close()
    print(json.dumps(seen))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
