"""Small, shared ways of showing numbers, durations and series as plain text."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
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


# ---- fitting a line or a table to the width there is ---------------------------------------------
# What a narrow terminal cannot show is decided, not cut: a line of parts takes their short
# forms and then drops the least needed part; a table shrinks its flexible columns and then
# drops the least needed column. What is shown is whole.


@dataclass(frozen=True)
class Part:
    """One part of a line: its full text, a shorter one if it has one, and how much it is
    needed (the lowest `keep` is shortened, then dropped, first)."""

    full: Text
    short: Text | None = None
    keep: int = 0


def fit_parts(parts: Sequence[Part], width: int, separator: Text) -> Text:
    """`parts` joined by `separator` in at most `width` cells, if it can be done whole: the
    least needed parts take their short forms first, then the least needed are left out.

    In: parts in the order shown; width in cells. Out: one line of Text (it may still be
    wider than `width` if even the most needed part alone is).
    """
    chosen = [part.full for part in parts]
    shown = list(range(len(parts)))
    by_need = sorted(range(len(parts)), key=lambda i: (parts[i].keep, -i))

    def cells() -> int:
        return sum(chosen[i].cell_len for i in shown) + separator.cell_len * (len(shown) - 1)

    for i in by_need:
        if cells() <= width:
            break
        short = parts[i].short
        if short is not None:
            chosen[i] = short
    for i in by_need:
        if cells() <= width or len(shown) == 1:
            break
        shown.remove(i)
    line = Text(no_wrap=True, end="")
    for n, i in enumerate(shown):
        if n:
            line.append_text(separator)
        line.append_text(chosen[i])
    return line


@dataclass(frozen=True)
class Column:
    """A table column: the cells it wants, the fewest it can take (`least`; its cells say
    what they must in that many, e.g. with `pod_word`), how much it is needed (the lowest
    `keep` is dropped first), and which gets the room above `least` first (the highest
    `grow`; by default its `keep`)."""

    name: str
    width: int
    least: int
    keep: int
    grow: int | None = None


def fit_columns(columns: Sequence[Column], room: int, gap: int = 1) -> dict[str, int]:
    """The columns shown in `room` cells, name -> width, in the order given.

    Each column takes at least `least` cells and the most needed are dropped last: while
    even their least does not fit, the least needed column goes. The room left is given back
    by `grow`, highest first, up to what each wants.
    """
    shown = list(columns)
    while len(shown) > 1 and sum(c.least for c in shown) + gap * (len(shown) - 1) > room:
        shown.remove(min(shown, key=lambda c: c.keep))
    widths = {c.name: c.least for c in shown}
    spare = room - sum(widths.values()) - gap * (len(shown) - 1)
    for column in sorted(shown, key=lambda c: -(c.keep if c.grow is None else c.grow)):
        more = max(min(column.width - column.least, spare), 0)
        widths[column.name] += more
        spare -= more
    return {c.name: widths[c.name] for c in shown}


# Kubernetes' pod reasons as an operator says them when the column is narrow (k9s' words
# where it has them), never a truncation: "CrashLoopBac" reads as nothing.
SHORT_REASONS = {
    "CrashLoopBackOff": "CrashLoop",
    "ImagePullBackOff": "ImagePull",
    "ErrImagePull": "ImagePull",
    "ErrImageNeverPull": "NeverPull",
    "InvalidImageName": "BadImage",
    "ContainerCreating": "Creating",
    "CreateContainerConfigError": "ConfigErr",
    "CreateContainerError": "CreateErr",
    "RunContainerError": "RunErr",
    "PodInitializing": "Init",
    "ContainerStatusUnknown": "Unknown",
    "Terminating": "Stopping",
    "Unschedulable": "Unsched",
    "DeadlineExceeded": "Deadline",
    "PreStartHookError": "HookErr",
    "PostStartHookError": "HookErr",
}


def whole(words: str, width: int) -> str:
    """`words` if they fit in `width` cells, else nothing: a legend cut to '>3x b' is noise."""
    return words if cell_len(words) <= width else ""


def pod_word(word: str, width: int) -> str:
    """A pod's phase or reason in `width` cells: whole if it fits, else its well-known short
    form (`SHORT_REASONS`), else as it is (to be cut by the caller, an unknown word)."""
    if len(word) <= width:
        return word
    return SHORT_REASONS.get(word, word)
