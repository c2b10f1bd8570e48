"""Keyframes: the folded state saved as the session goes, in the journal.

Seeking a replay to any instant loads the keyframe before it and folds forward from there,
instead of folding the whole session from its start. A keyframe is taken every EVERY
seconds of recorded time, or sooner once the samples folded since hold ROWS rows in all
(a large fleet's refresh folds 2,000 rows: folding forward is what a seek costs).

A keyframe is kept compact (format 2, `_MAGIC` then zlib'd JSON):
- the samples the state holds whole are referenced by the seq of the row they came from,
  and rebuilt on load from the journal's rows (state.deployments from a deployments sample,
  state.health from a health sample, state.database, which is a sample);
- the rest is said as a change from the previous keyframe (`base`): the fields that changed,
  a dict's entries that changed, a list (a sparkline's series, the timeline) as the part of
  the previous one it keeps and what it adds. Every WHOLE_EVERY-th keyframe has no base.

A keyframe is only a shortcut: one that cannot be read (damaged, or built on one that is)
is passed over for the one before it. Keyframes of format 1 (the whole state's JSON, zlib'd,
journals of schema version 1) are read as they are.
"""

from __future__ import annotations

import bisect
import json
import sqlite3
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from state.console import ConsoleState
from state.fold import fold
from state.journal.codec import RENAMED
from state.journal.rows import ROW_FIELDS, stream
from state.journal.series import Series, pack, unpack

if TYPE_CHECKING:
    from state.events import EventBase
    from state.journal.store import Journal

EVERY = 120.0  # seconds of recorded time between keyframes, at most
ROWS = 20_000  # sample rows folded between keyframes, at most
WHOLE_EVERY = 32  # a keyframe with no base at least this often
_MAGIC = b"WK2\n"
_WINDOW = 32768 - 262  # what deflate can see back
# state field -> the sample kind it is rebuilt from
_REFERENCED = {
    "deployments": "deployments_sampled",
    "health": "health_sampled",
    "database": "database_sampled",
    "request_rate": "metric_sampled:error_rate",
}
_SERIES = ("error_rate", "latency")  # dicts of series, packed apart (state/journal/series.py)


def write(journal: Journal, seq: int, at: float, state: ConsoleState) -> None:
    """Save `state` as it was after event `seq`, whole (no base, no reference)."""
    _insert(journal, seq, at, _packed({}, _json(state, _SERIES), _series(state), None)[0])


def write_old(journal: Journal, seq: int, at: float, state: ConsoleState) -> None:
    """Save `state` as journals of schema version 1 did: its whole JSON, zlib'd (benchmarks)."""
    _insert(journal, seq, at, zlib.compress(state.model_dump_json().encode(), 6))


def _insert(journal: Journal, seq: int, at: float, blob: bytes) -> bool:
    """False if the file refused it (the disk is full): the journal is none the worse."""
    row = (seq, at, blob)
    return journal.write_shortcut("INSERT OR REPLACE INTO keyframes VALUES (?, ?, ?)", row)


def _json(state: ConsoleState, exclude: tuple[str, ...]) -> dict[str, Any]:
    return json.loads(state.model_dump_json(exclude=set(exclude)))


def _series(state: ConsoleState) -> dict[str, Series]:
    return {field: getattr(state, field) for field in _SERIES}


def _packed(
    frame: dict[str, Any],
    now: dict[str, Any],
    series: dict[str, Series],
    before: tuple[int, dict[str, Series], bytes] | None,
) -> tuple[bytes, bytes]:
    """(a keyframe of format 2, its text): `_MAGIC`, the seq of the keyframe it builds on (or
    "-") and a newline, then zlib of its text: its JSON, a newline, its series' float64.

    With no `before` (seq, series, text of the previous keyframe), the state's JSON `now` is
    set whole; else `frame` says the change already, and the text is deflated against the
    previous one's, where the same services' names and last values are.
    """
    if before is None:
        frame = {**frame, "set": now}
    data = []
    frame["series"] = {}
    for field, values in series.items():
        head, floats = pack(before[1].get(field, {}) if before else {}, values)
        frame["series"][field] = head
        data.append(floats)
    text = json.dumps(frame, separators=(",", ":")).encode() + b"\n" + b"".join(data)
    if before is None:
        return _MAGIC + b"-\n" + zlib.compress(text, 6), text
    packer = zlib.compressobj(6, zdict=before[2][-_WINDOW:])
    packed = packer.compress(text) + packer.flush()
    return _MAGIC + b"%d\n" % before[0] + packed, text


