"""How journal rows are packed.

A sample (deployments, health, a metric, PostgreSQL sessions) is journaled by change: a ROWS
row holds only the rows that changed since the previous sample of its stream and names the
row it builds on (state/journal/rows.py), deflated against what the stream said since its
last whole row. A whole row (KEY) comes every ROWS_KEY_EVERY rows of a stream, or sooner
once the changes since outweigh it, so reading can start anywhere after a bounded walk.

Any other event is JSON deflated against the previous body of the same kind (DELTA): the
previous body is the best dictionary there is. Every KEY_EVERY-th row of a kind is a key
row, deflated against a fixed dictionary only. Journals of schema version 1 hold samples
so too, and read as they are.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from state.journal.rows import (
    ROW_FIELDS,
    Decoded,
    Rows,
    diff,
    rebuild,
    rebuild_chain,
    rows_of,
    shared,
    stream,
)

if TYPE_CHECKING:
    from state.events import EventBase

RAW, KEY, DELTA, ROWS = 0, 1, 2, 3  # the `encoding` column (ROWS: state/journal/rows.py)
KEY_EVERY = 64
# A sample's stream has a whole row every ROWS_KEY_EVERY rows, or sooner once the changes said
# since hold WHOLE_ROWS times the bytes of a whole row: reading from any point rebuilds from a
# whole row and at most that many changes, which cost no more than reading a few whole rows.
ROWS_KEY_EVERY = 256
# per kind: how many whole rows' worth of changes a reader may rebuild. A PostgreSQL session
# costs most to validate (three instants); a metric value least, and all change at a scrape.
WHOLE_ROWS = {"database_sampled": 2, "metric_sampled": 16}
WHOLE_ROWS_ELSE = 4
WINDOW = 32768 - 262  # deflate's window, less its lookahead

# The fixed dictionary of key rows: the words and shapes journal bodies repeat. Changing it
# changes how bodies decode, so it is bound to the journal's schema version.
KEY_DICT = (
    b'"services":["analysis-service","file-watcher","tracklist-service","notification-service"]'
    b'{"at":"2026-01-01T00:00:00Z","metric":"error_rate","values":{'
    b'"analysis-service":0.0,"file-watcher":0.0,"tracklist-service":0.0,"notification-service":0.0}'
    b'{"at":"2026-01-01T00:00:00Z","metric":"latency","values":{'
    b'"analysis-service":100.0,"file-watcher":100.0,"tracklist-service":100.0,'
    b'"notification-service":100.0},"baseline":{"analysis-service":'
    b'{"at":"2026-01-01T00:00:00Z","results":[{"service":"'
    b'analysis-service","up":true,"status_code":200,"latency_ms":12.0,"error":null},'
    b'{"at":"2026-01-01T00:00:00Z","connections":{"active":1,"idle":1,'
    b'"idle in transaction":0,"waiting":0},"max_connections":100,"sessions":[{"pid":1,'
    b'"user":"tracktion","application":"analysis-service","state":"active","query":"UPDATE '
    b'","query_start":"2026-01-01T00:00:00Z","xact_start":"2026-01-01T00:00:00Z",'
    b'"wait_event_type":"Lock","blocked_by":[],"relation":"tracks","lock_mode":"RowExclusiveLock"}'
    b'{"at":"2026-01-01T00:00:00Z","used_memory_mb":100.0,"max_memory_mb":'
    b'{"at":"2026-01-01T00:00:00Z","deployments":[{"name":"'
    b'analysis-service","namespace":"tracktion","desired":3,"ready":3,"updated":3,"revision":1,'
    b'"paused":false,"rollout":null,"pods":[{"name":"analysis-service-7c9d5b6f4-abcde",'
    b'"phase":"Running","reason":null,"ready":true,"restarts":0}],"warnings":[]}'
)


def deflate(data: bytes, dictionary: bytes) -> bytes:
    # A window just big enough for the dictionary and the body: a small compressor is set up
    # for every row, and the default 32 KB window makes that setup ~9x slower.
    size = len(data) + len(dictionary)
    wbits = -12 if size <= 4096 else -15
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits, 8, zlib.Z_DEFAULT_STRATEGY, dictionary)
    return packer.compress(data) + packer.flush()


def inflate(data: bytes, dictionary: bytes) -> bytes:
    unpacker = zlib.decompressobj(-15, dictionary)
    return unpacker.decompress(data) + unpacker.flush()


@dataclass
class Packed:
    """One row as the packer would write it, and what it remembers once that row is committed."""

    encoding: int
    ref: int | None
    data: bytes
    stream: str
    text: bytes  # what the next row of the stream is deflated against
    rows: dict[str, Rows] | None = None  # a sample's rows by field, for the next ROWS row
    size: int = 0  # a sample's text (its changes, or its whole body), in bytes


class Packer:
    """The writing side: remembers the last row of each stream since this journal was opened.

    A sample of a kind in rows.ROW_FIELDS is packed by change (ROWS), every ROWS_KEY_EVERY-th
    row of its stream whole (KEY); other kinds as before, deflated against the previous body
    of the kind (DELTA). `by_rows=False` writes samples as before too: the benchmarks' old
    format, and journals a test wants in it.
    """

    def __init__(self, by_rows: bool = True) -> None:
        self.by_rows = by_rows
        self._last: dict[str, tuple[int, bytes, int]] = {}  # stream -> (seq, text, since key)
        self._rows: dict[str, dict[str, Rows]] = {}  # stream -> its last sample's rows
        # stream -> (bytes of its last whole row, bytes of the changes said since)
        self._said: dict[str, tuple[int, int]] = {}

    def pack(self, event: EventBase) -> Packed:
        """The next row for `event`; call `packed` once it is committed."""
        kind: str = getattr(event, "kind")  # noqa: B009
        if self.by_rows and kind in ROW_FIELDS:
            name = stream(event)
            last, before = self._last.get(name), self._rows.get(name)
            whole, since = self._said.get(name, (0, 0))
            if (
                last is not None
                and before is not None
                and last[2] < ROWS_KEY_EVERY - 1
                and since < WHOLE_ROWS.get(kind, WHOLE_ROWS_ELSE) * whole  # a few whole rows
            ):
                changed = diff(event, before)
                if changed is not None:
                    text, rows = changed
                    data = deflate(text, last[1])
                    return Packed(ROWS, last[0], data, name, after(last[1], text), rows, len(text))
            body = _body(event)
            encoding, _, data = self._whole(kind, body, None)
            keyed = rows_of(event)
            return Packed(encoding, None, data, name, after(b"", body), keyed, len(body))
        body = _body(event)
        encoding, ref, data = self._whole(kind, body, self._last.get(kind))
        return Packed(encoding, ref, data, kind, body)

    def _whole(
        self, kind: str, body: bytes, last: tuple[int, bytes, int] | None
    ) -> tuple[int, int | None, bytes]:
        if last is not None and last[2] < KEY_EVERY - 1:
            packed = deflate(body, last[1])
            if len(packed) < len(body):
                return DELTA, last[0], packed
        packed = deflate(body, KEY_DICT)
        return (KEY, None, packed) if len(packed) < len(body) else (RAW, None, body)

    def packed(self, row: Packed, seq: int) -> None:
        """Record that `row` was committed as `seq`, so the next row can build on it."""
        last = self._last.get(row.stream)
        since_key = last[2] + 1 if last is not None and row.encoding in (DELTA, ROWS) else 0
        self._last[row.stream] = (seq, row.text, since_key)
        if row.encoding == ROWS:
            whole, said = self._said[row.stream]
            self._said[row.stream] = (whole, said + row.size)
        else:
            self._said[row.stream] = (row.size, 0)
        if row.rows is not None:
            self._rows[row.stream] = row.rows
        else:
            self._rows.pop(row.stream, None)


def _body(event: EventBase) -> bytes:
    return event.model_dump_json(exclude_defaults=True).encode()


def after(window: bytes, text: bytes) -> bytes:
    """The dictionary the next ROWS row of a stream is deflated against, once `text` is said:
    the end of what the stream said since its last whole row (deflate sees 32 KB back at
    most), so a row's changes find the names and values of the rows before them."""
    return (window + text)[-WINDOW:]


