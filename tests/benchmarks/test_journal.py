"""Journal appends per second and bytes per event, beside a plain SQLite table of JSON rows.

Target: >= 20,000 events/s appended (each committed before it is folded).
"""

from __future__ import annotations

import sqlite3
import time

from state.journal.store import Journal
from tests.benchmarks.report import table
from tests.play import Session

EVENTS = 30_000


def sample_events(tmp_path) -> list:
    session = Session("db-lock-storm", tmp_path / "source.warroom").run(EVENTS // 6 * 2)
    events = list(session.recorder.journal.events())
    session.recorder.journal.close()
    return events[:EVENTS]


def plain_sqlite(path, events) -> tuple[float, int]:
    """The baseline: one JSON row per event in a WAL table, committed one by one."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY, at REAL, kind TEXT, body TEXT)")
    db.execute("CREATE INDEX events_at ON events(at)")
    started = time.perf_counter()
    for e in events:
        db.execute(
            "INSERT INTO events(at, kind, body) VALUES (?, ?, ?)",
            (e.at.timestamp(), e.kind, e.model_dump_json()),
        )
    seconds = time.perf_counter() - started
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return len(events) / seconds, path.stat().st_size


def warroom_journal(path, events) -> tuple[float, int]:
    journal = Journal.create(path)
    started = time.perf_counter()
    for e in events:
        journal.append(e)
    seconds = time.perf_counter() - started
    journal._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    journal.close()
    return len(events) / seconds, path.stat().st_size


def test_journal_appends(tmp_path) -> None:
    events = sample_events(tmp_path)
    ours, ours_size = warroom_journal(tmp_path / "ours.warroom", events)
    base, base_size = plain_sqlite(tmp_path / "plain.sqlite", events)
    n = len(events)
    table(
        f"Journal appends, {n:,} events of a lock storm, one commit each",
        [
            ("events/s", f"{ours:,.0f}", f"{base:,.0f} (plain JSON rows)", ">= 20,000"),
            ("bytes/event on disk", f"{ours_size / n:.0f}", f"{base_size / n:.0f}", ""),
        ],
    )
    assert ours >= 20_000
