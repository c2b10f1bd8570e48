"""Events renamed since warroom 0.1.0 read back as today's: each old kind, as 0.1.0 wrote it.

0.1.0 named the outbox's events for status updates only (update_queued, update_posted,
update_resent), though they carry escalation pages and acknowledgements too. The bodies
below are as 0.1.0 wrote them (tests/golden/journal-v1 holds a whole journal of them).
"""

from __future__ import annotations

import sqlite3
import zlib
from contextlib import closing
from typing import TYPE_CHECKING

import pytest

from state.console import ConsoleState, TimelineEntry
from state.events import MessageQueued, MessageResent, MessageSent
from state.guide.severity import IncidentStatus
from state.journal.codec import RAW
from state.journal.keyframes import KeyframeIndex
from state.journal.store import Journal, JournalError
from tests.unit.helpers import T0

if TYPE_CHECKING:
    from pathlib import Path

AT = '"at":"2026-03-14T09:27:50Z","message_id":"INC-1:#incidents:1","channel":"#incidents"'
QUEUED = (
    "update_queued",
    f'{{{AT},"status":"investigating","text":"We are investigating.","by":"alice",'
    '"purpose":"escalation"}',
)
POSTED = "update_posted"
RESENT = (
    "update_resent",
    f'{{{AT},"status":"identified","purpose":"escalation","level":2,"by":"ana"}}',
)


def posted(flags: str) -> tuple[str, str]:
    return POSTED, f'{{{AT},"status":"resolved","text":"Resolved.",{flags},"by":"alice"}}'


def old_journal(path: Path, *rows: tuple[str, str]) -> Path:
    """A journal holding `rows` (kind, JSON body) stored raw, as 0.1.0 stored short bodies."""
    Journal.create(path, {"mode": "demo"}).close()
    with closing(sqlite3.connect(path)) as db, db:
        db.executemany(
            "INSERT INTO events(at, kind, encoding, ref, body) VALUES (?, ?, ?, NULL, ?)",
            [(T0.timestamp(), kind, RAW, body.encode()) for kind, body in rows],
        )
    return path


def read(path: Path) -> list:
    with Journal.open(path, read_only=True) as journal:
        journal.verify()
        return list(journal.events())


def test_update_queued_reads_as_message_queued(tmp_path):
    [event] = read(old_journal(tmp_path / "j.warroom", QUEUED))
    assert isinstance(event, MessageQueued)
    assert (event.kind, event.message_id, event.purpose, event.by) == (
        "message_queued",
        "INC-1:#incidents:1",
        "escalation",
        "alice",
    )


def test_update_resent_reads_as_message_resent(tmp_path):
    [event] = read(old_journal(tmp_path / "j.warroom", RESENT))
    assert isinstance(event, MessageResent)
    assert (event.kind, event.status, event.purpose, event.level, event.by) == (
        "message_resent",
        IncidentStatus.IDENTIFIED,
        "escalation",
        2,
        "ana",
    )


@pytest.mark.parametrize(
    ("flags", "outcome"),
    [
        ('"delivered":true', "delivered"),
        ('"delivered":false,"detail":"HTTP 503"', "failed"),
        ('"delivered":false,"detail":"no reply","delivery_unknown":true', "unknown"),
        ('"delivered":"yes"', "delivered"),  # 0.1.0's model read a flag leniently
        ('"delivered":0', "failed"),
    ],
)
def test_update_posted_reads_as_message_sent_with_its_outcome(tmp_path, flags, outcome):
    [event] = read(old_journal(tmp_path / "j.warroom", posted(flags)))
    assert isinstance(event, MessageSent)
    assert (event.kind, event.outcome, event.status, event.text) == (
        "message_sent",
        outcome,
        IncidentStatus.RESOLVED,
        "Resolved.",
    )


@pytest.mark.parametrize(
    "flags", ['"delivered":"perhaps"', '"delivered":true,"delivery_unknown":2', '"detail":"x"']
)
def test_an_update_posted_without_a_readable_outcome_is_corrupt(tmp_path, flags):
    path = old_journal(tmp_path / "j.warroom", posted(flags))
    with Journal.open(path, read_only=True) as journal, pytest.raises(JournalError) as err:
        list(journal.events())
    assert str(err.value).startswith(f"{path}: event 1 is corrupt (")


def test_a_keyframe_of_0_1_0_names_its_timeline_as_today(tmp_path):
    """A replay that seeks through an old keyframe shows what folding from the start would."""
    path = old_journal(tmp_path / "j.warroom", QUEUED, posted('"delivered":true'))
    entries = tuple(
        TimelineEntry(at=T0, kind=kind, text=kind)
        for kind in ("update_queued", "update_posted", "update_resent", "note_added")
    )
    saved = ConsoleState(timeline=entries).model_dump_json().encode()
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("INSERT INTO keyframes VALUES (2, ?, ?)", (T0.timestamp(), zlib.compress(saved)))
    with Journal.open(path, read_only=True) as journal:
        index = KeyframeIndex(journal)
        state, seq = index.load(index.frames[-1])
    assert seq == 2
    assert [e.kind for e in state.timeline] == [
        "message_queued",
        "message_sent",
        "message_resent",
        "note_added",
    ]
    assert [e.text for e in state.timeline] == [e.text for e in entries]
