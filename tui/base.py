"""The recording console: the one way events come in (journal, then fold), probes, actions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from probes.scheduler import ProbeScheduler
from tui.tty import TerminalWatch
from tui.view import PANES, ConsoleView

if TYPE_CHECKING:
    from probes.actions import Actuator
    from probes.base import Probe
    from probes.notify.config import NotifyConfig
    from state.clock import Clock
    from state.console import ConsoleState, Incident
    from state.events import EventBase
    from state.recorder import Recorder

__all__ = ["PANES", "ConsoleBase"]


class ConsoleBase(ConsoleView):
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
        notify: NotifyConfig | None = None,
        escalation_mode: str = "prompt",
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
        self.notify_config = notify
        self.escalation_mode = escalation_mode
        self.badge = "READ-ONLY" if read_only else badge
        self.speed = speed
        self.current_pane = 0
        self._probes = list(probes)
        self._scheduler: ProbeScheduler | None = None
        self._dirty = False
        self._watch = TerminalWatch(self) if watch_terminal else None

    def on_mount(self) -> None:
        # Textual calls each class's on_mount along the MRO: ConsoleView's runs after this one
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
        super().redraw()

    def view(self) -> tuple[ConsoleState, datetime]:
        return self.recorder.state, self.clock.now()

    def now(self) -> datetime:
        return self.clock.now()

    def acknowledged(self) -> None:
        """An acknowledgement reaches PagerDuty where it is configured (tui/comms_keys.py)."""

    def offer_final_update(self) -> None:
        """Resolving offers a final update where channels exist (tui/comms_keys.py)."""

    def open_incident(self) -> Incident | None:
        """The open incident, or None after telling the commander to declare one."""
        incident = self.recorder.state.incident
        if incident is None or not incident.open:
            self.notify("No open incident: press d to declare one", severity="warning")
            return None
        return incident
