"""`warroom replay JOURNAL`: the same header and panes at a cursor time, with a scrubber.

Opens the journal read-only and never writes to it; a journal a live console is still
writing is tailed. Playback follows recorded time at 1x to 60x. No action is offered.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from textual.binding import Binding

from state.clock import WallClock
from state.journal.writer import writer_of
from tui.keys import CONSOLE, CONSOLE_KEYS, PANE_KEYS
from tui.startup import freeze_heap
from tui.view import ConsoleView
from widgets.keybar import described
from widgets.scrubber import Scrubber

if TYPE_CHECKING:
    from state.console import ConsoleState
    from state.journal.replay import Replay

SPEEDS = (1.0, 2.0, 5.0, 10.0, 60.0)
TICK = 0.25  # seconds between playback steps


# pairs the key bar shows as one: "←/→ ±10s", "[/] Events"
STEPS, STEP = Binding.Group("±10s", compact=True), "Back or on 10 seconds"
EVENTS, EVENT = Binding.Group("Events", compact=True), "The previous or next timeline event"


class ReplayApp(ConsoleView):
    BINDINGS = [
        described(
            "space",
            "play",
            "Play/pause",
            tooltip="Play or pause",
            id="replay.play",
            section="Replay",
        ),
        described(
            "left",
            "step(-10)",
            "-10s",
            tooltip=STEP,
            group=STEPS,
            id="replay.back",
            section="Replay",
        ),
        described(
            "right",
            "step(10)",
            "+10s",
            tooltip=STEP,
            group=STEPS,
            id="replay.forward",
            section="Replay",
        ),
        described(
            "shift+left",
            "step(-60)",
            "-1m",
            show=False,
            tooltip="Back a minute",
            id="replay.back_minute",
            section="Replay",
        ),
        described(
            "shift+right",
            "step(60)",
            "+1m",
            show=False,
            tooltip="On a minute",
            id="replay.forward_minute",
            section="Replay",
        ),
        described(
            "left_square_bracket",
            "event(-1)",
            "Prev event",
            key_display="[",
            tooltip=EVENT,
            group=EVENTS,
            id="replay.previous_event",
            section="Replay",
        ),
        described(
            "right_square_bracket",
            "event(1)",
            "Next event",
            key_display="]",
            tooltip=EVENT,
            group=EVENTS,
            id="replay.next_event",
            section="Replay",
        ),
        described(
            "g", "go", "Go to", tooltip="Go to a time (HH:MM:SS)", id="replay.go", section="Replay"
        ),
        described(
            "plus",
            "speed(1)",
            "Faster",
            key_display="+",
            show=False,
            tooltip="Play faster (up to 60x)",
            id="replay.faster",
            section="Replay",
        ),
        described(
            "minus",
            "speed(-1)",
            "Slower",
            key_display="-",
            show=False,
            tooltip="Play slower (down to 1x)",
            id="replay.slower",
            section="Replay",
        ),
        described(
            "home",
            "edge(0)",
            "Start",
            show=False,
            tooltip="The start (with the scrubber focused: esc from a pane, or a click on "
            "it; a focused pane's home is its first row)",
            id="replay.start",
            section="Replay",
        ),
        described(
            "end",
            "edge(1)",
            "End",
            show=False,
            tooltip="The end, following a journal still being written (with the scrubber "
            "focused; a focused pane's end is its last row)",
            id="replay.end",
            section="Replay",
        ),
        *PANE_KEYS,
        *CONSOLE_KEYS,
        described(
            "q", "quit", "Quit", tooltip="Quit the replay", id="replay.quit", section=CONSOLE
        ),
    ]

    badge = "REPLAY"
    scrubber = True

    def __init__(
        self, replay: Replay, at: datetime | None = None, keymap: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(keymap)
        self.replay = replay
        start, end = replay.instant(replay.start), replay.instant(replay.end)
        # `--at` outside the journal (a wrong day): its nearest end, as a seek is held
        self.cursor = min(max((at or start).astimezone(UTC), start), end)
        self.playing = False
        self.speed_index = 0
        self.following = False
        self.written = False  # a console is writing the journal now: only then is it "live"
        self.end_said = ""  # what the scrubber says of the journal's end (`_look`)
        self._look()

    @property
    def speed(self) -> float:
        return SPEEDS[self.speed_index]

    def view(self) -> tuple[ConsoleState, datetime]:
        return self.replay.seek(self.cursor.timestamp()), self.cursor

    def on_mount(self) -> None:
        self.playback = self.set_interval(TICK, self._tick, name="playback")
        self.set_interval(1.0, self._tail, name="tail")
        self.call_after_refresh(freeze_heap, self.is_headless)  # tui/startup.py

    def redraw(self) -> None:
        super().redraw()
        if not self.console_screen.ready:
            return
        r = self.replay
        scrubber = next(iter(self.query(Scrubber)), None)
        if scrubber is None:  # the console is closing (the tail's timer outlives its widgets)
            return
        self.console_screen.drawn(
            scrubber,
            lambda: scrubber.show(
                r.instant(r.start),
                r.instant(r.end),
                self.cursor,
                r.marks,
                self.playing,
                self.speed,
                self.end_said if self.following or not self.written else "",
            ),
        )

    def move_to(self, when: datetime) -> None:
        start, end = self.replay.instant(self.replay.start), self.replay.instant(self.replay.end)
        self.cursor = min(max(when, start), end)
        self.following = self.following and self.cursor >= end
        self.redraw()

    def _tick(self) -> None:
        if not self.playing:
            return
        end = self.replay.instant(self.replay.end)
        if self.cursor >= end:
            self.following = True  # at the live edge: keep up with what is appended
            return
        self.move_to(self.cursor + timedelta(seconds=TICK * self.speed))

    def _look(self) -> None:
        """Who writes the journal, and what is true of its end: "live" while a console writes
        it, unless that console holds what it sees in memory (its journal refused: the note
        beside the journal says so), or nothing was written for a while; once none writes it,
        the events a console ended with unwritten, if any (tui/unrecorded.py)."""
        from tui.unrecorded import holds, live_said, lost_said

        path = self.replay.journal.path
        writer = writer_of(path)
        self.written = writer is not None
        if self.written:
            self.end_said = live_said(path, writer, WallClock().now().timestamp())
        else:
            lost = holds(path, None)[1]
            self.end_said = f"ends short: {lost_said(lost[-1])}" if lost else ""

    def _tail(self) -> None:
        said = self.end_said
        self._look()
        if self.replay.refresh() and self.following:
            self.move_to(self.replay.instant(self.replay.end))
        elif self.following or self.end_said != said:
            self.redraw()

    def action_play(self) -> None:
        self.playing = not self.playing
        self.redraw()

    def action_step(self, seconds: float) -> None:
        self.move_to(self.cursor + timedelta(seconds=seconds))

    def action_event(self, direction: int) -> None:
        """Jump to the previous or next timeline event."""
        marks = [m.at for m in self.replay.marks]
        if direction > 0:
            later = [t for t in marks if t > self.cursor]
            if later:
                self.move_to(min(later))
        else:
            earlier = [t for t in marks if t < self.cursor]
            if earlier:
                self.move_to(max(earlier))

    def action_speed(self, step: int) -> None:
        self.speed_index = min(max(self.speed_index + step, 0), len(SPEEDS) - 1)
        self.redraw()

    def action_edge(self, which: int) -> None:
        r = self.replay
        self.following = bool(which)
        self.move_to(r.instant(r.end if which else r.start))

    def action_go(self) -> None:
        from widgets.replay_dialogs import GoToScreen

        def chosen(when: datetime | None) -> None:
            if when is not None:
                self.move_to(when)

        self.push_screen(GoToScreen(self.cursor), chosen)
