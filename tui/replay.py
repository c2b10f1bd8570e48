"""`warroom replay JOURNAL`: the same header and panes at a cursor time, with a scrubber.

Opens the journal read-only and never writes to it; a journal a live console is still
writing is tailed. Playback follows recorded time at 1x to 60x. No action is offered.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from textual.binding import Binding

from tui.view import PANES, ConsoleView
from widgets.scrubber import Scrubber

if TYPE_CHECKING:
    from state.console import ConsoleState
    from state.journal.replay import Replay

SPEEDS = (1.0, 2.0, 5.0, 10.0, 60.0)
TICK = 0.25  # seconds between playback steps


class ReplayApp(ConsoleView):
    BINDINGS = [
        Binding("space", "play", "Play/pause", id="replay.play"),
        Binding("left", "step(-10)", "-10s", id="replay.back"),
        Binding("right", "step(10)", "+10s", id="replay.forward"),
        Binding("shift+left", "step(-60)", "-1m", show=False, id="replay.back_minute"),
        Binding("shift+right", "step(60)", "+1m", show=False, id="replay.forward_minute"),
        Binding(
            "left_square_bracket",
            "event(-1)",
            "Prev event",
            key_display="[",
            id="replay.previous_event",
        ),
        Binding(
            "right_square_bracket",
            "event(1)",
            "Next event",
            key_display="]",
            id="replay.next_event",
        ),
        Binding("g", "go", "Go to", id="replay.go"),
        Binding("plus", "speed(1)", "Faster", key_display="+", show=False, id="replay.faster"),
        Binding("minus", "speed(-1)", "Slower", key_display="-", show=False, id="replay.slower"),
        Binding("home", "edge(0)", "Start", show=False, id="replay.start"),
        Binding("end", "edge(1)", "End", show=False, id="replay.end"),
        Binding("q", "quit", "Quit", id="replay.quit"),
        *(
            Binding(str(i + 1), f"pane({i})", f"{name} pane", show=False, id=f"pane.{key}")
            for i, (key, name, _) in enumerate(PANES)
        ),
    ]

    badge = "REPLAY"
    scrubber = True

    def __init__(
        self, replay: Replay, at: datetime | None = None, keymap: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(keymap)
        self.replay = replay
        self.cursor = (at or replay.instant(replay.start)).astimezone(UTC)
        self.playing = False
        self.speed_index = 0
        self.following = False

    @property
    def speed(self) -> float:
        return SPEEDS[self.speed_index]

    def view(self) -> tuple[ConsoleState, datetime]:
        return self.replay.seek(self.cursor.timestamp()), self.cursor

    def on_mount(self) -> None:
        self.playback = self.set_interval(TICK, self._tick, name="playback")
        self.set_interval(1.0, self._tail, name="tail")

    def redraw(self) -> None:
        super().redraw()
        if not self.console_screen.ready:
            return
        r = self.replay
        scrubber = self.query_one(Scrubber)
        self.console_screen.drawn(
            scrubber,
            lambda: scrubber.show(
                r.instant(r.start),
                r.instant(r.end),
                self.cursor,
                r.marks,
                self.playing,
                self.speed,
                self.following,
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

    def _tail(self) -> None:
        if self.replay.refresh() and self.following:
            self.move_to(self.replay.instant(self.replay.end))
        elif self.following:
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
