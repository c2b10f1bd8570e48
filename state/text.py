"""Untrusted text made inert: no control characters, no escape sequences."""

from __future__ import annotations

import re

# CSI, OSC, DCS/SOS/PM/APC strings and two-character escapes, in their 7-bit and 8-bit forms.
_ESCAPES = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]              # CSI ... final byte
  | (?:\x1b\]|\x9d).*?(?:\x07|\x1b\\|\x9c|$)      # OSC ... BEL or ST
  | (?:\x1b[PX^_]|[\x90\x98\x9e\x9f]).*?(?:\x1b\\|\x9c|$)  # DCS, SOS, PM, APC ... ST
  | \x1b[ -/]*[0-~]?                              # other escapes
    """,
    re.VERBOSE | re.DOTALL,
)
# C0 and C1 controls; zero-width characters (ZWSP/ZWNJ/ZWJ, word joiner and invisible
# operators, BOM); bidi marks, embeddings, overrides and isolates (incl. the Arabic letter mark).
_CONTROLS = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_SPACES = re.compile(r"[\t\n\r\u2028\u2029]+")


def inert(text: object, limit: int | None = None) -> str:
    """Return `text` as one printable line: escapes and controls removed, newlines folded.

    `limit` truncates to that many characters, ending with an ellipsis.
    """
    s = "" if text is None else str(text)
    s = _ESCAPES.sub("", s)
    s = _SPACES.sub(" ", s)
    s = _CONTROLS.sub("", s)
    if limit is not None and len(s) > limit:
        s = s[: max(limit - 1, 0)] + "…"
    return s


def describe_error(exc: BaseException, timeout: float = 0.0) -> str:
    """One line for a person: what went wrong (a probe, an action), never a traceback."""
    if isinstance(exc, TimeoutError):
        return f"timed out after {timeout:g} s"
    return inert(str(exc), limit=160) or type(exc).__name__
