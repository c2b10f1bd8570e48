"""The warroom App: header, five panes, one key per act. Live, demo and drill share it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Container
from textual.screen import Screen
from textual.widgets import Footer

from probes.base import Probe
from probes.scheduler import ProbeScheduler
from state.clock import Clock
from state.events import (
    EventBase,
    IncidentAcknowledged,
    IncidentDeclared,
    NoteAdded,
    RoleAssigned,
    SeverityChanged,
)
from state.policy import incident_id
from state.recorder import Recorder
from state.severity import Role, Severity
from state.signals import suggestion
from tui.tty import TerminalWatch
from widgets.error_rate import ErrorRatePane
from widgets.header import IncidentHeader
from widgets.latency import LatencyPane
from widgets.locks import LocksPane
from widgets.pane import Pane
from widgets.services import ServicesPane
from widgets.tabs import PaneTabs
from widgets.timeline import TimelinePane

PANES: tuple[tuple[str, str, type[Pane]], ...] = (
    ("services", "Services", ServicesPane),
    ("error-rate", "Error rate", ErrorRatePane),
    ("locks", "DB locks", LocksPane),
    ("latency", "p95", LatencyPane),
    ("timeline", "Timeline", TimelinePane),
)


class WarroomApp(App[int]):
    """The console. Every fact it shows came through `record`: journaled, then folded."""

    CSS_PATH = "warroom.tcss"
    TITLE = "warroom"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    BINDINGS = [
        Binding("d", "declare", "Declare", id="incident.declare"),
        Binding("a", "acknowledge", "Ack", id="incident.acknowledge"),
        Binding("s", "severity", "Severity", id="incident.severity"),
        Binding("n", "note", "Note", id="incident.note"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
        Binding("ctrl+p", "command_palette", "Commands", id="app.command_palette"),
        Binding("q", "quit_console", "Quit", id="app.quit"),
        *(
            Binding(str(i + 1), f"pane({i})", f"{name} pane", show=False, id=f"pane.{key}")
            for i, (key, name, _) in enumerate(PANES)
        ),
    ]

    def __init__(
        self,
        recorder: Recorder,
        clock: Clock,
        *,
        operator: str,
        probes: Sequence[Probe] = (),
        badge: str = "LIVE",
        speed: float = 1.0,
        watch_terminal: bool = True,
    ) -> None:
        super().__init__()
        self.recorder = recorder
        self.clock = clock
        self.operator = operator
        self.badge = badge
        self.current_pane = 0
        self._probes = list(probes)
        self._speed = speed
        self._scheduler: ProbeScheduler | None = None
        self._dirty = False
        self._watch = TerminalWatch(self) if watch_terminal else None

    # ---- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield IncidentHeader(id="header")
        yield PaneTabs([name for _, name, _ in PANES], id="tabs")
        with Container(id="panes"):
            for key, _, pane in PANES:
                yield pane(id=key)
        yield Footer()

    @property
    def panes(self) -> list[Pane]:
        return [self.query_one(f"#{key}", Pane) for key, _, _ in PANES]

    def on_mount(self) -> None:
        self.panes[0].add_class("-current")
        self.redraw()
        self.set_interval(1.0, self.redraw, name="clock")
        if self._probes:
            self._scheduler = ProbeScheduler(self._probes, self.clock, self.record, self._speed)
            self._scheduler.start()
        if self._watch and not self.is_headless:
            self._watch.start()

    async def on_unmount(self) -> None:
        if self._scheduler:
            await self._scheduler.stop()

    # ---- the one way in -------------------------------------------------------------------------

    def record(self, event: EventBase) -> None:
        """Journal `event`, fold it, and repaint once the burst it came in is folded."""
        self.recorder.record(event)
        if not self._dirty:
            self._dirty = True
            self.call_later(self.redraw)

    def redraw(self) -> None:
        self._dirty = False
        state, now = self.recorder.state, self.clock.now()
        self.query_one(IncidentHeader).show(state, now, self.badge)
        panes = self.panes
        alerts = []
        for pane in panes:
            pane.show(state, now)
            alert = pane.alerting(state)
            pane.set_class(alert, "-alert")
            alerts.append(alert)
        self.query_one(PaneTabs).show(self.current_pane, alerts)

    def now(self) -> datetime:
        return self.clock.now()

    # ---- actions ---------------------------------------------------------------------------------

    def action_pane(self, index: int) -> None:
        self.current_pane = index
        for i, pane in enumerate(self.panes):
            pane.set_class(i == index, "-current")
        self.redraw()

    def action_declare(self) -> None:
        state = self.recorder.state
        if state.incident and state.incident.open:
            self.notify(f"{state.incident.incident_id} is already open", severity="warning")
            return
        from widgets.modals import DeclareScreen  # dialogs load on first use, not at start-up

        hint = suggestion(state)
        title = hint.reasons[0] if hint.alerting else "Investigating an issue"

        def declared(result: tuple[Severity, str] | None) -> None:
            if result is None:
                return
            severity, title = result
            now = self.now()
            self.record(
                IncidentDeclared(
                    at=now,
                    incident_id=incident_id(now),
                    severity=severity,
                    title=title,
                    reason=hint.reason,
                    by=self.operator,
                )
            )
            # whoever declares leads until a handoff says otherwise
            self.record(RoleAssigned(at=now, role=Role.IC, person=self.operator, by=self.operator))

        self.push_screen(DeclareScreen(hint.severity, hint.reason, title), declared)

    def _open_incident(self) -> bool:
        incident = self.recorder.state.incident
        if incident is None or not incident.open:
            self.notify("No open incident: press d to declare one", severity="warning")
            return False
        return True

    def action_acknowledge(self) -> None:
        if not self._open_incident():
            return
        incident = self.recorder.state.incident
        assert incident is not None
        if incident.acknowledged_at is not None:
            self.notify(f"Already acknowledged by {incident.acknowledged_by}")
            return
        self.record(IncidentAcknowledged(at=self.now(), by=self.operator))

    def action_severity(self) -> None:
        if not self._open_incident():
            return
        incident = self.recorder.state.incident
        assert incident is not None
        from widgets.modals import SeverityScreen

        hint = suggestion(self.recorder.state)

        def changed(result: tuple[Severity, str] | None) -> None:
            if result is None:
                return
            severity, reason = result
            self.record(
                SeverityChanged(
                    at=self.now(),
                    severity=severity,
                    previous=incident.severity,
                    reason=reason,
                    by=self.operator,
                )
            )

        self.push_screen(SeverityScreen(incident.severity, hint.severity, hint.reason), changed)

    def action_note(self) -> None:
        from widgets.modals import NoteScreen

        def added(text: str | None) -> None:
            if text:
                self.record(NoteAdded(at=self.now(), text=text, by=self.operator))

        self.push_screen(NoteScreen(), added)

    def action_help(self) -> None:
        from widgets.modals import HelpScreen

        keys = [
            (self.get_key_display(b), b.description)
            for b in self.BINDINGS
            if isinstance(b, Binding) and b.description
        ]
        self.push_screen(HelpScreen(keys))

    def action_quit_console(self) -> None:
        incident = self.recorder.state.incident
        if incident is None or not incident.open:
            self.exit(0)
            return

        from widgets.modals import ConfirmScreen

        def answered(quit_: bool | None) -> None:
            if quit_:
                self.exit(0)

        message = (
            f"{incident.incident_id} is still open. Everything is in the journal "
            f"({self.recorder.journal.path}); opening it again resumes the incident."
        )
        self.push_screen(ConfirmScreen("Quit warroom?", message, "Quit"), answered)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if (
                isinstance(binding, Binding)
                and binding.description
                and binding.id != "app.command_palette"
            ):
                action = binding.action
                yield SystemCommand(
                    binding.description,
                    f"{binding.description} (key {self.get_key_display(binding)})",
                    lambda action=action: self.run_action(action),
                )
