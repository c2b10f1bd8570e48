"""The journal: one append-only SQLite file per session. Every event is committed here first.

A sample is journaled by the rows that changed since the last one of its stream, other
events as JSON deflated against the previous body of their kind (state/journal/codec.py),
so an hour of a large fleet's 2 s samples stays small on disk. The schema version and an
application id mark the file as a warroom journal; anything else is refused and left untouched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
import threading
import zlib
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from state.journal import schema
from state.journal.codec import DELTA, RAW, ROWS, Packer, Reader, Unpacker, after, current
from state.journal.errors import JournalError as JournalError
from state.journal.holding import (
    Holding,
    drop_mirror,
    mirror_outbox,
    reason,
    unwritable,
    write_outbox_back,
)
from state.journal.note import Note, Unrecorded, note_path
from state.journal.rows import ROW_FIELDS
from state.journal.schema import SchemaError, transaction
from state.journal.writer import WriterLock, ensure_free
from state.text import inert

if TYPE_CHECKING:
    from datetime import datetime

    from state.events import Event, EventBase

_SQLITE_MAGIC = b"SQLite format 3\x00"


def nothing_recorded(path: Path | str) -> JournalError:
    """What a journal no session began in is, to replay or export: empty, and nothing more."""
    return JournalError(f"no session was recorded in {path}")


def holds_nothing(path: Path) -> bool:
    """True if `path` is a zero-byte file with no -wal content beside it: a journal whose
    creation was cut short before SQLite wrote its first page (an SSH drop while opening)."""
    try:
        if not path.is_file() or path.stat().st_size != 0:
            return False
        with path.open("rb") as file:  # a /proc or /sys file says 0 bytes and holds more,
            if file.read(1):  # or cannot be read at all: not a journal cut short
                return False
        return not wal_path(path).exists() or wal_path(path).stat().st_size == 0
    except OSError:
        return False


def body_of(event: Event | EventBase) -> bytes:
    return event.model_dump_json(exclude_defaults=True).encode()


def encode(event: Event | EventBase) -> tuple[float, str, int, bytes]:
    """(epoch seconds, kind, encoding, data) of `event` as a key row: the most it can take."""
    row = Packer().pack(event)
    return (event.at.timestamp(), getattr(event, "kind"), row.encoding, row.data)  # noqa: B009


def parse(kind: str, body: bytes) -> Event:
    # the models load with the first event read, not with the file: a console opens its
    # journal, and refuses a bad one, before its first frame (tui/base.py)
    from state.events import EVENT_TYPES

    kind, body = current(kind, body)
    model = EVENT_TYPES.get(kind)
    if model is None:  # a ValueError, as a body that does not parse: the row is corrupt
        raise ValueError(f"unknown event kind {inert(kind, 40)!r}")
    return model.model_validate_json(body)  # type: ignore[return-value]


class Journal:
    """An open journal. Use `Journal.create` or `Journal.open`."""

    def __init__(self, path: Path, connection: sqlite3.Connection, read_only: bool) -> None:
        self.path = path
        self._db = connection
        self.read_only = read_only
        self._immutable = False  # opened read-only while nobody wrote it (`follow`)
        self._scratch: Path | None = None  # the private copy it was read from, removed on close
        self._packer = Packer()
        self._reader: Reader | None = None  # kept between reads: a seek rebuilds from it
        self._rolled_back: list[Callable[[], None]] = []
        # one writer at a time: a console journals its probes' samples in a worker thread
        # (tui/recording.py) and what the commander does on its UI loop; a transaction holds
        # it throughout, so no other thread's event joins (or is rolled back with) it
        self.lock = threading.RLock()
        self._writer: WriterLock | None = None  # held while open for writing (writer.py)
        # while the file cannot be written (disk full, ...): what it could not take (holding.py)
        self.holding: Holding | None = None
        self._log: list[tuple[str, object]] | None = None  # the open transaction's writes
        # (since, why) the -wal cannot be checkpointed into the file (an immutable file)
        self.stuck: tuple[datetime, str] | None = None
        self._note: Note | None = None  # beside the file, what it does not hold (note.py)

    # ---- opening ----------------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path | str, meta: dict[str, str] | None = None) -> Journal:
        """A new journal at `path`, readable by its owner only (mode 0600)."""
        path = Path(path)
        if not path.parent.is_dir():
            raise JournalError(
                f"cannot create journal {path}: directory {path.parent} does not exist"
            )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise JournalError(f"cannot create journal {path}: the file already exists") from None
        except OSError as exc:
            raise JournalError(f"cannot create journal {path}: {_reason(exc)}") from None
        os.close(fd)
        writer = WriterLock.take(path)
        try:
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            _configure(db)
            with transaction(db):
                schema.create(db, meta or {})
        except sqlite3.Error as exc:
            with contextlib.suppress(OSError):
                remove_files(path)
            writer.release()
            raise JournalError(f"cannot create journal {path}: {exc}") from None
        journal = cls(path, db, read_only=False)
        journal._writer = writer
        journal._note = Note.make(path)
        return journal

    @classmethod
    def open(cls, path: Path | str, read_only: bool = False) -> Journal:
        """An existing journal; refused, untouched, unless a warroom journal this code reads.

        Opened for writing, a journal of an older schema version is migrated first, in one
        transaction (state/journal/schema.py). Opened read-only it is never written: an
        older one is read through a migrated copy in memory.
        """
        path = Path(path)
        scratch = _private_copy(path) if read_only else None
        writer = None
        try:
            version = _check_is_journal(path, scratch)
            if not read_only and not os.access(path, os.W_OK):
                raise JournalError(f"cannot write journal {path}: {_unwritable(path)}")
            if not read_only:  # before a migration writes it: one writer at a time
                writer = WriterLock.take(path)
            try:
                immutable = False
                if read_only:
                    db, immutable = _connect_read_only(scratch or path)
                    if version != schema.VERSION:
                        db, immutable = _viewed(db), False
                else:
                    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
                    _configure(db)
                    _upgraded(db)
            except SchemaError as exc:
                raise JournalError(f"{path} {exc}") from None
            except sqlite3.Error as exc:
                raise JournalError(f"cannot open journal {path}: {exc}") from None
        except BaseException:
            _remove(scratch)
            if writer is not None:
                writer.release()
            raise
        journal = cls(path, db, read_only=read_only)
        journal._immutable = immutable
        journal._scratch = scratch
        journal._writer = writer
        if not read_only:
            journal._note = Note.make(path)
        return journal

    def follow(self) -> None:
        """Read-only: see what a console that began writing since the open commits.

        A journal opened while nobody wrote it may have been opened immutable (see
        `_connect_read_only`); once a writer's -wal appears, it is opened again normally.
        """
        if self._immutable and wal_path(self.path).exists():
            with contextlib.suppress(sqlite3.Error):
                fresh, self._immutable = _connect_read_only(self.path)
                self._db.close()
                self._db = fresh

    # ---- writing ----------------------------------------------------------------------------

    def append(self, event: Event | EventBase) -> int | None:
        """Commit one event; returns its sequence number. Only then may it be folded.

        None when the file cannot be written (holding.py): the event is held in memory, after
        those held before it, and may be folded as well; it is written with them later.
        """
        if self.holding is not None:
            self.holding.add(event)
            self.say_held()  # how many, in the note beside the file: a write in place
            return None
        try:
            seq = self._insert(event)
        except sqlite3.Error as exc:
            if self.read_only or not unwritable(exc):
                raise
            self._hold(exc, self._log, begin=self._log is not None)
            assert self.holding is not None
            self.holding.add(event)
            self.say_held()
            return None
        if self._log is not None:
            self._log.append(("event", event))
        return seq

    def _insert(self, event: Event | EventBase) -> int:
        kind = getattr(event, "kind")  # noqa: B009
        row = self._packer.pack(event)
        try:
            cursor = self._db.execute(
                _INSERT, (event.at.timestamp(), kind, row.encoding, row.ref, row.data)
            )
        except sqlite3.Error:
            self._packer = Packer(by_rows=self._packer.by_rows)  # it may count on this row
            raise
        seq = int(cursor.lastrowid or 0)
        self._packer.packed(row, seq)
        return seq

    def write_old_format(self) -> None:
        """Write samples whole from now on, as journals before rows by change: for the
        benchmarks' baseline and the tests of journals in that format."""
        self._packer = Packer(by_rows=False)

    def write(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Cursor:
        """Run a statement that writes the outbox: in the file, or, while the file cannot
        be written, in the outbox's copy in memory (which then shadows the file's)."""
        with self.lock:  # a refusal starts holding: not while the recorder's thread appends
            if self.holding is None:
                try:
                    cursor = self._db.execute(sql, params)
                except sqlite3.Error as exc:
                    if self.read_only or not unwritable(exc):
                        raise
                    self._hold(exc, self._log, begin=self._log is not None)
                else:
                    if self._log is not None:
                        self._log.append(("sql", (sql, params)))
                    return cursor
            return self._db.execute(sql, params)

    def write_shortcut(self, sql: str, params: tuple[object, ...]) -> bool:
        """Write what the journal can do without (a keyframe): False if the file refused it.
        Inside a transaction the refusal rolled the transaction back: its writes are held."""
        if self.holding is not None:
            return False
        try:
            self._db.execute(sql, params)
        except sqlite3.Error as exc:
            if not unwritable(exc):
                raise
            if self._log is not None:
                self._hold(exc, self._log, begin=True)
            else:
                self._forget()
            return False
        return True

    def _hold(
        self, exc: sqlite3.Error, log: list[tuple[str, object]] | None, begin: bool = False
    ) -> None:
        """The file refused a write: hold from now on. A transaction of ours that was open is
        rolled back (SQLite may have done it already); what it wrote (`log`) is done again,
        held or in the outbox's memory copy, and with `begin` the transaction goes on, on
        the memory copy alone."""
        if self._db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
        self._forget()
        self.holding = Holding(reason(exc, self.path), mirror_outbox(self._db))
        if begin:
            self._db.execute("BEGIN")
        for what, done in log or ():
            if what == "event":
                self.holding.add(done)  # type: ignore[arg-type]
            else:
                self._db.execute(*done)  # type: ignore[misc]

    def _forget(self) -> None:
        """What was written may be gone: build on no row, read afresh, take keyframes whole."""
        self._packer = Packer(by_rows=self._packer.by_rows)
        self._reader = None
        for forget in self._rolled_back:
            forget()

    def flush(self, rows: int | None = None) -> tuple[list[tuple[int, EventBase]], bool]:
        """Write the oldest held events, up to `rows` rows (holding.WRITE_BACK_ROWS), in
        order, in one transaction; with the last of them the outbox's memory copy too, and
        holding ends. Returns the (seq, event) written, and whether holding has ended.

        Between two calls the lock is free: an event recorded meanwhile is held after those
        still held, so the file takes every event in the order it was folded. Raises
        sqlite3.Error, still holding what was not written, if the file refuses it. Not from
        inside a transaction."""
        holding = self.holding
        assert holding is not None
        with self.lock:
            assert not self._db.in_transaction
            chunk = holding.chunk(rows)
            last = len(chunk) == len(holding.events)
            try:
                with transaction(self._db):
                    written = [(self._insert(event), event) for event in chunk]
                    if last:
                        write_outbox_back(self._db)
            except sqlite3.Error as exc:
                self._forget()
                holding.tries += 1
                if unwritable(exc):
                    holding.reason = reason(exc, self.path)
                self.say_held()
                raise
            holding.written(len(chunk))
            if last:
                self.holding = None
                drop_mirror(self._db)
                self.say_held()
        return written, last

    def say_held(self, ended: bool = False) -> None:
        """Say in the note beside the file what it does not hold as of now (note.py): since
        when, why, how many events; `ended`: this console ends with them (they are lost)."""
        holding = self.holding
        if self._note is None:
            return
        since = holding.unwritten_since if holding is not None else None
        if holding is None or since is None:
            self._note.say(None)
            return
        self._note.say(
            Unrecorded(os.getpid(), since.timestamp(), holding.reason, len(holding.events), ended)
        )

    def checkpoint(self, now: datetime) -> None:
        """Copy the -wal into the file (a PASSIVE checkpoint, as SQLite's automatic ones),
        remembering a refusal in `stuck`: SQLite's own checkpoints fail silently, and a file
        that can no longer be written (chattr +i) leaves the -wal to grow without bound.
        The events are safe in the -wal meanwhile. Nothing while holding or in a transaction."""
        with self.lock:
            if self.read_only or self.holding is not None or self._db.in_transaction:
                return
            try:
                self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error as exc:
                if not unwritable(exc):
                    raise
                if self.stuck is None:
                    self.stuck = (now, reason(exc, self.path))
                return
            self.stuck = None

    @property
    def connection(self) -> sqlite3.Connection:
        """The open connection, for sibling modules keeping their own table here (the outbox)."""
        return self._db

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything written inside (events, outbox rows) commits together or not at all.

        Inside another transaction it joins that one.
        """
        with self.lock:
            if self._db.in_transaction:
                yield
                return
            with self._transaction():
                yield

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        holding = self.holding
        held = holding.added if holding is not None else 0
        log: list[tuple[str, object]] = []
        self._log = log
        done = False
        try:
            # while holding, it writes the memory copy alone: no lock on the file to take
            with transaction(self._db, immediate=holding is None):
                yield
                done = True
        except BaseException as exc:
            self._log = None
            if done and self.holding is None and isinstance(exc, sqlite3.Error) and unwritable(exc):
                self._hold(exc, log)  # the file refused the COMMIT: what it wrote is held
                return
            if self.holding is not None:  # what this transaction held is rolled back too
                self.holding.cut(held if self.holding is holding else 0)
            # rolled back: the packer may remember bodies of rows that are gone, and a later
            # row would be deflated against them (or build on their rows); start again from
            # key rows. The reader may have read the rows that are gone (in this connection).
            self._forget()
            raise
        self._log = None

    def on_rollback(self, forget: Callable[[], None]) -> None:
        """Call `forget` when a transaction is rolled back: what it wrote is gone (keyframes
        built on its rows)."""
        self._rolled_back.append(forget)

    # ---- reading ----------------------------------------------------------------------------

    def events(self, after_seq: int = 0) -> Generator[Event, None, None]:
        """Every event after `after_seq`, in the order it was committed."""
        for _, _, event in self.rows(after_seq):
            yield event

    def sample(self, seq: int) -> EventBase:
        """The sample journaled as row `seq` (a kind of rows.ROW_FIELDS), rebuilt from its
        stream's rows; JournalError if it is not one or is damaged."""
        if self._reader is None:
            self._reader = Reader(self._row_of, parse)
        with self._reading():
            try:
                return self._reader.sample(seq)
            except _CORRUPT as exc:
                raise self._corrupt(seq, exc) from None

    def first(self) -> Event | None:
        """The first event (what began the session), or None before there is one."""
        events = self.events()
        try:
            return next(events, None)
        finally:
            events.close()

    def first_kind(self) -> str | None:
        """The kind of the first event, read without parsing it (no pydantic): None if none."""
        with self._reading():
            found = self._db.execute("SELECT kind FROM events ORDER BY seq LIMIT 1").fetchone()
        return found[0] if found is not None and isinstance(found[0], str) else None

    def rows(self, after_seq: int = 0) -> Generator[tuple[int, float, Event], None, None]:
        """(seq, epoch seconds, event) of every event after `after_seq`, in commit order."""
        yield from self._read(_SELECT_ROWS, (after_seq,))

    def of_kinds(self, *kinds: str) -> Generator[Event, None, None]:
        """Every event of these kinds, in commit order; samples (rows.ROW_FIELDS) excluded."""
        assert not any(kind in ROW_FIELDS for kind in kinds), kinds
        marks = ",".join("?" * len(kinds))  # only "?" marks joined in: the kinds are bound
        sql = f"SELECT seq, at, kind, encoding, ref, body FROM events WHERE kind IN ({marks})"
        for _, _, event in self._read(f"{sql} ORDER BY seq", kinds):
            yield event

    def _read(
        self, sql: str, params: tuple[object, ...]
    ) -> Generator[tuple[int, float, Event], None, None]:
        if self._reader is None:
            self._reader = Reader(self._row_of, parse)
        reader = self._reader
        with self._reading():
            for seq, at, kind, encoding, ref, data in self._db.execute(sql, params):
                try:
                    _check(at, kind, data)
                    event = reader.read(seq, kind, encoding, ref, data)
                except _CORRUPT as exc:
                    raise self._corrupt(seq, exc) from None
                yield seq, at, event  # type: ignore[misc]

    def verify(self) -> None:
        """Read every row back, as cheaply as can be; JournalError names the first damaged one.

        Every body is inflated (against the row it was deflated against) and must be a JSON
        object; a body stored raw (short, or written by another hand) and one of an unknown
        kind are parsed in full. That takes ~0.6 s for a day of samples, where parsing every
        body would take ~10 s: a deflated body that inflates to an object but does not fit
        its event is found when the journal is read (replay, export, resume).
        """
        from state.events import EVENT_TYPES

        unpacker = Unpacker(self._row)
        reader = Reader(self._row_of, parse)  # for a ROWS row whose base is not in `windows`
        last: dict[str, tuple[int, bytes]] = {}  # kind -> its last row: what a delta is against
        windows: dict[int, bytes] = {}  # recent samples: what the next of each stream builds on
        decompressor = zlib.decompressobj
        with self._reading():
            for seq, at, kind, encoding, ref, data in self._db.execute(_SELECT_ROWS, (0,)):
                try:
                    previous = last.get(kind)
                    base = windows.pop(ref, None) if encoding == ROWS else None
                    if encoding == DELTA and previous is not None and previous[0] == ref:
                        inflating = decompressor(-15, previous[1])  # the usual row, inlined
                        body = inflating.decompress(data) + inflating.flush()
                        if not isinstance(at, float | int):
                            raise ValueError("its time is not one")
                    elif encoding == ROWS and isinstance(ref, int) and ref < seq:
                        if base is None:
                            base = reader.window(ref)
                        inflating = decompressor(-15, base)
                        body = inflating.decompress(data) + inflating.flush()
                        if not isinstance(at, float | int) or not isinstance(kind, str):
                            raise ValueError("its time or kind is not one")
                    else:
                        body = _unpack(unpacker, seq, at, kind, encoding, ref, data)
                        if encoding == RAW or kind not in EVENT_TYPES:
                            parse(kind, body)
                    if body[:1] != b"{" or body[-1:] != b"}":
                        raise ValueError("not a JSON object")
                except _CORRUPT as exc:
                    raise self._corrupt(seq, exc) from None
                last[kind] = (seq, body)
                if kind in ROW_FIELDS:
                    windows[seq] = after(base or b"", body)
                    if len(windows) > _TEXTS:  # a stream that stopped, or began again whole
                        del windows[next(iter(windows))]

    def _corrupt(self, seq: int, error: Exception) -> JournalError:
        first = (str(error).splitlines() or [type(error).__name__])[0]
        return JournalError(f"{self.path}: event {seq} is corrupt ({first})")

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as exc:
            raise JournalError(
                f"{self.path} is not a usable warroom journal (corrupt: {exc})"
            ) from None

    def _row(self, seq: int) -> tuple[int, int | None, bytes]:
        """(encoding, ref, data) of row `seq`: the unpacker walks back to a key row with it."""
        return self._row_of(seq)[1:]

    def _row_of(self, seq: int) -> tuple[str, int, int | None, bytes]:
        """(kind, encoding, ref, data) of row `seq`, its columns checked."""
        found = self._db.execute(
            "SELECT at, kind, encoding, ref, body FROM events WHERE seq = ?", (seq,)
        ).fetchone()
        if found is None:
            raise JournalError(f"{self.path} is damaged: event {seq} is missing")
        at, kind, encoding, ref, data = found
        _check(at, kind, data)
        return kind, encoding, ref, data

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM events").fetchone()[0])

    def bounds(self) -> tuple[int, float, float] | None:
        """(last seq, first and last epoch seconds), or None when there is no event yet."""
        last = self._db.execute("SELECT seq, at FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        if last is None:
            return None
        first = self._db.execute("SELECT at FROM events ORDER BY seq LIMIT 1").fetchone()
        if not all(isinstance(at, int | float) for at in (first[0], last[1])):
            raise JournalError(f"{self.path}: the time of its first or last event is corrupt")
        return int(last[0]), float(first[0]), float(last[1])

    def meta(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT key, value FROM meta").fetchall())

    @classmethod
    def begin_afresh(cls, path: Path, meta: dict[str, str]) -> Journal | None:
        """The journal at `path` opened for writing as a new one with `meta`, if no session
        began in it: a zero-byte file, or a warroom journal with no event (its opening was cut
        short). None, with the file untouched, if it holds anything else; JournalError if it
        cannot be read or written."""
        if holds_nothing(path):
            ensure_free(path)  # a console may be creating it this very moment
            try:
                remove_files(path)
            except OSError as exc:
                raise JournalError(f"{path}: cannot begin it afresh: {_reason(exc)}") from None
            return cls.create(path, meta)
        with cls.open(path, read_only=True) as reading:
            if reading.count() != 0:
                return None
        journal = cls.open(path)
        try:
            with journal.transaction():
                begun = journal.count() != 0  # another console began in it meanwhile
                if not begun:
                    journal._db.execute("DELETE FROM meta WHERE key != 'schema_version'")
                    rows = meta.items()
                    journal._db.executemany("INSERT INTO meta(key, value) VALUES (?, ?)", rows)
        except BaseException:
            journal.close()
            raise
        if begun:
            journal.close()
            return None
        return journal

    def close(self) -> None:
        with self.lock:
            if self._note is not None:  # what is held now is lost: said beside the file
                self.say_held(ended=True)
                self._note.close()
                self._note = None
            self._close()

    def _close(self) -> None:
        if not self.read_only:
            # Leave a closed journal as one self-contained file in rollback mode, so that a
            # read-only open (replay, export) needs no -wal/-shm beside it and creates none.
            # Refused while another connection has it open; it then stays in WAL, still whole.
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("PRAGMA journal_mode = DELETE")
        self._db.close()
        _remove(self._scratch)
        if self._writer is not None:
            self._writer.release()  # after SQLite has let go of the file
            self._writer = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_INSERT = "INSERT INTO events(at, kind, encoding, ref, body) VALUES (?, ?, ?, ?, ?)"
_SELECT_ROWS = "SELECT seq, at, kind, encoding, ref, body FROM events WHERE seq > ? ORDER BY seq"
# what a damaged row raises while it is unpacked and parsed: a body that does not inflate,
# or does not parse (pydantic's ValidationError is a ValueError), a column of the wrong type
_CORRUPT = (zlib.error, ValueError, TypeError)
_TEXTS = 64  # rows `verify` keeps for the ROWS rows that build on them


def _unpack(
    unpacker: Unpacker,
    seq: int,
    at: object,
    kind: object,
    encoding: int,
    ref: int | None,
    data: object,
) -> bytes:
    """The body of one row, checking the columns SQLite lets hold any type."""
    _check(at, kind, data)
    return unpacker.unpack(kind, seq, encoding, ref, data)  # type: ignore[arg-type]


def _check(at: object, kind: object, data: object) -> None:
    """Refuse (ValueError) a row whose columns hold what SQLite lets them, not what we wrote."""
    if not isinstance(at, int | float) or not isinstance(kind, str):
        raise ValueError("its time or kind is not one")
    if not isinstance(data, bytes):
        raise ValueError("its body is not a blob")


def _configure(db: sqlite3.Connection) -> None:
    # WAL with synchronous=NORMAL: a committed event survives the console being killed.
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA busy_timeout = 2000")


def _upgraded(db: sqlite3.Connection) -> None:
    try:
        schema.upgrade(db)
    except BaseException:
        db.close()
        raise


def _viewed(db: sqlite3.Connection) -> sqlite3.Connection:
    try:
        return schema.view(db)
    finally:
        db.close()


def wal_path(path: Path) -> Path:
    """The write-ahead log SQLite keeps beside the journal at `path` while it is written."""
    return Path(f"{path}-wal")


def shm_path(path: Path) -> Path:
    """The -wal's shared-memory index beside the journal at `path`."""
    return Path(f"{path}-shm")


def remove_files(path: Path) -> None:
    """Remove the journal at `path` with its -wal, -shm and note (note.py), those there are;
    raises OSError (a missing file is no error)."""
    for file in (path, wal_path(path), shm_path(path), note_path(path)):
        file.unlink(missing_ok=True)


def _private_copy(path: Path) -> Path | None:
    """For a read-only open: a copy of the journal and its -wal in a private temporary folder,
    when SQLite could only read the journal by creating a -shm beside it; else None.

    A journal left with a -wal and no -shm (a console killed, its -shm deleted or never
    copied) can be read only through a -shm. Opened `mode=ro`, SQLite creates one beside it:
    in a read-only folder (an evidence copy, another user's journals) that fails with
    "unable to open database file", and elsewhere it writes into a folder that replay and
    export promise to leave untouched. `immutable=1` would need no -shm but ignores the -wal,
    where the events are. So the pair is copied and read there, where SQLite may make its
    -shm. No console is writing the original: a writer in WAL mode keeps its -shm beside the
    journal while it runs (warroom never takes exclusive locking mode), so the copy is the
    whole journal. With a -shm we may read, `mode=ro` reads through it, even a read-only one
    (SQLite >= 3.22), and sees what a live writer commits (`follow`): no copy. One we may
    not read (another user's) is as good as none: SQLite cannot open the journal either.
    """
    wal, shm = wal_path(path), shm_path(path)
    if not (path.is_file() and wal.is_file()) or (shm.exists() and os.access(shm, os.R_OK)):
        return None
    try:
        folder = Path(tempfile.mkdtemp(prefix="warroom-journal-"))
    except OSError as exc:
        raise JournalError(
            f"cannot read journal {path}: its -wal needs a -shm that SQLite cannot create "
            f"beside it, and no temporary folder to read a copy in ({_reason(exc)})"
        ) from None
    copy = folder / path.name
    try:
        shutil.copyfile(path, copy)
        shutil.copyfile(wal, wal_path(copy))
    except OSError as exc:
        _remove(copy)
        raise JournalError(f"cannot read journal {path}: {_reason(exc)}") from None
    return copy


def _remove(copy: Path | None) -> None:
    """Remove a private copy's folder (the copy, its -wal and the -shm SQLite made)."""
    if copy is not None:
        shutil.rmtree(copy.parent, ignore_errors=True)


def _connect_read_only(path: Path) -> tuple[sqlite3.Connection, bool]:
    """A read-only connection that creates no file beside the journal.

    A closed journal is left in rollback mode, which needs nothing but `mode=ro`. One in WAL
    mode whose -wal is gone holds everything in its own file and nobody is writing it, yet
    SQLite would create -wal and -shm even for a read-only connection to it: that one is
    opened `immutable`. Where a -wal is there, a console is (or was) writing: `mode=ro`
    reads what it committed, through the -shm it made. Returns (connection, immutable).
    """
    uri = f"{path.resolve().as_uri()}?mode=ro"
    immutable = _header_says_wal(path) and not wal_path(path).exists()
    if immutable:
        uri += "&immutable=1"
    return sqlite3.connect(uri, uri=True, isolation_level=None), immutable


def _header_says_wal(path: Path) -> bool:
    """Bytes 18 and 19 of an SQLite file: its write and read format versions, 2 in WAL mode."""
    try:
        with path.open("rb") as f:
            f.seek(18)
            return f.read(2) == b"\x02\x02"
    except OSError:
        return False


def _unwritable(path: Path) -> str:
    """Why `path`, which os.access says cannot be written, cannot: its file system mounted
    read-only (EROFS: no file mode changes that), or its permissions."""
    try:
        read_only = bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        read_only = False
    return "read-only file system" if read_only else "permission denied"


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def _check_is_journal(path: Path, copy: Path | None = None) -> int:
    """Refuse anything but a warroom journal of a schema version this code reads, reading
    only (its private `copy`, if it has one); its schema version."""
    if not path.exists():
        raise JournalError(f"journal {path} does not exist")
    if not path.is_file():
        raise JournalError(f"journal {path} is not a file")
    try:
        with path.open("rb") as f:
            magic = f.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise JournalError(f"cannot read journal {path}: {_reason(exc)}") from None
    if magic == b"" and holds_nothing(path):
        raise nothing_recorded(path)
    if magic != _SQLITE_MAGIC:
        raise JournalError(f"{path} is not a warroom journal (not an SQLite database)")
    try:
        # opened immutable: in WAL mode with no -wal beside it, where its events may be
        db, wal_missing = _connect_read_only(copy or path)
        try:
            app_id, version = schema.version_of(db)
            if app_id == schema.APPLICATION_ID:
                db.execute("SELECT count(*) FROM events").fetchone()
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise JournalError(f"{path} is not a usable warroom journal (corrupt: {exc})") from None
    if app_id != schema.APPLICATION_ID and wal_missing:
        raise JournalError(
            f"{path} is a journal whose -wal file is missing: its events are in "
            f"{wal_path(path).name}; copy that file beside it and open it again"
        )
    if app_id != schema.APPLICATION_ID:
        raise JournalError(f"{path} is an SQLite database but not a warroom journal")
    if not schema.readable(version):
        raise JournalError(f"{path} {schema.refusal(version)}")
    return version
