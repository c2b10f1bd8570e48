"""Untrusted text made inert: no control characters, no escape sequences, no invisible marks.

The one sanitizer for every string from outside: query text, application, role, table and
database names, label values, Prometheus and Kubernetes error texts, event messages, pod
reasons, HTTP status lines and bodies, notifier replies, config values echoed back, and
anything read back from a journal. What it returns is printable text of bounded length; the
view still draws it as `rich.text.Text` or Textual `Content`, never as markup (README,
Security), because markup is plain printable text too.
"""

from __future__ import annotations

import re
import unicodedata

TEXT_LIMIT = 4000  # characters: the longest outside text the console keeps, once inert
NAME_LIMIT = 253  # characters: the longest Kubernetes object name; enough for any real name
# an input longer than this is cut before the escapes are looked for: bounded work per string
_SCAN_LIMIT = 1 << 16

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
# Removed: C0 and C1 controls and DEL (Cc); every format character (Cf: soft hyphen, the
# zero-width space, joiners and non-joiners, word joiner and invisible operators, bidi marks,
# embeddings, overrides and isolates, the Arabic letter mark, BOM, interlinear annotation,
# tags); and the other default-ignorable characters that draw as nothing (the combining
# grapheme joiner, Hangul fillers, Khmer and Mongolian invisible vowels and selectors).
_INVISIBLE = re.compile(
    "["
    "\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f"
    "\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff0-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e00ff"
    "]"
)
# line and paragraph breaks of every kind, and tabs: folded to one space, one line of text
_SPACES = re.compile(r"[\t\n\v\f\r\x85\u2028\u2029]+")
_SURROGATES = re.compile(r"[\ud800-\udfff]")  # not text: a terminal's encoder would fail on it
REPLACEMENT = "\ufffd"
# After a name the sanitizer changed: one cell, readable at 80 columns (widgets draw it in a
# style of their own, which outside text cannot give itself).
NAME_MARK = "⚠"


def inert(text: object, limit: int | None = TEXT_LIMIT) -> str:
    """Return `text` as one printable line: escapes, controls and invisible marks removed,
    line breaks folded to a space, lone surrogates replaced by U+FFFD.

    `limit` bounds the result to that many characters, the last one an ellipsis; None
    leaves it unbounded (only for text the project itself wrote).
    """
    s = "" if text is None else str(text)
    if limit is not None and len(s) > max(limit * 64, _SCAN_LIMIT):
        s = s[: max(limit * 64, _SCAN_LIMIT)]
    s = _ESCAPES.sub("", s)
    s = _SPACES.sub(" ", s)
    s = _INVISIBLE.sub("", s)
    s = _SURROGATES.sub(REPLACEMENT, s)
    if limit is not None and len(s) > limit:
        s = s[: max(limit - 1, 0)] + "…"
    return s


def inert_lines(text: object, limit: int | None = TEXT_LIMIT) -> str:
    """`inert` line by line, keeping the line breaks: for a dialog's message of several lines."""
    s = "" if text is None else str(text)
    return "\n".join(inert(line, limit) for line in s.split("\n"))


def sanitize(text: object, limit: int | None = TEXT_LIMIT) -> tuple[str, bool]:
    """`inert(text, limit)`, and whether that changed it (removed, folded, replaced or cut)."""
    raw = "" if text is None else str(text)
    out = inert(raw, limit)
    return out, out != raw


def escaped(text: object, limit: int = NAME_LIMIT) -> str:
    """`text` with every control, space, combining mark and invisible character written as
    its escape (`\\x1b[2J`, `\\u202e`, `\\x20`): a printable picture of text that draws as
    nothing."""
    out = []
    for ch in "" if text is None else str(text):
        code = ord(ch)
        out.append(ch if _draws(ch) else _escape(code, 0x100))
    return inert("".join(out), limit)


def _escape(code: int, bytes_below: int) -> str:
    """`\\xHH` for a code point below `bytes_below`, else `\\uXXXX` or `\\UXXXXXXXX`."""
    if code < bytes_below:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def file_name(name: str) -> str:
    """A file's name (as `os.listdir` gives it: bytes that are no UTF-8 as surrogates) as a
    person can see it and type it back: as it is when every character of it draws; else
    bash's `$'…'` with each byte of what draws as nothing or acts (escapes, controls,
    invisible marks, bytes that are no UTF-8) written `\\xHH`, so pasted into a shell it
    names the same file. `inert` alone showed another name, and that name was no file."""
    if all(ch == " " or _draws(ch) for ch in name):  # a surrogate (Cs) does not draw
        return name
    out = []
    for ch in name:
        if ch in "'\\":
            out.append("\\" + ch)
        elif ch == " " or _draws(ch):
            out.append(ch)
        else:
            raw = ch.encode("utf-8", "surrogateescape")
            out.append("".join(f"\\x{b:02x}" for b in raw))
    return "$'" + "".join(out) + "'"


