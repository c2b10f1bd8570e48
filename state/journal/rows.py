"""Samples journaled by change: a row of the journal holds only the rows of a sample that changed.

A sample of 300 deployments, 300 health results, 300 metric values or 1,001 PostgreSQL
sessions changes in a few rows between two refreshes. Each sample belongs to a stream (its
kind; a metric sample's stream is its metric too). A ROWS row of the journal names the row
of its stream it builds on (`ref`) and holds:

    <the sample with only its changed rows, as the event's own JSON>
    "\\n" <{"del": {field: [row keys]}, "order": {field: [row keys]}}, when there are any>

Rows are matched by key: a deployment by namespace and name, a health result by service,
a metric value (and its baseline and request rate) by service, a PostgreSQL session by pid,
backend start and prepared transaction gid. A row keeps its place; a new row goes at the end;
`del` says which went; `order` gives every key when the sample's order is not that one. The
sample's other fields (its time, metric, connection counts) are in the first part, whole.

Reading rebuilds the very same event from the previous one's rows: only the changed rows
are validated (pydantic), the event is a `model_copy` of the validated part.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from state.events import EventBase

# kind -> its fields that hold rows: a tuple of models (keyed by `_KEYS`), or a dict by service
ROW_FIELDS: dict[str, tuple[str, ...]] = {
    "deployments_sampled": ("deployments",),
    "health_sampled": ("results",),
    "metric_sampled": ("values", "baseline", "request_rate"),
    "database_sampled": ("sessions",),
}

Key = Any  # a str (a service), or a tuple of str/int/None
Rows = dict[Key, Any]  # key -> row, in the sample's order


def _session_key(row: Any) -> Key:
    start = row.backend_start
    return (row.pid, None if start is None else start.isoformat(), row.prepared)


_KEYS: dict[str, Callable[[Any], Key]] = {
    "deployments": lambda row: (row.namespace, row.name),
    "results": lambda row: row.service,
    "sessions": _session_key,
}


def stream(event: EventBase) -> str:
    """The stream a sample builds on: its kind, and a metric sample's metric."""
    kind: str = getattr(event, "kind")  # noqa: B009
    metric = getattr(event, "metric", None)
    return f"{kind}:{metric}" if metric is not None else kind


def rows_of(event: EventBase) -> dict[str, Rows] | None:
    """Every row field of `event` keyed; None when two rows share a key (no diff is possible)."""
    out: dict[str, Rows] = {}
    for field in ROW_FIELDS[getattr(event, "kind")]:  # noqa: B009
        value = getattr(event, field)
        if isinstance(value, dict):
            out[field] = dict(value)
            continue
        key = _KEYS[field]
        keyed = {key(row): row for row in value}
        if len(keyed) != len(value):
            return None
        out[field] = keyed
    return out


def _same(old: Any, new: Any) -> bool:
    if old is new:
        return True
    if type(old) is not type(new) or old != new:
        return False
    # 0.0 and -0.0 are equal but print differently: a sign change is a change
    return not isinstance(new, float) or new != 0 or math.copysign(1, old) == math.copysign(1, new)


_ABSENT = object()


def diff(event: EventBase, before: dict[str, Rows]) -> tuple[bytes, dict[str, Rows]] | None:
    """(the text of a ROWS row, the event's rows by field) for `event` after rows `before`.

    None when `event` cannot be said by change (two of its rows share a key).
    """
    now = rows_of(event)
    if now is None:
        return None
    changed: dict[str, Any] = {}
    meta: dict[str, dict[str, list]] = {}
    for field, rows in now.items():
        old = before[field]
        put = [key for key, row in rows.items() if not _same(old.get(key, _ABSENT), row)]
        gone = [key for key in old if key not in rows]
        if gone:
            meta.setdefault("del", {})[field] = gone
        if not _in_order(old, rows):
            meta.setdefault("order", {})[field] = list(rows)
        value = getattr(event, field)
        changed[field] = (
            {k: rows[k] for k in put} if isinstance(value, dict) else (tuple(rows[k] for k in put))
        )
    text = event.model_copy(update=changed).model_dump_json(exclude_defaults=True).encode()
    if meta:
        text += b"\n" + json.dumps(meta, separators=(",", ":")).encode()
    return text, now


