"""A LIST reply read one item at a time, each cut down (probes/kubernetes/trim.py) as it is read.

`json.loads` of a whole reply makes every object of the namespace at once, in full, before
any is trimmed: 3,000 pods were ~35 MB of the console's heap at that moment, and the heap
kept it (Python's allocator returns an arena only once nothing in it lives, and the trimmed
pods lived among the untrimmed ones), so the console's RSS was set by its first list. A real
pod's manifest (managed fields, the spec) is several times larger. Here each item is decoded
by the standard library's own decoder (`raw_decode`) and trimmed before the next is read, so
the peak is the reply's text, one item in full, and the trimmed items.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

Obj = dict[str, Any]
_DECODER = json.JSONDecoder()
_SPACE = " \t\n\r"


def listed(text: str, trim: Callable[[Mapping[str, Any]], Obj]) -> tuple[dict[str, Obj], Any]:
    """({name: trim(item)} of a LIST reply's `items`, in order; its metadata's resourceVersion
    or None), as `json.loads(text)` then `{i["metadata"]["name"]: trim(i) for i in items}`
    would give them; `items` may be null.

    Raises ValueError (json.JSONDecodeError is one) when `text` is not a JSON object, KeyError
    when it has no `items` or `metadata`, or an item no name, TypeError or AttributeError when
    one of those is not of its type.
    """
    reader = _Reader(text)
    items: dict[str, Obj] | None = None
    metadata: Any = None
    reader.expect("{")
    while not reader.ends("}"):
        key = reader.value()
        if not isinstance(key, str):
            raise ValueError("an object's key is not a string")
        reader.expect(":")
        if key == "items" and reader.peek() == "[":
            items = {}
            reader.expect("[")
            while not reader.ends("]"):
                item = reader.value()
                items[item["metadata"]["name"]] = trim(item)
        else:
            value = reader.value()
            if key == "items":
                items = {} if value is None else _whole(value, trim)
            elif key == "metadata":
                metadata = value
    reader.done()
    if items is None or metadata is None:
        raise KeyError("items" if items is None else "metadata")
    return items, metadata.get("resourceVersion")


def _whole(items: Any, trim: Callable[[Mapping[str, Any]], Obj]) -> dict[str, Obj]:
    return {item["metadata"]["name"]: trim(item) for item in items}


class _Reader:
    """A cursor over JSON text: values through the standard decoder, punctuation by hand."""

    def __init__(self, text: str) -> None:
        self.text, self.at = text, 0
        self._first = True  # no comma before the first member of an object or array

    def _skip(self) -> None:
        text, at = self.text, self.at
        while at < len(text) and text[at] in _SPACE:
            at += 1
        self.at = at

    def peek(self) -> str:
        self._skip()
        if self.at >= len(self.text):
            raise ValueError("the reply ends early")
        return self.text[self.at]

    def expect(self, mark: str) -> None:
        if self.peek() != mark:
            raise ValueError(f"expected {mark!r} at {self.at}")
        self.at += 1
        self._first = mark in "{["

    def ends(self, mark: str) -> bool:
        """At `mark` (the end of an object or array): step past it. Else past the comma
        between two members, if one is due."""
        if self.peek() == mark:
            self.at += 1
            self._first = False
            return True
        if not self._first:
            self.expect(",")
        self._first = False
        return False

    def done(self) -> None:
        self._skip()
        if self.at != len(self.text):
            raise ValueError(f"extra data at {self.at}")

    def value(self) -> Any:
        self.peek()
        value, self.at = _DECODER.raw_decode(self.text, self.at)
        self._first = False
        return value
