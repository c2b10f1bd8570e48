"""`warroom live` draws first and opens once its config's check said yes (tui/cli.py `live`).

The check runs aside (tui/aside.py); the console is drawn meanwhile. A config the check refuses,
or a check that answers nothing, ends the console with the terminal as it was, one line per
problem and exit code 2, with nothing opened: no journal, no probe, no backend contacted.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

from tests.play import OPERATOR, Session
from tests.pty_console import PtyProgram, warroom
from tests.tui.test_cli import assert_one_line_error
from tests.tui.test_cli import warroom as cli_warroom
from tests.tui.test_keys import header
from tests.tui.waiting import shown
from tui.app import WarroomApp
from tui.base import Wiring
from tui.cli import CheckRefused
from tui.environment import CHECK_TIMEOUT
from widgets.modals import DeclareScreen

ALTERNATE_SCREEN_ON, ALTERNATE_SCREEN_OFF = b"\x1b[?1049h", b"\x1b[?1049l"
CURSOR_SHOWN, MOUSE_OFF = b"\x1b[?25h", b"\x1b[?1000l"


class Checking:
    """A config's check the test answers: yes (with its settings), or a refusal."""

    def __init__(self) -> None:
        self.answered = asyncio.Event()
        self.refusal: list[str] = []
        self.read_only = False

    async def ready(self, app: WarroomApp) -> None:
        await self.answered.wait()
        if self.refusal:
            raise CheckRefused(self.refusal)
        app.settle(operator=OPERATOR, read_only=self.read_only, escalation_mode="prompt")


def console(checking: Checking, opening) -> WarroomApp:
    app = WarroomApp(
        opening=opening,
        ready=lambda: checking.ready(app),
        operator="someone",
        badge="LIVE",
        watch_terminal=False,
    )
    return app


async def test_keys_before_the_check_answers_say_the_session_is_opening(tmp_path) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(70)
    opened: list[bool] = []

    def opening() -> Wiring:
        opened.append(True)
        return Wiring(session.recorder, session.clock, actions=session.actions)

    checking = Checking()
    app = console(checking, opening)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "LIVE  Opening the session's journal…" in header(app)
        await pilot.press("d")  # drawn, not yet checked: nothing to write a declaration to
        await pilot.pause()
        assert not isinstance(app.screen, DeclareScreen)
        assert any("Still opening" in n.message for n in app._notifications)
        assert not opened and not app.opened

        checking.answered.set()
        await pilot.pause()
        await pilot.pause()
        assert opened == [True] and app.opened
        assert app.operator == OPERATOR  # the config's, as checked
        await pilot.press("d")
        await shown(pilot, DeclareScreen)


async def test_a_config_the_check_says_is_read_only_makes_the_drawn_console_read_only(
    tmp_path,
) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(70)
    checking = Checking()
    checking.read_only = True
    app = console(checking, lambda: Wiring(session.recorder, session.clock, session.actions))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.check_action("remediate", ()) is True
        checking.answered.set()
        await pilot.pause()
        await pilot.pause()
        assert "READ-ONLY" in header(app)
        assert app.check_action("remediate", ()) is None  # shown disabled, and says why
        assert app.actions is None


async def test_a_config_the_check_refuses_ends_the_console_with_nothing_opened() -> None:
    opened: list[bool] = []
    checking = Checking()
    checking.refusal = ["config.toml: cluster.bogus: unknown key"]
    app = console(checking, lambda: opened.append(True))  # type: ignore[arg-type,func-returns-value]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        checking.answered.set()
        await pilot.pause()
    assert app.return_code == 2
    assert isinstance(app.open_failure, CheckRefused)
    assert app.open_failure.lines() == ["config.toml: cluster.bogus: unknown key"]
    assert not opened and not app.opened


def live_on_a_terminal(config: Path, data: Path, env: dict[str, str] | None = None) -> PtyProgram:
    return PtyProgram(
        warroom("live", "--config", str(config)),
        (120, 40),
        {"WARROOM_DATA_DIR": str(data), **(env or {})},
    )


