"""Errors for people: one line on stderr that says what is wrong, and exit code 2."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

BAD_INPUT = 2


def fail(message: str) -> NoReturn:
    """One line on stderr that says what is wrong; exit code 2. The message can echo a path
    or a value from outside (a journal, a config file): inert, so it never acts on the
    terminal."""
    from state.text import inert

    click.echo(f"warroom: {inert(message)}", err=True)
    sys.exit(BAD_INPUT)