Fetch = Callable[[int], tuple[int, int | None, bytes]]  # seq -> (encoding, ref, data)


class Unpacker:
    """The reading side of bodies: unpacks rows in order, fetching referenced rows it has not
    seen. ROWS rows are the Reader's."""

    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch
        self._bodies: dict[int, bytes] = {}
        self._last: dict[str, int] = {}

    def unpack(self, kind: str, seq: int, encoding: int, ref: int | None, data: bytes) -> bytes:
        if encoding == RAW:
            body = data
        elif encoding == KEY:
            body = inflate(data, KEY_DICT)
        elif encoding == DELTA and isinstance(ref, int):
            body = inflate(data, self.body(ref))
        else:  # a damaged row: the reader reports it as corrupt
            raise ValueError(f"encoding {encoding!r} with reference {ref!r} is not one")
        previous = self._last.get(kind)
        if previous is not None:
            self._bodies.pop(previous, None)  # keep one body per kind
        self._last[kind] = seq
        self._bodies[seq] = body
        return body

    def body(self, seq: int) -> bytes:
        """The body of row `seq`, walking back (without recursion) to one known or a key row."""
        steps: list[bytes] = []
        while (body := self._bodies.get(seq)) is None:
            encoding, ref, data = self._fetch(seq)
            if encoding == RAW:
                body = data
                break
            if encoding == KEY:
                body = inflate(data, KEY_DICT)
                break
            if encoding != DELTA or not isinstance(ref, int) or ref >= seq:
                raise ValueError(f"event {seq}, deflated against, is damaged")
            steps.append(data)
            seq = ref
        for data in reversed(steps):
            body = inflate(data, body)
        return body


