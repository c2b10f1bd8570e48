"""Journal first, then fold: the one way an event reaches the console state.

Unless the journal's file cannot be written (a full disk, EIO, a read-only remount): then the
events are held in memory, in order, folded and shown, and written once it can be again
(state/journal/holding.py). The console neither crashes nor goes blind.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from state.console import ConsoleState
from state.events import JournalWrittenAgain
from state.fold import fold
from state.journal import keyframes
from state.journal.store import Journal

if TYPE_CHECKING:
    from datetime import datetime

    from state.events import Event, EventBase
    from state.journal.holding import Holding


# seconds between two chunks of held events written back (`Recorder.retry`)
_BETWEEN = 0.005


def _let_others_in() -> None:
    """Between two chunks written back: a thread waiting for the journal's lock (the UI
    loop recording a key's act, the samples' thread) is woken by its release, and needs a
    moment to take it before the next chunk does."""
    time.sleep(_BETWEEN)


class Recorder:
    """Owns the journal and the folded state of one session; saves keyframes as it goes."""

    def __init__(
        self, journal: Journal, state: ConsoleState | None = None, old_format: bool = False
    ) -> None:
        """`old_format`: keyframes as journals of schema 1 held them (the benchmarks' baseline)."""
        self.journal = journal
        self.state = state or ConsoleState()
        self._keyframes = keyframes.Writer(journal, self.state, old_format)

    @classmethod
    def reopen(cls, reading: Journal) -> Recorder:
        """Go on writing the journal that `reading` has open read-only.

        Its events are folded from `reading` first (from the last keyframe on); only once
        that has succeeded is the file opened for writing, which switches it to WAL. So a
        journal found damaged (JournalError) is left byte for byte as it was, with no -wal
        or -shm beside it. `reading` is closed either way.
        """
        try:
            state = keyframes.KeyframeIndex(reading).latest()
        finally:
            reading.close()
        return cls(Journal.open(reading.path), state)

    def record(self, event: Event | EventBase) -> ConsoleState:
        """Commit `event` to the journal, then fold it. Nothing is shown that is not journaled,
        except while the journal's file cannot be written (a full disk): then the event is
        held in memory, in order, and folded, and the console says so (`holding`).

        From any thread, one event at a time: the journal's lock is held throughout, so the
        journal's order is the fold's, and no event joins another thread's transaction.
        """
        with self.journal.lock:
            seq = self.journal.append(event)
            self.state = fold(self.state, event)
            if seq is not None:
                self._keyframes.folded(seq, event, self.state)
            return self.state

    def events(self) -> list[Event]:
        """Every event of the session, in order: the journal's, then those it holds in memory
        while its file cannot be written (what was folded and shown)."""
        with self.journal.lock:
            held = list(self.journal.holding.events) if self.journal.holding else []
            return [*self.journal.events(), *held]  # type: ignore[list-item]

    @property
    def holding(self) -> Holding | None:
        """What the journal holds in memory while its file cannot be written; None if none."""
        return self.journal.holding

    def retry(
        self, now: datetime, wait: float = -1, between: Callable[[], None] = _let_others_in
    ) -> JournalWrittenAgain | None:
        """Try to write the events held, in their order, a chunk a transaction (holding.
        WRITE_BACK_ROWS rows), the journal's lock let go between two (and `between` called
        then): a key pressed meanwhile waits for one chunk, and its event is held after
        those before it. Once the last is written, journal and fold a JournalWrittenAgain
        saying what happened, and return it. None if nothing was held, the file refused a
        chunk (the holding says why; the chunks before it are written), a transaction is
        open, or the journal's lock was not had within `wait` seconds (-1: waits for it)."""
        holding = self.journal.holding
        while holding is not None:
            if not self.journal.lock.acquire(timeout=wait):
                return None
            try:
                if self.journal.holding is not holding or self.journal.connection.in_transaction:
                    return None
                try:
                    written, done = self.journal.flush()
                except sqlite3.Error:
                    return None
                for seq, event in written:
                    self._keyframes.noted(seq, event)
                if done:
                    said = JournalWrittenAgain(
                        at=max(now, self.state.now or now),
                        since=holding.since or now,
                        reason=holding.reason,
                        held=holding.written_back,
                        thinned=holding.thinned,
                    )
                    self.record(said)
                    return said
            finally:
                self.journal.lock.release()
            between()
        return None
