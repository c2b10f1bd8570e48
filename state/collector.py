"""Python's cyclic garbage collector paused for a bounded piece of work that makes no cycles.

A replay seek at large allocates thousands of objects that outlive it (the samples it
rebuilds, the state it folds): with the collector on, its allocations cross generation 0's
threshold (700) ~10 times a seek, every 10th young collection is a middle one and every 10th
of those may be a full one, which walks the whole heap (~80 ms in a process holding Textual,
the clients and a test runner) to find nothing: a seek makes no reference cycles (200 seeks:
2,103 young and 16 full collections). Paused for the seek, its survivors are looked at once, by
the one young collection that comes as the collector is back on, within the seek (200 seeks:
104 and 1). The export's fold (state/review/files.py) is paused whole: a large hour's ran 573
young and 5 full collections, 0.9 s of its CPU; paused, one. Textual pauses the
collector the same way while it scrolls (`App.PAUSE_GC_ON_SCROLL`); tui/startup.py does for
start-up.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector off for the block, on again after it, however the block ends.

    Nothing changes if it is off already (a caller's pause, a test's, a debugger's): it is
    left off. Objects are still freed by reference counting meanwhile; only cycles wait.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
