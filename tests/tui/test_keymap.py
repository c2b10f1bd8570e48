"""The config's [keys] table remaps keys by binding id (Textual's set_keymap): the key bar, help
and the palette show the new keys, and a clash is a config error naming both ids."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.play import Session
from tests.tui.waiting import pressed, shown
from tui.config import ConfigError, parse
from tui.environment import DATA_DIR
from tui.keys import app_bindings, keymap_problems
from widgets.action_dialogs import ResolveScreen
from widgets.help import HelpScreen
from widgets.keybar import KeyBar

KEYMAP = {"incident.resolve": "X", "action.remediate": "R"}
CLUSTER = {"services": ["analysis-service"]}


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_remapped_keys_run_and_show_everywhere(tmp_path, size) -> None:
    session = (await Session("service-down", tmp_path / "j.warroom").arun(60)).declare()
    app = session.app(keymap=KEYMAP)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        if size == (120, 40):  # every key on the bar: the remapped ones as remapped
            shown_bar = app.query_one(KeyBar)._text.plain  # type: ignore[union-attr]
            assert "X Resolve" in shown_bar and "R Remediate" in shown_bar
            assert "x Resolve" not in shown_bar and "r Remediate" not in shown_bar
        commands = {c.title: c.help for c in app.palette_commands()}
        assert commands["Resolve"].endswith("(key X)")
        assert commands["Remediate"].endswith("(key R)")
        await pressed(pilot, "question_mark")
        await shown(pilot, HelpScreen)
        rows = dict(app.screen.keys)  # type: ignore[attr-defined]
        assert rows["X"].startswith("Resolve the incident") and "x" not in rows
        await pressed(pilot, "escape")
        await pressed(pilot, "x")  # the old key does nothing any more
        assert not isinstance(app.screen, ResolveScreen)
        await pressed(pilot, "X")
        await shown(pilot, ResolveScreen)
        assert isinstance(app.screen, ResolveScreen)


def test_a_clash_is_a_config_error_naming_both_ids() -> None:
    with pytest.raises(ConfigError) as caught:
        parse({"cluster": CLUSTER, "keys": {"incident.resolve": "r"}})
    (line,) = caught.value.lines()
    assert line == (
        "keys: r is bound to both action.remediate and incident.resolve; "
        "give one of them another key"
    )


def test_a_swap_is_no_clash_and_unknown_or_dialog_keys_are_refused() -> None:
    swap = {"incident.resolve": "r", "action.remediate": "x"}
    assert parse({"cluster": CLUSTER, "keys": swap}).keys == swap
    problems = keymap_problems(
        {"incident.resolv": "z", "incident.note": "enter", "incident.verify": "Ctrl+V"},
        app_bindings(),
    )
    assert problems[0].startswith("incident.resolv: no such binding id (known: ")
    assert problems[1] == "incident.note: enter is kept for moving in dialogs and panes"
    assert problems[2].startswith("incident.verify: 'Ctrl+V' is not a key Textual knows")
    several = {"incident.verify": "ctrl+shift+v,f5,V,exclamation_mark"}
    assert keymap_problems(several, app_bindings()) == []
    # Textual's own ctrl+q and ctrl+c are in the table too, named as such (they have no id a
    # user could find in the README, and cannot be remapped): the user's id is the one to move
    assert keymap_problems({"incident.note": "ctrl+q"}, app_bindings()) == [
        "ctrl+q is Textual's own quit key (it quits at once, without asking), which cannot "
        "be remapped; give incident.note another key"
    ]
    assert keymap_problems({"app.quit": "ctrl+c"}, app_bindings()) == [
        "ctrl+c is Textual's own key that says how to quit, which cannot be remapped; "
        "give app.quit another key"
    ]


@pytest.mark.parametrize(
    "key", ["left", "right", "home", "end", "pageup", "pagedown", "space", "up", "tab"]
)
def test_keys_dialogs_and_panes_move_with_are_refused(key) -> None:
    assert keymap_problems({"incident.note": key}, app_bindings()) == [
        f"incident.note: {key} is kept for moving in dialogs and panes"
    ]


def test_replay_may_keep_its_own_arrows_and_every_clash_names_readme_ids() -> None:
    import re
    from pathlib import Path

    assert keymap_problems({"replay.back": "left", "replay.play": "space"}, app_bindings()) == []
    readme = Path(__file__).parents[2].joinpath("README.md").read_text()
    listed = set(re.findall(r"`([a-z_]+\.[a-z_-]+)`", readme))
    for binding_id, key in (("incident.resolve", "r"), ("replay.go", "q"), ("app.help", "d")):
        (line,) = keymap_problems({binding_id: key}, app_bindings())
        named = re.findall(r"\b([a-z_]+\.[a-z_-]+)\b", line)
        assert len(named) == 2 and set(named) <= listed, line


def _warroom(*args: str, config_home: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CONFIG_HOME": config_home, DATA_DIR: config_home}
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.mark.parametrize("command", ["live", "demo", "drill"])
def test_every_console_refuses_a_clash_in_one_line_before_it_starts(tmp_path, command) -> None:
    """Live checks [keys] with the whole config; demo, drill and replay read the same table."""
    config = tmp_path / "warroom" / "config.toml"
    config.parent.mkdir()
    config.write_text(
        '[cluster]\nservices = ["analysis-service"]\n[keys]\n"incident.resolve" = "r"\n'
    )
    args = {"live": ["live"], "demo": ["demo"], "drill": ["drill", "service-down"]}[command]
    result = _warroom(*args, config_home=str(tmp_path))
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line == (
        f"warroom: {config}: keys: r is bound to both action.remediate and incident.resolve; "
        "give one of them another key"
    )
    assert "Traceback" not in result.stderr and result.stdout == ""


async def test_the_console_s_hints_name_the_remapped_key(tmp_path) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(60)  # burning
    app = session.app(keymap={"incident.declare": "D"})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        header = app.query_one("#header")._text.plain  # type: ignore[attr-defined]
        assert "press D to declare" in header
        await pressed(pilot, "a")  # acknowledge, with nothing declared
        assert [n.message for n in app._notifications][-1] == (
            "No open incident: press D to declare one"
        )


async def test_the_palette_key_remapped_stays_on_the_bar(tmp_path) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(10)
    app = session.app(keymap={"app.command_palette": "ctrl+k"})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)._text.plain  # type: ignore[union-attr]
        assert bar.rstrip().endswith("? Help  ^k Commands  q Quit")
