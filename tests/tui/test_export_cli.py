"""`warroom export` and `warroom journals` as a person runs them; journals are never changed."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from state.journal.store import Journal
from tests.play import START
from tests.tui.test_cli import assert_one_line_error, fingerprint
from tests.unit import review_sessions as play
from tests.unit.test_review import GOLDEN
from tui.environment import DATA_DIR

NAMES = [
    "INC-20260314-0420_review.md",
    "INC-20260314-0420_action_items.json",
    "INC-20260314-0420_pir_meeting.ics",
]


def warroom(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], capture_output=True, text=True, timeout=120, cwd=cwd
    )


@pytest.fixture(scope="module")
def journal(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("export") / "bad-deploy.warroom"
    play.bad_deploy(path).recorder.journal.close()
    return path


def sidecars(path: Path) -> list[Path]:
    return [p for p in path.parent.iterdir() if p.name.startswith(path.name + "-")]


def test_export_writes_the_golden_files_and_leaves_the_journal_untouched(journal, tmp_path):
    before = fingerprint(journal)
    out = tmp_path / "reviews" / "new"  # created, parents too
    result = warroom("export", str(journal), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [str(out / name) for name in NAMES]
    for name in NAMES:
        assert (out / name).read_bytes() == (GOLDEN / name).read_bytes()
    assert fingerprint(journal) == before  # same sha256, same mtime
    assert sidecars(journal) == []  # no -wal, no -shm


def test_export_defaults_to_the_current_folder(journal, tmp_path) -> None:
    result = warroom("export", str(journal), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(NAMES)


def test_exporting_again_changes_nothing_and_an_edited_review_is_kept(journal, tmp_path):
    assert warroom("export", str(journal), "--out", str(tmp_path)).returncode == 0
    review = tmp_path / NAMES[0]
    stamp = review.stat().st_mtime_ns
    assert warroom("export", str(journal), "--out", str(tmp_path)).returncode == 0
    assert review.stat().st_mtime_ns == stamp  # identical: not rewritten
    review.write_text("# my notes\n")
    result = warroom("export", str(journal), "--out", str(tmp_path))
    assert_one_line_error(result, "exists and differs", "--force")
    assert review.read_text() == "# my notes\n"
    assert warroom("export", str(journal), "--out", str(tmp_path), "--force").returncode == 0
    assert review.read_bytes() == (GOLDEN / NAMES[0]).read_bytes()


def test_a_session_without_an_incident_exports_its_session_review(tmp_path) -> None:
    path = tmp_path / "quiet.warroom"
    play.quiet(path).recorder.journal.close()
    result = warroom("export", str(path), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    name = "session-20260314T092600Z_review.md"
    assert result.stdout.splitlines() == [str(tmp_path / "out" / name)]
    assert (tmp_path / "out" / name).read_bytes() == (GOLDEN / name).read_bytes()


def other_version(path: Path) -> None:
    Journal.create(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (None, ["does not exist"]),
        (lambda p: p.write_text("not a journal\n"), ["not a warroom journal"]),
        (lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\x07" * 4000), ["not a usable"]),
        (other_version, ["schema version 99"]),
        (lambda p: p.mkdir(), ["is not a file"]),
    ],
    ids=["missing", "text", "corrupt", "other-version", "folder"],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, make, words) -> None:
    path = tmp_path / "j.warroom"
    if make is not None:
        make(path)
    before = fingerprint(path) if path.is_file() else None
    assert_one_line_error(warroom("export", str(path), "--out", str(tmp_path / "o")), *words)
    assert not (tmp_path / "o").exists()
    if before is not None:
        assert fingerprint(path) == before


def test_out_must_be_a_folder(journal, tmp_path) -> None:
    file = tmp_path / "file"
    file.write_text("x")
    assert_one_line_error(warroom("export", str(journal), "--out", str(file)), "not a folder")


def test_journals_lists_sessions_newest_first_and_unreadable_files_with_why(journal) -> None:
    folder = Path(os.environ[DATA_DIR]) / "journals"
    folder.mkdir(parents=True)
    newer = folder / "20260314T092600Z-demo-bad-deploy.warroom"
    newer.write_bytes(journal.read_bytes())
    older = folder / "20260313T080000Z-demo-db-lock-storm.warroom"
    play.quiet(older, START - timedelta(days=1)).recorder.journal.close()
    (folder / "notes.txt").write_text("not a journal")
    corrupt = folder / "corrupt.warroom"
    corrupt.write_bytes(b"SQLite format 3\x00" + b"\x07" * 4000)
    os.utime(corrupt, (0, 0))  # written long ago: listed last
    os.utime(folder / "notes.txt", (0, 0))
    before = {p.name: fingerprint(p) for p in folder.iterdir()}

    result = warroom("journals")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "INCIDENT",
        "SEVERITY",
        "STARTED",
        "DURATION",
        "STATE",
        "SESSION",
        "FILE",
        "SIZE",
    ]
    assert lines[1].split()[:8] == [
        "INC-20260314-0420",
        "P1",
        "2026-03-14T09:27:00Z",  # the incident's own start and length, as its review says
        "4",
        "min",
        "0",
        "s",
        "resolved",
    ]
    assert newer.name in lines[1] and "demo bad-deploy" in lines[1]
    assert "2026-03-13T09:26:00Z" in lines[2] and "no incident" in lines[2]
    assert older.name in lines[2]
    unreadable = {line.split()[6]: line for line in lines[3:]}
    assert set(unreadable) == {"notes.txt", "corrupt.warroom"}
    assert "unreadable" in unreadable["notes.txt"]
    assert (
        "(notes.txt is not a warroom journal (not an SQLite database))" in unreadable["notes.txt"]
    )
    assert "not a usable warroom journal" in unreadable["corrupt.warroom"]
    assert {p.name: fingerprint(p) for p in folder.iterdir()} == before  # read-only


def test_journals_says_which_journal_a_console_is_writing_now(journal) -> None:
    """The IC looking for the session to reconnect to, or to replay: the one a console still
    writes (here this process, as a console would) says so, with that console's pid."""
    folder = Path(os.environ[DATA_DIR]) / "journals"
    folder.mkdir(parents=True)
    written = folder / "20260314T092600Z-demo-bad-deploy.warroom"
    written.write_bytes(journal.read_bytes())
    ended = folder / "20260313T092600Z-demo-bad-deploy.warroom"
    ended.write_bytes(journal.read_bytes())
    with Journal.open(written):
        result = warroom("journals")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()[1:]
    (now,) = (line for line in lines if written.name in line)
    (before,) = (line for line in lines if ended.name in line)
    assert now.endswith(f"(being written by a console, pid {os.getpid()})")
    assert "being written" not in before