class Writer:
    """Takes keyframes as a recorder folds: when due, and as a change from the last one."""

    def __init__(self, journal: Journal, state: ConsoleState, old_format: bool = False) -> None:
        self.journal = journal
        journal.on_rollback(self.rolled_back)
        self.old_format = old_format
        self._at = state.now.timestamp() if state.now else None
        self._rows = 0
        self._samples: dict[str, tuple[int, EventBase]] = {}  # stream -> last (seq, sample)
        # (seq, JSON without series, series, the end of its text deflate can see back) of the
        # last keyframe taken: the next is deflated against that end alone (at large a whole
        # text is ~1 MB, most of it the sparklines' float64)
        self._last: tuple[int, dict[str, Any], dict[str, Series], bytes] | None = None
        self._since_whole = 0

    def folded(self, seq: int, event: EventBase, state: ConsoleState) -> None:
        """`event`, committed as `seq`, has been folded into `state`: take a keyframe if due."""
        self.noted(seq, event)
        at = event.at.timestamp()
        if self._at is None:
            self._at = at
        elif at - self._at >= EVERY or (self._rows >= ROWS and not self.old_format):
            self.take(seq, at, state)

    def noted(self, seq: int, event: EventBase) -> None:
        """`event` is committed as `seq` (folded before: it was held while the file could not
        be written): a keyframe to come may refer to its rows."""
        kind: str = getattr(event, "kind")  # noqa: B009
        if kind in ROW_FIELDS:
            self._rows += sum(len(getattr(event, field)) for field in ROW_FIELDS[kind])
            self._samples[stream(event)] = (seq, event)

    def take(self, seq: int, at: float, state: ConsoleState) -> None:
        self._at, self._rows = at, 0
        if self.old_format:
            write_old(self.journal, seq, at, state)
            return
        refs = self._references(state)
        now, series = _json(state, (*refs, *_SERIES)), _series(state)
        frame: dict[str, Any] = {"refs": refs} if refs else {}
        if self._last is None or self._since_whole >= WHOLE_EVERY - 1:
            blob, text = _packed(frame, now, series, None)
            self._since_whole = 0
        else:
            last, before, said, text = self._last
            frame.update(changes(before, now), base=last)
            blob, text = _packed(frame, now, series, (last, said, text))
            self._since_whole += 1
        if _insert(self.journal, seq, at, blob):  # else the next one is whole (`rolled_back`)
            self._last = (seq, now, series, text[-_WINDOW:])

    def _references(self, state: ConsoleState) -> dict[str, int]:
        """The fields of `state` that are a sample's rows as they came: field -> its seq."""
        refs: dict[str, int] = {}
        for field, kind in _REFERENCED.items():
            found = self._samples.get(kind)
            if found is None:
                continue
            held, rebuilt = getattr(state, field), _rebuilt(field, found[1])
            if held == rebuilt and (not isinstance(held, dict) or list(held) == list(rebuilt)):
                refs[field] = found[0]
        return refs

    def rolled_back(self) -> None:
        """The last rows may be gone: refer to none of them, and take the next one whole."""
        self._samples.clear()
        self._last = None


def _rebuilt(field: str, sample: EventBase) -> Any:
    if field == "deployments":
        return {d.name: d for d in sample.deployments}  # type: ignore[attr-defined]
    if field == "health":
        return {r.service: r for r in sample.results}  # type: ignore[attr-defined]
    if field == "request_rate":
        return dict(sample.request_rate)  # type: ignore[attr-defined]
    return sample


# ---- a keyframe as a change from the one before ---------------------------------------------


def changes(before: dict[str, Any], now: dict[str, Any]) -> dict[str, Any]:
    """What turns the JSON `before` into `now`: {"set": ..., "dicts": ..., "lists": ...}."""
    out: dict[str, dict[str, Any]] = {"set": {}, "dicts": {}, "lists": {}}
    gone = [field for field in before if field not in now]
    if gone:
        out["gone"] = gone  # type: ignore[assignment]
    for field, value in now.items():
        old = before.get(field, _ABSENT)
        if old == value:
            continue
        if isinstance(old, dict) and isinstance(value, dict):
            out["dicts"][field] = _dict_change(old, value)
        elif isinstance(old, list) and isinstance(value, list):
            out["lists"][field] = {"all": _list_change(old, value)}
        else:
            out["set"][field] = value
    return {k: v for k, v in out.items() if v}


_ABSENT = object()


