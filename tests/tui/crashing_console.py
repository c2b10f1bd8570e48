"""`python -m tests.tui.crashing_console ARGS...`: warroom, except that two things fail.

The Help dialog raises as it is shown (the crash tests press `?`), and `export`
raises outside any console: bugs, as they would be, with secrets from the environment in
the exception's message.
"""

from __future__ import annotations

import os
import sys

import tui.export
from widgets.help import HelpScreen


def _failure() -> RuntimeError:
    secrets = [os.environ.get(name, "") for name in ("INCIDENTS_URL", "PG_DSN")]
    return RuntimeError(f"cannot go on with {' and '.join(secrets)}")


def _shown(self) -> None:
    raise _failure()


def _review_files(events):
    raise _failure()


# as it is shown, not as it is built: the help is built ahead, out of sight, once the first
# refresh is drawn (a bug there would end the console before anything was pressed)
HelpScreen.on_screen_resume = _shown  # type: ignore[method-assign]
tui.export.review_files = _review_files  # type: ignore[assignment]

if __name__ == "__main__":
    from tui.cli import main

    main(sys.argv[1:], prog_name="warroom")
