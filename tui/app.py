"""The warroom App: header, five panes, one key per act. Live, demo and drill share it.

Its bindings run the key groups its ConsoleScreen holds (tui/screen.py): the incident's
(tui/incident_keys.py), production's (tui/remediation_keys.py), verification's
(tui/verification.py) and the messages' (tui/comms_keys.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from state.text import inert
from tui.base import ConsoleBase
from tui.comms_keys import CommsKeys
from tui.incident_keys import IncidentKeys
from tui.investigate import InvestigateKeys
from tui.keys import KEYS
from tui.remediation_keys import RemediationKeys
from tui.runbook import RunbookKeys
from tui.toasts import HeldToasts
from tui.verification import VerificationKeys

if TYPE_CHECKING:
    from tui.palette import Command
    from widgets.modals import ConfirmScreen

# keys that change production: disabled in read-only mode or with nothing to act on
MUTATING = frozenset({"remediate", "terminate_backend", "cancel_backend", "terminate_idle"})
# keys that reach people outside: disabled in read-only mode or with no channel
OUTBOUND = frozenset({"post_update", "escalate"})
# keys that write to the journal, so wait for it to open
NEEDS_SESSION = MUTATING | OUTBOUND | {"declare", "acknowledge", "severity", "note", "roles"}
NEEDS_SESSION |= {"verify", "resolve", "investigate", "runbook"}
# what a refused key says is disabled: "read-only: remediation (…) is disabled"
WHAT = {
    "remediate": "remediation (restart, rollout undo, scale…)",
    "terminate_backend": "killing a backend (pg_terminate_backend)",
    "cancel_backend": "cancelling a query (pg_cancel_backend)",
    "terminate_idle": "killing idle sessions",
    "post_update": "posting status updates",
    "escalate": "escalation (paging people)",
}


class WarroomApp(HeldToasts, ConsoleBase):
    """The console: every binding has an id, so it can be remapped (tui/keys.py)."""

    BINDINGS = KEYS
    _quit_question: ConfirmScreen | None = None  # open: quitting would lose events held
    _quit_asked: ConfirmScreen | None = None  # the last quit question asked (open or not)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.incident = IncidentKeys(self)
        self.remediation = RemediationKeys(self)
        self.verification = VerificationKeys(self)
        self.comms = CommsKeys(self)
        self.investigate = InvestigateKeys(self)
        self.runbooks = RunbookKeys(self)

    def key_groups(self) -> Sequence[object]:
        return (
            self.incident,
            self.remediation,
            self.verification,
            self.comms,
            self.investigate,
            self.runbooks,
        )

    def session_opened(self) -> None:
        super().session_opened()
        self.comms.start()
        self.runbooks.start()
        keep = getattr(self.actions, "keep_ready", None)
        if keep is not None:  # live: a database connection held for when no slot is left
            self.run_worker(keep(), group="actions", exit_on_error=False)

    async def on_unmount(self) -> None:
        await self.comms.stop()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A key this console cannot run is shown disabled (None), never hidden: pressed, it
        says why (`refusal`)."""
        return None if self.refusal(action, channels=False) else True

    def refusal(self, action: str, what: str | None = None, *, channels: bool = True) -> str | None:
        """Why `action` (a key's, or a palette target's: `what` it does) cannot run on this
        console, or None. Read-only mode refuses every key that changes production or
        reaches people; a console with no backend to act on refuses those that change
        production, and (with `channels`) one with no channel to send on those that reach
        people. While the session opens, a console is given what it will have."""
        if action not in MUTATING | OUTBOUND:
            return None
        what = what or WHAT.get(action, action)
        if self.read_only:
            return f"read-only: {what} is disabled on this console"
        if not self.opened:
            return None
        if action in MUTATING and self.actions is None:
            return f"no backend to act on: {what} is unavailable"
        if channels and action in OUTBOUND and not self.comms.can_send:
            return f"no [notify] channel configured: {what} is unavailable"
        return None

    def update_note(self) -> str | None:
        """Read-only: status updates are not sent from this console (the header says so)."""
        return "not sent from this console" if self.read_only else None  # the badge says why

    async def run_key(
        self, name: str, method: Callable[..., object], params: tuple[object, ...]
    ) -> bool:
        """The incident's keys wait for the session's journal: a moment after the first frame.
        A key refused here says why, as a toast: a key never does nothing."""
        if not self.opened and name in NEEDS_SESSION:
            self.notify("Still opening the session's journal: press it again in a moment")
            return True
        refused = self.refusal(name)
        if refused:
            self.notify(refused, severity="warning", markup=False)
            return True
        return await super().run_key(name, method, params)

    def action_quit_console(self) -> None:
        asked = self._quit_asked
        if asked is not None and asked in self.screen_stack:
            return  # ctrl+q again over the question (it passes dialogs): one question
        if self.opened and self.recorder.holding is not None:
            self.run_worker(self._quit_not_recorded(), exclusive=True, group="quit")
            return
        from tui.unrecorded import not_sent_yet

        incident = self.recorder.state.incident if self.opened else None
        waiting = ""
        if self.opened:
            with self.recorder.journal.lock:  # the outbox shares the recorder's connection
                waiting = not_sent_yet(self.comms.outbox)
        if (incident is None or not incident.open) and not waiting:
            self.exit(0)
            return

        from widgets.modals import ConfirmScreen

        def answered(confirmed: object) -> None:
            if confirmed:
                self.exit(0)

        path = inert(self.recorder.journal.path)
        message = (
            f"{incident.incident_id} is still open. Everything is in the journal "
            f"({path}); opening it again resumes the incident."
            if incident is not None and incident.open
            else f"Everything is in the journal ({path})."
        )
        if waiting:
            message += f"\n\n{waiting}"
        self._quit_asked = ConfirmScreen("Quit warroom?", message, "Quit")
        self.push_screen(self._quit_asked, answered)

    async def _quit_not_recorded(self) -> None:
        """Quitting with events held in memory: try once more to write them; if the journal
        still cannot take them, say what would be lost, and quit only if told to."""
        if await self.retry_journal():
            self.action_quit_console()  # written: quit as ever
            return
        holding = self.recorder.holding
        if holding is None:
            self.action_quit_console()
            return
        from tui.base import JOURNAL_RETRY
        from tui.unrecorded import quit_question, unsent
        from widgets.modals import ConfirmScreen

        journal = self.recorder.journal
        with journal.lock:  # the recorder's thread holds more meanwhile: count them still
            title, message = quit_question(
                holding, journal.path, unsent(self.comms.outbox), JOURNAL_RETRY
            )
        from widgets.modals import ask

        self._quit_question = self._quit_asked = ConfirmScreen(title, message, "Quit anyway")
        try:
            if await ask(self, self._quit_question):
                self.exit(0)
        finally:
            self._quit_question = None

    async def retry_journal(self) -> bool:
        """As ever; and the question before quitting, if open, says what is lost as it stands
        after the try: more events held since it opened, or none (the disk freed meanwhile)."""
        written = await super().retry_journal()
        question = self._quit_question
        if question is None:
            return written
        from tui.base import JOURNAL_RETRY
        from tui.unrecorded import quit_question, unsent, written_question

        journal = self.recorder.journal
        holding = self.recorder.holding
        if holding is None:
            incident = self.recorder.state.incident
            opened = incident.incident_id if incident is not None and incident.open else None
            question.reword(*written_question(journal.path, opened))
            return written
        with journal.lock:
            title, message = quit_question(
                holding, journal.path, unsent(self.comms.outbox), JOURNAL_RETRY
            )
        question.reword(title, message, "Quit anyway")
        return written

    async def action_quit(self) -> None:
        """Textual's own ways out (ctrl+q, its palette command) ask as `q` does while an
        incident is open: the commander never leaves an open incident by accident."""
        self.action_quit_console()

    def refused_now(self, action: str) -> str | None:
        if action == "post_update" and self.opened and self.comms.resolved_incident():
            return None  # `u` offers the final Resolved update of the incident just resolved
        return super().refused_now(action)

    def palette_commands(self) -> list[Command]:
        """The palette's commands: every key's, then each target there is one for ("Restart
        tracklist-service", "Kill pid 4242"), then messages to resend."""
        from tui.palette import from_system, targets

        comms = (*self.comms.final_update_commands(), *self.comms.resend_commands())
        resend = [from_system(c) for c in comms]
        return [*super().palette_commands(), *targets(self), *resend]
