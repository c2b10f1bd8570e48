"""One console writes a journal at a time (state/journal/writer.py)."""

from __future__ import annotations

import os

import pytest

from state.journal.store import Journal, JournalError
from state.journal.writer import WriterLock


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
