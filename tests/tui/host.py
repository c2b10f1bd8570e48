"""A bare App that pushes one dialog as the console pushes it, and keeps what it returned."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import App

if TYPE_CHECKING:
    from widgets.modals import Dialog


class Host(App[None]):
    def __init__(self, dialog: Dialog) -> None:
        super().__init__()
        self.dialog = dialog
        self.results: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.results.append)
