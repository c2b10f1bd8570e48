"""What a terminal shows of a running app: its lines as text, and the styled segments of
each, after Textual's line filters (NO_COLOR's among them), as a terminal receives them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.segment import Segment
    from textual.app import App


def segments(app: App) -> list[list[Segment]]:
    """Each screen line's segments, top to bottom, the dialogs on top included."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    # each line is the strips of the widgets it crosses, left to right
    return [[s for strip in line for s in strip] for line in update.strips]  # type: ignore[attr-defined]


def join(line: list[Segment]) -> str:
    """A line's segments as plain text."""
    return "".join(s.text for s in line)


def lines(app: App) -> list[str]:
    """Each screen line as plain text."""
    return [join(line) for line in segments(app)]


def text(app: App) -> str:
    return "\n".join(lines(app))
