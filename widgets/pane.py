"""The shared frame of the five panes: a border, a title, staleness, repaint on change only."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from rich.text import Text
from textual.containers import Vertical
from textual.geometry import Region
from textual.message import Message

from widgets.format import cannot_draw, duration, stale_label
from widgets.text_line import Lines
from widgets.theme import MUTED, STRONG, themed

if TYPE_CHECKING:
    from typing import Self

    from textual.app import ComposeResult
    from textual.widget import Widget

    from state.console import ConsoleState

W = TypeVar("W", bound="Widget")

STALE_AFTER = timedelta(seconds=6)  # three missed 2 s refreshes
WAITING = "waiting for first sample"
CANNOT_DRAW = "cannot draw"
NOT_CONFIGURED = "not configured"
# the config section that configures each probe source (tui/live.py SECTION_SOURCES)
SECTION = {
    "kubernetes": "cluster",
    "health": "cluster",
    "error_rate": "prometheus",
    "latency": "prometheus",
    "postgres": "database",
}


PANE_SOURCES = ("kubernetes", "health", "error_rate", "latency", "postgres")  # Redis: a detail


def late(state: ConsoleState, now: datetime) -> str | None:
    """'late: no sample in 1m 15s' once the session has been open longer than a probe may
    take to its first sample; None before (still 'waiting for first sample')."""
    opened = state.opened_at
    if opened is None or now - opened <= STALE_AFTER:
        return None
    return f"late: no sample in {duration((now - opened).total_seconds())}"


def unseen(state: ConsoleState, now: datetime) -> list[str]:
    """The panes' sources the console cannot see now: never sampled, failing or late; not
    those left out of the config, which the guide's rules count as unknown ('not configured').

    Out: their names as the timeline gives them ('Kubernetes', 'PostgreSQL', ...), in the
    panes' order. While any is listed, nobody may say all is clear (the header's 'all guide
    thresholds clear').
    """
    from state.timeline import SOURCE_NAMES  # after the first frame: it loads the event models

    out = []
    for source in PANE_SOURCES:
        if source in state.unconfigured:  # never sampled by design: said as not configured
            continue
        probe = state.probe(source)
        if probe.failing or probe.last_ok is None or now - probe.last_ok > STALE_AFTER:
            out.append(SOURCE_NAMES[source])
    return out


class PaneBody(Lines):
    """A pane's text. A new text with the lines of the last one, some changed, repaints those
    lines alone: an age ticking every second in the locks pane costs its own line, not the
    pane's whole body and every widget under it, on a terminal at the end of an SSH link.
    Another text lays the screen out again only when its height changes (`Lines`)."""

    _rows: list[int] | None = None  # the lines the update under way changes

    def show(self, body: Text, before: Text | None) -> None:
        """Show `body` (roles as styles), the text shown before being `before`."""
        rows = _changed_rows(before, body) if before is not None else None
        if rows is not None and self.styles.text_wrap == "nowrap":
            self._rows = rows
            try:
                self.update(themed(body), layout=False)  # the same lines: the same height
            finally:
                self._rows = None
        else:
            self.show_lines(themed(body))

    def refresh(self, *regions: Region, **kwargs: bool) -> Self:
        if self._rows is not None and not regions:
            width = self.size.width
            regions = tuple(Region(0, y, width, 1) for y in self._rows)
        return super().refresh(*regions, **kwargs)


def _changed_rows(before: Text, after: Text) -> list[int] | None:
    """The lines of `after` that differ from `before`'s, text or style; None when the two do
    not have the same number of lines."""
    old = before.split("\n", allow_blank=True)
    new = after.split("\n", allow_blank=True)
    if len(old) != len(new):
        return None
    return [y for y, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]


class Pane(Vertical):
    """A bordered pane. Subclasses say which probe sources feed them and build their body.

    The text lives in a child as tall as its lines, so a change repaints those lines and
    not the empty rest of the pane: fewer bytes to a terminal at the end of an SSH link.
    """

    SOURCES: tuple[str, ...] = ()
    TITLE = ""
    # whether the body shows the time (an age, a countdown), so that it changes as the clock
    # moves on with the state unchanged; a pane that does not is redrawn only when the state
    # changes, and its subtitle (a staleness's age) every second (`tick`)
    CLOCKED = True
    _cannot = False  # the last draw raised: the placeholder is shown (`cannot_draw`)
    _subtitling = False  # the subtitle's text is being set: its border line alone changes

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.content = PaneBody("", markup=False, classes="pane-body")
        # titles and subtitles as Text: Textual would read a str as markup, and the subtitle
        # carries a probe's failure reason, outside text (README, Security)
        self.border_title = Text(self.TITLE)
        self._body: Text | None = None
        self._subtitle: Text | None = None
        self._seen: tuple[ConsoleState, datetime] | None = None

    def compose(self) -> ComposeResult:
        yield self.content

    class CannotDraw(Message):
        """Drawing the pane raised: it shows a placeholder; the screen logs why (tui/screen.py)."""

        def __init__(self, pane: Pane, error: Exception) -> None:
            super().__init__()
            self.pane = pane
            self.error = error

    def show(self, state: ConsoleState, now: datetime) -> None:
        """Render `state` as of `now`; touches the screen only if something changed.

        A value the pane cannot draw costs the pane a placeholder, never the console.
        """
        self._seen = (state, now)
        if not self.size.width:
            return
        self._cannot = False
        try:
            self._draw(state, now)
        except Exception as exc:
            self.cannot_draw(exc)
            self.post_message(self.CannotDraw(self, exc))

    def _draw(self, state: ConsoleState, now: datetime) -> None:
        body = self.not_configured(state) or self.body(
            state, now, self.content_size.width, self.content_size.height
        )
        if body != self._body:
            # the body is as tall as its lines: the same number of lines, none wrapped, keeps
            # its height, so only the lines that changed repaint, with no layout of the screen
            before, self._body = self._body, body
            self.content.show(body, before)
        self._subtitled(state, now)

    def tick(self, state: ConsoleState, now: datetime) -> None:
        """The clock moved on to `now` and the state is the one last shown: redraw what shows
        the time (all of a CLOCKED pane; the subtitle's age of another)."""
        if self.CLOCKED:
            self.show(state, now)
        else:
            self._ticked(state, now)

    def _ticked(self, state: ConsoleState, now: datetime) -> None:
        self._seen = (state, now)
        if self.size.width and not self._cannot:  # a placeholder's border keeps saying so
            self._subtitled(state, now)

    def _subtitled(self, state: ConsoleState, now: datetime) -> None:
        """The border's subtitle: why the pane is not fresh, or nothing."""
        subtitle = self.staleness(state, now)
        self.set_class(subtitle not in (None, NOT_CONFIGURED), "-stale")
        shown = Text(subtitle or "")  # a failure reason is outside text: never markup
        if shown != self._subtitle:  # the same text (an age past the hour): nothing to set
            self._subtitle = shown
            self._subtitling = True
            try:
                self.border_subtitle = self._subtitle
            finally:
                self._subtitling = False

    def refresh(self, *regions: Region, **kwargs: bool) -> Self:
        """Textual repaints the whole widget when its border's subtitle is set
        (`_BorderTitle.__set__` calls `refresh()`); the subtitle is drawn on the border's last
        line alone, so while only it changes only that line repaints. The age in a stale
        pane's border changes every second while a backend hangs: the 300-row Services pane
        was drawn whole each second for that line: a second's tick at 300 services took
        12-15 ms of the loop and sent ~9.7 KB to the terminal, 6-7 ms and ~0.5 KB so (README
        "Performance"). A Textual that sets it another way repaints whole, as before."""
        if self._subtitling and not regions and self.is_mounted:
            width, height = self.outer_size
            if height:
                left, top = self.content_offset  # refresh's regions are relative to the content
                regions = (Region(-left, height - 1 - top, width, 1),)
        return super().refresh(*regions, **kwargs)

    def show_again(self) -> None:
        """Draw again what was last shown (after a resize)."""
        if self._seen:
            self.show(*self._seen)

    def cannot_draw(self, error: BaseException) -> None:
        """What the pane shows when drawing it raised: a placeholder, and the console goes on.

        The next repaint tries again, so the pane comes back once the value has gone.
        """
        self._body = None
        self._cannot = True
        self.content.show_lines(themed(cannot_draw(error)))
        self._subtitle = None
        self.border_subtitle = Text(CANNOT_DRAW)
        self.add_class("-stale")

    def waiting(self) -> None:
        """Before the session is open: no body yet, and the same word as before a first sample."""
        self._subtitle = Text(WAITING)
        self.border_subtitle = self._subtitle

    def on_resize(self) -> None:
        self._body = None
        self.show_again()
        # a layout asked for while Textual handles a resize can be lost, leaving the body one
        # line tall over a pane of rows (seen when a console mounts with a state to show)
        self.call_after_refresh(self.content.refresh, layout=True)

    def _unfed(self, state: ConsoleState) -> bool:
        return bool(self.SOURCES) and all(s in state.unconfigured for s in self.SOURCES)

    def not_configured(self, state: ConsoleState) -> Text | None:
        """What the pane says when the session has no backend for any of its sources (a
        config without that section): which section to add, instead of waiting forever."""
        if not self._unfed(state):
            return None
        sections = dict.fromkeys(SECTION.get(s, s) for s in self.SOURCES)
        text = Text(f"{NOT_CONFIGURED}: add ", style=MUTED)
        text.append(" and ".join(f"[{s}]" for s in sections), style=STRONG)
        text.append(" to config.toml\n(`warroom config init` shows how)")
        return text

    def staleness(self, state: ConsoleState, now: datetime) -> str | None:
        """'stale 34s: connection refused' when a feeding probe failed or is late, else None;
        'not configured' when no backend feeds it."""
        return self.probes_staleness(state, now)

    def probes_staleness(self, state: ConsoleState, now: datetime) -> str | None:
        """`staleness` of the probes alone: what a tab marks even while the pane is hidden
        (on a small terminal) or held still for a choice."""
        if self._unfed(state):
            return NOT_CONFIGURED
        for source in self.SOURCES:
            probe = state.probe(source)
            if probe.failing:
                return stale_label(now, probe.last_ok, probe.reason)
            if probe.last_ok is None:
                return late(state, now) or WAITING
            if now - probe.last_ok > STALE_AFTER:
                return stale_label(now, probe.last_ok, "no fresh sample")
        return None

    def focus_target(self) -> Widget | None:
        """The widget that takes the keys when the pane is chosen; None: nothing to move."""
        return None

    def mount_rows(self, rows: W) -> W:
        """Mount `rows` (the pane's table or tree, under its text) the first time the pane
        draws a state or is chosen (`focus_target`), and give them back. Hidden until their
        first rows anyway, composed with the first frame they were styled (DataTable's and
        Tree's stylesheets, a style per part) for nothing, ~5 % of live's instructions to
        it. The pane chosen takes the keys in them, as its table did from the start when
        the screen focused its first table (tui/screen.py)."""
        if rows.parent is not None:
            return rows
        self.mount(rows)
        if self.has_class("-current") and self.screen.focused is None:
            self.screen.set_focus(rows)
        return rows

    def wanted(self, state: ConsoleState) -> int:
        """Lines the pane would take to show all it has, border included (tui/layout.py)."""
        return 0

    def alerting(self, state: ConsoleState) -> bool:
        """Whether this pane shows something past one of the guide's thresholds."""
        return False

    def flag(self, state: ConsoleState) -> str | None:
        """What the pane flags, in a few words for the header ("3 sessions blocked"), when
        it is alerting; None when it has nothing more to say than its name."""
        return None

    def body(self, state: ConsoleState, now: datetime, width: int, height: int) -> Text:
        raise NotImplementedError
