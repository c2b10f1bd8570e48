"""The panes' colours come from the theme: text styles are named roles, never colours.

A widget builds `rich.text.Text` whose spans carry a role (`BAD`, `WARN`, `MUTED`, ...): a
Textual style over the theme's variables ("bold $warroom-bad"). `themed()` hands it to
Textual as `Content`, which resolves the variables of the theme in use each time it draws.
So switching the theme (the command palette's "Change theme") recolours every pane, and the
words (P1 CRITICAL, OVERDUE, stale, ⚠) say the same without colour (NO_COLOR).

(Not component classes: Textual 8.2 resolves a ".class" span style without its reverse and,
for an opaque colour, without its background, which the badges and cursors need.)

The `warroom` theme is Textual's dark theme with the signal colours the console has always
had; any other theme takes them from its own $error, $warning and $success
(`signal_variables`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual.color import Color
from textual.content import Content, Span
from textual.theme import BUILTIN_THEMES, Theme

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.style import Style as RichStyle

# roles: a Text span's style, a Textual style whose colours are the theme's variables
STRONG = "bold"  # headings, values that matter
MUTED = "dim"  # labels, units, what is secondary
QUOTE = "italic"  # text quoted as it was given: a title, a query
INVERSE = "reverse"  # the row under a pane's cursor, a grade
CURRENT = "bold reverse"  # the current tab, the replay's cursor, the mode badge
GOOD = "$warroom-good"
GOOD_STRONG = "bold $warroom-good"
WARN = "$warroom-warn"
WARN_STRONG = "bold $warroom-warn"
BAD = "$warroom-bad"
BAD_STRONG = "bold $warroom-bad"  # past a P1 threshold, blocking, failing
ACTION = "$warroom-action"  # something the commander did (timeline)
EVENT = "$warroom-event"  # a timeline mark with no tone (replay scrubber)
UNKNOWN = "$warroom-unknown"  # NaN, no data, cannot draw: never shown as a value
MARKED = "bold $warroom-unknown"  # the sanitized-name mark ⚠ (state/text.py NAME_MARK)
KEY = "bold $footer-key-foreground"  # a key in the key bar
P1, P2, P3, P4 = (f"bold $warroom-p{n}-text on $warroom-p{n}" for n in range(1, 5))  # badges
ALARM = P1  # overdue and act-now: OVERDUE, ESCALATE L3 now


def themed(text: Text) -> Content:
    """`text` as Content whose spans keep their role, to be resolved by the theme on drawing.

    In: Text whose span styles (and own style) are roles, or "" for none. Out: Content with
    the same characters and spans. Never parses markup: outside text stays inert.
    """
    spans = [Span(s.start, s.end, str(s.style)) for s in text.spans if s.style]
    if text.style:
        spans.insert(0, Span(0, len(text.plain), str(text.style)))
    return Content(text.plain, spans)


def resolved(text: Text, parse: Callable[[str], RichStyle]) -> Text:
    """`text` with each role resolved to the theme's colours by `parse`: for Textual widgets
    that draw Rich Text themselves (a DataTable's cells, a Tree's labels), not Content.

    In: Text whose span styles are roles; `parse` maps a role to a Rich Style (the app's
    stylesheet parser, which knows the theme's variables). Out: a new Text, same characters.
    """
    out = Text(text.plain, end="", no_wrap=True, overflow="ellipsis")
    if text.style:
        out.stylize(parse(str(text.style)))
    for span in text.spans:
        if span.style:
            out.stylize(parse(str(span.style)), span.start, span.end)
    return out


# Textual's dark theme, and the colours its terminal palette (Monokai) gave the Rich style
# names the panes used before they had roles: red, yellow, green, cyan, white, black,
# dark_orange and grey70. Every snapshot under snapshots/ is drawn with these.
_RED, _BLACK, _WHITE = "#f4005f", "#1a1a1a", "#c4c5b5"
WARROOM = replace(
    BUILTIN_THEMES["textual-dark"],
    name="warroom",
    variables={
        "warroom-bad": _RED,
        "warroom-warn": "#fd971f",
        "warroom-good": "#98e024",
        "warroom-action": "#58d1eb",
        "warroom-event": _WHITE,
        "warroom-unknown": _RED,  # Monokai's magenta is its red
        "warroom-p1": _RED,
        "warroom-p1-text": _WHITE,
        "warroom-p2": "#ff8700",
        "warroom-p2-text": _BLACK,
        "warroom-p3": "#fd971f",
        "warroom-p3-text": _BLACK,
        "warroom-p4": "#b2b2b2",
        "warroom-p4-text": _BLACK,
    },
)


# NO_COLOR: every signal becomes an attribute on the terminal's default colours, never a grey.
# (Textual's own NO_COLOR turns each colour into a grey of its brightness: the red of a
# breached threshold became colour 237 on near-black, the hardest line to read.) A role's
# variable is substituted into its style as written, so "bold $warroom-bad" reads "bold
# reverse" here: a breached value, its label and the timeline's alert lines are in reverse
# video, a warning underlined, the severity badges reversed, the rest in the default colour.
PLAIN_SIGNALS: dict[str, str] = {
    "warroom-bad": "reverse",
    "warroom-warn": "underline",
    "warroom-good": "ansi_default",
    "warroom-action": "ansi_default",
    "warroom-event": "ansi_default",
    "warroom-unknown": "underline",
    **{f"warroom-p{n}": "ansi_default" for n in range(1, 5)},
    **{f"warroom-p{n}-text": "reverse" for n in range(1, 5)},
}


def signal_variables(theme: Theme) -> dict[str, str]:
    """The $warroom-* variables for a theme that does not set them: from its own colours.

    In: a Textual Theme. Out: variable name -> CSS colour. Bad is the theme's $error,
    warn its $warning, good its $success; severity badges P1..P4 run $error, $warning,
    $accent, $secondary, each with black or white text, whichever reads on it.
    """
    colours = theme.to_color_system().generate()

    def on(background: str) -> str:
        return Color.parse(background).get_contrast_text(1.0).hex

    badges = ("error", "warning", "accent", "secondary")
    variables = {
        "warroom-bad": colours["error"],
        "warroom-warn": colours["warning"],
        "warroom-good": colours["success"],
        "warroom-action": colours["primary"],
        "warroom-event": colours["foreground"],
        "warroom-unknown": colours["accent"],
    }
    for level, name in enumerate(badges, 1):
        variables[f"warroom-p{level}"] = colours[name]
        variables[f"warroom-p{level}-text"] = on(colours[name])
    return variables
