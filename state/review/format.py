"""How the review writes times, durations and untrusted text: UTC ISO 8601, Markdown made inert."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime

from state.text import inert, inert_lines

NONE = "—"  # an empty table cell, so no row has a hole in it

# What Markdown (CommonMark, GitHub's tables, footnotes, strikethrough and math) reads as
# more than text, inline; everything else is left as written, so a review reads as plain text.
_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~])")  # a backslash that would escape the next
_CODE = re.compile(r"`")  # a code span
_HTML = re.compile(r"<(?=[A-Za-z/!?])")  # a tag, a comment or an autolink: never raw HTML
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")  # a character reference that would decode
_LINK = re.compile(r"\[(?=[^\]]*\])")  # a bracket that a later ] could make a link or image
# A run of emphasis, strikethrough or math marks touching text on either side: it could open
# or close a span. One standing between spaces ("SELECT * FROM") never does.
_FLANKING = re.compile(r"[*_~$]+")
# What a line may start with to become a heading, quote, list, rule, table, setext line or
# (~~~) a fence.
_LEADING_MARK = re.compile(r"^([#>+=|*_~-])")
_LEADING_NUMBER = re.compile(r"^(\d+)([.)])")


def md(text: object, limit: int | None = None, *, cell: bool = True) -> str:
    """Untrusted text as one line of Markdown that renders as exactly that text.

    Control characters and escape sequences go first (`inert`); then only what Markdown
    would read as more than text is backslash-escaped: HTML tags, character references,
    links and images, code, and emphasis that could open or close, so a note cannot inject
    HTML, a link or an image. `cell`: the text is a table cell, where `|` ends the cell;
    otherwise it may start a line, where `#`, `>`, `-`, `+`, `=`, `|` and `1.` would
    make it a heading, quote, list or table.
    """
    s = inert(text, limit).strip()
    s = _BACKSLASH.sub(r"\\\\", s)
    s = _CODE.sub(r"\\`", s)
    s = _HTML.sub(r"\\<", s)
    s = _ENTITY.sub(r"\\&", s)
    s = _LINK.sub(r"\\[", s)
    s = _FLANKING.sub(_marks, s)
    if cell:
        s = s.replace("|", "\\|")
    else:
        s = _LEADING_MARK.sub(r"\\\1", s)
        s = _LEADING_NUMBER.sub(r"\1\\\2", s)
    return s or NONE


def _marks(found: re.Match[str]) -> str:
    run = found.group()
    at, text = found.start(), found.string
    before = text[at - 1] if at else " "
    after = text[found.end()] if found.end() < len(text) else " "
    if before.isspace() and after.isspace():
        return run  # between spaces: it can neither open nor close
    if set(run) == {"_"} and before.isalnum() and after.isalnum():
        return run  # inside a word
    return "".join("\\" + c for c in run)


def fenced(text: object) -> list[str]:
    """Untrusted text of several lines as a fenced code block: shown verbatim, nothing in it
    read as Markdown or HTML. The fence is longer than any run of backticks inside."""
    body = inert_lines(text).rstrip("\n")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + "text", *body.split("\n"), fence]


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


def minutes(seconds: float) -> str:
    """Whole minutes in words, as the guide's template counts a duration: '1 minute',
    '12 minutes', 'under a minute'."""
    whole = max(int(seconds), 0) // 60
    if whole == 0:
        return "under a minute"
    return f"{whole} minute{'s' if whole != 1 else ''}"


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
