"""Work done aside in a forked child (tui/aside.py): its value, or the work done here."""

from __future__ import annotations

import os
import threading

import pytest

from tui.aside import aside


def test_the_value_comes_from_the_child() -> None:
    parent = os.getpid()
    result = aside(lambda: {"pid": os.getpid(), "items": [1, "two"]})
    value = result()
    assert value["items"] == [1, "two"]
    if threading.active_count() == 1:  # else done here: a fork could deadlock on a held lock
        assert value["pid"] != parent


def test_work_that_fails_aside_is_done_here_and_raises_here() -> None:
    calls: list[int] = []

    def work() -> int:
        calls.append(os.getpid())
        raise ValueError("bad input")

    result = aside(work)
    with pytest.raises(ValueError, match="bad input"):
        result()
    assert os.getpid() in calls  # the parent's own try, whose error the caller sees


def test_with_other_threads_the_work_is_done_here() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert aside(os.getpid)() == os.getpid()
    finally:
        stop.set()
        other.join()


def test_with_other_threads_an_error_is_raised_when_the_value_is_asked_for() -> None:
    def work() -> int:
        raise ValueError("bad input")

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        result = aside(work)  # done here at once, as the child would have: no raise yet
        with pytest.raises(ValueError, match="bad input"):
            result()
    finally:
        stop.set()
        other.join()
