"""What live, replay and drill all show: the header and five panes of one folded state."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App, ComposeResult
from textual.containers import Container

from widgets.error_rate import ErrorRatePane
from widgets.header import IncidentHeader
from widgets.keybar import KeyBar
from widgets.latency import LatencyPane
from widgets.locks import LocksPane
from widgets.pane import Pane
from widgets.services import ServicesPane
from widgets.tabs import PaneTabs
from widgets.timeline import TimelinePane

if TYPE_CHECKING:
    from state.console import ConsoleState

# shown at the right of the key bar whatever the width: how to learn the rest, and to leave
PINNED_KEYS = ("help", "quit_console", "command_palette")

PANES: tuple[tuple[str, str, type[Pane]], ...] = (
    ("services", "Services", ServicesPane),
    ("error-rate", "Error rate", ErrorRatePane),
    ("locks", "DB locks", LocksPane),
    ("latency", "p95", LatencyPane),
    ("timeline", "Timeline", TimelinePane),
)


class ConsoleView(App[int]):
    """The layout and the repaint; subclasses say which state, as of which time, to show."""

    CSS_PATH = Path(__file__).with_name("warroom.tcss")  # for subclasses elsewhere too
    TITLE = "warroom"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]

    badge = "LIVE"
    current_pane = 0

    def view(self) -> tuple[ConsoleState, datetime] | None:
        """The state to show and its time; None while the session is still opening."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield IncidentHeader(id="header")
        yield PaneTabs([name for _, name, _ in PANES], id="tabs")
        with Container(id="panes"):
            for key, _, pane in PANES:
                yield pane(id=key)
        yield from self.compose_extra()
        yield KeyBar(PINNED_KEYS, id="keys")

    def compose_extra(self) -> ComposeResult:
        """Anything between the panes and the key bar (the replay's scrubber)."""
        yield from ()

    @property
    def panes(self) -> list[Pane]:
        return [self.query_one(f"#{key}", Pane) for key, _, _ in PANES]

    def on_mount(self) -> None:
        self.panes[0].add_class("-current")
        self.redraw()

    def redraw(self) -> None:
        shown = self.view()
        if shown is None:
            self.query_one(IncidentHeader).opening(self.badge)
            for pane in self.panes:
                pane.waiting()
            self.query_one(PaneTabs).show(self.current_pane, [False] * len(PANES))
            return
        state, now = shown
        self.query_one(IncidentHeader).show(state, now, self.badge)
        alerts = []
        for pane in self.panes:
            pane.show(state, now)
            alert = pane.alerting(state)
            pane.set_class(alert, "-alert")
            alerts.append(alert)
        self.query_one(PaneTabs).show(self.current_pane, alerts)

    def action_pane(self, index: int) -> None:
        self.current_pane = index
        for i, pane in enumerate(self.panes):
            pane.set_class(i == index, "-current")
        if self.panes[index].can_focus:
            self.panes[index].focus()
        self.redraw()
