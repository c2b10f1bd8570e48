"""The baseline: a bare Textual app composing Header, Footer and five Static panes.

With --tick, it rewrites one pane every 2 s, the least a live console must do.
"""

from __future__ import annotations

import sys

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

NAMES = ("Services", "Error rate", "p95 latency", "Database locks", "bare-pane-five")


class BareApp(App[None]):
    CSS = "Static { height: 1fr; border: round $primary; }"
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, tick: bool) -> None:
        super().__init__()
        self.tick = tick
        self.count = 0

    def compose(self) -> ComposeResult:
        yield Header()
        for name in NAMES:
            yield Static(name, id=name.replace(" ", "-").lower())
        yield Footer()

    def on_mount(self) -> None:
        if self.tick:
            self.set_interval(2.0, self.refresh_pane)

    def refresh_pane(self) -> None:
        self.count += 1
        self.query_one("#services", Static).update(f"Services sample {self.count}")


if __name__ == "__main__":
    BareApp(tick="--tick" in sys.argv).run()
