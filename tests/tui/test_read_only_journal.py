"""A journal and its -wal in a folder nobody may write (an evidence copy, a dropped session's
files fetched read-only): replay and export read every event, and write nothing beside it.

Before, with no -shm beside the -wal, both said "unable to open database file": SQLite must
make a -shm to read a -wal. The journal store now reads such a pair through a private copy
(state/journal/store.py, `_private_copy`).

As root, chmod stops nothing: the reading process then runs without the capabilities that let
root write through file modes (setpriv), so the folder is read-only to it as to anyone else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from state import events as ev
from state.journal.store import Journal
from tests.pty_console import PtyProgram
from tests.unit.helpers import at

EVENTS = 40
# root without these writes through file modes no more than any user (capabilities(7))
_UNPRIVILEGED = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def unprivileged(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    if shutil.which("setpriv") is None:
        pytest.skip("root needs setpriv to read without writing through file modes")
    return [*_UNPRIVILEGED, *argv]


def left_behind(folder: Path, with_shm: bool) -> Path:
    """The files a killed console leaves: its main file, the -wal with every event, and
    (`with_shm`) its -shm, copied while it still ran into `folder`, then made read-only."""
    live = folder.parent / "live" / "j.warroom"
    live.parent.mkdir()
    journal = Journal.create(live)
    journal.append(ev.SessionStarted(at=at(0), mode="live", version="0", operator="alice"))
    journal.append(
        ev.IncidentDeclared(
            at=at(1), incident_id="INC-1", severity="P1", title="api down", reason="", by="alice"
        )
    )
    for i in range(EVENTS - 2):
        journal.append(ev.NoteAdded(at=at(2) + timedelta(seconds=i), text=f"n{i}", by="alice"))
    folder.mkdir()
    for suffix in ("", "-wal", "-shm") if with_shm else ("", "-wal"):
        shutil.copyfile(f"{live}{suffix}", f"{folder / 'j.warroom'}{suffix}")
    journal.close()
    for file in folder.iterdir():
        file.chmod(0o400)
    folder.chmod(0o555)
    return folder / "j.warroom"


@pytest.fixture(params=["with -shm", "without -shm", "with a -shm it may not read"])
def read_only_journal(request, tmp_path) -> Iterator[Path]:
    path = left_behind(tmp_path / "evidence", with_shm=request.param != "without -shm")
    if request.param == "with a -shm it may not read":
        Path(f"{path}-shm").chmod(0)
    # the folder is really read-only to the reading process: a file cannot be made in it
    probe = f"open({str(path.parent / 'x')!r}, 'w')"
    refused = subprocess.run(unprivileged([sys.executable, "-c", probe]), capture_output=True)
    assert refused.returncode != 0 and b"Permission denied" in refused.stderr
    yield path
    path.parent.chmod(0o755)


def listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_export_reads_every_event_from_a_read_only_folder(read_only_journal, tmp_path):
    before = listing(read_only_journal.parent)
    out = tmp_path / "review"
    result = subprocess.run(
        unprivileged(
            [sys.executable, "-m", "tui", "export", str(read_only_journal), "--out", str(out)]
        ),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert "unable to open" not in result.stderr
    review = next(out.glob("*_review.md")).read_text()
    assert "INC-1" in review and "api down" in review
    assert listing(read_only_journal.parent) == before


def test_replay_opens_a_read_only_folder(read_only_journal):
    before = listing(read_only_journal.parent)
    end = at(EVENTS).strftime("%H:%M:%S")  # the last event is in the -wal
    argv = unprivileged(
        [sys.executable, "-m", "tui", "replay", str(read_only_journal), "--at", end]
    )
    program = PtyProgram(argv, (120, 40), {})
    try:
        program.wait_for(b"REPLAY", timeout=30)
        program.wait_for(b"api down", timeout=30)  # the incident, from the -wal
        program.send(b"q")
        assert program.wait_exit(20) == 0
    finally:
        program.close()
    assert b"unable to open" not in program.output
    assert listing(read_only_journal.parent) == before


def test_a_wal_without_its_shm_is_read_through_a_copy_removed_on_close(tmp_path, monkeypatch):
    """In a folder that could be written too, nothing is made beside the journal."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))
    path = left_behind(tmp_path / "evidence", with_shm=False)
    path.parent.chmod(0o755)
    before = listing(path.parent)
    with Journal.open(path, read_only=True) as journal:
        assert journal.count() == EVENTS
        assert [e.kind for e in journal.events()][:2] == ["session_started", "incident_declared"]
        assert len(list(scratch.iterdir())) == 1  # the private copy, while it is open
    assert listing(path.parent) == before
    assert list(scratch.iterdir()) == []
