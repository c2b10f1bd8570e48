"""A fixed corpus of hostile text, and the checks that it reached the screen inert.

Every test that feeds outside text to the console (probes against real servers, receivers,
journals read back) takes its strings from here, so each path meets every class:
terminal escapes that act (clear screen, OSC 52 clipboard write, window title, SGR, 8-bit
CSI), markup that acts (Rich markup, `[link=…]`, Textual `[@click=…]`, unbalanced brackets),
text that hides or reorders (bidi overrides, C0 controls, DEL, zero-width characters), and
text that crowds (20 kB, multi-line, wide CJK and emoji, strings made only of escapes).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from hypothesis import strategies as st
from rich.cells import cell_len

if TYPE_CHECKING:
    from rich.segment import Segment
    from textual.app import App

# class -> one string of that class; each is also a distinct Prometheus label value, pod
# reason, role name...: none is empty, and no two are equal once made inert unless marked.
CORPUS: dict[str, str] = {
    "clear screen": "svc\x1b[2J\x1b[3J\x1b[H",
    "osc 52 clipboard": "svc\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07",
    "window title": "svc\x1b]0;pwned\x07\x1b]2;pwned too\x1b\\",
    "sgr": "\x1b[1;5;31;48;5;196mred\x1b[0m",
    "8-bit csi": "svc\x9b2J\x9b31m\x9d0;title\x9c",
    "rich markup": "[bold red on white]loud[/]",
    "rich link": "[link=file:///etc/passwd]x[/link]",
    "textual click": "[@click=app.quit]quit[/]",
    "unbalanced brackets": "[/][[[/bold]]][b",
    "bidi override": "evil\u202egpj.exe\u202c\u2066iso\u2069",
    "c0 controls": "a\x00b\x07c\x08d\x0ee\x1af",
    "del": "del\x7fete",
    "zero-width": "ze\u200bro\u200c-wi\u200ddth\ufeff\u2060",
    "20 kB": "long-" + "x" * 20_000,
    "multi-line": "line one\nline two\r\nline three\u2028four",
    "wide cjk and emoji": "支付服务🚨🔥数据库",
    "only escapes": "\x1b[2J\x1b]0;t\x07\x9b1m",
}
CLASSES = tuple(CORPUS)
# What no inert text contains: C0 and C1 controls, DEL, and the invisible reorderers.
FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")
# Strings whose class needs them to survive as visible, literal text once inert.
LITERAL = ("[bold red on white]loud[/]", "[link=file:///etc/passwd]x[/link]")

_FRAGMENTS = st.sampled_from(
    [
        "\x1b",
        "[",
        "]",
        "\\",
        "/",
        "=",
        "@click=app.quit",
        "link=file:///etc/passwd",
        "\x07",
        "\x9b",
        "\x9c",
        "\x9d",
        "\x90",
        "\x1b]52;c;",
        "\x1b]0;",
        "\x1b[2J",
        "\u202e",
        "\u200b",
        "\n",
        "\x7f",
        "支付",
        "🚨",
        *CORPUS.values(),
    ]
)


def hostile_text() -> st.SearchStrategy[str]:
    """Strings built from the corpus's pieces and arbitrary characters, up to ~25 kB."""
    piece = st.one_of(_FRAGMENTS, st.text(max_size=8), st.characters())
    return st.lists(piece, min_size=1, max_size=12).map("".join)


def assert_inert(text: str) -> None:
    """`text` holds no control, escape or invisible reordering character."""
    found = FORBIDDEN.search(text)
    assert found is None, f"{found.group()!r} at {found.start()} in {text[:120]!r}"


# Textual's own output: CSI sequences for cursor moves, SGR, modes and sync (ESC [ ... final),
# and nothing else. OSC (title, clipboard, hyperlinks), DCS, 8-bit forms and bare controls in
# a frame all come from text that was not made inert.
_TEXTUAL_CSI = re.compile(r"\x1b\[[0-9;?]*[A-HJKSTfhlmsu]")


def frame_bytes(app: App) -> str:
    """What Textual would write to the terminal for a full repaint of the current screen."""
    update = app.screen._compositor.render_full_update()
    return update.render_segments(app.console)


def assert_frame_inert(frame: str) -> None:
    """Only Textual's own CSI sequences and printable text: no OSC 52, title, clear screen,
    8-bit CSI, BEL or any other control from outside text."""
    rest = _TEXTUAL_CSI.sub("", frame).replace("\r", "").replace("\n", "")
    found = re.search(r"[\x00-\x1f\x7f-\x9f]", rest)
    assert found is None, (
        f"{found.group()!r} in frame near {rest[max(found.start() - 60, 0) :][:120]!r}"
    )
    assert "\x1b[2J" not in frame and "\x1b[3J" not in frame  # Textual repaints cells, never clears


def segments(app: App) -> list[Segment]:
    """Every segment of the current screen as drawn: text with its style (and meta)."""
    return [seg for strip in app.screen._compositor.render_strips() for seg in strip]


def assert_no_actions(app: App) -> None:
    """No drawn text carries a click action or a hyperlink: markup from outside never acts."""
    for seg in segments(app):
        style = seg.style
        if style is None:
            continue
        meta = style.meta or {}
        assert "@click" not in meta, f"action {meta['@click']!r} on {seg.text!r}"
        assert not style.link, f"link {style.link!r} on {seg.text!r}"


def screen_text(app: App) -> str:
    """The current screen as plain text, one line per row."""
    return "\n".join(
        "".join(seg.text for seg in strip) for strip in app.screen._compositor.render_strips()
    )


def assert_screen_inert(app: App) -> None:
    """The screen the commander sees holds no outside escape, control or action."""
    assert_frame_inert(frame_bytes(app))
    assert_no_actions(app)
    for line in screen_text(app).split("\n"):
        assert_inert(line)


def pane_lines(app: App, widget) -> list[str]:
    """The rows of `widget`'s inner area as the commander sees them, cut to the pane."""
    region = widget.content_region
    strips = app.screen._compositor.render_strips()
    return [strips[y].crop(region.x, region.right).text for y in range(region.y, region.bottom)]


def cell_of(app: App, y: int, word: str) -> int | None:
    """The screen column where `word` starts on row `y`, or None when it is not there."""
    line = "".join(seg.text for seg in app.screen._compositor.render_strips()[y])
    index = line.find(word)
    return None if index < 0 else cell_len(line[:index])
