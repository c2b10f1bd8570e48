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
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_held = False


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
