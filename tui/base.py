"""The console's core: layout, the one way events come in, and the repaint."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from textual.app import App, ComposeResult
from textual.containers import Container
from textual.widgets import Footer

from probes.actions import Actuator
from probes.base import Probe
from probes.scheduler import ProbeScheduler
from state.clock import Clock
from state.console import Incident
from state.events import EventBase
from state.recorder import Recorder
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


class ConsoleBase(App[int]):
    """Every fact the console shows came through `record`: journaled, then folded."""

    def __init__(
        self,
        recorder: Recorder,
        clock: Clock,
        *,
        operator: str,
        probes: Sequence[Probe] = (),
        actuator: Actuator | None = None,
        read_only: bool = False,
        badge: str = "LIVE",
        speed: float = 1.0,
        watch_terminal: bool = True,
    ) -> None:
        super().__init__()
        self.recorder = recorder
        self.clock = clock
        self.operator = operator
        self.actuator = None if read_only else actuator
        self.read_only = read_only
        self.badge = "READ-ONLY" if read_only else badge
        self.speed = speed
        self.current_pane = 0
        self._probes = list(probes)
        self._scheduler: ProbeScheduler | None = None
        self._dirty = False
        self._watch = TerminalWatch(self) if watch_terminal else None

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
            self._scheduler = ProbeScheduler(self._probes, self.clock, self.record, self.speed)
            self._scheduler.start()
        if self._watch and not self.is_headless:
            self._watch.start()

    async def on_unmount(self) -> None:
        if self._scheduler:
            await self._scheduler.stop()

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
        alerts = []
        for pane in self.panes:
            pane.show(state, now)
            alert = pane.alerting(state)
            pane.set_class(alert, "-alert")
            alerts.append(alert)
        self.query_one(PaneTabs).show(self.current_pane, alerts)

    def now(self) -> datetime:
        return self.clock.now()

    def action_pane(self, index: int) -> None:
        self.current_pane = index
        for i, pane in enumerate(self.panes):
            pane.set_class(i == index, "-current")
        if self.panes[index].can_focus:
            self.panes[index].focus()
        self.redraw()

    def open_incident(self) -> Incident | None:
        """The open incident, or None after telling the commander to declare one."""
        incident = self.recorder.state.incident
        if incident is None or not incident.open:
            self.notify("No open incident: press d to declare one", severity="warning")
            return None
        return incident
