"""Journal first, then fold: the one way an event reaches the console state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from state.console import ConsoleState
from state.fold import fold
from state.journal import keyframes
from state.journal.store import Journal

if TYPE_CHECKING:
    from state.events import Event, EventBase


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
        """Commit `event` to the journal, then fold it. Nothing is shown that is not journaled.

        From any thread, one event at a time: the journal's lock is held throughout, so the
        journal's order is the fold's, and no event joins another thread's transaction.
        """
        with self.journal.lock:
            seq = self.journal.append(event)
            self.state = fold(self.state, event)
            self._keyframes.folded(seq, event, self.state)
            return self.state
