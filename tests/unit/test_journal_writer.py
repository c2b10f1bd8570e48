"""One console writes a journal at a time (state/journal/writer.py)."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing

import pytest

from state.journal.store import Journal, JournalError
from state.journal.writer import WriterLock
from tui.opening import session_start


def test_a_journal_open_for_writing_is_refused_to_a_second_writer_naming_the_first(
    tmp_path,
) -> None:
    path = tmp_path / "j.warroom"
    writing = Journal.create(path, {"mode": "demo"})
    try:
        with pytest.raises(JournalError) as refused:
            Journal.open(path)
        assert str(refused.value) == (
            f"{path} is open in another console (pid {os.getpid()}): follow it with"
            f" `warroom replay {path}`, or end that console first"
        )
        with Journal.open(path, read_only=True) as reading:  # replay, export: no lock
            assert reading.count() == 0
    finally:
        writing.close()
    Journal.open(path).close()  # closed, the journal is free again


def test_a_journal_being_created_is_not_begun_afresh_under_its_creator(tmp_path) -> None:
    """A zero-byte file held by the console creating it is not unlinked from under it."""
    path = tmp_path / "j.warroom"
    path.touch(mode=0o600)
    creating = WriterLock.take(path)
    try:
        with pytest.raises(JournalError, match="is open in another console"):
            Journal.begin_afresh(path, {"mode": "demo"})
        assert path.exists() and path.stat().st_size == 0
    finally:
        creating.release()
    Journal.begin_afresh(path, {"mode": "demo"}).close()  # type: ignore[union-attr]


def test_a_journal_a_console_is_creating_is_refused_as_in_use_not_as_foreign(tmp_path) -> None:
    """Two consoles started at once on one new journal: the second finds the first's file
    with SQLite's header but its schema not yet committed. It is told the journal is in use,
    not that it is "an SQLite database but not a warroom journal" or that its -wal is
    missing (both lies, and the second points the IC at copying files about)."""
    path = tmp_path / "j.warroom"
    with closing(sqlite3.connect(path)) as db:  # as Journal.create leaves it before its schema
        db.execute("PRAGMA journal_mode=WAL")
    creating = WriterLock.take(path)
    try:
        with pytest.raises(JournalError, match="is open in another console"):
            session_start("demo", path, "root", scenario="bad-deploy", scenario_asked=True)
    finally:
        creating.release()
