"""A journal in one line, read without folding it: for listing many past sessions fast.

A day's journal holds ~260,000 events, nearly all samples. The summary needs the first
and last event (two lookups by sequence number) and the few incident events: one pass over
the rows that inflates and parses only the bodies of those kinds.
"""

from __future__ import annotations

import sqlite3
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from state.clock import from_epoch
from state.guide.milestones import incident_span, resolves
from state.journal.codec import RENAMED, Unpacker
from state.journal.store import Journal, JournalError, parse

if TYPE_CHECKING:
    from state.guide.severity import Severity

# The kinds that say how the incident ended: resolved by `x`, or by a delivered Resolved update
# (state/guide/milestones.py); messages are a few per incident, not per sample.
_KINDS = (
    "session_started",
    "incident_declared",
    "severity_changed",
    "incident_resolved",
    "message_queued",
    "message_sent",
    *(old for old, new in RENAMED.items() if new in ("message_queued", "message_sent")),
)


@dataclass(frozen=True)
class SessionSummary:
    started: datetime | None  # the session's start, else its first event
    ended: datetime | None  # its last event
    mode: str
    scenario: str | None
    incidents: int
    incident_id: str | None  # the last incident declared
    severity: Severity | None  # that incident's severity at the end
    resolved: bool
    declared: datetime | None = None  # when that incident was declared: its start
    resolved_at: datetime | None = None  # when it was resolved (`x` or a Resolved update)

    @property
    def state(self) -> str:
        if self.incident_id is None:
            return "no incident"
        return "resolved" if self.resolved else "open"

    @property
    def seconds(self) -> float | None:
        """The session's length: its start to its last event."""
        if self.started is None or self.ended is None:
            return None
        return (self.ended - self.started).total_seconds()

    @property
    def incident_span(self) -> tuple[datetime, float] | None:
        """The last incident's start and duration, as its review states them (declared to
        resolved, or to the end of the journal); None without an incident."""
        if self.declared is None:
            return None
        return incident_span(self.declared, self.resolved_at, self.ended)


def summarize(journal: Journal) -> SessionSummary:
    """The journal's session, its last incident and how that ended."""
    db = journal.connection
    try:
        first = db.execute("SELECT at FROM events ORDER BY seq LIMIT 1").fetchone()
        last = db.execute("SELECT at FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        marks = ", ".join("?" * len(_KINDS))
        rows = db.execute(
            "SELECT seq, kind, encoding, ref, body FROM events "
            f"WHERE kind IN ({marks}) ORDER BY seq",
            _KINDS,
        ).fetchall()
        meta = journal.meta()
    except sqlite3.DatabaseError as exc:
        raise JournalError(f"{journal.path} is not a usable warroom journal ({exc})") from None

    def fetch(seq: int) -> tuple[int, int | None, bytes]:
        # rows of one kind are deflated against the previous row of that kind, which is
        # always among the rows read here, so this walk back is rarely taken
        found = db.execute("SELECT encoding, ref, body FROM events WHERE seq = ?", (seq,))
        row = found.fetchone()
        if row is None:
            raise JournalError(f"{journal.path} is damaged: event {seq} is missing")
        return row

    unpacker = Unpacker(fetch)
    mode, scenario = meta.get("mode", "?"), meta.get("scenario")
    started = None
    incidents = 0
    incident_id: str | None = None
    severity: Severity | None = None
    resolved = False
    declared: datetime | None = None
    resolved_at: datetime | None = None
    purposes: dict[str, str] = {}  # message id -> purpose, as queued
    for seq, kind, encoding, ref, data in rows:
        try:
            event = parse(kind, unpacker.unpack(kind, seq, encoding, ref, data))
        except (zlib.error, ValueError) as exc:
            first_line = (str(exc).splitlines() or [type(exc).__name__])[0]
            raise JournalError(f"{journal.path}: event {seq} is corrupt ({first_line})") from None
        kind = event.kind  # a renamed kind (update_posted) as this version reads it
        if kind == "session_started" and started is None:
            started, mode = event.at, event.mode  # type: ignore[union-attr]
            scenario = event.scenario  # type: ignore[union-attr]
        elif kind == "incident_declared":
            incidents += 1
            incident_id, severity = event.incident_id, event.severity  # type: ignore[union-attr]
            resolved, declared, resolved_at = False, event.at, None
        elif kind == "severity_changed" and incident_id is not None:
            severity = event.severity  # type: ignore[union-attr]
        elif kind == "incident_resolved" and incident_id is not None:
            resolved, resolved_at = True, resolved_at or event.at
        elif kind == "message_queued":
            purposes[event.message_id] = event.purpose  # type: ignore[union-attr]
        elif kind == "message_sent" and incident_id is not None:
            purpose = purposes.get(event.message_id, "update")  # type: ignore[union-attr]
            if resolves(purpose, event.status, event.outcome):  # type: ignore[union-attr]
                resolved, resolved_at = True, resolved_at or event.at
    return SessionSummary(
        started=started or _time(first),
        ended=_time(last),
        mode=mode,
        scenario=scenario,
        incidents=incidents,
        incident_id=incident_id,
        severity=severity,
        resolved=resolved,
        declared=declared,
        resolved_at=resolved_at,
    )


def _time(row: tuple | None) -> datetime | None:
    return from_epoch(row[0]) if row else None
