"""`u` post a status update, `e` escalate, and the guide's automatic escalation on the clock.

Messages go through the journal's outbox (probes/notify): written before they are sent,
each outcome shown on the timeline. A message whose delivery is unknown (Slack may or may
not have posted it) is sent again only by the command palette's "Resend …", confirmed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from state.guide.escalation import LEVEL_AUDIENCE, next_escalation
from state.guide.severity import IncidentStatus
from state.text import inert, inert_lines
from tui.base import KeyGroup

if TYPE_CHECKING:
    from textual.app import SystemCommand
    from textual.worker import Worker

    from probes.notify.outbox_sender import OutboxSender
    from state.events import EventBase, IncidentAcknowledged, IncidentResolved
    from state.journal.outbox import Outbox

# The outbox, its sender, the queues and the templates are imported where they are used:
# they load the event models, which the console's first frame must not wait for (tui/base.py).

AUTOMATIC = "warroom (automatic escalation)"


class CommsKeys(KeyGroup):
    """`u` and `e`, the outbox's sender, and what an acknowledgement or a resolution says."""

    _outbox: Outbox | None = None
    _sender: OutboxSender | None = None
    _prompted: frozenset[int] = frozenset()
    _escalating = 0  # escalation dialogs open (`e`, or the guide's trigger asking)
    final_update: Worker[None] | None = None  # the final update offered on resolving, if any

    def start(self) -> None:
        """Once the session is open: send what is queued, react to what is recorded, and
        watch the guide's escalation timers."""
        from state.events import (
            IncidentAcknowledged,
            IncidentDeclared,
            IncidentResolved,
            SeverityChanged,
        )

        c = self.console
        if c.notify_config is not None and not c.read_only:
            from probes.notify.outbox_sender import OutboxSender
            from state.journal.outbox import Outbox

            self._outbox = Outbox(c.recorder.journal)
            self._sender = OutboxSender(
                self._outbox, c.clock, c.notify_config, emit=self._settled, speed=c.speed
            )
            self._sender.start()  # re-sends what a previous run left in flight
        c.on(IncidentAcknowledged, self.acknowledged)
        c.on(IncidentResolved, self.offer_final_update)
        # a P1 goes to the on-call manager at once: ask (or page) as it is declared or raised
        c.on(IncidentDeclared, lambda _event: self.check_escalation(declaring=True))
        c.on(SeverityChanged, lambda _event: self.check_escalation(declaring=True))
        c.set_interval(1.0, self.check_escalation, name="escalation")

    async def stop(self) -> None:
        if self._sender is not None:
            await self._sender.stop()

    @property
    def outbox(self) -> Outbox | None:
        """The journal's outbox, where this console sends from; None if it sends nothing."""
        return self._outbox

    @property
    def can_send(self) -> bool:
        return self._outbox is not None

    def acknowledged(self, _event: IncidentAcknowledged) -> None:
        """Stop PagerDuty paging on-call: an acknowledge event with the incident's dedup key."""
        if not self.can_send:
            return
        from probes.notify.queue import queue_acknowledgement, unpaged_pagers
        from state.events import NoteAdded

        assert self._outbox is not None and self.console.notify_config is not None
        state = self.console.recorder.state
        unpaged = unpaged_pagers(self._outbox, state, self.console.notify_config)
        if unpaged and state.incident is not None:  # said on the timeline, and journaled
            self.console.record(
                NoteAdded(
                    at=self.console.now(),
                    text=f"Acknowledgement not sent to {', '.join(unpaged)}: no page was "
                    f"triggered there for {state.incident.incident_id}, so there is no alert "
                    "to acknowledge",
                    by="warroom",
                )
            )
        queue_acknowledgement(
            self._outbox,
            self.console.record,
            self.console.recorder.state,
            self.console.now(),
            self.console.notify_config,
            self.console.operator,
        )
        assert self._sender is not None
        self._sender.wake()

    def offer_final_update(self, _event: IncidentResolved) -> None:
        """After resolving: the guide's final Resolved update, to send or to cancel."""
        self.final_update = self._post_update(IncidentStatus.RESOLVED) if self.can_send else None

    # ---- u -------------------------------------------------------------------------------------

    def action_post_update(self) -> None:
        """A status update for the open incident; after a resolution, until the next incident
        is declared, the guide's final Resolved update for the one just resolved (whether or
        not it was offered and dismissed at `x`)."""
        if not self.can_send:
            return
        if self.resolved_incident() is not None:
            self._post_update(IncidentStatus.RESOLVED)
            return
        incident = self.console.open_incident()
        if incident is not None:
            from state.guide.phase import true_status

            self._post_update(true_status(self.console.recorder.state))

    def resolved_incident(self) -> str | None:
        """The id of the incident just resolved, whose final update `u` offers; None while
        one is open or before any."""
        incident = self.console.recorder.state.incident if self.console.opened else None
        if incident is None or incident.open:
            return None
        return incident.incident_id

    def final_update_commands(self) -> Iterator[SystemCommand]:
        """After a resolution: the palette's way to the final Resolved update."""
        incident_id = self.resolved_incident() if self.can_send else None
        if incident_id is None or self.console.read_only:
            return
        from textual.app import SystemCommand

        yield SystemCommand(
            f"Post the Resolved update for {inert(incident_id, 64)}",
            "The guide's final status update: the incident is resolved (also key "
            f"{self.console.key_for('post_update') or 'u'})",
            lambda: self._post_update(IncidentStatus.RESOLVED),
        )

    def _post_update(self, status: IncidentStatus) -> Worker[None]:
        return self.console.run_worker(self.update_flow(status), exclusive=True, group="comms")

    async def update_flow(self, status: IncidentStatus) -> None:
        """Draft, confirm and queue one status update (inside a worker)."""
        from probes.notify.queue import configured_channels, queue_update
        from state.guide.templates import internal_update_text, status_page_text
        from widgets.comms_dialogs import ChannelRow, UpdateScreen, update_preview
        from widgets.modals import ConfirmScreen, ask

        assert self.console.notify_config is not None and self._outbox is not None
        rows = [
            ChannelRow(c.name, c.type, c.audience, c.preselected, c.ready, c.problem)
            for c in configured_channels(self.console.notify_config)
        ]

        def texts(chosen: IncidentStatus) -> tuple[str, str]:
            state = self.console.recorder.state
            return status_page_text(state, chosen), internal_update_text(
                state, self.console.now(), chosen
            )

        draft = await ask(self.console, UpdateScreen(status, rows, texts))
        if draft is None:
            return
        confirmed = await ask(
            self.console,
            ConfirmScreen(
                f"Send the {draft.status.word} update?", update_preview(draft, rows), "Send"
            ),
        )
        if not confirmed:
            return
        try:
            queue_update(
                self._outbox,
                self.console.record,
                self.console.recorder.state,
                self.console.now(),
                self.console.notify_config,
                draft.channels,
                draft.status,
                self.console.operator,
                draft.public_text,
                draft.internal_text,
            )
        except ValueError as exc:
            self.console.notify(inert(exc), severity="error", markup=False)
            return
        assert self._sender is not None
        self._sender.wake()

    # ---- delivery unknown: resend, from the command palette --------------------------------------

    def _settled(self, event: EventBase) -> None:
        """Record an outcome; one whose delivery is unknown is also said at once."""
        self.console.record(event)
        if getattr(event, "outcome", "") == "unknown":
            channel = inert(getattr(event, "channel", ""))
            self.console.notify(
                f"Delivery to {channel} is unknown: it is not sent again by itself. "
                "If it did not arrive, resend it from the command palette (Ctrl+P).",
                severity="warning",
                timeout=30,
                markup=False,
            )

    def resend_commands(self) -> Iterator[SystemCommand]:
        """One palette command per message whose delivery is unknown."""
        if self._outbox is None or self.console.read_only:
            return
        from textual.app import SystemCommand

        from probes.notify.queue import unknown_deliveries
        from state.timeline import message_name

        for message in unknown_deliveries(self._outbox):
            what = message_name(message.purpose, message.level, message.status)
            yield SystemCommand(
                f"Resend {what} to {inert(message.channel, 64)} (delivery unknown)",
                "It may already have been posted: sending it again may post a duplicate",
                lambda message_id=message.message_id: self.console.run_worker(
                    self._resend(message_id), exclusive=True, group="comms"
                ),
            )

    async def _resend(self, message_id: str) -> None:
        """Confirm, then send again a message whose delivery is unknown."""
        from probes.notify.queue import resend
        from state.timeline import message_name
        from widgets.modals import ConfirmScreen, ask

        assert self._outbox is not None and self._sender is not None
        row = self._outbox.get(message_id)
        if row is None or row.state != "unknown":
            self.console.notify("That message is no longer of unknown delivery", severity="warning")
            return
        message = row.message
        what = message_name(message.purpose, message.level, message.status)
        channel = inert(message.channel, 64)  # read back from the journal: in the body only
        confirmed = await ask(
            self.console,
            ConfirmScreen(
                f"Resend this {what}?",
                f"Delivery of this {what} to {channel} is unknown: {inert(row.last_error)}.\n"
                f"{channel} may already show it, so sending it again may post a duplicate "
                f"(marked warroom {inert(message.message_id)}).\n\n"
                + inert_lines(message.text, 300),
                "Resend",
            ),
        )
        if not confirmed:
            return
        try:
            resend(
                self._outbox,
                self.console.record,
                self.console.now(),
                message_id,
                self.console.operator,
            )
        except KeyError:
            self.console.notify("That message is no longer of unknown delivery", severity="warning")
            return
        self._sender.wake()

    # ---- e -------------------------------------------------------------------------------------

    def _reach(self, level: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        from state.guide.templates import escalation_contacts

        channels = (
            tuple(self.console.notify_config.escalation_channels(LEVEL_AUDIENCE[level]))
            if self.console.notify_config
            else ()
        )
        return escalation_contacts(level), channels

    def action_escalate(self) -> None:
        """`e`: the level the guide names when one is due (the header's "ESCALATE to L3
        now": a P1's on-call manager), with its reason; else the next level up."""
        incident = self.console.open_incident()
        if incident is not None:
            due = next_escalation(
                incident.severity, incident.declared_at, incident.escalation_level
            )
            if due is not None and due.at <= self.console.now():
                self._escalate(due.level, due.reason)
            else:
                self._escalate(min(incident.escalation_level + 1, 5), "")

    def _escalate(self, level: int, reason: str) -> None:
        escalation = self._escalation(level, reason, False)
        self.console.run_worker(escalation, exclusive=True, group="comms")

    async def _escalation(self, level: int, reason: str, due: bool) -> None:
        self._escalating += 1
        try:
            await self._escalation_asked(level, reason, due)
        finally:
            self._escalating -= 1

    async def _escalation_asked(self, level: int, reason: str, due: bool) -> None:
        from widgets.comms_dialogs import EscalateScreen
        from widgets.modals import ConfirmScreen, ask

        dialog = EscalateScreen(level, reason, self._reach, due)
        draft = await ask(self.console, dialog)
        if draft is None:
            return
        contacts, channels = self._reach(draft.level)
        confirmed = await ask(
            self.console,
            ConfirmScreen(
                f"Escalate to level {draft.level}?",
                f"Reaches: {', '.join(contacts)}\n"
                f"Pages: {', '.join(channels) or 'none (journal only)'}\n"
                f"Why: {inert(draft.reason)}",
                "Escalate",
            ),
        )
        if confirmed:
            self.escalate_now(draft.level, draft.reason, self.console.operator)

    def escalate_now(self, level: int, reason: str, by: str) -> None:
        from probes.notify.config import NotifyConfig
        from probes.notify.queue import queue_escalation
        from state.journal.outbox import Outbox

        outbox = self._outbox or Outbox(self.console.recorder.journal)
        config = self.console.notify_config if self.can_send else NotifyConfig()
        assert config is not None
        queue_escalation(
            outbox,
            self.console.record,
            self.console.recorder.state,
            self.console.now(),
            config,
            level,
            reason,
            by,
        )
        if self._sender is not None:
            self._sender.wake()

    def check_escalation(self, declaring: bool = False) -> None:
        """The guide's automatic triggers: page at once, or ask the commander first (once).

        A trigger due from the declaration itself (a P1's on-call manager) is acted on as
        the incident is declared or raised (`declaring`); a console opened later on such an
        incident shows it due in the header and does not interrupt with it."""
        incident = self.console.recorder.state.incident
        if incident is None or not incident.open or self.console.read_only:
            return
        due = next_escalation(incident.severity, incident.declared_at, incident.escalation_level)
        if due is None or due.at > self.console.now() or due.level in self._prompted:
            return
        if due.at == incident.declared_at and not declaring:
            return
        if self.console.escalation_mode == "page":
            self._prompted = self._prompted | {due.level}
            self.escalate_now(due.level, due.reason, AUTOMATIC)
            return
        if self._escalating:
            return  # the commander is escalating already: asked again once that is done
        self._prompted = self._prompted | {due.level}
        # the dialog says why it opened: no toast over its buttons. Its own worker, beside
        # any other: in the "comms" group it cancelled a status update being drafted, whose
        # dialog stayed open under it and whose Send then sent nothing
        escalation = self._escalation(due.level, due.reason, True)
        self.console.run_worker(escalation, group="escalation-due")
