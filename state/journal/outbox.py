"""The outbox: every message is written to the journal's file before it is sent.

A row goes pending -> sending (claimed, committed before the request leaves) -> delivered
or failed; a retry puts it back to pending with a later `next_attempt_at`. A row found
"sending" when a console starts was in flight when the last one died: it is sent again
with the same message id where the receiver recognises a second copy, and is otherwise
"unknown", as is one whose request left and whose reply never came. An unknown row is
sent again only when a person resends it. Payloads hold no secrets: a channel's target
names the environment variables that hold its URL or key, never their values.

While the journal's file cannot be written (a full disk), the outbox is a copy in memory,
written to the file with the events held once it can be (state/journal/holding.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from state.clock import from_epoch
from state.events import EventBase, Model, Purpose
from state.guide.severity import IncidentStatus, Severity

if TYPE_CHECKING:
    from state.journal.store import Journal

State = Literal["pending", "sending", "delivered", "failed", "unknown"]
Emit = Callable[[EventBase], object]


class OutboxMessage(Model):
    """What to send, frozen when queued: the text the commander approved and where it goes."""

    message_id: str  # the idempotency key: f"{incident_id}:{channel}:{n}" (Outbox.next_id)
    incident_id: str
    channel: str
    target: dict[str, Any]  # the channel's settings when queued: type, URLs, env var NAMES
    purpose: Purpose = "update"
    status: IncidentStatus
    severity: Severity
    title: str
    text: str
    summary: str = ""  # one line, for pagers
    components: dict[str, str] = Field(default_factory=dict)  # service -> Statuspage status
    level: int = 0  # the escalation level, for escalation pages
    by: str


class OutboxRow(Model):
    seq: int
    message: OutboxMessage
    state: State
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_error: str = ""
    remote_id: str | None = None  # the receiver's id for what this created (Statuspage incident)

    @property
    def message_id(self) -> str:
        return self.message.message_id


def _ts(at: datetime) -> float:
    return at.timestamp()


def _dt(ts: float) -> datetime:
    return from_epoch(ts)


_COLUMNS = "seq, state, attempts, created_at, next_attempt_at, last_error, remote_id, payload"


class Outbox:
    """The outbox table of one open, writable journal."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._db = journal.connection  # its table: state/journal/schema.py

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self.journal.transaction():
            yield

    # ---- writing -----------------------------------------------------------------------------

    def next_number(self, incident_id: str, channel: str) -> int:
        """The n of the next message id for this incident and channel: one more than so far."""
        found = self._db.execute(
            "SELECT count(*) FROM outbox WHERE incident_id = ? AND channel = ?",
            (incident_id, channel),
        ).fetchone()
        return int(found[0]) + 1

    def next_id(self, incident_id: str, channel: str, now: datetime) -> str:
        """The next message's id for this incident and channel, one no other message of this
        journal had or will have: f"{incident_id}:{channel}:{n}@{queued}", n one more than
        so far, `queued` when it was queued (UTC, to the second: 20260314T092750Z).

        The count alone can repeat. While the file refuses writes (a full disk), a message is
        queued, counted, sent and kept in memory alone; a console that ends before the file
        takes it loses it, and the next console counts to the same n. The receivers carry the
        id (Slack's "warroom …" line, PagerDuty's custom_details.message_id): one id would
        then name two messages, and no longer tell which one the journal speaks of. The
        message whose own write found the disk full is counted before that is known, so
        every id carries the time, which a later console cannot reach again.
        """
        n = self.next_number(incident_id, channel)
        return f"{incident_id}:{channel}:{n}@{now.astimezone(UTC):%Y%m%dT%H%M%SZ}"

    def add(self, message: OutboxMessage, now: datetime) -> None:
        self.journal.write(
            "INSERT INTO outbox(message_id, incident_id, channel, created_at, state, "
            "next_attempt_at, payload) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
            (
                message.message_id,
                message.incident_id,
                message.channel,
                _ts(now),
                _ts(now),
                message.model_dump_json(),
            ),
        )

    def claim(self, message_id: str) -> None:
        """Mark the message in flight, one more attempt, before its request leaves."""
        self._set(message_id, "state = 'sending', attempts = attempts + 1")

    def retry(self, message_id: str, at: datetime, error: str) -> None:
        self._set(
            message_id, "state = 'pending', next_attempt_at = ?, last_error = ?", _ts(at), error
        )

    def finish(
        self, message_id: str, delivered: bool, error: str = "", remote_id: str | None = None
    ) -> None:
        """Delivered or failed for good; do it in the transaction that journals the outcome."""
        self._set(
            message_id,
            "state = ?, last_error = ?, remote_id = coalesce(?, remote_id)",
            "delivered" if delivered else "failed",
            error,
            remote_id,
        )

    def unknown(self, message_id: str, error: str) -> None:
        """Delivery unknown: the request may have been acted on. Not due again by itself."""
        self._set(message_id, "state = 'unknown', last_error = ?", error)

    def resend(self, message_id: str, now: datetime) -> OutboxRow:
        """Make a message whose delivery is unknown due now, as a fresh attempt; its row.

        Its age and attempts count from now: the person who resends it chose to, whatever
        time has passed. Raises KeyError when no such message is in the "unknown" state.
        """
        cursor = self.journal.write(
            "UPDATE outbox SET state = 'pending', attempts = 0, created_at = ?, "
            "next_attempt_at = ?, last_error = '' WHERE message_id = ? AND state = 'unknown'",
            (_ts(now), _ts(now), message_id),
        )
        if cursor.rowcount != 1:
            raise KeyError(f"no message {message_id} of unknown delivery in the outbox")
        row = self.get(message_id)
        assert row is not None
        return row

    def resume(self, now: datetime) -> list[str]:
        """Rows left in flight by a console that died: due again now, with the same ids."""
        with self.transaction():
            ids = [
                r[0]
                for r in self._db.execute(
                    "SELECT message_id FROM outbox WHERE state = 'sending' ORDER BY seq"
                )
            ]
            self.journal.write(
                "UPDATE outbox SET state = 'pending', next_attempt_at = min(next_attempt_at, ?) "
                "WHERE state = 'sending'",
                (_ts(now),),
            )
        return ids

    def _set(self, message_id: str, assignments: str, *values: object) -> None:
        cursor = self.journal.write(
            f"UPDATE outbox SET {assignments} WHERE message_id = ?", (*values, message_id)
        )
        if cursor.rowcount != 1:
            raise KeyError(f"no message {message_id} in the outbox")

    # ---- reading -----------------------------------------------------------------------------

    def in_file(self, row: OutboxRow) -> bool:
        """Is `row` in the journal's file as it reads now? While the file cannot be written
        (state/journal/holding.py), a message queued since lives in memory alone: a console
        that ends before it is written leaves no trace of it for the next one to send."""
        holding = self.journal.holding
        return holding is None or row.seq <= holding.outbox_written

    def get(self, message_id: str) -> OutboxRow | None:
        found = self._db.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE message_id = ?", (message_id,)
        ).fetchone()
        return _row(found) if found else None

    def rows(self, states: Sequence[State] = ()) -> list[OutboxRow]:
        """Every row (or those in `states`), oldest first."""
        query = f"SELECT {_COLUMNS} FROM outbox"
        if states:
            query += f" WHERE state IN ({', '.join('?' for _ in states)})"
        return [_row(r) for r in self._db.execute(query + " ORDER BY seq", tuple(states))]

    def unknown_rows(self) -> list[OutboxRow]:
        """Messages whose delivery is unknown, oldest first: a person may resend each."""
        return self.rows(("unknown",))

    def open_rows(self) -> list[OutboxRow]:
        """Messages whose outcome is not known yet: what the console shows as pending."""
        return self.rows(("pending", "sending"))

    def due(self, now: datetime) -> list[OutboxRow]:
        """Each channel's oldest open message, when its time has come.

        One at a time per channel, in order: a status page must not show Resolved before
        Investigating, and a later update must not create a second Statuspage incident.
        """
        return [r for r in self._heads() if r.state == "pending" and r.next_attempt_at <= now]

    def next_attempt_at(self) -> datetime | None:
        """When the next message that may go (a channel's oldest) is due; None if none waits."""
        return min((r.next_attempt_at for r in self._heads() if r.state == "pending"), default=None)

    def _heads(self) -> list[OutboxRow]:
        heads: dict[str, OutboxRow] = {}
        for row in self.open_rows():
            heads.setdefault(row.message.channel, row)
        return list(heads.values())

    def remote_id(self, incident_id: str, channel: str) -> str | None:
        """The id a receiver gave this incident on this channel (the Statuspage incident)."""
        found = self._db.execute(
            "SELECT remote_id FROM outbox WHERE incident_id = ? AND channel = ? "
            "AND remote_id IS NOT NULL ORDER BY seq DESC LIMIT 1",
            (incident_id, channel),
        ).fetchone()
        return found[0] if found else None


def _row(found: tuple) -> OutboxRow:
    seq, state, attempts, created, next_at, error, remote_id, payload = found
    return OutboxRow(
        seq=seq,
        message=OutboxMessage.model_validate_json(payload),
        state=state,
        attempts=attempts,
        created_at=_dt(created),
        next_attempt_at=_dt(next_at),
        last_error=error,
        remote_id=remote_id,
    )


def enqueue(
    outbox: Outbox,
    emit: Emit,
    now: datetime,
    messages: Sequence[OutboxMessage],
    events: Sequence[EventBase],
) -> None:
    """Write `messages` and journal `events` (via `emit`, the recorder's record) in one commit."""
    with outbox.transaction():
        for message in messages:
            outbox.add(message, now)
        for event in events:
            emit(event)
