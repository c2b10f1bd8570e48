"""Journals written by earlier versions still open, replay and export byte-identically.

`tests/golden/journal-v1/bad-deploy.warroom` was written by warroom 0.1.0 (schema 1) before
the events and modules were renamed: a bad-deploy incident with status updates, a failed
status page post, an escalation page and a PagerDuty acknowledge. Its review export and
what replay shows at three instants are kept beside it, as that version produced them.
Never regenerate these files: a difference means old journals read differently now.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from state.journal.replay import Replay
from state.journal.store import Journal

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


def test_export_is_byte_identical_to_the_old_version(copy, tmp_path):
    out = tmp_path / "review"
    done = subprocess.run(
        [sys.executable, "-m", "tui", "export", str(copy), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    expected = sorted(p.name for p in (GOLDEN / "export").iterdir())
    assert sorted(p.name for p in out.iterdir()) == expected
    for name in expected:
        assert (out / name).read_bytes() == (GOLDEN / "export" / name).read_bytes(), name


def test_the_old_journal_is_left_byte_identical(copy):
    before = copy.read_bytes()
    with Journal.open(copy, read_only=True) as journal:
        Replay(journal).seek(float("inf"))
    assert copy.read_bytes() == before
