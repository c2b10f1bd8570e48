"""Bad input given on the command line is one line and exit code 2, whichever command.

A config nested thousands of arrays or tables deep (Python's TOML reader recurses), a
directory, or a file that cannot be read, as `--config`, `--journal` or a journal argument:
warroom's own one line, never a traceback or click's three-line usage error.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.tui.test_cli import assert_one_line_error, warroom
from tui.environment import DATA_DIR

CONFIG = '[cluster]\nservices = ["analysis-service"]\nnamespace = "tracktion"\n'
# a file that cannot be opened for reading even by root: procfs checks a sysctl's mode bits
# (0200 here) for every user, where a chmod 000 file is read by root all the same
WRITE_ONLY = Path("/proc/sys/vm/drop_caches")


def unreadable_by_root() -> Path:
    try:
        WRITE_ONLY.open("rb").close()
    except PermissionError:
        return WRITE_ONLY
    pytest.skip(f"{WRITE_ONLY} can be read here: no file is unreadable to every user")


@pytest.fixture
def config(tmp_path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    return path


@pytest.fixture(params=["a directory", "a file root cannot read", "a chmod 000 file"])
def bad(request, tmp_path) -> tuple[Path, str]:
    """A path that cannot be read as a file, and the words the one line uses for it."""
    if request.param == "a directory":
        folder = tmp_path / "folder.warroom"
        folder.mkdir()
        return folder, "not a file|Is a directory"
    if request.param == "a file root cannot read":
        return unreadable_by_root(), "ermission denied"
    if os.geteuid() == 0:
        pytest.skip("root reads a chmod 000 file; the procfs case covers unreadable files")
    path = tmp_path / "secret.warroom"
    path.write_bytes(b"SQLite format 3\x00")
    path.chmod(0)
    return path, "ermission denied"


def assert_says(result: subprocess.CompletedProcess[str], path: Path, words: str) -> None:
    assert_one_line_error(result, str(path))
    assert any(w in result.stderr for w in words.split("|")), result.stderr
    assert "Usage:" not in result.stderr and "Invalid value" not in result.stderr


@pytest.mark.parametrize("command", ["live", "check"])
def test_config_that_cannot_be_read(bad, command) -> None:
    path, words = bad
    assert_says(warroom(command, "--config", str(path)), path, words)


@pytest.mark.parametrize("command", ["demo", "drill", "live", "replay", "export"])
def test_journal_that_cannot_be_read(bad, command, config, tmp_path) -> None:
    path, words = bad
    args = {
        "demo": ["demo", "--journal", str(path)],
        "drill": ["drill", "bad-deploy", "--journal", str(path)],
        "live": ["live", "--config", str(config), "--journal", str(path)],
        "replay": ["replay", str(path)],
        "export": ["export", str(path), "--out", str(tmp_path / "out")],
    }[command]
    assert_says(warroom(*args), path, words)


def test_config_init_into_a_directory(tmp_path) -> None:
    assert_one_line_error(warroom("config", "init", "--config", str(tmp_path)), "is a directory")


def nested(kind: str, depth: int) -> str:
    if kind == "arrays":
        return "[" * depth + "]" * depth
    return "{ a = " * depth + "1" + " }" * depth


@pytest.mark.parametrize(("kind", "depth"), [("arrays", 5000), ("inline tables", 3000)])
@pytest.mark.parametrize("command", ["live", "check"])
def test_a_config_nested_thousands_deep(tmp_path, kind, depth, command) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"{CONFIG}deep = {nested(kind, depth)}\n")
    result = warroom(command, "--config", str(path))
    assert_one_line_error(result, str(path), "nested too deeply")
    assert "RecursionError" not in result.stderr


def test_an_override_nested_thousands_deep(config) -> None:
    result = warroom(
        "check", "--config", str(config), env={"WARROOM_CLUSTER__SERVICES": nested("arrays", 5000)}
    )
    assert_one_line_error(result, "nested too deeply", "WARROOM_")


@pytest.mark.parametrize("command", ["demo", "drill"])
def test_a_scenario_file_nested_thousands_deep(tmp_path, command) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(f'name = "deep"\nfaults = {nested("arrays", 5000)}\n')
    args = ["demo", "--scenario", str(path)] if command == "demo" else ["drill", str(path)]
    assert_one_line_error(warroom(*args), "deep.toml", "nested too deeply")


@pytest.mark.parametrize("command", ["live", "check"])
@pytest.mark.parametrize("value", ["not json", '["a\x1b]52;c;aGk=\x07"'])
def test_an_override_that_is_not_json(config, command, value) -> None:
    """A WARROOM_* variable for a list that is not JSON names itself, never crashes (exit 70)."""
    result = warroom(command, "--config", str(config), env={"WARROOM_CLUSTER__SERVICES": value})
    assert_one_line_error(result, "WARROOM_CLUSTER__SERVICES", "not valid JSON")
    assert "\x1b" not in result.stderr and "crash" not in result.stderr


@pytest.mark.parametrize("command", [("journals",), ("demo",), ("drill", "bad-deploy")])
def test_a_data_folder_that_is_a_file(tmp_path, command) -> None:
    """WARROOM_DATA_DIR naming a file (or anything no folder can be made in) was a crash:
    'crashed (NotADirectoryError); its traceback could not be written to the data
    directory'. It is bad input: one line naming the variable, exit code 2."""
    file = tmp_path / "data"
    file.write_text("not a folder")
    result = warroom(*command, env={DATA_DIR: str(file)})
    assert_one_line_error(result, str(file), DATA_DIR)
    assert "crashed" not in result.stderr