def shared(event: EventBase, before: dict[str, Rows]) -> tuple[EventBase, dict[str, Rows]] | None:
    """(`event` with each of its rows that equals the row of the same key in `before` (rows by
    field, as `rows_of` gives) replaced by that very object, its rows by field): two samples
    of a stream whose rows seldom change then hold one set of rows, and the fold passes the
    same ones over. None when two of its rows share a key.

    Only for samples whose rows hold no float (0.0 equals -0.0, which prints apart): there,
    an equal row is the same row.
    """
    now = rows_of(event)
    if now is None:
        return None
    update: dict[str, Any] = {}
    for field, rows in now.items():
        old = before.get(field, {})
        for key, row in rows.items():
            held = old.get(key)
            if held is not None and held is not row and held == row:
                rows[key] = held
        update[field] = (
            dict(rows) if isinstance(getattr(event, field), dict) else tuple(rows.values())
        )
    return event.model_copy(update=update), now


def _in_order(old: Rows, new: Rows) -> bool:
    """Is `new` in the order a reader rebuilds it: old rows kept in place, new ones at the end?"""
    kept = [key for key in old if key in new]
    return list(new) == kept + [key for key in new if key not in old]


def rebuild(
    base: EventBase, before: dict[str, Rows], text: bytes
) -> tuple[EventBase, dict[str, Rows]]:
    """(the event a ROWS row's `text` says, its rows by field), from the event it builds on.

    Raises ValueError (pydantic's ValidationError is one) when the text does not fit.
    """
    return rebuild_chain(base, before, [text])


def rebuild_chain(
    base: EventBase, before: dict[str, Rows], texts: list[bytes]
) -> tuple[EventBase, dict[str, Rows]]:
    """`rebuild` of each of `texts` in turn (a stream's ROWS rows, oldest first), from `base`:
    the same last event and rows, without making the events in between (a seek rebuilds a
    sample from its stream's whole row, up to a few hundred rows of changes on).

    Raises ValueError (pydantic's ValidationError is one) when a text does not fit.
    """
    fields = ROW_FIELDS[getattr(base, "kind")]  # noqa: B009
    after = {field: dict(before[field]) for field in fields}
    part = base
    for text in texts:
        head, _, tail = text.partition(b"\n")
        part = type(base).model_validate_json(head)
        if stream(part) != stream(base):
            raise ValueError("builds on a sample of another kind")
        meta = json.loads(tail) if tail else {}
        if not isinstance(meta, dict):
            raise ValueError("its row changes are not an object")
        for field in fields:
            rows = after[field]
            for key in _keys(meta, "del", field):
                if rows.pop(key, _ABSENT) is _ABSENT:
                    raise ValueError(f"removes a row {field} did not have")
            value = getattr(part, field)
            if isinstance(value, dict):
                rows.update(value)
            else:
                key = _KEYS[field]
                rows.update((key(row), row) for row in value)
            order = _keys(meta, "order", field)
            if order:
                try:
                    rows = {key: rows[key] for key in order}
                except KeyError:
                    raise ValueError(f"orders a row {field} does not have") from None
                if len(rows) != len(order):
                    raise ValueError(f"orders a row of {field} twice")
                after[field] = rows
    update = {
        field: dict(after[field])
        if isinstance(getattr(part, field), dict)
        else tuple(after[field].values())
        for field in fields
    }
    return part.model_copy(update=update), after


def _keys(meta: dict, part: str, field: str) -> list[Key]:
    said = meta.get(part, {})
    if not isinstance(said, dict):
        raise ValueError(f"its {part} is not an object")
    keys = said.get(field, [])
    if not isinstance(keys, list):
        raise ValueError(f"its {part} of {field} is not a list")
    return [tuple(key) if isinstance(key, list) else key for key in keys]


@dataclass
class Decoded:
    """A sample read back: what the next row of its stream is deflated against (codec.after),
    its event, its rows by field (lazily)."""

    window: bytes
    event: EventBase
    rows: dict[str, Rows] | None = None

    def keyed(self) -> dict[str, Rows]:
        if self.rows is None:
            self.rows = rows_of(self.event)
            if self.rows is None:
                raise ValueError("a sample built on one whose rows share a key")
        return self.rows
