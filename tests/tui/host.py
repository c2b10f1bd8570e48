"""A bare App that pushes one dialog as the console pushes it, styled as the console styles
it (its tcss), and keeps what it returned."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import App

from tui.view import DIALOGS_CSS, ConsoleView

if TYPE_CHECKING:
    from widgets.modals import Dialog


class Host(App[None]):
    CSS_PATH = [ConsoleView.CSS_PATH, DIALOGS_CSS]

    def __init__(self, dialog: Dialog) -> None:
        super().__init__()
        self.dialog = dialog
        self.results: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.results.append)
