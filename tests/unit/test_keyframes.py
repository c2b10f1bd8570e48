"""Keyframes (state/journal/keyframes.py): compact, and only a shortcut. A replay that seeks
through them shows exactly what folding the journal from its start shows, whole or damaged."""

from __future__ import annotations

import json
import random
import sqlite3
import zlib
from contextlib import closing

import pytest

from state.journal import keyframes
from state.journal.replay import Replay
from state.journal.store import Journal
from tests.benchmarks.large_hour import live_shaped, record
from tests.play import Session
from tests.unit.helpers import fold_until


def assert_seeks_agree(path, seeks: int = 8) -> None:
    """Seeking anywhere, forward and back, in a journal opened afresh or read on: the state
    folded from the start, to the last byte of its JSON."""
    with Journal.open(path, read_only=True) as journal:
        replay = Replay(journal)
        rng = random.Random(11)
        ats = [rng.uniform(replay.start, replay.end) for _ in range(seeks)] + [replay.end]
        for at in ats:
            expected = fold_until(journal, at)
            with Journal.open(path, read_only=True) as fresh:
                for state in (replay.seek(at), Replay(fresh).seek(at)):
                    assert state == expected
                    assert state.model_dump_json() == expected.model_dump_json()


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """Five minutes of a 40-service lock storm: keyframes every 20 s or so of samples."""
    path = tmp_path_factory.mktemp("kf") / "fleet.warroom"
    original = keyframes.ROWS
    keyframes.ROWS = 2_000
    try:
        session = Session("db-lock-storm", path, services=40).run(300)
        session.recorder.journal.close()
    finally:
        keyframes.ROWS = original
    return path


def frames(path) -> list[tuple[int, bytes]]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT seq, state FROM keyframes ORDER BY seq").fetchall()


def test_a_replay_through_compact_keyframes_shows_what_folding_shows(fleet):
    assert len(frames(fleet)) >= 10
    assert_seeks_agree(fleet)


def test_a_live_shaped_session_replays_exactly(tmp_path, monkeypatch):
    """3,000 pods, 1,001 sessions, values at the scrape cadence: samples referenced, the rest
    as changes, a whole keyframe every few."""
    monkeypatch.setattr(keyframes, "WHOLE_EVERY", 3)
    monkeypatch.setattr(keyframes, "ROWS", 5_000)
    path = tmp_path / "live.warroom"
    record(live_shaped(cycles=60, services=60), path)
    assert len(frames(path)) >= 6
    assert_seeks_agree(path, seeks=5)


def test_keyframes_are_a_fraction_of_the_state_they_hold(fleet):
    sizes = [len(state) for _, state in frames(fleet)]
    with Journal.open(fleet, read_only=True) as journal:
        whole = len(Replay(journal).seek(float("inf")).model_dump_json())
    # the first is whole (its series and timeline; samples referenced), the rest changes
    assert max(sizes[1:]) < whole / 10, (sizes, whole)


@pytest.mark.parametrize("damage", ["blob", "base", "sample", "none"])
def test_a_damaged_keyframe_is_passed_over(fleet, tmp_path, damage):
    path = tmp_path / "damaged.warroom"
    path.write_bytes(fleet.read_bytes())
    seqs = [seq for seq, _ in frames(path)]
    with closing(sqlite3.connect(path)) as db, db:
        if damage == "blob":  # one in the middle: those built on it are passed over too
            db.execute("UPDATE keyframes SET state = x'00ff' WHERE seq = ?", (seqs[3],))
        elif damage == "base":  # the whole one every other builds on
            db.execute("UPDATE keyframes SET state = x'5757' WHERE seq = ?", (seqs[0],))
        else:
            (blob,) = db.execute("SELECT state FROM keyframes WHERE seq = ?", (seqs[0],)).fetchone()
            head, _, data = zlib.decompress(blob[len(b"WK2\n-\n") :]).partition(b"\n")
            frame = json.loads(head)
            if damage == "sample":  # refers, for its deployments, to a row no such sample
                assert "deployments" in frame["refs"]
                frame["refs"]["deployments"] = 1  # session_started
            else:  # marks a sparkline value missing past the values it holds
                frame["series"]["error_rate"]["none"] = [10**6]
            text = json.dumps(frame).encode() + b"\n" + data
            blob = b"WK2\n-\n" + zlib.compress(text)
            db.execute("UPDATE keyframes SET state = ? WHERE seq = ?", (blob, seqs[0]))
    assert_seeks_agree(path, seeks=4)


def test_a_rolled_back_keyframe_is_never_built_on(tmp_path):
    """A keyframe written in a transaction that rolls back is gone: the next is whole."""
    path = tmp_path / "j.warroom"
    session = Session("db-lock-storm", path, services=8).run(130)
    journal = session.recorder.journal
    before = len(frames_of(journal))
    with pytest.raises(RuntimeError), journal.transaction():
        session.run(260)  # a keyframe comes due inside
        assert len(frames_of(journal)) > before
        raise RuntimeError("the outbox row could not be written")
    session.recorder.state = keyframes.KeyframeIndex(journal).latest()
    session.run(520)
    journal.close()
    assert_seeks_agree(path, seeks=4)


def frames_of(journal: Journal) -> list:
    return journal.connection.execute("SELECT seq FROM keyframes").fetchall()
