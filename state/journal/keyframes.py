"""Keyframes: the folded state saved every couple of minutes of recorded time, in the journal.

Seeking a replay to any instant loads the keyframe before it and folds forward from there,
instead of folding the whole session from its start.
"""

from __future__ import annotations

import bisect
import sqlite3
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from state.console import ConsoleState
from state.fold import fold
from state.journal.codec import RENAMED

if TYPE_CHECKING:
    from state.journal.store import Journal

EVERY = 120.0  # seconds of recorded time between keyframes


def write(journal: Journal, seq: int, at: float, state: ConsoleState) -> None:
    """Save `state` as it was after event `seq`."""
    db = journal.connection
    packed = zlib.compress(state.model_dump_json().encode(), 6)
    db.execute("INSERT OR REPLACE INTO keyframes VALUES (?, ?, ?)", (seq, at, packed))


@dataclass(frozen=True)
class Keyframe:
    seq: int
    at: float


class KeyframeIndex:
    """The keyframes of one journal, to find the one before an instant."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.frames: list[Keyframe] = []
        self._ats: list[float] = []
        self.refresh()

    def refresh(self) -> None:
        """Pick up keyframes a live console wrote since (replay tails a running session)."""
        after = self.frames[-1].seq if self.frames else 0
        try:
            rows = self.journal.connection.execute(
                "SELECT seq, at FROM keyframes WHERE seq > ? ORDER BY seq", (after,)
            ).fetchall()
        except sqlite3.OperationalError:  # a journal written before keyframes: none
            return
        # a row whose time is not a number (a damaged journal) is no shortcut: passed over
        self.frames.extend(
            Keyframe(seq, float(at)) for seq, at in rows if isinstance(at, float | int)
        )
        self._ats = [f.at for f in self.frames]

    def before(self, at: float) -> Keyframe | None:
        """The last keyframe taken at or before `at`."""
        index = bisect.bisect_right(self._ats, at) - 1
        return self.frames[index] if index >= 0 else None

    def latest(self) -> ConsoleState:
        """The state after every event of the journal: the last keyframe, folded forward."""
        state, seq = self.load(self.frames[-1] if self.frames else None)
        for _, _, event in self.journal.rows(seq):
            state = fold(state, event)
        return state

    def load(self, frame: Keyframe | None) -> tuple[ConsoleState, int]:
        """(the state saved at `frame`, the last event folded into it).

        A keyframe is only a shortcut: a damaged one is passed over for the one before it,
        and with none the state is the empty one before the first event: (ConsoleState(), 0).
        """
        index = self.frames.index(frame) if frame is not None else -1
        for earlier in reversed(self.frames[: index + 1]):
            row = self.journal.connection.execute(
                "SELECT state FROM keyframes WHERE seq = ?", (earlier.seq,)
            ).fetchone()
            try:
                state = ConsoleState.model_validate_json(zlib.decompress(row[0]))
            except (zlib.error, ValueError, TypeError):
                continue
            return _renamed(state), earlier.seq
        return ConsoleState(), 0


def _renamed(state: ConsoleState) -> ConsoleState:
    """A state saved by an earlier version, its timeline's kinds as this one names them."""
    if not any(entry.kind in RENAMED for entry in state.timeline):
        return state
    timeline = tuple(
        entry.model_copy(update={"kind": RENAMED[entry.kind]}) if entry.kind in RENAMED else entry
        for entry in state.timeline
    )
    return state.model_copy(update={"timeline": timeline})