def sql_literal(text: str) -> str:
    """`text` as a PostgreSQL string literal that can be shown and pasted: `'pay-7f3a'`, or,
    when it holds a character that draws as nothing or a backslash, an escape string
    (`E'gid-\\x1b[31mevil'`) whose every such character is written as its escape (`\\xHH`
    below U+0080, `\\uXXXX` / `\\UXXXXXXXX` above); quotes are doubled. The result is
    printable, so it is drawn as it is, and the server reads back exactly `text` (PostgreSQL
    docs, 4.1.2.2 String Constants with C-Style Escapes; non-ASCII escapes need a UTF8
    server encoding)."""
    out, plain = [], True
    for ch in text:
        code = ord(ch)
        if ch == "'":
            out.append("''")
        elif ch == "\\":
            out.append("\\\\")
            plain = False
        elif ch == " " or _draws(ch):
            out.append(ch)
        else:
            plain = False
            out.append(_escape(code, 0x80))  # E'\\x80'-'\\xff' would be bytes, not UTF-8
    body = "".join(out)
    return f"'{body}'" if plain else f"E'{body}'"


def _draws(ch: str) -> bool:
    """A letter, digit, symbol or punctuation mark: not a space, a combining mark, a control,
    a format character or another invisible one."""
    return unicodedata.category(ch)[0] not in "ZMC" and not _INVISIBLE.match(ch)


def visible(text: str) -> bool:
    """Whether `text` draws anything at all, not only spaces or combining marks."""
    return any(map(_draws, text))


def shown_name(name: object, limit: int = NAME_LIMIT) -> tuple[str, bool]:
    """An outside name as the console shows it, and whether the sanitizer changed it.

    The text is `inert` and at most `limit` characters. A name the sanitizer changed is
    flagged so the view can mark it (widgets/format.py `name_cell`): two names that differ
    only in what was removed must not look like one. A name with nothing visible left
    (only escapes, controls or spaces) is shown as its escaped form, `\\x1b[2J`, never blank.
    A changed name that still shows something ends in `#` and four hex digits of a digest of
    the name as it came, so two names that differ only in what was removed stay two names on
    screen, in the timeline too. A name already marked (`marked_name`, at a probe) comes
    back flagged, without its mark, so the view keeps the mark however it cuts the name.
    """
    raw = "" if name is None else str(name)
    if raw.endswith(NAME_MARK) and raw != NAME_MARK:
        return shown_name(raw[: -len(NAME_MARK)], limit)[0], True
    text, changed = sanitize(raw, limit)
    if raw and not visible(text):
        return escaped(raw, limit), True
    if changed:
        # what was removed made it look like another name ("svc\x1b[2J" and "svc\x1b]0;t\x07"
        # both read "svc"): a short digest of the name as it came tells them apart on screen
        text = f"{inert(raw, max(limit - len(_TAG) - 4, 1))}{_TAG}{_digest(raw, 2)}"
    return text, changed


def marked_name(name: object, limit: int = NAME_LIMIT) -> str:
    """`shown_name` as one string for a line of text (the timeline): changed names end in
    `NAME_MARK`."""
    text, changed = shown_name(name, limit)
    return text + NAME_MARK if changed else text


_TAG = "#"  # between a changed name and the digest of the name as it came


def _digest(text: str, size: int) -> str:
    # imported with the first name changed, not with this module: hashlib starts OpenSSL's
    # digests, ~3 % of `warroom live`'s instructions to its first frame
    import hashlib

    return hashlib.blake2s(text.encode("utf-8", "surrogatepass"), digest_size=size).hexdigest()


def bounded_key(name: str, limit: int = NAME_LIMIT) -> str:
    """An outside name kept as the key of its row, at most `limit` characters.

    A name that fits is kept exactly as it came, so two names that differ in any character
    (escapes included) stay two rows and an action targets the exact object; it is made
    inert where it is drawn. A longer one keeps its beginning and a digest of the whole,
    so two long names that share a beginning stay two rows too.
    """
    if len(name) <= limit:
        return name
    digest = _digest(name, 4)
    return f"{name[: max(limit - len(digest) - 1, 0)]}…{digest}"


def describe_error(exc: BaseException, timeout: float = 0.0) -> str:
    """One line for a person: what went wrong (a probe, an action), never a traceback."""
    if isinstance(exc, TimeoutError):
        return f"timed out after {timeout:g} s"
    return inert(str(exc), limit=160) or type(exc).__name__
