"""The collector paused while a console starts (tui/startup.py): resumed in every way out."""

from __future__ import annotations

import gc
import weakref

import pytest
from click.testing import CliRunner

from tui import startup
from tui.cli import main


@pytest.fixture(autouse=True)
def collector():
    """Each test starts with the collector on and nothing frozen, and leaves it so."""
    gc.unfreeze()
    gc.enable()
    yield
    gc.unfreeze()
    gc.enable()


def test_the_session_opened_freezes_what_start_up_made_and_collects_again() -> None:
    with startup.held():
        assert not gc.isenabled()
        made = [[] for _ in range(1000)]
        startup.release()
        assert gc.isenabled()
        assert gc.get_freeze_count() >= len(made)
        startup.release()  # the opening's, then the command's end: nothing more
    assert gc.isenabled()


def test_a_command_ended_before_its_session_collects_again_freezing_nothing() -> None:
    with pytest.raises(SystemExit), startup.held():
        assert not gc.isenabled()
        raise SystemExit(2)
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with startup.held():
        startup.release()
        assert not gc.isenabled()
    assert not gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_live_refusing_its_config_leaves_the_collector_on(tmp_path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[cluster]\nservices = ["api"]\nbogus = 1\n')
    result = CliRunner().invoke(main, ["live", "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert "cluster.bogus: unknown key" in result.output
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


class Cycle:
    """An object that holds itself: reference counting alone never frees it."""

    def __init__(self) -> None:
        self.me = self


def garbage() -> weakref.ref[Cycle]:
    """A Cycle nobody refers to: gone once a collection finds it."""
    return weakref.ref(Cycle())


def test_a_closed_dialog_is_collected_once_start_up_is_frozen(monkeypatch) -> None:
    monkeypatch.setattr(startup, "_frozen", False)
    gc.disable()
    try:
        before = garbage()
        startup.collect_closed_dialog()  # start-up's heap not frozen yet: walking it would cost
        assert before() is not None
        startup.freeze_heap(headless=True)  # under a test's Pilot: nothing frozen, nothing walked
        startup.collect_closed_dialog()
        assert before() is not None and gc.get_freeze_count() == 0
        startup.freeze_heap(headless=False)  # `before` is start-up's now, frozen with it
        after = garbage()
        startup.collect_closed_dialog()  # a collector that was turned off stays off
        assert after() is not None
    finally:
        gc.enable()
    startup.collect_closed_dialog()
    assert after() is None
