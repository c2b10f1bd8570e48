"""Python's cyclic garbage collector paused for a bounded piece of work that makes no cycles.

A replay seek at large allocates ~15,000 objects that outlive it (the samples it rebuilds, the
state it folds): with the collector on, they cross generation 0's threshold (700) some 20 times
a seek, and every 10th young collection a middle one, every 10th of those a full one, which
walks the whole heap (~80 ms in a process holding Textual, the clients and a test runner) to
find nothing: a seek makes no reference cycles. Paused for the seek, its survivors are looked
at once, by the one young collection that comes when the collector is back on, so full
collections come ~20 times rarer. The export's fold (state/review/files.py) is paused whole:
a large hour's was ~570 young and 5 full collections, 0.9 s of its CPU. Textual pauses the
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
