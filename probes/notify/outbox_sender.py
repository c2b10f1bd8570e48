"""The delivery loop: sends the outbox's due messages, retries with backoff, journals outcomes.

Each message is claimed (committed "sending") before its request leaves and settled in
the transaction that journals its MessageSent, so an outcome is recorded exactly once.
A console that dies in between leaves the row "sending"; `resume` sends it again with
the same id where the receiver recognises a second copy: PagerDuty by dedup_key,
Statuspage by looking the incident up first. A Slack webhook cannot, so there a message
that may have arrived (left in flight by a dead console, or sent with its reply lost to a
timeout or a dropped connection) is settled as delivery unknown, journaled and shown,
and sent again only when the commander resends it.

While the journal's file cannot be written (a full disk), the outbox is held in memory with
the events: what is sent then cannot be sent twice by a restart, except a message already
in the file on a channel that cannot recognise a second copy, which waits (`_held_back`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from pydantic import ValidationError

from probes.http import client, import_httpx, redact
from probes.notify import pagerduty, sink, slack, statuspage
from probes.notify.config import (
    NotifyConfig,
    PagerDutyChannel,
    SinkChannel,
    SlackChannel,
    StatuspageChannel,
    channel_of,
    resendable,
    secret_names,
)
from probes.notify.result import Delivery
from state.events import EventBase, MessageSent
from state.text import inert

if TYPE_CHECKING:
    import httpx

    from state.clock import Clock
    from state.journal.outbox import Outbox, OutboxRow

Emit = Callable[[EventBase], object]
IDLE = 1.0  # real seconds between looks at the outbox when nothing wakes the loop


def _span(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


class OutboxSender:
    """Delivers one journal's outbox; `deliver_due` is one step, `start` runs it in a task."""

    def __init__(
        self,
        outbox: Outbox,
        clock: Clock,
        config: NotifyConfig,
        emit: Emit,
        *,
        environ: Mapping[str, str] | None = None,
        client: httpx.AsyncClient | None = None,
        speed: float = 1.0,
    ) -> None:
        self.outbox = outbox
        self.clock = clock
        self.config = config
        self.emit = emit
        self.environ = os.environ if environ is None else environ
        self.speed = speed
        self._client = client
        self._own_client = client is None
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    # ---- one step ----------------------------------------------------------------------------

    def resume(self) -> list[str]:
        """Make messages left in flight by a dead console due again; their ids.

        One on a channel that cannot recognise a second copy (Slack) may have been posted:
        it is settled as delivery unknown instead, for the commander to resend or not.
        """
        for row in self.outbox.rows(("sending",)):
            if not self._resendable(row):
                channel = inert(row.message.channel, 64)  # read back from the journal
                why = f"{channel}: the console stopped while the request was in flight"
                self._finish(row, Delivery.unknown(why))
        return self.outbox.resume(self.clock.now())

    @staticmethod
    def _resendable(row: OutboxRow) -> bool:
        try:
            return resendable(channel_of(row.message.target))
        except ValidationError:  # unreadable settings fail at the attempt, with their reason
            return True

    def _held_back(self, row: OutboxRow) -> bool:
        """While the journal cannot be written, a message its file holds as pending waits if
        its channel cannot recognise a second copy (Slack): its claim cannot be committed, so
        a console started again on the journal would post it a second time. One queued since
        is in memory alone (`Outbox.in_file`): no restart knows of it, so it goes."""
        held = self.outbox.journal.holding is not None and self.outbox.in_file(row)
        return held and not self._resendable(row)

    async def deliver_due(self) -> list[MessageSent]:
        """Send every channel's due message once; the outcomes journaled by this step."""
        async with self._lock:
            now = self.clock.now()
            settled: list[MessageSent] = []
            batch: list[OutboxRow] = []
            for row in self.outbox.due(now):
                if self._held_back(row):
                    continue
                if (now - row.created_at).total_seconds() >= self.config.max_age:
                    last = f": {row.last_error}" if row.last_error else ""
                    why = f"not delivered within {_span(self.config.max_age)}{last}"
                    settled.append(self._finish(row, Delivery.failed(why)))
                    continue
                self.outbox.claim(row.message_id)  # committed before the request leaves
                batch.append(row)
            results = await asyncio.gather(*(self._attempt(row) for row in batch))
            for row, delivery in zip(batch, results, strict=True):
                event = self._settle(row, delivery)
                if event is not None:
                    settled.append(event)
            return settled

    async def _attempt(self, row: OutboxRow) -> Delivery:
        message = row.message
        try:
            channel = channel_of(message.target)
        except ValidationError:
            return Delivery.failed(f"{message.channel}: unreadable channel settings in the outbox")
        env = {name: self.environ.get(name, "") for name in secret_names(channel)}
        try:
            # bounded as a whole: a Statuspage update may take two requests
            async with asyncio.timeout(self.config.timeout * 3):
                delivery = await self._send(row, channel, env)
        except TimeoutError:
            if resendable(channel):
                delivery = Delivery.retry(f"{message.channel}: timed out")
            else:  # cut off somewhere in its round trip: it may have arrived
                delivery = Delivery.unknown(f"{message.channel}: sent, but no reply in time")
        except Exception as exc:  # a bug in a sender must not stop the loop or lose the row
            delivery = Delivery.retry(f"{message.channel}: {type(exc).__name__}")
        return replace(delivery, detail=redact(delivery.detail, env))

    async def _send(self, row: OutboxRow, channel: object, env: dict[str, str]) -> Delivery:
        message = row.message
        if isinstance(channel, SinkChannel):
            return sink.deliver(message, channel, self.clock.now())
        client = await self._http()
        if isinstance(channel, SlackChannel):
            return await slack.send(client, message, channel, env)
        if isinstance(channel, PagerDutyChannel):
            return await pagerduty.send(client, message, channel, env)
        if isinstance(channel, StatuspageChannel):
            known = row.remote_id or self.outbox.remote_id(message.incident_id, message.channel)
            return await statuspage.send(client, message, channel, env, known)
        return Delivery.failed(f"{message.channel}: unknown channel type")

    def _settle(self, row: OutboxRow, delivery: Delivery) -> MessageSent | None:
        if delivery.outcome != "retry":  # delivered, failed, or unknown: never retried
            return self._finish(row, delivery)
        now = self.clock.now()
        attempts = row.attempts + 1
        if attempts >= self.config.max_attempts:
            return self._finish(
                row, Delivery.failed(f"gave up after {attempts} attempts: {delivery.detail}")
            )
        # the receiver's Retry-After wins; else exponential backoff, capped
        delay = delivery.after
        if delay is None:
            delay = min(self.config.backoff * 2 ** (attempts - 1), self.config.backoff_cap)
        # judged in seconds before it is a date: a receiver's Retry-After can be past any date
        if (now - row.created_at).total_seconds() + delay > self.config.max_age:
            why = f"not delivered within {_span(self.config.max_age)}: {delivery.detail}"
            return self._finish(row, Delivery.failed(why))
        self.outbox.retry(row.message_id, now + timedelta(seconds=delay), delivery.detail)
        return None

    def _finish(self, row: OutboxRow, delivery: Delivery) -> MessageSent:
        """The row's final state (delivered, failed, unknown) and its MessageSent, together."""
        message = row.message
        assert delivery.outcome != "retry"
        delivered = delivery.outcome == "delivered"
        unknown = delivery.outcome == "unknown"
        event = MessageSent(
            at=self.clock.now(),
            message_id=message.message_id,
            channel=message.channel,
            status=message.status,
            text=message.text,
            outcome=delivery.outcome,
            detail=delivery.detail,
            by=message.by,
        )
        with self.outbox.transaction():
            if unknown:
                self.outbox.unknown(message.message_id, delivery.detail)
            else:
                self.outbox.finish(
                    message.message_id,
                    delivered,
                    error="" if delivered else delivery.detail,
                    remote_id=delivery.remote_id,
                )
            self.emit(event)  # last: nothing after it in the transaction can roll it back
        return event

    async def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            await import_httpx()
            if self._client is None:
                self._client = client("warroom-notify", self.config.timeout)
        return self._client

    # ---- the running loop --------------------------------------------------------------------

    def wake(self) -> None:
        """Look at the outbox now: call after queueing a message."""
        self._wake.set()

    def _idle(self) -> float:
        due = self.outbox.next_attempt_at()
        if due is None:
            return IDLE
        wait = (due - self.clock.now()).total_seconds() / self.speed
        return min(max(wait, 0.01), IDLE)

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.deliver_due()
            except Exception:
                # a journal that cannot be written: what this step claimed is due again later
                with contextlib.suppress(Exception):
                    self.resume()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._idle())

    def start(self) -> None:
        """Resume what a dead console left in flight, then deliver in the background."""
        self.resume()
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self, grace: float = 2.0) -> None:
        """Stop delivering; a request in flight gets `grace` seconds to come back first.

        One that does not stays "sending" in the outbox, for the next start to resume.
        """
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            try:
                await asyncio.wait_for(asyncio.shield(self._task), grace)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        if self._client is not None and self._own_client:
            client, self._client = self._client, None
            await client.aclose()
