"""How the review writes times, durations and untrusted text: UTC ISO 8601, Markdown made inert."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime

from state.text import inert

NONE = "—"  # an empty table cell, so no row has a hole in it

# Inline Markdown that could change what the text means when rendered: emphasis, code,
# links and images (brackets), tables (pipe), strikethrough, math, and the escape itself.
_INLINE = re.compile(r"[\\`*\[\]|~$]")
# `_` opens emphasis only at a word's edge; inside a word (rollout_undo) it is plain text.
_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# What a line may start with to become a heading, list, rule or ordered list item.
_LEADING_MARK = re.compile(r"^([#+=-])")
_LEADING_NUMBER = re.compile(r"^(\d+)([.)])")


def md(text: object, limit: int | None = None) -> str:
    """Untrusted text as one line of Markdown that renders as exactly that text, safe in a table.

    Control characters and escape sequences go first (`inert`); then HTML (`<`, `>`, `&`)
    becomes entities and Markdown's punctuation is backslash-escaped, so a note cannot break
    a table row, open a link or an image, or inject HTML.
    """
    s = inert(text, limit).strip()
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _INLINE.sub(lambda m: "\\" + m.group(), s)
    s = _EDGE_UNDERSCORE.sub(r"\\_", s)
    s = _LEADING_MARK.sub(r"\\\1", s)
    s = _LEADING_NUMBER.sub(r"\1\\\2", s)
    return s or NONE


def iso(at: datetime) -> str:
    """'2026-03-14T09:27:00Z': UTC, to the second."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def day(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d")


def span(seconds: float) -> str:
    """A duration a person reads at a glance: '40 s', '4 min 20 s', '2 h 05 min'.

    NaN or an infinity, which a damaged journal can hold, is no duration: NONE.
    """
    if not math.isfinite(seconds):
        return NONE
    total = max(int(seconds), 0)
    if total < 60:
        return f"{total} s"
    if total < 3600:
        return f"{total // 60} min {total % 60} s"
    return f"{total // 3600} h {total % 3600 // 60:02d} min"


def minutes(seconds: float) -> int:
    """Whole minutes, as the guide's script counts a duration."""
    return max(int(seconds), 0) // 60


def table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    """A GitHub-flavoured Markdown table; cells must already be escaped."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines.extend("| " + " | ".join(cell or NONE for cell in row) + " |" for row in rows)
    return lines


_SAFE_STEM = re.compile(r"[^A-Za-z0-9._-]")


def file_stem(name: str) -> str:
    """A name usable as the start of a file name anywhere: no separators, no leading dot."""
    stem = _SAFE_STEM.sub("_", inert(name)).lstrip(".")
    return stem[:100] or "incident"