def _dict_change(old: dict, new: dict) -> dict[str, Any]:
    put = {key: value for key, value in new.items() if old.get(key, _ABSENT) != value}
    change: dict[str, Any] = {"put": put}
    gone = [key for key in old if key not in new]
    if gone:
        change["del"] = gone
    kept = [key for key in old if key in new]
    if list(new) != kept + [key for key in new if key not in old]:
        change["order"] = list(new)
    return change


def _list_change(old: list, new: list) -> Any:
    """`new` as [d, p, rest]: old[d:d + p] + rest (a timeline appended to, an entry replaced
    where it stands, cut at its front); {"all": new} when nothing is shared."""
    best = (0, 0)
    if new:
        tried = 0
        for d in (i for i, item in enumerate(old) if item == new[0]):
            if not 0 <= d < len(old) or old[d] != new[0]:
                continue
            p = _shared(old, new, d)
            if p > best[1]:
                best = (d, p)
            tried += 1
            if d + p == len(old) or tried == 8:  # all of old's tail kept: none does better
                break
    d, p = best
    return [d, p, new[p:]] if p else {"all": new}


def _shared(old: list, new: list, d: int) -> int:
    """How many items of `new`, from its first, are old's from `d` on."""
    size = min(len(old) - d, len(new))
    if old[d : d + size] == new[:size]:
        return size
    p = 0
    while p < size and old[d + p] == new[p]:
        p += 1
    return p


