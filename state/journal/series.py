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
    """(d, p): the longest run of `new` from its start that is old[d:d + p], object for object.

    Tries the shift the previous series had (`hint`, updated) first, then a few places."""
    if not old or not new:
        return 0, 0
    first = new[0]
    best, tried = (0, 0), 0
    for d in chain(hint, (i for i, value in enumerate(old) if value is first)):
        if not 0 <= d < len(old) or old[d] is not first:
            continue
        size = min(len(old) - d, len(new))
        same = list(map(operator.is_, old[d : d + size], new[:size]))
        p = size if all(same) else same.index(False)
        if p > best[1]:
            best = (d, p)
        tried += 1
        if d + p == len(old) or tried == 4:  # keeps all of old's tail: nothing keeps more
            break
    if best[1]:
        hint[:] = [best[0]]
    return best


def unpack(before: Series, head: Any, data: bytes) -> Series:
    """The series `head` and `data` say after `before`; ValueError (or TypeError) if damaged."""
    if not isinstance(head, dict):
        raise ValueError("a keyframe's series are not an object")
    floats = array("d")
    floats.frombytes(data)
    added: list[float | None] = list(floats.tolist())
    for i in head.get("none", ()):
        added[i] = None
    names = head.get("names", list(before))
    parts = head["parts"]
    if not isinstance(names, list) or not isinstance(parts, list) or len(parts) != 3 * len(names):
        raise ValueError("a keyframe's series do not fit their names")
    out: Series = {}
    k = 0
    for i, name in enumerate(names):
        d, p, n = parts[3 * i : 3 * i + 3]
        old = before.get(name, ())
        if not isinstance(name, str) or min(d, p, n) < 0 or d + p > len(old):
            raise ValueError("a keyframe keeps part of a series its base does not hold")
        out[name] = (*old[d : d + p], *added[k : k + n])
        k += n
    if k != len(added):
        raise ValueError("a keyframe's series do not hold what they add")
    return out
