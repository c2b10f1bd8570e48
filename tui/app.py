"""The warroom App: header, five panes, one key per act. Live, demo and drill share it.

Its bindings run the key groups its ConsoleScreen holds (tui/screen.py): the incident's
(tui/incident_keys.py), production's (tui/remediation_keys.py), verification's
(tui/verification.py) and the messages' (tui/comms_keys.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.binding import Binding

from state.text import inert
from tui.base import PANES, ConsoleBase
from tui.comms_keys import CommsKeys
from tui.incident_keys import IncidentKeys
from tui.investigate import InvestigateKeys
from tui.remediation_keys import RemediationKeys
from tui.runbook import RunbookKeys
from tui.verification import VerificationKeys

if TYPE_CHECKING:
    from textual.screen import Screen

# keys that change production: absent in read-only mode or with nothing to act on
MUTATING = frozenset({"remediate", "terminate_backend", "cancel_backend", "terminate_idle"})
# keys that reach people outside: absent in read-only mode
OUTBOUND = frozenset({"post_update", "escalate"})
# keys that write to the journal, so wait for it to open
NEEDS_SESSION = MUTATING | OUTBOUND | {"declare", "acknowledge", "severity", "note", "roles"}
NEEDS_SESSION |= {"verify", "resolve", "investigate", "runbook"}


class WarroomApp(ConsoleBase):
    """The console: every binding has an id, so it can be remapped."""

    BINDINGS = [
        Binding("d", "declare", "Declare", id="incident.declare"),
        Binding("a", "acknowledge", "Ack", id="incident.acknowledge"),
        Binding("s", "severity", "Severity", id="incident.severity"),
        Binding("n", "note", "Note", id="incident.note"),
        Binding("r", "remediate", "Remediate", id="action.remediate"),
        Binding("k", "terminate_backend", "Kill backend", id="action.terminate_backend"),
        Binding("c", "cancel_backend", "Cancel query", show=False, id="action.cancel_backend"),
        Binding("i", "terminate_idle", "Kill idle", show=False, id="action.terminate_idle"),
        Binding("u", "post_update", "Update", id="comms.post_update"),
        Binding("e", "escalate", "Escalate", id="comms.escalate"),
        Binding("v", "verify", "Verify", id="incident.verify"),
        Binding("x", "resolve", "Resolve", id="incident.resolve"),
        Binding("o", "roles", "Roles", show=False, id="incident.roles"),
        Binding("g", "investigate", "Investigate", id="incident.investigate"),
        Binding("b", "runbook", "Runbook", id="incident.runbook"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, id="app.command_palette"),
        Binding("q", "quit_console", "Quit", id="app.quit"),
        *(
            Binding(str(i + 1), f"pane({i})", f"{name} pane", show=False, id=f"pane.{key}")
            for i, (key, name, _) in enumerate(PANES)
        ),
    ]

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

    async def on_unmount(self) -> None:
        await self.comms.stop()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Read-only mode, or no backend to act on, removes every mutating key."""
        if action in OUTBOUND:
            return not self.read_only
        # while the session opens, the keys it will have: a console is given an actions
        # unless read-only, and one that is not is told after it opens (ConsoleBase._open)
        acts = self.actions is not None if self.opened else not self.read_only
        return not (action in MUTATING and not acts)

    async def run_key(
        self, name: str, method: Callable[..., object], params: tuple[object, ...]
    ) -> bool:
        """The incident's keys wait for the session's journal: a moment after the first frame."""
        if not self.opened and name in NEEDS_SESSION:
            self.notify("Still opening the session's journal: press it again in a moment")
            return True
        return await super().run_key(name, method, params)

    def _bindings_described(self) -> list[Binding]:
        return [
            b
            for b in self.BINDINGS
            if isinstance(b, Binding)
            and b.description
            and self.check_action(b.action.split("(")[0], ())
        ]

    def action_help(self) -> None:
        from widgets.modals import HelpScreen

        keys = [(self.get_key_display(b), b.description) for b in self._bindings_described()]
        self.push_screen(HelpScreen(keys))

    def action_quit_console(self) -> None:
        incident = self.recorder.state.incident if self.opened else None
        if incident is None or not incident.open:
            self.exit(0)
            return

        from widgets.modals import ConfirmScreen

        def answered(confirmed: object) -> None:
            if confirmed:
                self.exit(0)

        message = (
            f"{incident.incident_id} is still open. Everything is in the journal "
            f"({inert(self.recorder.journal.path)}); opening it again resumes the incident."
        )
        self.push_screen(ConfirmScreen("Quit warroom?", message, "Quit"), answered)

    async def action_quit(self) -> None:
        """Textual's own ways out (ctrl+q, its palette command) ask as `q` does while an
        incident is open: the commander never leaves an open incident by accident."""
        self.action_quit_console()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.callback != self.action_quit:  # warroom's Quit below, the one that asks
                yield command
        for binding in self._bindings_described():
            if binding.id == "app.command_palette":
                continue
            action = binding.action
            yield SystemCommand(
                binding.description,
                f"{binding.description} (key {self.get_key_display(binding)})",
                lambda action=action: self.run_action(action),
            )
        yield from self.comms.resend_commands()