def after_the_console(output: bytes) -> str:
    """What was printed once the console gave the terminal back (asserting it did)."""
    assert ALTERNATE_SCREEN_ON in output, output[-400:]
    assert ALTERNATE_SCREEN_OFF in output, output[-400:]
    drawn, _, after = output.rpartition(ALTERNATE_SCREEN_OFF)
    assert b"LIVE" in drawn  # the console was drawn first
    assert CURSOR_SHOWN in after and MOUSE_OFF in after  # the terminal as it was found
    return re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", after).decode(errors="replace")


def test_a_bad_live_config_found_once_drawn_ends_the_console_in_one_line_per_problem(
    tmp_path,
) -> None:
    """Readable TOML whose [keys] apply, but with a problem only the full check finds: the
    console was drawn, and ends with the terminal given back, each problem in one line, exit
    2; no journal was created."""
    config = tmp_path / "config.toml"
    config.write_text(
        '[cluster]\nservices = ["api"]\nbogus = 1\n'
        '[prometheus]\nurl = "http://127.0.0.1:9"\nlabel = "no spaces allowed"\n'
    )
    program = live_on_a_terminal(config, tmp_path)
    try:
        code = program.wait_exit(60)
    finally:
        program.close()
    said = after_the_console(bytes(program.output))
    assert code == 2, said
    lines = [line for line in said.replace("\r", "").splitlines() if line.strip()]
    assert f"warroom: {config}: cluster.bogus: unknown key" in lines, said
    assert any(line.startswith(f"warroom: {config}: prometheus.label") for line in lines), said
    assert all(line.startswith("warroom: ") for line in lines), said
    assert "Traceback" not in said
    assert not list(tmp_path.rglob("*.warroom"))


def live_with_a_hanging_check(tmp_path: Path, seconds: int) -> tuple[Path, PtyProgram]:
    """live started on a terminal with a config whose kubeconfig is a FIFO nobody writes, as
    a mount that never answers: its check blocks reading it; `seconds`: the check's time."""
    kubeconfig = tmp_path / "kubeconfig"
    os.mkfifo(kubeconfig)
    config = tmp_path / "config.toml"
    config.write_text(f'[cluster]\nservices = ["api"]\nkubeconfig = "{kubeconfig}"\n')
    return config, live_on_a_terminal(config, tmp_path, {CHECK_TIMEOUT: str(seconds)})


def test_a_check_that_hangs_ends_the_console_in_one_line(tmp_path) -> None:
    """A kubeconfig on a mount that never answers (here a FIFO nobody writes): the check
    blocks reading it. The console, drawn, answers keys meanwhile, then says so in one line
    and exits 2 once the check's time is up, with nothing opened."""
    config, program = live_with_a_hanging_check(tmp_path, 4)
    try:
        program.wait_for(b"Opening the session", timeout=60)
        program.send(b"d")
        program.wait_for(b"Still opening", timeout=10)
        code = program.wait_exit(60)
    finally:
        program.close()
    said = after_the_console(bytes(program.output)).replace("\r", "").strip()
    assert code == 2, said
    assert (
        said
        == f"warroom: {config}: the config's check gave no answer within 4 s; nothing was opened"
    )
    assert not list(tmp_path.rglob("*.warroom"))


def test_quitting_before_the_check_answers_leaves_at_once_with_nothing_opened(tmp_path) -> None:
    """The commander quits while the check still hangs (its time is 60 s): the console ends
    then, ending the check with it, and no journal was created."""
    _, program = live_with_a_hanging_check(tmp_path, 60)
    try:
        program.wait_for(b"Opening the session", timeout=60)
        program.send(b"q")
        code = program.wait_exit(30)  # well within the check's 60 s
    finally:
        program.close()
    said = after_the_console(bytes(program.output)).replace("\r", "").strip()
    assert code == 0, said
    assert said == ""
    assert not list(tmp_path.rglob("*.warroom"))


def test_a_check_timeout_that_is_no_number_of_seconds_is_refused_in_one_line(tmp_path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[cluster]\nservices = ["api"]\n')
    for given in ("abc", "0", "-5", "nan", "inf"):
        result = cli_warroom("live", "--config", str(config), env={CHECK_TIMEOUT: given})
        assert_one_line_error(result, CHECK_TIMEOUT, "not a number of seconds above 0")
    assert not list(tmp_path.rglob("*.warroom"))
