"""`python -m tests.tui.crashing_console ARGS...`: warroom, except that two things fail.

Showing the help raises while the console runs (the crash tests press `?`), and `export`
raises outside any console: bugs, as they would be, with secrets from the environment in
the exception's message.
"""

from __future__ import annotations

import os
import sys

import tui.export
from tui.view import ConsoleView


def _failure() -> RuntimeError:
    secrets = [os.environ.get(name, "") for name in ("INCIDENTS_URL", "PG_DSN")]
    return RuntimeError(f"cannot go on with {' and '.join(secrets)}")


def _help(self):
    # the key's action, not the help's compose: the help is built ahead once the console has
    # drawn its first refresh (tui/view.py prepare_help), and only `?` shows it
    raise _failure()


def _review_files(events):
    raise _failure()


ConsoleView.action_help = _help  # type: ignore[method-assign]
tui.export.review_files = _review_files  # type: ignore[assignment]

if __name__ == "__main__":
    from tui.cli import main

    main(sys.argv[1:], prog_name="warroom")
