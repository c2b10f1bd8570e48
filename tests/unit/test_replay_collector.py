"""A replay seek and the export's fold pause Python's cyclic garbage collector
(state/collector.py): the objects they make are looked at once as they end, not in dozens of
young collections that cascade into full ones (the seek's p95 at large, README "A large hour's
journal"). The collector is never left off by them, and one that was off before stays off."""

from __future__ import annotations

import gc
import sqlite3
from contextlib import closing, nullcontext
from typing import Any

import pytest

from state.collector import paused
from state.journal import replay as replay_module
from state.journal.replay import Replay
from state.journal.store import Journal, JournalError
from state.review import files
from state.review.files import review_files
from tests.benchmarks.large_hour import live_shaped, record


@pytest.fixture(scope="module")
def hour(tmp_path_factory):
    """Four minutes of a live-shaped fleet: a seek rebuilds thousands of rows."""
    path = tmp_path_factory.mktemp("collector") / "live.warroom"
    record(live_shaped(cycles=120, services=100), path)
    return path


@pytest.fixture
def damaged(hour, tmp_path):
    """(the hour with the body of the event after its first keyframe unreadable, that event's
    instant): opening it reads from the last keyframe on, a seek to that instant meets it."""
    path = tmp_path / "damaged.warroom"
    path.write_bytes(hour.read_bytes())
    with closing(sqlite3.connect(path)) as db, db:
        (seq,) = db.execute("SELECT min(seq) + 1 FROM keyframes").fetchone()
        (at,) = db.execute("SELECT at FROM events WHERE seq = ?", (seq,)).fetchone()
        db.execute("UPDATE events SET body = x'00ff' WHERE seq = ?", (seq,))
    return path, at


@pytest.fixture
def collections():
    """The collector's runs while the test runs: [(generation, objects it collected)]."""
    seen: list[tuple[int, int]] = []

    def count(phase: str, info: dict[str, Any]) -> None:
        if phase == "stop":
            seen.append((info["generation"], info["collected"]))

    gc.callbacks.append(count)
    yield seen
    gc.callbacks.remove(count)


@pytest.fixture
def collector_off():
    """The collector off, as a caller (a test runner, a debugger, Textual scrolling) has it."""
    was = gc.isenabled()
    gc.disable()
    yield
    if was:
        gc.enable()


def collected_in_a_seek(path, collections: list) -> int:
    """How many times the collector ran during one seek into the journal at `path` (to a
    keyframe before the last one, its samples rebuilt from their streams' rows)."""
    with Journal.open(path, read_only=True) as journal:
        replay = Replay(journal)
        gc.collect()
        before = len(collections)
        state = replay.seek(replay.start + 0.45 * (replay.end - replay.start))
        ran = len(collections) - before
    assert state.deployments and state.database is not None
    return ran


def test_a_seek_is_looked_at_by_one_young_collection(hour, collections, monkeypatch):
    with monkeypatch.context() as unpaused:  # the same seek with the collector on throughout
        unpaused.setattr(replay_module, "paused", nullcontext)
        assert collected_in_a_seek(hour, collections) >= 5  # one per 700 objects it made
    assert collected_in_a_seek(hour, collections) <= 1  # the one as the seek ends
    assert gc.isenabled()


def test_a_seek_that_meets_damage_leaves_the_collector_on(damaged):
    path, at = damaged
    with Journal.open(path, read_only=True) as journal:
        replay = Replay(journal)
        with pytest.raises(JournalError, match="is corrupt"):
            replay.seek(at)
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_off")
def test_a_seek_leaves_a_collector_that_was_off_off(hour, damaged):
    with Journal.open(hour, read_only=True) as journal:
        replay = Replay(journal)
        replay.seek(replay.end)
        assert not gc.isenabled()
        replay.seek(replay.start)
        assert not gc.isenabled()
    path, at = damaged
    with Journal.open(path, read_only=True) as journal:
        replay = Replay(journal)
        with pytest.raises(JournalError, match="is corrupt"):
            replay.seek(at)
    assert not gc.isenabled()


def test_a_pause_within_a_pause_keeps_the_outer_one(collector_off):
    gc.enable()
    with paused():
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause did not end the outer one
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused():
        raise RuntimeError("a seek that fails")
    assert gc.isenabled()


def collected_in_an_export(path, collections: list) -> int:
    with Journal.open(path, read_only=True) as journal:
        gc.collect()
        before = len(collections)
        assert review_files(journal.events())
        return len(collections) - before


def test_the_exports_fold_is_looked_at_by_one_young_collection(hour, collections, monkeypatch):
    with monkeypatch.context() as unpaused:
        unpaused.setattr(files, "paused", nullcontext)
        assert collected_in_an_export(hour, collections) >= 20
    assert collected_in_an_export(hour, collections) <= 2  # as the fold ends, and the writing


def test_an_export_that_meets_damage_leaves_the_collector_on(damaged):
    path, _ = damaged
    with Journal.open(path, read_only=True) as journal, pytest.raises(JournalError):
        review_files(journal.events())
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_off")
def test_an_export_leaves_a_collector_that_was_off_off(hour):
    with Journal.open(hour, read_only=True) as journal:
        assert review_files(journal.events())
    assert not gc.isenabled()
