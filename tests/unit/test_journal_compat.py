"""Journals written by earlier versions still open, replay and export byte-identically.

`tests/golden/journal-v1/bad-deploy.warroom` was written by warroom 0.1.0 (schema 1) before
the events and modules were renamed: a bad-deploy incident with status updates, a failed
status page post, an escalation page and a PagerDuty acknowledge. Its review export and
what replay shows at three instants are kept beside it, as that version produced them.
Never regenerate these files: a difference means old journals read differently now.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

from state.journal import schema
from state.journal.codec import ROWS
from state.journal.replay import Replay
from state.journal.rows import ROW_FIELDS
from state.journal.store import Journal
from state.recorder import Recorder
from tests.unit.test_journal import ALL_KINDS, refusals

GOLDEN = Path(__file__).parent.parent / "golden" / "journal-v1"
JOURNAL = GOLDEN / "bad-deploy.warroom"


def timeline_at(replay: Replay, at: float) -> str:
    state = replay.seek(at)
    lines = [f"{e.at.isoformat()} {e.tone} {e.text}" for e in state.timeline]
    incident = state.incident
    head = (
        f"{incident.incident_id} {incident.severity.value} {incident.status.value}"
        if incident
        else "no incident"
    )
    return "\n".join([head, *lines]) + "\n"


@pytest.fixture
def copy(tmp_path) -> Path:
    path = tmp_path / JOURNAL.name
    shutil.copyfile(JOURNAL, path)
    return path


@pytest.mark.parametrize("point", ["start", "middle", "end"])
def test_replay_shows_what_the_old_version_showed(copy, point):
    with Journal.open(copy, read_only=True) as journal:
        replay = Replay(journal)
        at = {
            "start": replay.start,
            "middle": (replay.start + replay.end) / 2,
            "end": replay.end,
        }[point]
        shown = timeline_at(replay, at)
    assert shown == (GOLDEN / f"replay-{point}.txt").read_text()


def assert_exports_as(journal: Path, golden: Path, out: Path) -> None:
    """`warroom export` of `journal` writes the very files in `golden`, byte for byte."""
    done = subprocess.run(
        [sys.executable, "-m", "tui", "export", str(journal), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    expected = sorted(p.name for p in golden.iterdir())
    assert sorted(p.name for p in out.iterdir()) == expected
    for name in expected:
        assert (out / name).read_bytes() == (golden / name).read_bytes(), name


def test_export_is_byte_identical_to_the_old_version(copy, tmp_path):
    assert_exports_as(copy, GOLDEN / "export", tmp_path / "review")


def test_the_old_journal_is_left_byte_identical(copy):
    before = copy.read_bytes()
    with Journal.open(copy, read_only=True) as journal:
        Replay(journal).seek(float("inf"))
    assert copy.read_bytes() == before


# ---- journal-v2: written by warroom just before samples were journaled by change ----------

GOLDEN_V2 = Path(__file__).parent.parent / "golden" / "journal-v2"


def replayed_states(path: Path) -> str:
    """`at events sha256` of the replayed state at 9 instants, as journal-v2's README says."""
    lines = []
    with Journal.open(path, read_only=True) as journal:
        replay = Replay(journal)
        for i in range(9):
            at = replay.start + (replay.end - replay.start) * i / 8
            state = replay.seek(at)
            digest = hashlib.sha256(state.model_dump_json().encode()).hexdigest()
            lines.append(f"{at!r} {state.events} {digest}\n")
    return "".join(lines)


@pytest.mark.parametrize("name", ["bad-deploy", "fleet"])
def test_a_journal_of_whole_samples_replays_to_the_same_states(tmp_path, name):
    path = tmp_path / f"{name}.warroom"
    shutil.copyfile(GOLDEN_V2 / path.name, path)
    assert replayed_states(path) == (GOLDEN_V2 / f"{name}-states.txt").read_text()


def test_a_journal_of_whole_samples_exports_byte_identically(tmp_path):
    path = tmp_path / "bad-deploy.warroom"
    shutil.copyfile(GOLDEN_V2 / path.name, path)
    assert_exports_as(path, GOLDEN_V2 / "export", tmp_path / "review")


def test_resuming_a_journal_of_whole_samples_goes_on_by_change(tmp_path):
    """Opened for writing it becomes schema 2; what is appended is read back as it was."""
    path = tmp_path / "fleet.warroom"
    shutil.copyfile(GOLDEN_V2 / path.name, path)
    with Journal.open(path, read_only=True) as journal:
        events = list(journal.events())
        count = len(events)
    samples = [e for e in events if e.kind in ROW_FIELDS][-12:]  # a minute of every probe
    later = [e.model_copy(update={"at": e.at + timedelta(hours=1)}) for e in samples]
    recorder = Recorder.reopen(Journal.open(path, read_only=True))
    for event in later:
        recorder.record(event)
    recorder.journal.close()
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == schema.VERSION == 2
        encodings = [
            row[0] for row in db.execute("SELECT encoding FROM events WHERE seq > ?", (count,))
        ]
    assert ROWS in encodings
    with Journal.open(path, read_only=True) as journal:
        assert list(journal.events()) == [*events, *later]


def test_a_warroom_that_reads_version_1_refuses_a_journal_by_change(tmp_path, monkeypatch):
    path = tmp_path / "new.warroom"
    journal = Journal.create(path)
    journal.append(ALL_KINDS[0])
    journal.close()
    monkeypatch.setattr(schema, "VERSION", 1)  # the warroom before this change
    monkeypatch.setattr(schema, "MIGRATIONS", {})
    refused = f"{path} is a warroom journal of schema version 2; this warroom reads version 1"
    assert refusals(path) == [refused] * 2
