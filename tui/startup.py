"""Start-up without the cyclic garbage collector, from the command line to the session opened.

Everything a console allocates while it starts (modules, classes, Textual's widgets and styles,
then pydantic's models and the probes) lives as long as the process, so each collection then
walks a growing heap and frees next to nothing: before the first frame of `warroom live` the
collector ran ~140 times, a full collection among them, 0.04-0.05 s of CPU in all (0.30 s to
the frame; the bare Textual app's whole start is 0.2 s). Textual pauses the collector in the
same way while it scrolls (`App.PAUSE_GC_ON_SCROLL`).

`held()` pauses it for a command; `release()`, once the session is open, freezes what start-up
made (as tui/base.py does again after the first samples) and collects again, so no later
collection walks start-up's heap either. A command that ends before (a config refused, a
console quit at once) collects again as it ends, freezing nothing. A forked child
(tui/aside.py) starts with the collector paused too, and ends within a fraction of a second.
`freeze_heap()` freezes what the console made once it has drawn (its first refreshes, replay's
first frame): the one place for the collector's policy.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_held = False
_frozen = False  # what the console made as it started is frozen (`freeze_heap`)


@contextmanager
def held() -> Iterator[None]:
    """The collector paused from here until `release()`, or the end of the block at the latest.
    Nothing changes if it is off already."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True
    try:
        yield
    finally:
        if _held:  # ended before its session opened: nothing of it to keep frozen
            _held = False
            gc.enable()


def release() -> None:
    """Start-up is over: freeze its heap and collect again. Only undoes `held()`: a collector
    that was off before (a test's, a debugger's) stays as it was; a second call does nothing."""
    global _held
    if _held:
        _held = False
        gc.freeze()
        gc.enable()


FULL_EVERY = 100  # generation 1 collections between two full ones, once settled (Python: 10)


def freeze_heap(headless: bool, *, rarer_full: bool = False) -> None:
    """Move what the console has allocated so far out of the cyclic collector's way: the live
    console after each of its first refreshes (tui/base.py), replay after its first frame
    (tui/replay.py). Not under a test's Pilot (`headless`): the test process lives on after
    the console.

    Python's full (generation 2) collection walks every tracked object: with start-up's heap
    (Textual, pydantic's models, the clients: ~100 MB, ~150,000 objects) in it, each took
    40-100 ms on the UI loop, every ~10 s at 300 services, and a key pressed then waited for it
    (key -> frame, tests/benchmarks/test_scale.py); in replay, ~80 ms in 8 % of seeks at large,
    which set the seek's p95. Frozen, those objects are still freed by reference counting;
    only a cycle among them that becomes garbage later stays, and start-up builds what lives
    as long as the console. `rarer_full`: what the live console keeps after (its state, the
    tables' rows, Textual's caches) still took 25-160 ms a full collection at 300 services,
    every ~4 s (tui/stall.py's log): a full collection then comes after FULL_EVERY younger ones
    instead of Python's 10, and garbage in cycles waits that long to be freed.
    """
    global _frozen
    if headless:
        return
    gc.freeze()
    _frozen = True
    if rarer_full:
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, FULL_EVERY)


def collect_closed_dialog() -> None:
    """A full collection now: a dialog has closed and the console is drawn again.

    A dialog's widgets (the command palette's, a confirmation's) live as long as it is open,
    long enough to pass the young collections; closed, they are garbage in cycles (a widget
    and its parent) that only a full collection frees. Left to Python's thresholds, that
    collection came at a moment nobody chose: in the benchmark at large, after thirty opened
    palettes, ~66,000 objects and 242 ms of the UI loop's CPU under a key press. Freed as each
    dialog closes, a dialog's garbage costs a collection of what the console made since
    start-up (`freeze_heap`), just after the commander saw the console again. Nothing before
    that freeze (start-up's whole heap would be walked) nor under a test's Pilot, where
    `freeze_heap` freezes nothing either.
    """
    if _frozen and gc.isenabled():
        gc.collect()