def apply(before: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """`before` (JSON) with `change` (from `changes`) applied; ValueError if it does not fit."""
    now = {k: v for k, v in before.items() if k not in change.get("gone", ())}
    now.update(change.get("set", {}))
    for field, said in change.get("dicts", {}).items():
        now[field] = _dict_applied(now.get(field), said)
    for field, said in change.get("lists", {}).items():
        now[field] = _list_applied(now.get(field), said["all"])
    return now


def _dict_applied(old: Any, said: dict[str, Any]) -> dict:
    if not isinstance(old, dict) or not isinstance(said, dict):
        raise ValueError("a keyframe changes a field its base does not hold")
    new = {k: v for k, v in old.items() if k not in set(said.get("del", ()))}
    new.update(said.get("put", {}))
    if "order" in said:
        new = {key: new[key] for key in said["order"]}
    return new


def _list_applied(old: Any, said: Any) -> list:
    if isinstance(said, dict):
        return list(said["all"])
    d, p, rest = said
    if not isinstance(old, list) or d + p > len(old):
        raise ValueError("a keyframe keeps part of a list its base does not hold")
    return [*old[d : d + p], *rest]


# ---- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Keyframe:
    seq: int
    at: float


class KeyframeIndex:
    """The keyframes of one journal, to find the one before an instant."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.frames: list[Keyframe] = []
        self._ats: list[float] = []
        # the format-2 keyframe read last: seq -> (its state's JSON, its series, its text)
        self._kept: dict[int, tuple[dict[str, Any], dict[str, Series], bytes]] = {}
        self.refresh()

    def refresh(self) -> None:
        """Pick up keyframes a live console wrote since (replay tails a running session)."""
        after = self.frames[-1].seq if self.frames else 0
        try:
            rows = self.journal.connection.execute(
                "SELECT seq, at FROM keyframes WHERE seq > ? ORDER BY seq", (after,)
            ).fetchall()
        except sqlite3.OperationalError:  # a journal written before keyframes: none
            return
        # a row whose time is not a number (a damaged journal) is no shortcut: passed over
        self.frames.extend(
            Keyframe(seq, float(at)) for seq, at in rows if isinstance(at, float | int)
        )
        self._ats = [f.at for f in self.frames]

    def before(self, at: float) -> Keyframe | None:
        """The last keyframe taken at or before `at`."""
        index = bisect.bisect_right(self._ats, at) - 1
        return self.frames[index] if index >= 0 else None

    def latest(self) -> ConsoleState:
        """The state after every event of the journal: the last keyframe, folded forward."""
        state, seq = self.load(self.frames[-1] if self.frames else None)
        for _, _, event in self.journal.rows(seq):
            state = fold(state, event)
        return state

    def load(self, frame: Keyframe | None) -> tuple[ConsoleState, int]:
        """(the state saved at `frame`, the last event folded into it).

        A keyframe is only a shortcut: a damaged one is passed over for the one before it,
        and with none the state is the empty one before the first event: (ConsoleState(), 0).
        """
        index = self.frames.index(frame) if frame is not None else -1
        from state.journal.store import JournalError

        for earlier in reversed(self.frames[: index + 1]):
            try:
                return self._state(earlier.seq), earlier.seq
            except (zlib.error, ValueError, TypeError, LookupError, AttributeError, JournalError):
                continue  # damaged, built on one that is, or refers to a damaged sample
        return ConsoleState(), 0

    def _blob(self, seq: int) -> bytes:
        row = self.journal.connection.execute(
            "SELECT state FROM keyframes WHERE seq = ?", (seq,)
        ).fetchone()
        if row is None or not isinstance(row[0], bytes):
            raise ValueError(f"keyframe {seq} is not there")
        return row[0]

    def _state(self, seq: int) -> ConsoleState:
        blob = self._blob(seq)
        if not blob.startswith(_MAGIC):  # format 1: the whole state
            return _renamed(ConsoleState.model_validate_json(zlib.decompress(blob)))
        refs, now, series = self._frame(seq, blob)
        state = ConsoleState.model_validate_json(json.dumps(now))
        update: dict[str, Any] = dict(series)
        for field, ref in refs.items():
            kind = _REFERENCED[field]
            sample = self.journal.sample(ref)
            if stream(sample) != kind:
                raise ValueError(f"keyframe {seq} refers to a {kind} that is not one")
            update[field] = _rebuilt(field, sample)
        return _renamed(state.model_copy(update=update))

    def _frame(
        self, seq: int, blob: bytes
    ) -> tuple[dict[str, int], dict[str, Any], dict[str, Series]]:
        """(references, the state's JSON, its series) a keyframe says, from the whole one it
        builds on (or the one read last, kept) forward."""
        target = seq
        chain: list[bytes] = []  # the zlib part of each, newest first
        base: tuple[dict[str, Any], dict[str, Series], bytes] | None = None
        while True:
            ref, packed = _split(blob)
            chain.append(packed)
            if ref is None:
                break
            if ref >= seq:
                raise ValueError("a keyframe builds on a later one")
            if ref in self._kept:
                base = self._kept[ref]
                break
            seq, blob = ref, self._blob(ref)
        now, series, text = base if base is not None else ({}, {}, b"")
        refs: Any = {}
        steps: dict[str, list[tuple[Any, bytes]]] = {field: [] for field in _SERIES}
        for packed in reversed(chain):
            if text:
                unpacking = zlib.decompressobj(zdict=text[-_WINDOW:])
                text = unpacking.decompress(packed) + unpacking.flush()
            else:
                text = zlib.decompress(packed)
            frame, data = _unpacked(text)
            refs = frame.get("refs", {})
            if "base" not in frame:
                now, series = frame["set"], {}
                steps = {field: [] for field in _SERIES}
            else:
                now = apply(now, frame)
            heads = frame["series"]
            if not isinstance(heads, dict) or set(heads) != set(_SERIES):
                raise ValueError("a keyframe's series are not the state's")
            offset = 0
            for field in _SERIES:
                size = 8 * heads[field]["size"]
                steps[field].append((heads[field], data[offset : offset + size]))
                offset += size
        series = {field: unpack(series.get(field, {}), steps[field]) for field in _SERIES}
        if not isinstance(now, dict) or not isinstance(refs, dict) or set(refs) - set(_REFERENCED):
            raise ValueError("a keyframe is not one")
        self._kept = {target: (now, series, text)}  # the next seek forward may build on it
        return refs, now, series


def _split(blob: bytes) -> tuple[int | None, bytes]:
    """(the seq of the keyframe `blob` builds on, None for a whole one; its zlib part)."""
    if not blob.startswith(_MAGIC):
        raise ValueError("a keyframe builds on one of another format")
    line, _, packed = blob[len(_MAGIC) :].partition(b"\n")
    return (None if line == b"-" else int(line)), packed


def _unpacked(text: bytes) -> tuple[dict[str, Any], bytes]:
    head, _, data = text.partition(b"\n")
    frame = json.loads(head)
    if not isinstance(frame, dict):
        raise ValueError("a keyframe is not an object")
    return frame, data


def _renamed(state: ConsoleState) -> ConsoleState:
    """A state saved by an earlier version, its timeline's kinds as this one names them."""
    if not any(entry.kind in RENAMED for entry in state.timeline):
        return state
    timeline = tuple(
        entry.model_copy(update={"kind": RENAMED[entry.kind]}) if entry.kind in RENAMED else entry
        for entry in state.timeline
    )
    return state.model_copy(update={"timeline": timeline})
