"""The probes' samples journaled and folded in a worker thread, off the UI loop (issue #10).

The probes emit their events on the console's loop; a `SampleRecorder` takes them in the
order they came and, in its one thread, commits each to the journal and folds it (the
recorder: journal first, then fold, keyframes as it goes). It then hands the events it
recorded to the loop, at most one hand-over pending at a time: the reactions run there, and
the console repaints from the latest state (several samples folded before the loop gets to
them make one repaint, not several). A key pressed while a large sample is being folded is
answered meanwhile (tests/tui/test_key_during_fold.py).

What the commander does is recorded on the loop, at once, journaled before it is shown; the
samples that came before it are recorded first (`drain`), so the journal keeps the order in
which events reached the console. Outside a journal transaction only: the samples never join
one (an outbox's), so they are never rolled back with it. The journal's lock makes the two
threads one writer (state/journal/store.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from state.events import EventBase
    from state.recorder import Recorder

Delivered = Callable[[list["EventBase"]], None]


class SampleRecorder:
    """Records events in one worker thread, in order; `delivered(events)` runs on `loop`.

    Made on `loop`: what it hands over runs there in the context it was made in."""

    def __init__(
        self,
        recorder: Recorder,
        loop: asyncio.AbstractEventLoop,
        delivered: Delivered,
        failed: Callable[[Exception], None],
    ) -> None:
        self.recorder = recorder
        self._loop = loop
        # the loop's context (made on the loop: Textual's active app), for what runs there
        self._context = contextvars.copy_context()
        self._delivered = delivered
        self._failed = failed
        self._queue: deque[EventBase] = deque()  # submitted, not yet recorded
        self._recorded: deque[EventBase] = deque()  # recorded, not yet handed to the loop
        self._wake = threading.Event()
        self._handing = threading.Lock()
        self._handed = False  # a hand-over is pending on the loop
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="warroom-recorder", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, event: EventBase) -> None:
        """Record `event` after those submitted before it (from the loop: the probes' emit)."""
        if not self._stopping:
            self._queue.append(event)
            self._wake.set()

    def drain(self) -> None:
        """Record now, in this thread, every event submitted so far; unless a journal
        transaction is open (the commander's, on the loop): they come after it then."""
        journal = self.recorder.journal
        with journal.lock:
            if journal.connection.in_transaction:
                return
            recorded = False
            while self._queue and not self._stopping:
                event = self._queue.popleft()
                self.recorder.record(event)
                self._recorded.append(event)
                recorded = True
        if recorded:
            self._hand_over()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            # cleared here, by the thread that waits, before it reads `_stopping` and the
            # queue: an event submitted from now on wakes it again, and a stop set before
            # the clear is read just after it. Cleared in `drain` (found as a flaky quit), it
            # could wipe the wake-up `stop` set while this thread waited there for the
            # journal's lock, and this thread slept on, with `stop` joining it for ever
            self._wake.clear()
            if self._stopping:
                return
            try:
                self.drain()
            except Exception as exc:  # a bug: a journal the disk refuses holds instead
                # (state/journal/holding.py), and the console goes on
                self._stopping = True
                self._loop.call_soon_threadsafe(self._failed, exc, context=self._context)
                return

    def _hand_over(self) -> None:
        with self._handing:
            if self._handed:
                return  # the pending hand-over takes these too
            self._handed = True
        with contextlib.suppress(RuntimeError):  # the loop has closed: the console is gone
            self._loop.call_soon_threadsafe(self._deliver, context=self._context)

    def _deliver(self) -> None:
        with self._handing:
            self._handed = False
        events = []
        while self._recorded:
            events.append(self._recorded.popleft())
        if events:
            self._delivered(events)

    def stop(self) -> None:
        """Record what was submitted, then end the thread (blocks: call it off the loop)."""
        if self._thread.is_alive():
            self.drain()
        self._stopping = True
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()

    def abandon(self) -> None:
        """Record nothing more: the journal is about to be closed (the terminal hung up)."""
        self._stopping = True
        self._wake.set()
