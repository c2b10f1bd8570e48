"""Small, shared ways of showing numbers, durations and series as plain text."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from functools import lru_cache

from rich.cells import cell_len
from rich.text import Text

from state.guide.severity import Severity
from state.text import NAME_MARK, inert, shown_name
from widgets.theme import ACTION, BAD_STRONG, GOOD, MARKED, P1, P2, P3, P4, UNKNOWN, WARN

BLOCKS = "▁▂▃▄▅▆▇█"

SEVERITY_STYLE = {
    Severity.P1: P1,
    Severity.P2: P2,
    Severity.P3: P3,
    Severity.P4: P4,
}
# A name the sanitizer changed (escapes, controls or invisible characters removed, or cut)
# ends in this mark: one cell, readable at 80 columns, and drawn in a style outside text
# cannot give itself, so "checkout⚠" and "checkout" are seen to be two names.
MARK = NAME_MARK
MARK_STYLE = MARKED
REASON_LIMIT = 200  # characters of a failure reason on a border: more never fits a pane
TONE_STYLE = {"info": "", "good": GOOD, "warn": WARN, "bad": BAD_STRONG, "action": ACTION}


def duration(seconds: float) -> str:
    """Compact and readable: 45s, 3m 07s, 2h 05m, 3d 04h; '—' for NaN or an infinity."""
    if not math.isfinite(seconds):
        return "—"
    s = int(max(seconds, 0))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600:02d}h"


def since(now: datetime, then: datetime | None) -> str:
    return "—" if then is None else duration((now - then).total_seconds())


def countdown(now: datetime, due: datetime) -> tuple[str, bool]:
    """('12:04', False) while time remains; ('-03:10', True) once overdue."""
    left = (due - now).total_seconds()
    overdue = left < 0
    s = int(abs(left))
    text = (
        f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
        if s >= 3600
        else f"{s // 60:02d}:{s % 60:02d}"
    )
    return ("-" + text if overdue else text), overdue


def clock_time(when: datetime) -> str:
    return f"{when:%H:%M:%S}"


def number(value: float | None, unit: str = "", digits: int = 1) -> str:
    """A metric value as what it is: 'no data', 'NaN', '+Inf' are never shown as 0."""
    if value is None:
        return "no data"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return f"{value:.{digits}f}{unit}"


def sparkline(values: tuple[float | None, ...], width: int, top: float, style_of=None) -> Text:
    """The last `width` values as block characters scaled to `top`; gaps as spaces."""
    text = Text()
    run, run_style = "", ""
    for value in values[-width:] if width > 0 else ():
        if value is None or math.isnan(value):
            block, style = " ", ""
        else:
            # a scale that is no number (NaN, inf, 0 or less) draws every value full height
            scaled = math.isfinite(top) and top > 0 and not math.isinf(value)
            level = min(max(value / top, 0.0), 1.0) if scaled else 1.0
            block = BLOCKS[min(int(level * (len(BLOCKS) - 1) + 0.5), len(BLOCKS) - 1)]
            style = style_of(value) if style_of else ""
        if style != run_style and run:  # one span per run of a style: fewer bytes to the tty
            text.append(run, run_style)
            run = ""
        run, run_style = run + block, style
    if run:
        text.append(run, run_style)
    return text


def stale_label(now: datetime, last_ok: datetime | None, reason: str | None) -> str:
    """'stale 34s: connection refused'; the reason (outside text, maybe from a journal) inert."""
    age = "never sampled" if last_ok is None else f"{duration((now - last_ok).total_seconds())}"
    why = inert(reason, REASON_LIMIT) if reason else ""
    return f"stale {age}: {why}" if why else f"stale {age}"


def over(now: datetime, then: datetime | None, seconds: float) -> bool:
    return then is not None and now - then > timedelta(seconds=seconds)


def cannot_draw(error: BaseException) -> Text:
    """The placeholder for what raised while being drawn: which error, and where it went."""
    return Text(
        f"⚠ cannot draw this ({type(error).__name__}); the details are in the crash log",
        UNKNOWN,
    )


@lru_cache(maxsize=8192)  # the panes size their name column over every service each refresh
def name_width(name: str) -> int:
    """The cells `name_cell` needs to show `name` whole, its mark included."""
    text, changed = shown_name(name)
    return cell_len(text) + (1 if changed else 0)


def name_cell(name: str, width: int, style: str = "", pad: bool = True) -> Text:
    """An outside name (a service, label value, role or table) in `width` cells, or in at
    most `width` cells without `pad`.

    Inert (state/text.py `shown_name`): a name of only escapes shows its escaped form. Too
    long, it ends in an ellipsis, so the columns after it stay in view; wide characters
    count two cells. A name the sanitizer changed keeps its `MARK` however it is cut.
    """
    text, changed = shown_name(name)
    width = max(width, 0)
    room = max(width - 1, 0) if changed else width
    cell = Text(text, style=style, end="", no_wrap=True)
    cell.truncate(room, overflow="ellipsis")
    if changed and width:
        cell.append(MARK, MARK_STYLE)  # right after the name, where the eye reads it
    if pad:
        cell.truncate(width, pad=True)
    return cell
