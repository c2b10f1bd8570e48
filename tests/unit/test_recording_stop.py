"""Quitting ends the samples' recorder thread (tui/recording.py) whatever it was doing.

Found as a flaky CI failure (tests/tui/test_journal_full_pty.py: the demo did not quit within
30 s of `q`): `stop` sets the thread's wake-up after its own last drain, and the thread,
woken by a sample just before and waiting for the journal's lock meanwhile, cleared that
wake-up once it had the lock; it then waited for a wake-up that never came, and `stop`'s
join (in a thread the loop awaits, which asyncio.run joins at the end) waited for it. The
lock is held here at that very moment, every time."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime

from state.events import NoteAdded
from state.journal.store import Journal
from state.recorder import Recorder
from tui.recording import SampleRecorder

BOUND = 10.0  # seconds: a broken stop fails the test instead of hanging it


class GatedLock:
    """The journal's lock, whose first taking by the recorder's thread waits for `gate`."""

    def __init__(self, lock, gate: threading.Event, waiting: threading.Event) -> None:
        self.lock, self.gate, self.waiting, self.passed = lock, gate, waiting, False

    def __enter__(self):
        if threading.current_thread().name == "warroom-recorder" and not self.passed:
            self.passed = True
            self.waiting.set()
            self.gate.wait(BOUND)
        self.lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.lock.release()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        return self.lock.acquire(blocking, timeout)

    def release(self) -> None:
        self.lock.release()


async def test_stop_ends_the_thread_woken_just_before_it(tmp_path) -> None:
    journal = Journal.create(tmp_path / "j.warroom")
    gate, waiting = threading.Event(), threading.Event()
    journal.lock = GatedLock(journal.lock, gate, waiting)  # type: ignore[assignment]
    recorder = Recorder(journal)
    loop = asyncio.get_running_loop()
    samples = SampleRecorder(recorder, loop, lambda events: None, lambda exc: None)
    samples.start()
    at = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    samples.submit(NoteAdded(at=at, by="alice", text="a sample's worth"))  # wakes the thread
    assert await asyncio.to_thread(waiting.wait, BOUND)  # it is taking the lock: held there
    stopping = threading.Thread(target=samples.stop, daemon=True)
    stopping.start()  # drains the sample itself, then wakes the thread to end and joins it
    for _ in range(200):
        if samples._stopping:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # its wake-up set, its join begun
    gate.set()  # the thread takes the lock now
    await asyncio.to_thread(stopping.join, BOUND)
    try:
        assert not stopping.is_alive(), "stop never returned: the recorder thread slept on"
        assert [e.kind for e in journal.events()] == ["note_added"]
    finally:
        samples.abandon()
        journal.close()
