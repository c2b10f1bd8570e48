"""A journal read back: the folded state as it was at any instant of the session."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from state.clock import from_epoch
from state.collector import paused
from state.console import ConsoleState, TimelineEntry
from state.fold import fold
from state.journal.keyframes import KeyframeIndex

if TYPE_CHECKING:
    from state.journal.store import Journal


class Replay:
    """Seeks by loading the keyframe before an instant and folding forward from it.

    Moving forward from the current position folds only the events in between, so playback
    costs what the recorded session cost. `refresh` picks up what a live console appended.
    """

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.index = KeyframeIndex(journal)
        self.state = ConsoleState()
        self.seq = 0  # the last event folded into `state`
        self.at = float("-inf")  # the instant `state` is at
        self.start = self.end = 0.0
        self.last_seq = 0
        self._read_to = -1  # last_seq when the rows after `seq` were last read
        self.marks: tuple[TimelineEntry, ...] = ()
        self.refresh()

    def refresh(self) -> bool:
        """Catch up with events appended since; True when there were any."""
        self.journal.follow()
        bounds = self.journal.bounds()
        if bounds is None or bounds[0] == self.last_seq:
            return False
        self.last_seq, self.start, self.end = bounds
        self.index.refresh()
        self.marks = self.index.latest().timeline
        return True

    def seek(self, at: float) -> ConsoleState:
        """The state after every event recorded at or before `at` (epoch seconds)."""
        if at == self.at and self._read_to == self.last_seq:
            return self.state  # a repaint at the same cursor: nothing new to read
        with paused():  # a seek makes no cycles (state/collector.py)
            frame = self.index.before(at)
            if at < self.at or (frame is not None and frame.seq > self.seq):
                self.state, self.seq = self.index.load(frame)
            for seq, when, event in self.journal.rows(self.seq):
                if when > at:
                    break
                self.state = fold(self.state, event)
                self.seq = seq
        self.at, self._read_to = at, self.last_seq
        return self.state

    @staticmethod
    def instant(at: float) -> datetime:
        """The instant of a journal's epoch seconds, within the calendar whatever they hold."""
        return from_epoch(at)
