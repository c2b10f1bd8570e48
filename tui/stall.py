"""A development tool: where the UI loop stalls. Off unless WARROOM_STALL_LOG names a file.

A thread asks the console's event loop to answer a heartbeat every PERIOD seconds. When the
loop has not answered within SLOW seconds, the thread samples the loop thread's stack
(sys._current_frames) every SAMPLE seconds until it does, then appends to the file one
block per stall: how long the loop was busy (wall, and its own CPU: the rest it waited for
the CPU or the GIL) and the stacks it was seen in, most seen first; and a line per garbage
collection of SLOW or more (it holds the GIL: no stack is sampled meanwhile).
A key pressed during a stall waits for it: this says what the press waited for
(tests/benchmarks/test_scale.py's key -> frame tail).
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from state.clock import WallClock
from tui.environment import STALL_LOG

ENV = STALL_LOG
PERIOD = 0.005  # seconds between heartbeats
SLOW = 0.025  # seconds the loop may be busy before its stack is sampled
_WALL = WallClock()  # when a stall or collection happened (UTC), to match it with other logs
SAMPLE = 0.003  # seconds between samples of a stalled loop's stack
DEPTH = 14  # innermost frames kept per sample


def start(loop: asyncio.AbstractEventLoop) -> threading.Thread | None:
    """Watch `loop` (running in this thread) if WARROOM_STALL_LOG is set; else do nothing."""
    path = os.environ.get(ENV)
    if not path:
        return None
    watched = threading.get_ident()
    cpu = time.pthread_getcpuclockid(watched)  # the loop thread's own CPU time
    thread = threading.Thread(
        target=_watch, args=(loop, watched, cpu, Path(path)), name="stall-watch", daemon=True
    )
    thread.start()
    gc.callbacks.append(_collections(Path(path)))
    return thread


def _collections(path: Path) -> Callable[[str, dict[str, int]], None]:
    """A gc callback writing each collection of SLOW seconds or more: it holds the GIL."""
    began = [0.0]

    def collected(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
            return
        took = time.perf_counter() - began[0]
        if took >= SLOW:
            with path.open("a") as log:
                log.write(
                    f"gc of generation {info['generation']} {took * 1000:.0f} ms at"
                    f" {_WALL.now():%H:%M:%S.%f}, {info['collected']} collected\n"
                )

    return collected


def _watch(loop: asyncio.AbstractEventLoop, watched: int, cpu: int, path: Path) -> None:
    answered = threading.Event()
    while not loop.is_closed():
        answered.clear()
        asked, used = time.perf_counter(), time.clock_gettime(cpu)
        try:
            loop.call_soon_threadsafe(answered.set)
        except RuntimeError:  # the loop closed
            return
        if answered.wait(SLOW):
            time.sleep(PERIOD)
            continue
        seen: Counter[str] = Counter()
        while not answered.wait(SAMPLE):
            frame = sys._current_frames().get(watched)
            if frame is not None:
                stack = traceback.extract_stack(frame)[-DEPTH:]
                seen["".join(f"  {f.filename}:{f.lineno} {f.name}\n" for f in stack)] += 1
        busy = (time.perf_counter() - asked) * 1000
        used = (time.clock_gettime(cpu) - used) * 1000
        with path.open("a") as log:
            log.write(
                f"stall {busy:.0f} ms ({used:.0f} ms of the loop thread's CPU) at"
                f" {_WALL.now():%H:%M:%S.%f}, {sum(seen.values())} samples\n"
            )
            for where, count in seen.most_common(4):
                log.write(f" {count}x\n{where}")
