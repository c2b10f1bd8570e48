"""The one console screen live, drill and replay show: header, tabs, five panes, the key bar.

The screen draws whatever state its console (tui/view.py) says to show, as of which time,
and holds the console's key groups: plain classes whose `action_*` methods the console's
bindings (tui/keys.py) run. Replay adds its scrubber above the key bar.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from textual import events
from textual.actions import SkipAction
from textual.containers import Container
from textual.screen import Screen

from state.guide.phase import flags, overdue, phase
from state.text import inert
from tui import startup
from tui.layout import grid_rows
from widgets.error_rate import ErrorRatePane
from widgets.header import IncidentHeader
from widgets.keybar import KeyBar
from widgets.latency import LatencyPane
from widgets.locks import LocksPane
from widgets.services import ServicesPane
from widgets.table import RowsPane
from widgets.tabs import PaneTabs
from widgets.timeline import TimelinePane

if TYPE_CHECKING:
    from datetime import datetime

    from textual.app import App, ComposeResult
    from textual.widgets import Input

    from state.console import ConsoleState
    from tui.view import ConsoleView
    from widgets.filter_bar import FilterBar
    from widgets.pane import Pane
    from widgets.text_line import TextLine

T = TypeVar("T")

# the worker groups whose keys open a dialog once a backend has answered (tui/*_keys.py), and
# how long the keys typed after one are held for that dialog
DIALOG_WORKERS = frozenset({"comms", "action"})
HOLD = 1.0  # seconds

# shown at the bottom right of the key bar whatever the width: how to learn the rest, and to leave
PINNED_KEYS = ("help", "quit_console", "quit", "command_palette")

PANES: tuple[tuple[str, str, type[Pane]], ...] = (
    ("services", "Services", ServicesPane),
    ("error-rate", "Error rate", ErrorRatePane),
    ("locks", "DB locks", LocksPane),
    ("latency", "p95", LatencyPane),
    ("timeline", "Timeline", TimelinePane),
)


def size_classes(app: App) -> set[str]:
    """The breakpoint classes Textual gives a screen of the app's size (`HORIZONTAL_BREAKPOINTS`,
    `VERTICAL_BREAKPOINTS`: the widest threshold the size reaches, in each direction)."""
    width, height = app.size
    classes = set()
    for size, breakpoints in (
        (width, app.HORIZONTAL_BREAKPOINTS),
        (height, app.VERTICAL_BREAKPOINTS),
    ):
        reached = [(at, name) for at, name in breakpoints or () if size >= at]
        if reached:
            classes.add(max(reached)[1])
    return classes


class ConsoleScreen(Screen[None]):
    """The layout and the repaint of one folded state; `keys` are the groups its keys run."""

    # the focus at start, and whenever none is left: the first service table (the panes
    # mount their rows with the first state drawn, widgets/pane.py `mount_rows`), never
    # the timeline, the first focusable widget before the tables come
    AUTO_FOCUS = "PaneTable"

    def __init__(
        self, console: ConsoleView, keys: Sequence[object] = (), *, scrubber: bool = False
    ) -> None:
        super().__init__()
        self.console = console
        self.keys = tuple(keys)
        self.scrubber = scrubber
        self.current_pane = 0
        self.ready = False  # composed and mounted: there is something to draw on
        self.query_text = ""  # the filter on the service panes (`/`)
        self._grid: tuple[int, int] | None = None
        self._draw_errors: set[tuple[str | None, type, str]] = set()  # already in the crash log
        self._held: list[events.Key] | None = None  # keys typed while a dialog is on its way
        self._over: Screen | None = None  # the dialog over this screen, while one is
        self._drawn_state: ConsoleState | None = None  # the state the last redraw drew
        self._alerts = [False] * len(PANES)  # which panes it found alerting
        # the services down that the filter hides, as last told; None: not told yet
        self._hidden_told: frozenset[str] | None = None
        self._down_hidden = 0  # how many, as the tabs say
        self._bar: FilterBar | None = None  # the filter line, once `/` has opened it
        # its size classes (-narrow/-wide, -short/-tall) from the start: given on its first
        # resize instead, they restyled every widget once more before the first frame
        self.add_class(*size_classes(console), update=False)

    def compose(self) -> ComposeResult:
        # kept, not queried: a repaint every second would walk the DOM for them each time
        self._header = IncidentHeader(id="header")
        self._tabs = PaneTabs([name for _, name, _ in PANES], id="tabs")
        self._panes = [pane(id=key) for key, _, pane in PANES]
        self._keys = KeyBar(PINNED_KEYS, id="keys")
        self._grid_box = Container(id="panes")
        self._panes[0].add_class("-current", update=False)  # styled as it mounts
        yield self._header
        yield self._tabs
        with self._grid_box:
            yield from self._panes
        if self.scrubber:
            from widgets.scrubber import Scrubber

            yield Scrubber(id="scrubber")
        yield self._keys  # the filter line comes above it when `/` first opens it

    @property
    def panes(self) -> list[Pane]:
        return self._panes

    def key_action(self, name: str) -> Callable[..., object] | None:
        """The method a binding's action `name` runs: a key group's `action_<name>`, or None."""
        if name == "pane":
            return self.action_pane
        if name in ("filter", "clear_filter"):
            return getattr(self, f"action_{name}")
        for group in self.keys:
            method = getattr(group, f"action_{name}", None)
            if callable(method):
                return method
        return None

    def on_mount(self) -> None:
        if self.scrubber:  # replay opens on its scrubber: home and end are its start and end
            self.query_one("#scrubber").focus()
        self.ready = True
        self.console.redraw()  # the console's, which may draw more (the replay's scrubber)

    def redraw(self, clock_only: bool = False) -> None:
        """Draw the console's state as of its time. `clock_only`: only the clock moved on
        since the last redraw; if the state is the one drawn then, only what shows the time
        is drawn again (`_tick`)."""
        for _ in self.redraw_steps(clock_only):
            pass

    def redraw_steps(self, clock_only: bool = False) -> Iterator[None]:
        """`redraw`, a pane at a time: it yields after each pane, and ends with the header,
        tabs, key bar and layout, which say what the panes found. The console runs a
        probes' refresh this way with the loop free between panes (tui/view.py
        `redraw_sliced`): at 300 services the whole repaint is ~15 ms of the UI loop, and a
        key pressed during it waited for all of it."""
        if not self._header.is_attached:
            return  # the console is closing: its widgets are gone, nothing to draw on
        shown = self.console.view()
        badge = self.console.badge
        if shown is None:
            self._header.opening(badge)
            for pane in self.panes:
                pane.waiting()
            self._tabs.show(self.current_pane, [False] * len(PANES))
            return
        state, now = shown
        if clock_only and state is self._drawn_state:
            self._tick(state, now)
            return
        alerts = []
        for pane in self.panes:
            alerts.append(bool(self.drawn(pane, partial(self._show_pane, pane, state, now))))
            yield
        self._drawn_state = state
        self._alerts = alerts
        self._tell_hidden_down(state)
        header = self._header
        header.update_note = self.console.update_note()
        header.declare_key = self.console.key_for("declare")
        header.flagged = self._flagged(state, alerts)
        header.not_recorded = self.console.not_recorded()
        header.not_checkpointed = self.console.not_checkpointed()
        self.drawn(header, lambda: header.show(state, now, badge))
        tabs = self._tabs
        stale = [pane.probes_staleness(state, now) is not None for pane in self.panes]
        query, down = self.query_text, self._down_hidden
        self.drawn(tabs, lambda: tabs.show(self.current_pane, alerts, stale, query, down))
        keys = self._keys
        self.drawn(keys, lambda: keys.follow(phase(state), flags(state), overdue(state, now)))
        self._lay_out(state)

    def _tick(self, state: ConsoleState, now: datetime) -> None:
        """The second's repaint of a state already drawn: the header's clocks, the panes that
        show an age, the staleness in borders and tabs. What depends on the state alone (the
        rows, what the panes flag, the keys, the layout) is as the last redraw left it."""
        for pane in self.panes:
            self.drawn(pane, partial(pane.tick, state, now))
        header, tabs = self._header, self._tabs
        header.not_recorded = self.console.not_recorded()
        header.not_checkpointed = self.console.not_checkpointed()
        self.drawn(header, lambda: header.show(state, now, self.console.badge))
        stale = [pane.probes_staleness(state, now) is not None for pane in self.panes]
        query, down = self.query_text, self._down_hidden
        self.drawn(tabs, lambda: tabs.show(self.current_pane, self._alerts, stale, query, down))
        keys = self._keys  # a duty falls due with time alone: its key comes on the bar
        self.drawn(keys, lambda: keys.follow_duties(overdue(state, now)))

    def _flagged(self, state: ConsoleState, alerts: list[bool]) -> tuple[str, ...]:
        """What each flagged pane flags, named as its tab: 'DB locks: 3 sessions blocked'."""
        found = []
        for (_, name, _), pane, alert in zip(PANES, self.panes, alerts, strict=True):
            if alert:
                said = pane.flag(state)
                found.append(f"{name}: {said}" if said else name)
        return tuple(found)

    def on_resize(self) -> None:
        self._grid = None
        self.call_after_refresh(self._resized)

    def _resized(self) -> None:
        """Lay the panes out for the new size."""
        self.console.redraw()

    def _lay_out(self, state: ConsoleState) -> None:
        """Give each row of panes the lines its content wants (tui/layout.py)."""
        grid = self._grid_box
        if not grid.size.height:
            return  # not laid out yet: the resize that follows lays it out
        panes = {pane.id: pane for pane in self.panes}

        def wanted(*ids: str) -> int:
            return max(self.drawn(panes[i], partial(panes[i].wanted, state)) or 0 for i in ids)

        top, middle = wanted("services", "error-rate"), wanted("locks", "latency")
        rows = grid_rows(grid.size.height, top, middle)
        if rows != self._grid:
            self._grid = rows
            grid.styles.grid_rows = f"{rows[0]} {rows[1]} 1fr"

    # ---- the filter --------------------------------------------------------------------------

    async def action_filter(self) -> None:
        """`/`: the filter line, to type a part of a service's name."""
        if self._bar is None:
            # mounted the first time: hidden until then, it was styled with the first frame
            # for nothing (a container and its stylesheet, ~2 % of live's start)
            from widgets.filter_bar import FilterBar

            self._bar = FilterBar(id="filter")
            await self.mount(self._bar, before=self._keys)
        await self._bar.open()

    def action_clear_filter(self) -> None:
        """Escape: no filter, every service shown again."""
        bar = self._bar
        if bar is None or (not bar.display and not self.query_text):
            if self.scrubber and self.focused is not self.query_one("#scrubber"):
                self.query_one("#scrubber").focus()  # replay: back from a pane to the time
                return
            raise SkipAction()
        bar.value = ""
        self._filter("")
        self._close_filter()

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._bar is not None and event.input.parent is self._bar:
            self._filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self._bar is not None and event.input.parent is self._bar:
            self._close_filter()

    def _filter(self, query: str) -> None:
        self.query_text = query.strip()
        self._hidden_told = None  # what the new filter hides is in the borders: not news
        for pane in self.query(RowsPane):
            pane.filter(self.query_text)
        self.console.redraw()

    def _tell_hidden_down(self, state: ConsoleState) -> None:
        """A service that goes down while the filter hides it is told as a toast, besides
        the count in the borders ('1 down hidden'): the commander filtering for "pay" looks
        at those rows, not at the border. What the filter hid when it was typed is in the
        borders already, and a replay's seek is not news: neither is told."""
        if not self.query_text:
            self._hidden_told = None
            self._down_hidden = 0
            return
        hidden: frozenset[str] = frozenset()
        for pane in self.panes:
            if isinstance(pane, RowsPane):  # a pane out of sight (80x24) is not drawn: ask it
                self.drawn(pane, partial(pane.ordered, state))
                hidden |= pane.hidden_down
        self._down_hidden = len(hidden)
        told, self._hidden_told = self._hidden_told, hidden
        new = hidden - told if told is not None else frozenset()
        if not new or self.scrubber:
            return
        names = sorted(new)
        said = ", ".join(inert(n, 60) for n in names[:3])
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        clear = self.console.key_for("clear_filter") or "esc"
        self.app.notify(
            f"{said}{more} down, hidden by the filter /{inert(self.query_text, 40)} "
            f"({clear} clears it)",
            severity="error",
            markup=False,
        )

    def _close_filter(self) -> None:
        if self._bar is not None:
            self._bar.display = False
        target = self.panes[self.current_pane].focus_target()
        if target is not None:
            target.focus()

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

    async def on_key(self, event: events.Key) -> None:
        """Type-ahead: keys typed right after `n` go to the note dialog, in order.

        Textual hands a key to the focused widget, which passes it to this screen, which
        passes it to the App, which runs its binding; keys typed in a burst are all on their
        way before the first one's binding has pushed its dialog, and would reach the App to
        be checked against the dialog's bindings, and be lost. So this screen runs a key's
        binding itself, as the App would, and passes the keys after it to the dialog now on
        top (widgets/modals.py keeps those that arrive before it has focused its field).

        A key whose dialog comes from a worker (`u`, `e`, `r`, `k`, `c`, `i`: they ask a
        backend first) holds the keys typed after it until the dialog is up, for at most
        `HOLD` seconds; with no dialog by then they are this screen's keys again.
        """
        event.stop()
        event.prevent_default()
        key = events.Key(event.key, event.character)
        if self.app.screen is not self:
            (self.app.focused or self.app.screen)._forward_event(key)
        elif self._held is not None:
            self._held.append(key)
        else:
            before = set(self.app.workers)
            await self.app._check_bindings(event.key)
            self.console.key_answered()
            if self.app.screen is self and any(
                w.group in DIALOG_WORKERS for w in set(self.app.workers) - before
            ):
                self._held = []
                self.set_timer(HOLD, self._release_held)

    def on_screen_resume(self) -> None:
        """A dialog closed: what it built is freed once the console is drawn again. A dialog
        the console keeps (the help) built nothing to free."""
        over, self._over = self._over, None
        if over is not None and not self.app.is_screen_installed(over):
            self.app.call_after_refresh(startup.collect_closed_dialog)

    def on_screen_suspend(self) -> None:
        """A dialog is up: the keys held for it are its own."""
        self._over = self.app.screen
        held, self._held = self._held or [], None
        for key in held:
            (self.app.focused or self.app.screen)._forward_event(key)

    def _release_held(self) -> None:
        held, self._held = self._held, None
        for key in held or ():
            self.post_message(key)  # no dialog came: each key is this screen's again

    def action_pane(self, index: int) -> None:
        self.current_pane = index
        for i, pane in enumerate(self.panes):
            pane.set_class(i == index, "-current")
        target = self.panes[index].focus_target()
        if target is not None:
            target.focus()
        self.console.redraw()
