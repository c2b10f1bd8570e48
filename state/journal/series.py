"""A keyframe's sparkline series (error rate, p95 by service), packed for a keyframe.

A series is the last HISTORY values of a metric for one service: 300 services make 72,000
floats per keyframe, which as JSON text take 1.4 MB and ~40 ms to parse. Here they are
float64 (8 bytes, NaN, infinities and -0.0 kept bit for bit; None listed apart), and each
series is said as what it keeps of the same series in the previous keyframe and what it adds:
`[d, p, n]`: before[d:d + p] followed by the next n values added.
"""

from __future__ import annotations

import operator
from array import array
from itertools import chain
from typing import Any

Series = dict[str, tuple[float | None, ...]]


def pack(before: Series, now: Series) -> tuple[dict[str, Any], bytes]:
    """(the JSON head, the added values as float64) that say `now` after `before`.

    A value is kept from `before` only where it is the very object (the fold shifts a series
    by building a new tuple of the same floats): equal-looking values (0.0 and -0.0) are not.
    """
    names = list(now)
    head: dict[str, Any] = {} if names == list(before) else {"names": names}
    parts: list[int] = []
    added: list[float | None] = []
    hint: list[int] = []
    for name, values in now.items():
        d, p = _kept(before.get(name, ()), values, hint)
        parts.extend((d, p, len(values) - p))
        added.extend(values[p:])
    head["parts"] = parts
    head["size"] = len(added)
    none = [i for i, value in enumerate(added) if value is None]
    if none:
        head["none"] = none
    return head, array("d", [0.0 if v is None else v for v in added]).tobytes()


def _kept(old: tuple, new: tuple, hint: list[int]) -> tuple[int, int]:
    """(d, p): `new` begins with old[d:d + p], object for object; the most it can keep.

    A series shifted on begins with a tail of the old one: the smallest d whose tail it
    begins with keeps the most. The shift the previous series had (`hint`, updated) is
    tried first; a series of repeated values holds its first value in many places."""
    if not old or not new:
        return 0, 0
    first = new[0]
    for d in chain(hint, (i for i, value in enumerate(old) if value is first)):
        if 0 <= d < len(old) and len(old) - d <= len(new) and _same(old[d:], new[: len(old) - d]):
            hint[:] = [d]
            return d, len(old) - d
    # no tail kept (a history loaded anew, a series cut): the longest run kept from its start
    best = (0, 0)
    for d in (i for i, value in enumerate(old) if value is first):
        size = min(len(old) - d, len(new))
        same = list(map(operator.is_, old[d : d + size], new[:size]))
        p = size if all(same) else same.index(False)
        best = max(best, (d, p), key=lambda found: found[1])
    return best


def _same(a: tuple, b: tuple) -> bool:
    return a == b and all(map(operator.is_, a, b))


def unpack(before: Series, steps: list[tuple[Any, bytes]]) -> Series:
    """The series that `steps` ((head, data) of each keyframe, oldest first) say after
    `before`; ValueError (or TypeError, KeyError) if one is damaged.

    A series that keeps the tail of the one before and adds to it (a sparkline shifted on)
    is appended to in place, and only the last one is made a tuple: reading a keyframe
    16 keyframes after a whole one costs little more than reading the whole one. The
    series are held in the order of their names, which few keyframes change.
    """
    names = list(before)
    buffers = [list(values) for values in before.values()]
    lengths = [len(values) for values in buffers]
    for head, data in steps:
        if not isinstance(head, dict):
            raise ValueError("a keyframe's series are not an object")
        added = _added(head, data)
        said = head.get("names", names)
        parts = head["parts"]
        if not isinstance(said, list) or not isinstance(parts, list) or len(parts) != 3 * len(said):
            raise ValueError("a keyframe's series do not fit their names")
        if said != names:
            if not all(isinstance(name, str) for name in said) or len(set(said)) != len(said):
                raise ValueError("a keyframe's series do not fit their names")
            held = dict(zip(names, zip(buffers, lengths, strict=True), strict=True))
            buffers, lengths = [], []
            for name in said:
                buffer, length = held.pop(name, ([], 0))  # a new one starts empty
                buffers.append(buffer)
                lengths.append(length)
            names = said
        k = 0
        triples = iter(parts)
        for i, (d, p, n) in enumerate(zip(triples, triples, triples, strict=True)):
            length = lengths[i]
            if d < 0 or p < 0 or n < 0 or d + p > length:
                raise ValueError("a keyframe keeps part of a series its base does not hold")
            if d + p == length:  # its tail kept: added to in place
                if n:
                    buffers[i].extend(added[k : k + n])
            else:
                buffer = buffers[i]
                start = len(buffer) - length + d
                buffers[i] = [*buffer[start : start + p], *added[k : k + n]]
            lengths[i] = p + n
            k += n
        if k != len(added):
            raise ValueError("a keyframe's series do not hold what they add")
    return {
        name: tuple(buffer[len(buffer) - length :])
        for name, buffer, length in zip(names, buffers, lengths, strict=True)
    }


def _added(head: dict[str, Any], data: bytes) -> list[float | None]:
    floats = array("d")
    floats.frombytes(data)
    added: list[float | None] = list(floats.tolist())
    for i in head.get("none", ()):
        if not isinstance(i, int) or not 0 <= i < len(added):  # damaged: never a crash
            raise ValueError("a keyframe's series mark a value they do not hold")
        added[i] = None
    return added