Parse = Callable[[str, bytes], "EventBase"]
FetchRow = Callable[[int], tuple[str, int, int | None, bytes]]  # seq -> (kind, encoding, ref, data)


class Reader:
    """Reads rows into events. A ROWS row is rebuilt from the sample it builds on, validating
    only its changed rows; the last samples read are kept (`KEEP`), so reading on, or seeking
    near where it read, rebuilds from them instead of walking back to a whole row."""

    KEEP = 64
    # Whole samples are kept apart, per stream: every seek between two whole rows of a stream
    # starts from the same one. KEEP_WHOLE of each stream, more of a stream whose rows seldom
    # change (SHARED): a large hour's deployments stream has ~8 whole rows of 3,000 pods, each
    # ~3.5 ms to validate and ~7,000 objects more for the cyclic collector to walk; kept, a
    # random seek no longer validates one, and their unchanged rows are one set of objects.
    KEEP_WHOLE = 4
    SHARED = {"deployments_sampled": 16}

    def __init__(self, fetch: FetchRow, parse: Parse) -> None:
        self._fetch = fetch
        self._parse = parse
        self._unpacker = Unpacker(lambda seq: fetch(seq)[1:])
        self._samples: dict[int, Decoded] = {}  # seq -> sample, least recently used first
        # stream -> {seq: its whole sample}, least recently used first
        self._wholes: dict[str, dict[int, Decoded]] = {}

    def read(self, seq: int, kind: str, encoding: int, ref: int | None, data: bytes) -> EventBase:
        """The event of row `seq`; ValueError (or zlib.error) when it is damaged."""
        if encoding == ROWS:
            if not isinstance(ref, int) or ref >= seq:
                raise ValueError(f"builds on {ref!r}, which is not an earlier event")
            sample = self._changed(self._sample(ref), data)
        else:
            body = self._unpacker.unpack(kind, seq, encoding, ref, data)
            if kind not in ROW_FIELDS:
                return self._parse(kind, body)
            sample = self._kept_whole(seq) or self._whole(seq, kind, body)
        self._keep(seq, sample)
        return sample.event

    def window(self, seq: int) -> bytes:
        """What the row after `seq` in its stream is deflated against (`verify`: no parsing)."""
        steps = []
        while (found := self._samples.get(seq)) is None:
            kind, encoding, ref, data = self._fetch(seq)
            if encoding != ROWS:
                if kind not in ROW_FIELDS:
                    raise ValueError(f"builds on event {seq}, which is no sample")
                text = after(b"", self._unpacker.body(seq))
                break
            if not isinstance(ref, int) or ref >= seq:
                raise ValueError(f"event {seq}, built on, is damaged")
            steps.append(data)
            seq = ref
        else:
            text = found.window
        for data in reversed(steps):
            text = after(text, inflate(data, text))
        return text

    def sample(self, seq: int) -> EventBase:
        """The sample of row `seq`, kept or rebuilt; ValueError when it is not one."""
        return self._sample(seq).event

    def _changed(self, base: Decoded, data: bytes) -> Decoded:
        text = inflate(data, base.window)
        event, rows = rebuild(base.event, base.keyed(), text)
        return Decoded(after(base.window, text), event, rows)

    def _sample(self, seq: int) -> Decoded:
        """The sample of row `seq`: kept, or rebuilt from the whole row its stream began at."""
        found = self._samples.pop(seq, None)
        if found is not None:
            self._samples[seq] = found  # used: the last to be let go
            return found
        first, steps = seq, []
        while found is None:
            found = self._kept_whole(seq)
            if found is not None:
                break
            kind, encoding, ref, data = self._fetch(seq)
            if encoding != ROWS:
                if kind not in ROW_FIELDS:
                    raise ValueError(f"builds on event {seq}, which is no sample")
                found = self._whole(seq, kind, self._unpacker.body(seq))
                break
            if not isinstance(ref, int) or ref >= seq:
                raise ValueError(f"event {seq}, built on, is damaged")
            steps.append(data)
            seq = ref
            found = self._samples.get(seq)
        if steps:
            window, texts = found.window, []
            for data in reversed(steps):
                texts.append(inflate(data, window))
                window = after(window, texts[-1])
            event, rows = rebuild_chain(found.event, found.keyed(), texts)
            found = Decoded(window, event, rows)
        self._keep(first, found)
        return found

    def _kept_whole(self, seq: int) -> Decoded | None:
        """The whole sample of row `seq`, if kept (then the last to be let go of its stream)."""
        for kept in self._wholes.values():
            found = kept.pop(seq, None)
            if found is not None:
                kept[seq] = found
                return found
        return None

    def _whole(self, seq: int, kind: str, body: bytes) -> Decoded:
        """The sample of whole row `seq` (its `body`), parsed and kept with its stream's."""
        found = Decoded(after(b"", body), self._parse(kind, body))
        kept = self._wholes.setdefault(stream(found.event), {})
        if kind in self.SHARED and kept:
            last = kept[next(reversed(kept))]
            before = last.rows if last.rows is not None else rows_of(last.event)
            if before is not None:  # None: two of its rows share a key
                found.event, found.rows = shared(found.event, before) or (found.event, None)
        kept[seq] = found
        if len(kept) > self.SHARED.get(kind, self.KEEP_WHOLE):
            del kept[next(iter(kept))]
        return found

    def _keep(self, seq: int, sample: Decoded) -> None:
        self._samples[seq] = sample
        if len(self._samples) > self.KEEP:
            del self._samples[next(iter(self._samples))]


