"""What live, replay and drill all show: the header and five panes of one folded state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

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
from widgets.theme import WARROOM, signal_variables
from widgets.timeline import TimelinePane

if TYPE_CHECKING:
    from state.console import ConsoleState
    from widgets.text_line import TextLine

T = TypeVar("T")

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
    # the exception that ended the console and where its traceback was written (tui/crash.py)
    crash: tuple[BaseException, Path | None] | None = None

    def __init__(self) -> None:
        super().__init__()
        self.register_theme(WARROOM)
        self.theme = WARROOM.name  # the palette's "Change theme" offers every other one
        self._draw_errors: set[tuple[str | None, type, str]] = set()  # already in the crash log

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """The panes' $warroom-* colours for a theme that does not set them (widgets/theme.py)."""
        return signal_variables(self.current_theme)

    def _handle_exception(self, error: Exception) -> None:
        """An unexpected exception ends the console with exit code 70. Its traceback goes to
        the crash log; Textual's own, printed on exit with every frame's locals (which hold
        the configuration), is dropped."""
        from textual.worker import WorkerFailed

        from tui.crash import EXIT_CRASH, report

        cause = error.error if isinstance(error, WorkerFailed) else error
        log = report(cause)
        if self.crash is None:
            self.crash = (cause, log)
        super()._handle_exception(error)  # ends the app, and hands the error to a test's Pilot
        self._exit_renderables.clear()
        self._return_code = EXIT_CRASH

    def _fatal_error(self) -> None:
        """Where Textual renders the traceback, locals and all, to print on exit: not here."""
        self.bell()
        self._close_messages_no_wait()

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
        header = self.query_one(IncidentHeader)
        self.drawn(header, lambda: header.show(state, now, self.badge))
        alerts = []
        for pane in self.panes:
            alerts.append(bool(self.drawn(pane, partial(self._show_pane, pane, state, now))))
        tabs = self.query_one(PaneTabs)
        self.drawn(tabs, lambda: tabs.show(self.current_pane, alerts))

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
        self.redraw()
