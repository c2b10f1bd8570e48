"""Textual's strips without the reference cycle that its divide cache makes of them.

`Strip.divide` (textual/strip.py, Textual 8.2.8, the same on Textual's main) caches what it
returns on the strip itself. For a strip that is not cut at all, which is what the compositor
asks of nearly every line (a widget's line that no other widget overlaps), that is `[self]`:
the strip holds itself. Reference counting then never frees a strip that its widget has
drawn again: each, with its seven caches and its segments (~15 objects), waits for Python's
cyclic collector, and, having lived through the young collections, for a full one, which
pauses the UI loop. At 300 services `?` and back left ~70 such strips (the console drawn
again behind and in front of the help), the clock's second a few: 1,400 of the 1,550 strips
a headless diagnosis found in the collector's garbage.

`install()` makes `divide` answer a strip with no cut inside it with a new `[self]`, not
cached (the same answer; everything else goes to Textual's cached `divide`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.strip import Strip

_cached_divide = Strip.divide


def divide(strip: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
    """`Strip.divide`: `strip` cut at the cells `cuts`; never caching the strip in itself."""
    cuts = list(cuts)
    length = strip.cell_length
    if [cut for cut in cuts if cut <= length] == [length]:
        return [strip]
    return _cached_divide(strip, cuts)


def install() -> None:
    """Replace `Strip.divide` by `divide`, once per process (the console's App does it)."""
    setattr(Strip, "divide", divide)  # noqa: B010 (mypy refuses assigning to a method)