def test_journals_with_an_empty_folder() -> None:
    result = warroom("journals")
    assert result.returncode == 0
    assert result.stdout.startswith("no journals in ")


def test_journals_counts_the_events_still_in_a_journals_wal(journal) -> None:
    """A console writing a journal keeps its newest events in the -wal beside it until
    SQLite checkpoints them (and a console killed mid-session leaves them there): the
    size listed is the journal's, both files, not the 4 KB its main file may hold."""
    folder = Path(os.environ[DATA_DIR]) / "journals"
    folder.mkdir(parents=True)
    written = folder / "20260314T092600Z-demo-bad-deploy.warroom"
    written.write_bytes(journal.read_bytes())
    db = sqlite3.connect(written, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")  # as a console writes it
        db.execute("PRAGMA wal_autocheckpoint=0")  # as between its checkpoints
        db.execute("INSERT INTO meta VALUES ('padding', ?)", ("x" * 3_000_000,))
        main, wal = written.stat().st_size, Path(f"{written}-wal").stat().st_size
        assert wal > 2 * 1024 * 1024 > main  # the padding is in the -wal only
        result = warroom("journals")
    finally:
        db.close()
    assert result.returncode == 0, result.stderr
    (line,) = (line for line in result.stdout.splitlines() if written.name in line)
    assert line.split(written.name)[1].split()[:2] == [f"{(main + wal) / 1024 / 1024:.1f}", "MB"]
