"""The guide's post-incident review layout, kept as template files beside this module.

`review.md.tmpl` is the guide's Post-Incident Review Template, verbatim where it is left for
people to fill in, with `${name}` where the journal fills it, and the footnotes that say how
the review measures each response metric. `session_review.md.tmpl` is the review of a session
with no incident. Both are stdlib `string.Template`s shipped as package data.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from string import Template


@cache
def _template(name: str) -> Template:
    return Template(files(__package__ or "state.review").joinpath(name).read_text("utf-8"))


def incident_review(**fields: object) -> str:
    """review.md.tmpl filled with `fields`; KeyError names a placeholder left unfilled."""
    return _template("review.md.tmpl").substitute(fields)


def session_review(**fields: object) -> str:
    """session_review.md.tmpl filled with `fields`; KeyError names a placeholder unfilled."""
    return _template("session_review.md.tmpl").substitute(fields)


def block(lines: list[str]) -> str:
    """Lines for a placeholder standing on a line of its own: joined, no newline after."""
    return "\n".join(lines)


def lead(lines: list[str]) -> str:
    """Lines for a placeholder that leads a line of the template: each ended by a newline."""
    return "".join(f"{line}\n" for line in lines)
