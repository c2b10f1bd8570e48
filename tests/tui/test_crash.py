"""A crash of warroom: exit code 70, one line naming the crash log, no secret anywhere.

Textual prints a traceback with every frame's locals on exit, and the console's locals hold
its configuration. warroom writes the traceback without locals, with secrets masked, to a
0600 file in the data directory, and says where in one line (tui/crash.py). A widget that
cannot draw a value costs a placeholder in that widget, and the console goes on.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.play import Session
from tests.pty_console import PtyProgram
from tests.tui.test_cli import assert_one_line_error
from tui.crash import EXIT_CRASH
from tui.environment import DATA_DIR
from widgets.error_rate import ErrorRatePane

if TYPE_CHECKING:
    from rich.text import Text

WEBHOOK = "https://hooks.slack.com/services/T0001/B0001/SeCrEtToKeN12345"
PASSWORD = "hunter2secret"
SECRETS = {"INCIDENTS_URL": WEBHOOK, "PG_DSN": f"postgresql://app:{PASSWORD}@127.0.0.1:1/db"}
# the webhook's variable is named nothing like a secret: the config saying so is enough
CONFIG = """
[cluster]
services = ["analysis-service"]
namespace = "tracktion"
read_only = true
[database]
dsn_env = "PG_DSN"
[notify.channels."#incidents"]
type = "slack"
webhook_env = "INCIDENTS_URL"
"""


def crashing(*args: str) -> list[str]:
    return [sys.executable, "-m", "tests.tui.crashing_console", *args]


def crash_logs(data: Path) -> list[Path]:
    return sorted((data / "crashes").glob("crash-*.log"))


def assert_private_and_secret_free(log: Path, masked: str = "$INCIDENTS_URL and $PG_DSN") -> str:
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    text = log.read_text()
    assert "Traceback (most recent call last)" in text
    assert f"RuntimeError: cannot go on with {masked}" in text
    for secret in (WEBHOOK, "SeCrEtToKeN12345", PASSWORD):
        assert secret not in text
    assert "locals" not in text.lower()
    return text


def test_a_crash_in_a_widget_exits_70_with_one_line_and_a_private_log(tmp_path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    data = tmp_path / "data"
    program = PtyProgram(
        crashing("live", "--config", str(config)),
        (120, 40),
        {DATA_DIR: str(data), **SECRETS},
    )
    try:
        program.wait_for(b"Services", timeout=60)
        program.pump(0.5)
        program.send(b"?")  # showing the help raises
        assert program.wait_exit(20) == EXIT_CRASH, program.output[-600:]
    finally:
        program.close()
    said = program.output.decode(errors="replace")
    after_the_console = said[said.rindex("\x1b[?1049l") :]  # once the screen is given back
    lines = [ln for ln in after_the_console.replace("\r", "").split("\n") if "warroom" in ln]
    (log,) = crash_logs(data)
    assert len(lines) == 1, after_the_console
    assert lines[0].endswith(
        f"warroom: crashed (RuntimeError); the traceback is in {log}; the journal "
        f"{next((data / 'journals').iterdir())} keeps the session"
    )
    assert "Traceback" not in said and "locals" not in said
    for secret in (WEBHOOK, "SeCrEtToKeN12345", PASSWORD):
        assert secret not in said
    assert_private_and_secret_free(log)


@pytest.mark.parametrize("found_by", ["the config", "the variable's name"])
def test_a_crash_outside_the_console_is_one_line_too(tmp_path, found_by) -> None:
    """`export` loads no config: a secret is known by the config file naming its variable,
    or by a name that says it is one."""
    path = tmp_path / "j.warroom"
    Session("bad-deploy", path).run(10).recorder.journal.close()
    data = tmp_path / "data"
    env = {**os.environ, DATA_DIR: str(data), **SECRETS}
    if found_by == "the config":
        (tmp_path / "warroom").mkdir()
        (tmp_path / "warroom" / "config.toml").write_text(CONFIG)
        env["XDG_CONFIG_HOME"] = str(tmp_path)
        masked = "$INCIDENTS_URL and $PG_DSN"
    else:
        env["SLACK_WEBHOOK"] = WEBHOOK
        masked = "$SLACK_WEBHOOK and $PG_DSN"
    result = subprocess.run(
        crashing("export", str(path), "--out", str(tmp_path / "out")),
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == EXIT_CRASH
    (log,) = crash_logs(data)
    assert result.stderr == f"warroom: crashed (RuntimeError); the traceback is in {log}\n"
    assert result.stdout == ""
    assert_private_and_secret_free(log, masked)


def test_debug_shows_the_traceback_still_without_secrets(tmp_path) -> None:
    path = tmp_path / "j.warroom"
    Session("bad-deploy", path).run(10).recorder.journal.close()
    result = subprocess.run(
        crashing("--debug", "export", str(path), "--out", str(tmp_path / "out")),
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            DATA_DIR: str(tmp_path / "data"),
            "SLACK_WEBHOOK": WEBHOOK,
            **SECRETS,
        },
    )
    assert result.returncode == EXIT_CRASH
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("warroom: crashed (RuntimeError)")
    for secret in (WEBHOOK, PASSWORD):
        assert secret not in result.stderr


def test_a_crash_log_that_cannot_be_written_is_said_so(tmp_path) -> None:
    path = tmp_path / "j.warroom"
    Session("bad-deploy", path).run(10).recorder.journal.close()
    result = subprocess.run(
        crashing("export", str(path), "--out", str(tmp_path / "out")),
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, DATA_DIR: "/proc/warroom"},  # nothing can be made there
    )
    assert result.returncode == EXIT_CRASH
    assert result.stderr.strip() == (
        "warroom: crashed (RuntimeError); its traceback could not be written to the data "
        "directory: run with --debug"
    )


async def test_a_pane_that_cannot_draw_a_value_shows_a_placeholder_and_the_console_goes_on(
    tmp_path, monkeypatch
) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(60)
    drawn = ErrorRatePane.body

    def body(self, state, now, width, height, rows=None) -> Text:
        if state.events % 2:
            raise ValueError("a value this pane cannot draw")
        return drawn(self, state, now, width, height, rows)

    monkeypatch.setattr(ErrorRatePane, "body", body)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(3):  # the value comes and goes with each sample
            await session.arun(session.seconds() + 2)
            app.redraw()
            await pilot.pause()
            pane = app.query_one(ErrorRatePane)
            shown = str(pane.content.render())
            if session.recorder.state.events % 2:
                assert "cannot draw this (ValueError)" in shown
                assert pane.border_subtitle == "cannot draw"
                app.console_screen.redraw(clock_only=True)  # the second's tick, same state
                assert pane.border_subtitle == "cannot draw"  # it said nothing after a tick
            else:
                assert "tracklist-service" in pane.table.keys and pane.table.display
        assert "tracklist-service" in app.query_one("#services")._body.plain  # type: ignore[union-attr]
    assert app.crash is None
    logs = crash_logs(Path(os.environ[DATA_DIR]))
    entries = [ln for log in logs for ln in log.read_text().splitlines() if ln.startswith("---")]
    assert len(entries) == 1 and "cannot draw #error-rate; the console went on" in entries[0]


async def test_a_crash_in_a_test_is_raised_to_the_test_and_logged(tmp_path) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(20)
    app = session.app()
    with pytest.raises(ZeroDivisionError):
        async with app.run_test(size=(80, 24)) as pilot:
            app.call_later(lambda: 1 / 0)
            await pilot.pause()
    assert app.return_code == EXIT_CRASH
    error, log = app.crash  # type: ignore[misc]
    assert isinstance(error, ZeroDivisionError) and log is not None and log.exists()


def test_a_config_error_is_still_bad_input_not_a_crash(tmp_path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[cluster]\nservices = []\n")
    result = subprocess.run(
        [sys.executable, "-m", "tui", "live", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_one_line_error(result, "cluster.services")
    assert "crashed" not in result.stderr
