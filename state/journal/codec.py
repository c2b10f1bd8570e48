"""How journal bodies are packed: JSON deflated against the previous body of the same kind.

Consecutive samples of one source differ in a few numbers, so the previous body is the
best dictionary there is: a 2 s sample shrinks to tens of bytes. Every KEY_EVERY-th row
of a kind is a key row, deflated against a fixed dictionary only, so reading can start
anywhere after a short walk back.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable

RAW, KEY, DELTA = 0, 1, 2  # the `encoding` column
KEY_EVERY = 64

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


class Packer:
    """The writing side: remembers the last body of each kind since this journal was opened."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[int, bytes, int]] = {}  # kind -> (seq, body, rows since key)

    def pack(self, kind: str, body: bytes) -> tuple[int, int | None, bytes]:
        """(encoding, ref, data) for the next row of `kind`."""
        last = self._last.get(kind)
        if last is not None and last[2] < KEY_EVERY - 1:
            packed = deflate(body, last[1])
            if len(packed) < len(body):
                return DELTA, last[0], packed
        packed = deflate(body, KEY_DICT)
        return (KEY, None, packed) if len(packed) < len(body) else (RAW, None, body)

    def packed(self, kind: str, seq: int, encoding: int, body: bytes) -> None:
        """Record that `body` was committed as row `seq`, so the next row can refer to it."""
        last = self._last.get(kind)
        since_key = last[2] + 1 if last is not None and encoding == DELTA else 0
        self._last[kind] = (seq, body, since_key)


Fetch = Callable[[int], tuple[int, int | None, bytes]]  # seq -> (encoding, ref, data)


class Unpacker:
    """The reading side: unpacks rows in order, fetching referenced rows it has not seen."""

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
            body = inflate(data, self._body(ref))
        else:  # a damaged row: the reader reports it as corrupt
            raise ValueError(f"encoding {encoding!r} with reference {ref!r} is not one")
        previous = self._last.get(kind)
        if previous is not None:
            self._bodies.pop(previous, None)  # keep one body per kind
        self._last[kind] = seq
        self._bodies[seq] = body
        return body

    def _body(self, seq: int) -> bytes:
        """The body of row `seq`, walking back (without recursion) to one known or a key row."""
        deltas: list[bytes] = []
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
            deltas.append(data)
            seq = ref
        for data in reversed(deltas):
            body = inflate(data, body)
        return body


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