# ---- kinds renamed since a journal was written ----------------------------------------------

# old kind -> the kind it is read as. warroom 0.1.0 named the outbox's events for status
# updates only, though they carry pages and acknowledgements too.
RENAMED = {
    "update_queued": "message_queued",
    "update_posted": "message_sent",
    "update_resent": "message_resent",
}


def current(kind: str, body: bytes) -> tuple[str, bytes]:
    """(kind, body) as this version reads a row written under `kind`: renamed where it was.

    An "update_posted" body said its outcome in two flags, `delivered` and
    `delivery_unknown`; a "message_sent" says it as `outcome`. A body that is not a JSON
    object is passed on as it is, for the parser to refuse.
    """
    new = RENAMED.get(kind)
    if new is None:
        return kind, body
    if kind == "update_posted":
        fields = json.loads(body)
        if isinstance(fields, dict) and "delivered" in fields:
            unknown = _flag(fields.pop("delivery_unknown", False))
            delivered = _flag(fields.pop("delivered"))
            fields["outcome"] = "unknown" if unknown else "delivered" if delivered else "failed"
            body = json.dumps(fields, ensure_ascii=False).encode()
    return new, body


_TRUE, _FALSE = {"1", "on", "t", "true", "y", "yes"}, {"0", "off", "f", "false", "n", "no"}


def _flag(value: object) -> bool:
    """A JSON boolean as 0.1.0's event model read one (pydantic's lax bool); else ValueError."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    raise ValueError("a delivery flag is not a boolean")
