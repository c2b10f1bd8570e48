"""The one console screen live, drill and replay show: header, tabs, five panes, the key bar.

The screen draws whatever state its console (tui/view.py) says to show, as of which time,
and holds the console's key groups: plain classes whose `action_*` methods the console's
bindings (tui/keys.py) run. Replay adds its scrubber above the key bar.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from textual.containers import Container
from textual.screen import Screen

from state.guide.phase import flags, phase
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
    from datetime import datetime

    from textual.app import ComposeResult

    from state.console import ConsoleState
    from tui.view import ConsoleView
    from widgets.text_line import TextLine

T = TypeVar("T")

# shown at the bottom right of the key bar whatever the width: how to learn the rest, and to leave
PINNED_KEYS = ("help", "quit_console", "quit", "command_palette")

PANES: tuple[tuple[str, str, type[Pane]], ...] = (
    ("services", "Services", ServicesPane),
    ("error-rate", "Error rate", ErrorRatePane),
    ("locks", "DB locks", LocksPane),
    ("latency", "p95", LatencyPane),
    ("timeline", "Timeline", TimelinePane),
)


class ConsoleScreen(Screen[None]):
    """The layout and the repaint of one folded state; `keys` are the groups its keys run."""

    def __init__(
        self, console: ConsoleView, keys: Sequence[object] = (), *, scrubber: bool = False
    ) -> None:
        super().__init__()
        self.console = console
        self.keys = tuple(keys)
        self.scrubber = scrubber
        self.current_pane = 0
        self.ready = False  # composed and mounted: there is something to draw on
        self._draw_errors: set[tuple[str | None, type, str]] = set()  # already in the crash log

    def compose(self) -> ComposeResult:
        yield IncidentHeader(id="header")
        yield PaneTabs([name for _, name, _ in PANES], id="tabs")
        with Container(id="panes"):
            for key, _, pane in PANES:
                yield pane(id=key)
        if self.scrubber:
            from widgets.scrubber import Scrubber

            yield Scrubber(id="scrubber")
        yield KeyBar(PINNED_KEYS, id="keys")

    @property
    def panes(self) -> list[Pane]:
        return [self.query_one(f"#{key}", Pane) for key, _, _ in PANES]

    def key_action(self, name: str) -> Callable[..., object] | None:
        """The method a binding's action `name` runs: a key group's `action_<name>`, or None."""
        if name == "pane":
            return self.action_pane
        for group in self.keys:
            method = getattr(group, f"action_{name}", None)
            if callable(method):
                return method
        return None

    def on_mount(self) -> None:
        self.panes[0].add_class("-current")
        self.ready = True
        self.console.redraw()  # the console's, which may draw more (the replay's scrubber)

    def redraw(self) -> None:
        shown = self.console.view()
        badge = self.console.badge
        if shown is None:
            self.query_one(IncidentHeader).opening(badge)
            for pane in self.panes:
                pane.waiting()
            self.query_one(PaneTabs).show(self.current_pane, [False] * len(PANES))
            return
        state, now = shown
        alerts = []
        for pane in self.panes:
            alerts.append(bool(self.drawn(pane, partial(self._show_pane, pane, state, now))))
        header = self.query_one(IncidentHeader)
        header.update_note = self.console.update_note()
        header.declare_key = self.console.key_for("declare")
        header.flagged = self._flagged(state, alerts)
        self.drawn(header, lambda: header.show(state, now, badge))
        tabs = self.query_one(PaneTabs)
        self.drawn(tabs, lambda: tabs.show(self.current_pane, alerts))
        keys = self.query_one(KeyBar)
        self.drawn(keys, lambda: keys.follow(phase(state), flags(state)))

    def _flagged(self, state: ConsoleState, alerts: list[bool]) -> tuple[str, ...]:
        """What each flagged pane flags, named as its tab: 'DB locks: 3 sessions blocked'."""
        found = []
        for (_, name, _), pane, alert in zip(PANES, self.panes, alerts, strict=True):
            if alert:
                said = pane.flag(state)
                found.append(f"{name}: {said}" if said else name)
        return tuple(found)

    @staticmethod
    def _show_pane(pane: Pane, state: ConsoleState, now: datetime) -> bool:
        pane.show(state, now)
        alert = pane.alerting(state)
        pane.set_class(alert, "-alert")
        return alert

    def drawn(self, widget: Pane | TextLine, draw: Callable[[], T]) -> T | None:
        """`draw()`, or, if it raises, a placeholder in `widget` and None.

        A value in the journal the widget cannot draw costs that widget, never the console:
        the error goes to the crash log (once per widget and error), the rest is drawn, and
        the next repaint tries again.
        """
        try:
            return draw()
        except Exception as exc:
            widget.cannot_draw(exc)
            self._log_draw_error(widget, exc)
            return None

    def on_pane_cannot_draw(self, message: Pane.CannotDraw) -> None:
        self._log_draw_error(message.pane, message.error)

    def _log_draw_error(self, widget: Pane | TextLine, error: Exception) -> None:
        """Into the crash log, once per widget and error: a repaint every second draws it again."""
        seen = (widget.id, type(error), str(error)[:200])
        if seen not in self._draw_errors:
            from tui.crash import report

            self._draw_errors.add(seen)
            report(error, f"cannot draw #{widget.id}; the console went on")

    def action_pane(self, index: int) -> None:
        self.current_pane = index
        for i, pane in enumerate(self.panes):
            pane.set_class(i == index, "-current")
        if self.panes[index].can_focus:
            self.panes[index].focus()
        self.console.redraw()
