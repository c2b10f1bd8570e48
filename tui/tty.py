"""Exit cleanly when the terminal goes away (a dropped SSH session must not leave us spinning),
and draw it whole when it comes back from a stop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import termios
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.app import App

HANGUP_EXIT = 129  # 128 + SIGHUP, as shells report it


def terminal_alive(fd: int) -> bool:
    """False once the terminal behind `fd` has hung up (or was never a terminal)."""
    try:
        termios.tcgetattr(fd)
        os.tcgetpgrp(fd)
    except (OSError, termios.error):
        return False
    return True


class TerminalWatch:
    """SIGHUP, SIGTERM or a dead terminal end the app with a clean exit; SIGCONT redraws it."""

    def __init__(self, app: App, before_exit: Callable[[], None] | None = None) -> None:
        self.app = app
        # what must happen even when there is no time for an orderly exit: the console
        # checkpoints its journal, so a hang-up leaves one self-contained file, no -wal
        self.before_exit = before_exit

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            loop.add_signal_handler(sig, self.hang_up)
        self.fd = sys.__stdin__.fileno() if sys.__stdin__ else -1
        self.app.set_interval(1.0, self.check, name="tty-watch")
        self.app.app_resume_signal.subscribe(self.app, self.redraw)

    def redraw(self, _app: object) -> None:
        """Back in the foreground (ctrl+z, then `fg`): the terminal's screen came back blank.
        Textual's resume sends a resize of the same size, which it ignores, so without this
        only what changed meanwhile was drawn: no header, borders or key bar until a resize."""
        self.app.refresh(repaint=True, layout=True)

    def check(self) -> None:
        if not terminal_alive(self.fd):
            self.hang_up()

    def hang_up(self) -> None:
        if not terminal_alive(self.fd):
            # Nothing to restore on a terminal that is gone, and writing to it can block or
            # fail; every event is already committed to the journal.
            if self.before_exit is not None:
                with contextlib.suppress(Exception):
                    self.before_exit()
            os._exit(HANGUP_EXIT)
        self.app.exit(HANGUP_EXIT)
        # Restoring a terminal that is gone can block on the dead tty; every event is already
        # committed to the journal, so if the orderly exit stalls, leave without it.
        timer = threading.Timer(3.0, os._exit, (HANGUP_EXIT,))
        timer.daemon = True
        timer.start()
