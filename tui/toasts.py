"""A toast never covers an open dialog.

Textual draws toasts at the bottom right, over whatever screen is on top: at 80x24 a
suggestion ("The guide now suggests P1 …", "Runbook suggested …") sat over a dialog's Review
and Cancel buttons for up to 15 s while the commander typed a status update. While a dialog
(any modal screen: a form, a confirmation, the help, the command palette) is open, toasts
wait, in order: those shown when it opened with the time they had left, and those raised
while it is open. They are shown once it closes. A dialog's own "why nothing happened", said
as a toast because it has no problem line, is shown over it at once: it is about the dialog.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.screen import ModalScreen, Screen

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

# a toast with less time than this left when a dialog opens is not shown again after it
LEFT_TO_SHOW = 1.0  # seconds

Held = tuple[str, str, "SeverityLevel", "float | None"]  # message, title, severity, seconds


class HeldToasts(App[Any]):
    """Mixed into the console's App: toasts wait while a dialog is open."""

    _held: list[Held] | None = None

    def on_mount(self) -> None:
        self.screen_change_signal.subscribe(self, self._screen_changed, immediate=True)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        # never markup: warroom's toasts are plain words, and many quote text from outside
        if self._covered(self.screen_stack[-1] if self.screen_stack else None):
            self._held = [*(self._held or []), (message, title, severity, timeout)]
            return
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    @staticmethod
    def _covered(screen: Screen[Any] | None) -> bool:
        """True while `screen` is a dialog on top, and not saying this toast itself."""
        return isinstance(screen, ModalScreen) and not getattr(screen, "speaking", False)

    def _screen_changed(self, screen: Screen[Any]) -> None:
        if self._covered(screen):  # a dialog opened: what was shown waits with it
            shown = [
                (n.message, n.title, n.severity, n.time_left)
                for n in self._notifications
                if n.time_left >= LEFT_TO_SHOW
            ]
            if shown:
                self._held = [*shown, *(self._held or [])]
                self.clear_notifications()
            return
        held, self._held = self._held or [], None
        for message, title, severity, timeout in held:
            super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)
