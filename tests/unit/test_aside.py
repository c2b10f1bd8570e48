"""Work done aside in a forked child (tui/aside.py): its value, or the work done here."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable

import pytest

from tui.aside import NICE, Aside, AsideFailed


def test_the_value_comes_from_the_child() -> None:
    parent = os.getpid()
    value = Aside(lambda: {"pid": os.getpid(), "items": [1, "two"]}).result(30)
    assert value["items"] == [1, "two"]
    if threading.active_count() == 1:  # else done here: a fork could deadlock on a held lock
        assert value["pid"] != parent


def test_work_that_fails_aside_is_done_here_and_raises_here() -> None:
    calls: list[int] = []

    def work() -> int:
        calls.append(os.getpid())
        raise ValueError("bad input")

    started = Aside(work)
    with pytest.raises(ValueError, match="bad input"):
        started.result(30)
    assert os.getpid() in calls  # the parent's own try, whose error the caller sees


def test_with_other_threads_the_work_is_done_here() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert Aside(os.getpid).result(30) == os.getpid()
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
        started = Aside(work)  # done here at once, as the child would have: no raise yet
        with pytest.raises(ValueError, match="bad input"):
            started.result(30)
    finally:
        stop.set()
        other.join()


def forks() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1


def in_a_fresh_process(check: Callable[[], None]) -> None:
    """Run `check` in a new interpreter (multiprocessing's spawn), with no thread but its own:
    Aside forks only then, and the test process has the threads earlier tests left, so here
    the work would be done in pytest itself (the killed child's SIGKILL would end the run).
    What `check` raises is raised here."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        pool.apply(check)


def _test_the_child_runs_at_a_lower_priority() -> None:
    assert Aside(lambda: os.nice(0)).result(30) == os.nice(0) + NICE


def _test_a_child_killed_before_it_answers_is_said_to_have_failed() -> None:
    started = Aside(lambda: os.kill(os.getpid(), signal.SIGKILL))
    with pytest.raises(AsideFailed, match="ended without an answer \\(killed by SIGKILL\\)"):
        started.result(30)


def _test_a_child_past_its_time_is_ended_and_said_to_have_failed() -> None:
    started = Aside(lambda: time.sleep(60))
    begun = time.monotonic()
    with pytest.raises(AsideFailed, match=r"gave no answer within 0\.5 s"):
        started.result(0.5)
    assert time.monotonic() - begun < 10
    assert started._pid == 0  # ended and reaped


def _test_the_answer_is_awaited_without_blocking_the_loop() -> None:
    async def main() -> tuple[object, int]:
        started = Aside(lambda: (time.sleep(0.3), {"ok": True})[1])
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticking = asyncio.create_task(tick())
        try:
            return await started.answer(30), ticks
        finally:
            ticking.cancel()

    value, ticks = asyncio.run(main())
    assert value == {"ok": True}
    assert ticks > 5  # the loop ran while the child worked


def _test_an_awaited_child_past_its_time_is_ended() -> None:
    started = Aside(lambda: time.sleep(60))
    with pytest.raises(AsideFailed, match=r"gave no answer within 0\.3 s"):
        asyncio.run(started.answer(0.3))
    assert started._pid == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here: the work is done here")
@pytest.mark.parametrize(
    "check",
    [
        _test_the_child_runs_at_a_lower_priority,
        _test_a_child_killed_before_it_answers_is_said_to_have_failed,
        _test_a_child_past_its_time_is_ended_and_said_to_have_failed,
        _test_the_answer_is_awaited_without_blocking_the_loop,
        _test_an_awaited_child_past_its_time_is_ended,
    ],
    ids=lambda check: check.__name__.removeprefix("_test_"),
)
def test_in_a_forked_child(check: Callable[[], None]) -> None:
    in_a_fresh_process(check)


def test_a_child_no_longer_wanted_is_ended() -> None:
    started = Aside(lambda: time.sleep(0 if not forks() else 60))
    started.close()
    started.close()  # twice: nothing more
    assert started._pid == 0
