"""The journal's schema: every table, the version that marks it, and how an older one migrates.

A journal is an SQLite file whose `PRAGMA application_id` says warroom and whose
`PRAGMA user_version` says which schema it holds. `VERSION` is the schema this code
writes. `MIGRATIONS[n]` holds the statements that turn a journal of version n into
version n + 1; a journal of any version from which that chain reaches `VERSION` can be
read. A writable open migrates it in one transaction (`upgrade`); a read-only open never
writes: it reads a current journal as it is, and an older one through a migrated copy in
memory (`view`). A newer version, or an older one with no chain, is refused.

Stdlib only: a console checks its journal before its first frame, with no pydantic loaded.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

VERSION = 2
APPLICATION_ID = 0x57524D31  # "WRM1"

# Version 1. The outbox and keyframes came within version 1 as tables added when first
# needed: a version-1 journal of an early build may lack them (see `ensure`).
META = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
EVENTS = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    encoding INTEGER NOT NULL,
    ref INTEGER,
    body BLOB NOT NULL
)
"""
# Each message is written here before it is sent, in the same transaction as its event
# (state/journal/outbox.py).
OUTBOX = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    incident_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    created_at REAL NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    remote_id TEXT,
    payload TEXT NOT NULL
)
"""
# The folded state every couple of minutes of recorded time (state/journal/keyframes.py).
KEYFRAMES = """
CREATE TABLE IF NOT EXISTS keyframes (
    seq INTEGER PRIMARY KEY,  -- the last event folded into this state
    at REAL NOT NULL,
    state BLOB NOT NULL
)
"""
TABLES = {"meta": META, "events": EVENTS, "outbox": OUTBOX, "keyframes": KEYFRAMES}
ADDED_LATE = ("outbox", "keyframes")  # tables a journal of this version may lack

# version n -> the statements that make a journal of version n one of version n + 1.
# 1 -> 2: samples journaled by change (state/journal/rows.py: the ROWS encoding) and compact
# keyframes (state/journal/keyframes.py). Version 1's rows and keyframes read as they are, so
# no statement; the number alone makes a warroom that reads version 1 only refuse a journal
# with rows it would misread, in one line, instead of failing on its first ROWS row.
MIGRATIONS: dict[int, tuple[str, ...]] = {1: ()}


class SchemaError(Exception):
    """A journal whose schema this code cannot read, or could not migrate; one line."""


def readable(version: int) -> bool:
    """Can this code read a journal of `version`: this one, or one that migrates to it?"""
    while version < VERSION and version in MIGRATIONS:
        version += 1
    return version == VERSION


def refusal(version: int) -> str:
    """Why a journal of `version` is refused, the rest of the sentence after its path."""
    return f"is a warroom journal of schema version {version}; this warroom reads version {VERSION}"


def create(db: sqlite3.Connection, meta: dict[str, str]) -> None:
    """Make the tables of a new journal and mark it; call inside the creating transaction."""
    for ddl in TABLES.values():
        db.execute(ddl)
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute(f"PRAGMA user_version = {VERSION}")
    rows = {"schema_version": str(VERSION), **meta}
    db.executemany("INSERT INTO meta(key, value) VALUES (?, ?)", rows.items())


def version_of(db: sqlite3.Connection) -> tuple[int, int]:
    """(application id, schema version) of an open SQLite file."""
    app_id = db.execute("PRAGMA application_id").fetchone()[0]
    return int(app_id), int(db.execute("PRAGMA user_version").fetchone()[0])


def upgrade(db: sqlite3.Connection) -> None:
    """Bring a journal open for writing to `VERSION`, all in one transaction or not at all.

    Writes nothing when it is current and has every table. Raises SchemaError (the journal
    left as it was) when a version has no migration or a migration fails.
    """
    _, version = version_of(db)
    if version == VERSION and not _missing(db):
        return
    if not readable(version):
        raise SchemaError(refusal(version))
    try:
        with transaction(db):
            _migrate(db, version)
    except sqlite3.Error as exc:
        raise SchemaError(f"could not be migrated to schema version {VERSION} ({exc})") from None


def view(db: sqlite3.Connection) -> sqlite3.Connection:
    """A journal of an older version, read-only: an in-memory copy migrated to `VERSION`.

    The file is not written; what a console appends to it later is not seen.
    """
    _, version = version_of(db)
    memory = sqlite3.connect(":memory:", isolation_level=None)
    try:
        db.backup(memory)
        with transaction(memory):
            _migrate(memory, version)
    except sqlite3.Error as exc:
        memory.close()
        raise SchemaError(f"could not be read as schema version {VERSION} ({exc})") from None
    memory.execute("PRAGMA query_only = ON")
    return memory


def _migrate(db: sqlite3.Connection, version: int) -> None:
    for step in range(version, VERSION):
        for statement in MIGRATIONS[step]:
            db.execute(statement)
    for name in _missing(db):
        db.execute(TABLES[name])
    if version != VERSION:
        db.execute(f"PRAGMA user_version = {VERSION}")
        db.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", (str(VERSION),)
        )


def _missing(db: sqlite3.Connection) -> list[str]:
    names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return [name for name in ADDED_LATE if name not in names]


@contextlib.contextmanager
def transaction(db: sqlite3.Connection, immediate: bool = True) -> Iterator[None]:
    """BEGIN IMMEDIATE (or deferred) ... COMMIT, or ROLLBACK on any exception.

    A write the disk refuses (SQLITE_FULL, SQLITE_IOERR) may have rolled it back already."""
    db.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        yield
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    try:
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
        raise
