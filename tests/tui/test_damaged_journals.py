"""A damaged journal is refused in one line and left exactly as it was; reading never writes.

`demo`, `drill` and `live` fold a journal read-only before they open it for writing (which
switches it to WAL), so one with a corrupt event, an unknown kind of event or a corrupt
first row keeps its bytes, and no -wal or -shm appears beside it. `replay`, `export` and
`journals` only read: they create no -wal or -shm either, even for a journal left in WAL
mode without them, and a replay still follows a console that starts writing it.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest

from state.events import NoteAdded
from state.journal.replay import Replay
from state.journal.store import Journal
from tests.play import START, Session
from tests.pty_console import PtyProgram, warroom
from tests.tui.test_cli import assert_one_line_error, fingerprint
from tests.tui.test_cli import warroom as run
from tui.environment import DATA_DIR

DAMAGE = {
    "corrupt event": ("UPDATE events SET encoding = 0, body = x'7b7d' WHERE seq = 5", "event 5"),
    "unknown kind": ("UPDATE events SET kind = 'martian' WHERE seq = 5", "event 5"),
    "corrupt first row": (
        "UPDATE events SET encoding = 0, body = x'00ff' WHERE seq = 1",
        "event 1",
    ),
}
CONFIG = '[cluster]\nservices = ["analysis-service"]\nnamespace = "tracktion"\n'


def beside(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name))


def damaged(folder: Path, damage: str, mode: str = "demo") -> Path:
    path = folder / f"{damage.replace(' ', '-')}.warroom"
    if mode == "live":
        from tests.opening import open_live
        from tui.config import parse

        session = open_live(parse({"cluster": {"services": ["analysis-service"]}}), path, "x")
        for i in range(6):
            session.recorder.record(NoteAdded(at=START, text=f"note {i}", by="x"))
        session.recorder.journal.close()
    else:
        Session("bad-deploy", path, mode=mode).run(10).recorder.journal.close()  # type: ignore[arg-type]
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(DAMAGE[damage][0])
    assert beside(path) == [path.name]
    return path


def said_on_a_terminal(args: list[str], tmp_path: Path) -> tuple[int, str]:
    """Exit code and output of a console command that needs a terminal (demo, replay)."""
    program = PtyProgram(warroom(*args), (80, 24), {DATA_DIR: str(tmp_path)})
    try:
        code = program.wait_exit(30)
    finally:
        program.close()
    return code, program.output.decode(errors="replace")


@pytest.mark.parametrize("damage", DAMAGE)
@pytest.mark.parametrize("command", ["demo", "drill", "replay"])
def test_a_damaged_journal_is_refused_on_a_terminal_and_left_as_it_was(
    tmp_path, damage, command
) -> None:
    path = damaged(tmp_path, damage, mode="drill" if command == "drill" else "demo")
    before = fingerprint(path)
    args = {
        "demo": ["demo", "--journal", str(path)],
        "drill": ["drill", "bad-deploy", "--journal", str(path)],
        "replay": ["replay", str(path)],
    }[command]
    code, said = said_on_a_terminal(args, tmp_path)
    assert code == 2, said[-400:]
    assert "Traceback" not in said
    # demo and drill draw first and find the damaged event just after; replay checks first
    assert ("Opening the session" in said) == (command != "replay")
    (line,) = [ln for ln in said.splitlines() if "warroom: " in ln]
    assert line[line.index("warroom: ") :].startswith(f"warroom: {path}")
    assert DAMAGE[damage][1] in line
    assert fingerprint(path) == before  # the same bytes, not even touched
    assert beside(path) == [path.name]  # no -wal, no -shm


@pytest.mark.parametrize("damage", DAMAGE)
def test_live_refuses_a_damaged_journal_and_leaves_it(tmp_path, damage) -> None:
    path = damaged(tmp_path, damage, mode="live")
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    before = fingerprint(path)
    # live, as demo and drill, draws first and finds a damaged event just after
    code, said = said_on_a_terminal(
        ["live", "--config", str(config), "--journal", str(path)], tmp_path
    )
    assert code == 2, said[-400:]
    assert "Traceback" not in said
    assert "Opening the session" in said  # live draws first too
    (line,) = [ln for ln in said.splitlines() if "warroom: " in ln]
    assert line[line.index("warroom: ") :].startswith(f"warroom: {path}")
    assert "event" in line
    assert fingerprint(path) == before
    assert beside(path) == [path.name]


@pytest.mark.parametrize("damage", DAMAGE)
def test_export_refuses_a_damaged_journal_and_leaves_it(tmp_path, damage) -> None:
    path = damaged(tmp_path, damage)
    before = fingerprint(path)
    assert_one_line_error(run("export", str(path), "--out", str(tmp_path / "out")), str(path))
    assert fingerprint(path) == before
    assert beside(path) == [path.name]


def left_in_wal_mode(path: Path) -> Path:
    """A whole journal whose file says WAL but has no -wal beside it, as a journal is left
    when its console could not switch it back (a reader had it open) or was copied alone."""
    Session("bad-deploy", path).run(30).declare().recorder.journal.close()
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA journal_mode = WAL").fetchone() == ("wal",)
    assert path.read_bytes()[18:20] == b"\x02\x02"
    assert beside(path) == [path.name]
    return path


def test_export_and_journals_create_nothing_beside_a_journal_left_in_wal_mode(tmp_path) -> None:
    folder = tmp_path / "journals"
    folder.mkdir()
    path = left_in_wal_mode(folder / "20260314T092600Z-demo-bad-deploy.warroom")
    before = fingerprint(path)
    assert run("export", str(path), "--out", str(tmp_path / "out")).returncode == 0
    listed = run("journals", env={DATA_DIR: str(tmp_path)})
    assert listed.returncode == 0 and path.name in listed.stdout
    assert "INC-" in listed.stdout and "damaged" not in listed.stdout
    assert fingerprint(path) == before
    assert beside(path) == [path.name]


def test_replay_creates_nothing_beside_a_journal_left_in_wal_mode(tmp_path) -> None:
    path = left_in_wal_mode(tmp_path / "j.warroom")
    before = fingerprint(path)
    program = PtyProgram(warroom("replay", str(path)), (100, 30), {})
    try:
        program.wait_for(b"REPLAY", timeout=30)
        program.pump(0.5)
        assert beside(path) == [path.name]
        program.send(b"q")
        assert program.wait_exit(20) == 0
    finally:
        program.close()
    assert fingerprint(path) == before
    assert beside(path) == [path.name]


def test_a_replay_follows_a_console_that_starts_writing_after_it_opened(tmp_path) -> None:
    path = left_in_wal_mode(tmp_path / "j.warroom")
    with Journal.open(path, read_only=True) as reading:
        record = Replay(reading)
        seen = record.last_seq
        assert beside(path) == [path.name]
        with Journal.open(path) as writer:  # a console resumes it meanwhile
            writer.append(NoteAdded(at=record.instant(record.end), text="resumed", by="bob"))
            assert record.refresh()
            assert record.last_seq == seen + 1
            assert record.seek(record.end).timeline[-1].text.startswith("Note by bob: resumed")


JOURNALS_DAMAGE = {
    **{name: sql for name, (sql, _) in DAMAGE.items()},
    "garbage deflated body": "UPDATE events SET body = x'00ff00ff' WHERE seq = 9",
    "delta against nothing": "UPDATE events SET ref = NULL WHERE seq = 9",
    "text where a time goes": "UPDATE events SET at = 'noon' WHERE seq = 9",
}


def test_journals_says_which_journals_are_damaged_and_why(tmp_path) -> None:
    folder = tmp_path / "journals"
    folder.mkdir()
    good = folder / "20260314T092600Z-demo-bad-deploy.warroom"
    Session("bad-deploy", good).run(30).declare().recorder.journal.close()
    for i, (name, sql) in enumerate(JOURNALS_DAMAGE.items()):
        path = folder / f"20260313T0{i}0000Z-{name.replace(' ', '-')}.warroom"
        path.write_bytes(good.read_bytes())
        with closing(sqlite3.connect(path)) as db, db:
            db.execute(sql)
    before = {p.name: fingerprint(p) for p in folder.iterdir()}
    result = run("journals", env={DATA_DIR: str(tmp_path)})
    assert result.returncode == 0, result.stderr
    rows = {
        next(word for word in line.split() if word.endswith(".warroom")): line
        for line in result.stdout.splitlines()[1:]
    }
    assert " open " in rows[good.name] and "(" not in rows[good.name]
    for name in JOURNALS_DAMAGE:
        row = next(line for file, line in rows.items() if name.replace(" ", "-") in file)
        if name == "corrupt first row":  # the session itself cannot be read
            assert " unreadable " in row and "event 1 is corrupt" in row, row
        else:  # what it says of its session, and that it is damaged
            assert row.startswith("INC-20260314-") and " damaged " in row, row
            assert f"(20260313T0{list(JOURNALS_DAMAGE).index(name)}0000Z-" in row
            assert "event 5 is corrupt" in row or "event 9 is corrupt" in row, row
    assert {p.name: fingerprint(p) for p in folder.iterdir()} == before
    assert sorted(p.name for p in folder.iterdir()) == sorted(before)


def test_a_damaged_keyframe_is_passed_over(tmp_path) -> None:
    """Keyframes are a shortcut: without a good one, replay and resume fold from the start."""
    path = tmp_path / "j.warroom"
    session = Session("bad-deploy", path).run(400).declare()
    expected = session.recorder.state
    session.recorder.journal.close()
    with closing(sqlite3.connect(path)) as db, db:
        assert db.execute("SELECT count(*) FROM keyframes").fetchone()[0] >= 3
        db.execute("UPDATE keyframes SET state = x'00ff'")
    with Journal.open(path, read_only=True) as journal:
        record = Replay(journal)
        assert record.seek(record.end).incident == expected.incident
        assert record.seek(record.start + 200).events > 0
    from tests.opening import open_demo

    resumed = open_demo("bad-deploy", 7, 1.0, path, "bob")
    resumed.recorder.journal.close()
    assert resumed.recorder.state.incident == expected.incident


def test_journals_names_a_file_the_terminal_cannot_show_so_it_can_be_opened(tmp_path) -> None:
    """A journal copied in under a name with escapes or bytes that are no UTF-8 was listed
    under the name left once they were removed ('evil.warroom'): no such file, so `warroom
    replay` with the name shown said it does not exist. Such a name is listed as its escapes,
    as bash's $'…' reads them back, and never acts on the terminal."""
    folder = tmp_path / "journals"
    folder.mkdir()
    good = folder / "plain.warroom"
    Session("bad-deploy", good).run(10).recorder.journal.close()
    names = {
        b"evil\x1b]0;PWN\x07\x1b[2J.warroom": "$'evil\\x1b]0;PWN\\x07\\x1b[2J.warroom'",
        b"bad\xff\xfe.warroom": "$'bad\\xff\\xfe.warroom'",
        b"bidi\xe2\x80\xaegpj.warroom": "$'bidi\\xe2\\x80\\xaegpj.warroom'",
    }
    for raw in names:
        (folder / Path(os.fsdecode(raw))).write_bytes(good.read_bytes())
    result = run("journals", env={DATA_DIR: str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    for raw, shown in names.items():
        assert shown in result.stdout, shown
        # the name shown is the file: bash's $'…' reads it back to these bytes
        back = subprocess.run(["bash", "-c", f"printf %s {shown}"], capture_output=True)
        assert back.stdout == raw
    assert " plain.warroom " in result.stdout
