"""The outbox: rows beside the events in the journal's file, written in the events' transaction."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from state.events import MessageQueued, NoteAdded
from state.guide.severity import IncidentStatus, Severity
from state.journal.outbox import Outbox, OutboxMessage, enqueue
from state.journal.store import Journal
from state.recorder import Recorder
from tests.unit.helpers import T0, at

INCIDENT = "INC-20260306-8400"


def message(channel: str = "#incidents", n: int = 1, **changes) -> OutboxMessage:
    fields = {
        "message_id": f"{INCIDENT}:{channel}:{n}",
        "incident_id": INCIDENT,
        "channel": channel,
        "target": {"type": "slack", "webhook_env": "SLACK_WEBHOOK_URL"},
        "status": IncidentStatus.INVESTIGATING,
        "severity": Severity.P1,
        "title": "tracklist-service 5xx",
        "text": f"update {n}",
        "by": "ana",
        **changes,
    }
    return OutboxMessage.model_validate(fields)


def queued(m: OutboxMessage, t: float = 0) -> MessageQueued:
    return MessageQueued(
        at=at(t), message_id=m.message_id, channel=m.channel, status=m.status, text=m.text, by="ana"
    )


@pytest.fixture
def path(tmp_path):
    return tmp_path / "o.warroom"


@pytest.fixture
def journal(path):
    with Journal.create(path) as opened:
        yield opened


@pytest.fixture
def outbox(journal):
    return Outbox(journal)


def test_a_message_goes_pending_sending_delivered(outbox):
    m = message()
    outbox.add(m, T0)
    row = outbox.get(m.message_id)
    assert (row.state, row.attempts, row.created_at, row.next_attempt_at) == ("pending", 0, T0, T0)
    assert row.message == m
    outbox.claim(m.message_id)
    assert (outbox.get(m.message_id).state, outbox.get(m.message_id).attempts) == ("sending", 1)
    outbox.retry(m.message_id, at(10), "HTTP 503")
    row = outbox.get(m.message_id)
    assert (row.state, row.next_attempt_at, row.last_error) == ("pending", at(10), "HTTP 503")
    outbox.claim(m.message_id)
    outbox.finish(m.message_id, delivered=True, remote_id="abc")
    row = outbox.get(m.message_id)
    assert (row.state, row.attempts, row.last_error, row.remote_id) == ("delivered", 2, "", "abc")
    assert outbox.open_rows() == []


def test_an_unknown_message_is_an_error(outbox):
    with pytest.raises(KeyError):
        outbox.claim("nope")


def test_the_message_id_is_unique(outbox):
    outbox.add(message(), T0)
    with pytest.raises(sqlite3.IntegrityError):
        outbox.add(message(), T0)


def test_numbers_count_per_incident_and_channel(outbox):
    assert outbox.next_number(INCIDENT, "#incidents") == 1
    outbox.add(message(n=1), T0)
    outbox.add(message(n=2), T0)
    outbox.add(message("pagerduty", n=1), T0)
    assert outbox.next_number(INCIDENT, "#incidents") == 3
    assert outbox.next_number(INCIDENT, "pagerduty") == 2
    assert outbox.next_number("INC-other", "#incidents") == 1


def test_due_is_each_channels_oldest_open_message_once_its_time_came(outbox):
    a1, a2, b1 = message(n=1), message(n=2), message("pagerduty")
    for m in (a1, a2, b1):
        outbox.add(m, T0)
    assert [r.message_id for r in outbox.due(T0)] == [a1.message_id, b1.message_id]
    outbox.claim(a1.message_id)
    outbox.retry(a1.message_id, at(30), "HTTP 503")
    # a2 waits behind a1: updates to one channel go in order
    assert [r.message_id for r in outbox.due(at(29))] == [b1.message_id]
    assert outbox.next_attempt_at() == T0
    outbox.claim(b1.message_id)
    assert outbox.due(at(29)) == []  # b1 is in flight
    assert outbox.next_attempt_at() == at(30)
    assert [r.message_id for r in outbox.due(at(30))] == [a1.message_id]
    outbox.finish(a1.message_id, delivered=False, error="HTTP 410")
    assert [r.message_id for r in outbox.due(at(30))] == [a2.message_id]


def test_resume_makes_what_was_in_flight_due_again_with_the_same_id(outbox):
    a, b = message(n=1), message("pagerduty")
    outbox.add(a, T0)
    outbox.add(b, T0)
    outbox.claim(a.message_id)
    outbox.claim(b.message_id)
    outbox.retry(b.message_id, at(500), "429")
    assert outbox.resume(at(60)) == [a.message_id]
    row = outbox.get(a.message_id)
    assert (row.state, row.attempts, row.next_attempt_at) == ("pending", 1, T0)
    assert outbox.get(b.message_id).next_attempt_at == at(500)


def test_an_unknown_delivery_waits_for_a_person_and_lets_the_channel_go_on(outbox):
    first, second = message(n=1), message(n=2)
    outbox.add(first, T0)
    outbox.add(second, T0)
    outbox.claim(first.message_id)
    outbox.unknown(first.message_id, "sent, but no reply within the timeout")
    assert [r.message_id for r in outbox.unknown_rows()] == [first.message_id]
    assert [r.message_id for r in outbox.due(at(3600))] == [second.message_id]  # not first
    assert outbox.resume(at(3600)) == []  # not in flight: a restart leaves it too
    with pytest.raises(KeyError):
        outbox.resend(second.message_id, at(60))  # only an unknown delivery is resent
    row = outbox.resend(first.message_id, at(4000))
    assert (row.state, row.attempts, row.created_at, row.next_attempt_at, row.last_error) == (
        "pending",
        0,
        at(4000),
        at(4000),
        "",
    )  # a fresh attempt: its age counts from the resend, not from the first try
    assert outbox.unknown_rows() == []


def test_remote_ids_are_remembered_per_incident_and_channel(outbox):
    outbox.add(message("status-page", n=1), T0)
    outbox.add(message("status-page", n=2), T0)
    assert outbox.remote_id(INCIDENT, "status-page") is None
    outbox.finish(f"{INCIDENT}:status-page:1", delivered=True, remote_id="sp1")
    outbox.finish(f"{INCIDENT}:status-page:2", delivered=True)  # keeps none of its own
    assert outbox.remote_id(INCIDENT, "status-page") == "sp1"
    assert outbox.remote_id("INC-other", "status-page") is None


def test_the_outbox_survives_a_restart(path, journal, outbox):
    outbox.add(message(), T0)
    outbox.claim(message().message_id)
    journal.close()
    with Journal.open(path) as again:
        [row] = Outbox(again).rows()
        assert (row.state, row.attempts) == ("sending", 1)


def test_a_journal_made_before_the_outbox_gets_one(path, journal):
    journal.connection.execute("DROP TABLE outbox")
    journal.close()
    with Journal.open(path) as again:
        outbox = Outbox(again)
        outbox.add(message(), T0)
        assert len(outbox.rows()) == 1


def test_enqueue_writes_rows_and_events_in_one_transaction(journal, outbox):
    recorder = Recorder(journal)
    m = message()
    enqueue(outbox, recorder.record, T0, [m], [queued(m)])
    assert [e.kind for e in journal.events()] == ["message_queued"]
    assert outbox.get(m.message_id) is not None


def test_a_failing_emit_leaves_neither_row_nor_event(journal, outbox):
    m = message()

    def broken(event):
        journal.append(event)
        raise RuntimeError("fold failed")

    with pytest.raises(RuntimeError):
        enqueue(outbox, broken, T0, [m], [queued(m)])
    assert outbox.rows() == []
    assert list(journal.events()) == []


def test_after_a_rollback_later_events_still_read_back(journal, outbox):
    """The packer forgets bodies of rolled-back rows, or later rows would refer to them."""
    notes = [NoteAdded(at=at(i), text=f"note {i} " * 20, by="ana") for i in range(4)]
    journal.append(notes[0])
    with pytest.raises(RuntimeError), journal.transaction():
        journal.append(notes[1])
        raise RuntimeError("rolled back")
    journal.append(notes[2])
    journal.append(notes[3])
    assert list(journal.events()) == [notes[0], notes[2], notes[3]]


def test_transactions_nest_into_the_outer_one(journal, outbox):
    m = message()
    with pytest.raises(RuntimeError), outbox.transaction():
        with outbox.transaction():
            outbox.add(m, T0)
        raise RuntimeError("outer fails")
    assert outbox.rows() == []


def test_a_read_only_journal_reads_the_outbox(path, journal, outbox):
    outbox.add(message(), T0 + timedelta(seconds=1))
    journal.close()
    with Journal.open(path, read_only=True) as ro:
        assert [r.message_id for r in Outbox(ro).rows()] == [message().message_id]


def test_payloads_hold_variable_names_not_secrets(journal, outbox, path):
    outbox.add(message(), T0)
    journal.close()
    raw = path.read_bytes()
    assert b'"webhook_env":"SLACK_WEBHOOK_URL"' in raw  # the outbox's payload is plain JSON
