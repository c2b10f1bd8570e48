"""Schema versions: an older journal migrates when opened for writing, and is only read when
opened read-only; one this code cannot read is refused in one line, untouched.

These tests play the next version of warroom: the schema after this one (`NEXT`), whose
migration adds a column to the outbox. The real version 1 (before samples were journaled by
change) is tested on journals that version wrote, in test_journal_compat.py.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import TYPE_CHECKING

import pytest

from state.console import ConsoleState
from state.journal import keyframes, schema
from state.journal.keyframes import KeyframeIndex
from state.journal.replay import Replay
from state.journal.store import Journal, JournalError
from state.recorder import Recorder
from tests.unit.helpers import fold_all
from tests.unit.test_journal import ALL_KINDS, fingerprint, refusals, siblings

if TYPE_CHECKING:
    from pathlib import Path

ADD_NOTE = "ALTER TABLE outbox ADD COLUMN note TEXT NOT NULL DEFAULT ''"
CURRENT = schema.VERSION
NEXT = CURRENT + 1


@pytest.fixture
def version_1(tmp_path) -> Path:
    """A closed journal of this schema version, written by today's code, with keyframes."""
    path = tmp_path / "old.warroom"
    journal = Journal.create(path, {"mode": "demo"})
    for event in ALL_KINDS:
        journal.append(event)
    state = fold_all(ConsoleState(), ALL_KINDS[:3])
    keyframes.write(journal, 3, ALL_KINDS[2].at.timestamp(), state)
    journal.close()
    return path


@pytest.fixture
def next_version(monkeypatch) -> None:
    """This code as the next version would be: it migrates this one by adding a column."""
    monkeypatch.setattr(schema, "VERSION", NEXT)
    monkeypatch.setattr(schema, "MIGRATIONS", {**schema.MIGRATIONS, CURRENT: (ADD_NOTE,)})


def on_disk(path: Path) -> tuple[int, set[str]]:
    """(user_version, the outbox's columns) as the file holds them."""
    with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        columns = {row[1] for row in db.execute("PRAGMA table_info(outbox)")}
    return version, columns


def test_a_writable_open_migrates_an_older_journal(version_1, next_version):
    with Journal.open(version_1) as journal:
        assert [e.kind for e in journal.events()] == [e.kind for e in ALL_KINDS]
        assert journal.meta()["schema_version"] == str(NEXT)
    version, columns = on_disk(version_1)
    assert version == NEXT and "note" in columns
    with Journal.open(version_1) as again:  # current now: opened as it is
        assert again.count() == len(ALL_KINDS)


def test_a_failing_migration_leaves_the_journal_as_it_was(version_1, monkeypatch):
    failing = (ADD_NOTE, "ALTER TABLE nowhere ADD x")
    monkeypatch.setattr(schema, "VERSION", NEXT)
    monkeypatch.setattr(schema, "MIGRATIONS", {**schema.MIGRATIONS, CURRENT: failing})
    with pytest.raises(JournalError) as err:
        Journal.open(version_1)
    message = str(err.value)
    assert f"migrated to schema version {NEXT}" in message and "\n" not in message
    version, columns = on_disk(version_1)
    assert version == CURRENT and "note" not in columns
    monkeypatch.setattr(schema, "VERSION", CURRENT)  # today's code still reads it whole
    with Journal.open(version_1, read_only=True) as journal:
        assert journal.count() == len(ALL_KINDS)


def test_a_read_only_open_reads_an_older_journal_and_writes_nothing(version_1, next_version):
    before, names = fingerprint(version_1), siblings(version_1)
    with Journal.open(version_1, read_only=True) as journal:
        assert [e.kind for e in journal.events()] == [e.kind for e in ALL_KINDS]
        assert journal.first_kind() == "session_started"
        replay = Replay(journal)
        assert replay.seek(replay.end).events == len(ALL_KINDS)
        assert [f.seq for f in KeyframeIndex(journal).frames] == [3]
        # read through a copy in memory, migrated as the file would be, and read-only too
        assert journal.meta()["schema_version"] == str(NEXT)
        with pytest.raises(sqlite3.OperationalError):
            journal.connection.execute("DELETE FROM events")
    assert fingerprint(version_1) == before
    assert siblings(version_1) == names
    assert on_disk(version_1)[0] == CURRENT


@pytest.mark.parametrize("version", [0, NEXT + 1, 99])
def test_a_version_this_code_cannot_read_is_refused_in_one_line(version_1, next_version, version):
    with closing(sqlite3.connect(version_1)) as db:
        db.execute(f"PRAGMA user_version = {version}")
        db.commit()
    refused = f"{version_1} is a warroom journal of schema version {version}; "
    assert refusals(version_1) == [refused + f"this warroom reads version {NEXT}"] * 2


def test_a_journal_made_before_keyframes_and_outbox_is_read_as_it_is(tmp_path):
    """Early version-1 journals lack the tables added late; read-only, they stay so."""
    path = tmp_path / "early.warroom"
    with Journal.create(path) as journal:
        for event in ALL_KINDS:
            journal.append(event)
        journal.connection.execute("DROP TABLE keyframes")
        journal.connection.execute("DROP TABLE outbox")
    before = fingerprint(path)
    with Journal.open(path, read_only=True) as journal:
        assert Replay(journal).seek(float("inf")).events == len(ALL_KINDS)
    assert fingerprint(path) == before
    with Journal.open(path) as journal:  # for writing: given the tables, still this version
        Recorder(journal).record(ALL_KINDS[-1])
    with closing(sqlite3.connect(path)) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        assert {"keyframes", "outbox"} <= tables
        assert db.execute("PRAGMA user_version").fetchone()[0] == CURRENT
