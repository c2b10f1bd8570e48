"""The command line as a person meets it: one-line errors, exit code 2, files left untouched."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from state.events import IncidentDeclared, SessionResumed
from state.journal import schema
from state.journal.store import Journal
from tests.opening import open_demo
from tests.play import Session
from tui import __version__
from tui.environment import DATA_DIR


def warroom(
    *args: str, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`warroom ARGS` with no terminal, `env` added to the environment."""
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )


def fingerprint(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("warroom: ")
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0]


def test_version_and_help() -> None:
    assert warroom("--version").stdout.strip() == f"warroom, version {__version__}"
    text = warroom("--help").stdout
    assert "demo" in text
    demo_help = warroom("demo", "--help").stdout
    for option in ("--scenario", "--seed", "--speed", "--journal", "--services"):
        assert option in demo_help


def test_unknown_scenario() -> None:
    result = warroom("demo", "--scenario", "nope")
    assert_one_line_error(
        result, "unknown scenario 'nope'", "bad-deploy", "db-lock-storm", "service-down"
    )


def test_scenario_file_with_a_bad_field(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "x"\ntitle = "x"\nexpected_severity = "P9"\n'
        '[[faults]]\ntype = "crash_loop"\nat = 1\nservice = "analysis-service"\n'
    )
    assert_one_line_error(warroom("demo", "--scenario", str(bad)), "field expected_severity")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"hello, I am a text file\n", ["not a warroom journal", "not an SQLite database"]),
        (b"SQLite format 3\x00" + os.urandom(2000), ["not a usable warroom journal"]),
    ],
    ids=["text", "corrupt"],  # a zero-byte file is a journal cut short: begun afresh
)  # (tests/tui/test_opening.py)
def test_a_file_that_is_not_a_journal_is_refused_and_untouched(tmp_path, content, words) -> None:
    path = tmp_path / "journal.warroom"
    path.write_bytes(content)
    before = fingerprint(path)
    assert_one_line_error(warroom("demo", "--journal", str(path)), *words)
    assert fingerprint(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.warroom"]


def test_another_sqlite_database_is_refused(tmp_path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (x)")
    before = fingerprint(path)
    assert_one_line_error(warroom("demo", "--journal", str(path)), "not a warroom journal")
    assert fingerprint(path) == before


def test_a_journal_of_another_schema_version_is_refused(tmp_path) -> None:
    path = tmp_path / "j.warroom"
    Journal.create(path).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    before = fingerprint(path)
    assert_one_line_error(
        warroom("demo", "--journal", str(path)),
        "schema version 99",
        f"reads version {schema.VERSION}",
    )
    assert fingerprint(path) == before


def test_journal_in_a_missing_directory(tmp_path) -> None:
    path = tmp_path / "nowhere" / "j.warroom"
    assert_one_line_error(
        warroom("demo", "--journal", str(path)), "does not exist", str(path.parent)
    )
    assert not path.parent.exists()


def test_unwritable_journal_path() -> None:
    # /proc refuses new files even to root, where chmod would not
    assert_one_line_error(
        warroom("demo", "--journal", "/proc/warroom.warroom"), "cannot create journal"
    )


def test_debug_shows_the_traceback() -> None:
    result = warroom("--debug", "demo", "--scenario", "nope")
    assert result.returncode == 2 and "Traceback" in result.stderr


def test_resuming_a_demo_journal_keeps_the_incident(tmp_path) -> None:
    path = tmp_path / "j.warroom"
    session = Session("service-down", path).run(60).declare()
    declared = session.recorder.state.incident
    session.recorder.journal.close()
    resumed = open_demo(
        "bad-deploy", 1, 1.0, path, "bob"
    )  # scenario and seed come from the journal
    try:
        assert resumed.recorder.state.incident == declared
        assert resumed.recorder.state.scenario == "service-down"
        assert resumed.cluster.seed == 7
        assert resumed.cluster.now() == session.clock.now()
        assert resumed.clock.now() >= session.clock.now()
    finally:
        resumed.recorder.journal.close()
    with Journal.open(path, read_only=True) as journal:
        events = list(journal.events())
    assert isinstance(events[-1], SessionResumed) and events[-1].operator == "bob"
    assert sum(isinstance(e, IncidentDeclared) for e in events) == 1


def test_a_journal_of_another_scenario_is_not_resumed_as_the_one_asked_for(tmp_path) -> None:
    """`--scenario db-lock-storm` on a bad-deploy journal resumed bad-deploy without a word:
    the commander asked for one scenario and got another. Asked for, it must be the journal's;
    left out, the journal's own scenario is resumed (above)."""
    path = tmp_path / "j.warroom"
    open_demo("bad-deploy", 7, 1.0, path, "alice").recorder.journal.close()
    before = fingerprint(path)
    for mode in (["demo", "--scenario", "db-lock-storm"], ["drill", "db-lock-storm"]):
        result = warroom(*mode, "--journal", str(path), env={DATA_DIR: str(tmp_path)})
        if mode[0] == "demo":
            assert_one_line_error(result, "holds a bad-deploy demo session, not db-lock-storm")
        else:  # a demo's journal is no drill's, whatever the scenario
            assert_one_line_error(result, "holds a demo session")
    assert fingerprint(path) == before


def test_a_larger_demo_resumes_with_the_same_fleet(tmp_path) -> None:
    path = tmp_path / "j.warroom"
    first = open_demo("bad-deploy", 7, 1.0, path, "alice", services=60)
    services = first.recorder.state.services
    first.recorder.journal.close()
    assert len(services) == 60
    resumed = open_demo("bad-deploy", 7, 1.0, path, "bob")  # the size comes from the journal
    try:
        assert tuple(resumed.cluster.services) == services
    finally:
        resumed.recorder.journal.close()


def test_demo_refuses_fewer_services_than_the_guide_has() -> None:
    result = warroom("demo", "--services", "3")
    assert result.returncode == 2 and "--services" in result.stderr
    assert "Traceback" not in result.stderr


def test_new_journals_are_private(tmp_path) -> None:
    session = open_demo("bad-deploy", 7, 1.0, tmp_path / "j.warroom", "alice")
    session.recorder.journal.close()
    assert (tmp_path / "j.warroom").stat().st_mode & 0o777 == 0o600


def test_only_textual_loads_at_start_up() -> None:
    code = (
        "import sys\n"
        "from tui.cli import main\n"
        "from tui.demo import demo_probes, start_demo\n"
        "from tui.opening import session_start\n"
        "from tui.app import WarroomApp\n"
        "import tempfile, pathlib\n"
        "d = tempfile.mkdtemp()\n"
        "j = pathlib.Path(d) / 'j.warroom'\n"
        "s = start_demo(session_start('demo', j, 'x', scenario='bad-deploy'))\n"
        "WarroomApp(s.recorder, s.clock, operator='x', probes=demo_probes(s))\n"
        "heavy = ('kubernetes', 'psycopg', 'httpx', 'prometheus_api_client')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_import_rules_hold() -> None:
    """state/ is pure, widgets/ never touch probes (the contracts in pyproject.toml)."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower() or "0 broken" in result.stdout.lower()


def test_output_piped_to_a_reader_that_has_gone_is_no_crash(tmp_path) -> None:
    """`warroom journals | head -2`, `warroom drill --list | head -1`: the reader leaves
    early, as `head` does. That is no bug to report with a crash log and exit 70."""
    read, write = os.pipe()
    os.close(read)  # the reader has gone before the first line is written
    try:
        result = subprocess.run(
            [sys.executable, "-m", "tui", "drill", "--list"],
            stdout=write,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            timeout=60,
            env={**os.environ, DATA_DIR: str(tmp_path)},
        )
    finally:
        os.close(write)
    assert result.stderr == ""
    assert result.returncode == 141  # as a command killed by SIGPIPE reads in a shell
    assert not (tmp_path / "crashes").exists() or not any((tmp_path / "crashes").iterdir())


@pytest.mark.parametrize("command", ["demo", "drill", "replay"])
def test_a_console_without_a_terminal_is_refused_in_one_line_and_leaves_no_journal(
    tmp_path, command
) -> None:
    """`warroom demo > log < /dev/null` (a pipe, cron, nohup): the console spun at 100 % of a
    core on a screen nobody saw, and a SIGTERM did not end it. Its input checked first, it is
    refused in one line, exit 2, and the journal it opened for the run, holding nothing, is
    removed; an existing journal is left as it was."""
    recorded = tmp_path / "recorded.warroom"
    Session("bad-deploy", recorded).run(3).recorder.journal.close()
    before = fingerprint(recorded)
    fresh = tmp_path / "fresh.warroom"
    args = {
        "demo": ("demo", "--journal", str(fresh)),
        "drill": ("drill", "bad-deploy", "--journal", str(fresh)),
        "replay": ("replay", str(recorded)),
    }[command]
    result = warroom(*args, env={DATA_DIR: str(tmp_path)})
    assert_one_line_error(result, "the console needs a terminal")
    assert not fresh.exists() and not list(tmp_path.glob("fresh.warroom-*"))
    assert fingerprint(recorded) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["recorded.warroom"]


@pytest.mark.parametrize("mode", [["demo"], ["drill", "bad-deploy"]])
def test_an_operator_name_past_the_bound_is_refused_before_a_journal_is_made(
    tmp_path, mode
) -> None:
    """A 100 kB WARROOM_OPERATOR was journaled in every event's "by"."""
    from tui.environment import OPERATOR

    journal = tmp_path / "j.warroom"
    env = {DATA_DIR: str(tmp_path), OPERATOR: "o" * 100_000}
    result = warroom(*mode, "--journal", str(journal), env=env)
    assert_one_line_error(result, "WARROOM_OPERATOR: 100,000 characters", "at most 64")
    assert not journal.exists()
