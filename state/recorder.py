"""Journal first, then fold: the one way an event reaches the console state."""

from __future__ import annotations

from state.console import ConsoleState
from state.events import Event, EventBase
from state.fold import fold, fold_all
from state.journal import Journal


class Recorder:
    """Owns the journal and the folded state of one session."""

    def __init__(self, journal: Journal, state: ConsoleState | None = None) -> None:
        self.journal = journal
        self.state = state or ConsoleState()

    @classmethod
    def resume(cls, journal: Journal) -> Recorder:
        """A recorder whose state is every event already in `journal`, folded."""
        return cls(journal, fold_all(ConsoleState(), journal.events()))

    def record(self, event: Event | EventBase) -> ConsoleState:
        """Commit `event` to the journal, then fold it. Nothing is shown that is not journaled."""
        self.journal.append(event)
        self.state = fold(self.state, event)
        return self.state
