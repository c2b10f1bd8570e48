"""Untrusted text made inert: what reaches the screen is one printable line."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from state.text import (
    NAME_MARK,
    TEXT_LIMIT,
    bounded_key,
    escaped,
    inert,
    inert_lines,
    marked_name,
    sanitize,
    shown_name,
)
from tests.hostile import CORPUS, assert_inert, hostile_text

ESC = "\x1b"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b[1;38;5;196mbold\x1b[m", "bold"),
        ("a\x1b[2Jb", "ab"),  # clear screen
        ("a\x1b[?1049hb", "ab"),  # alternate screen, private mode
        ("a\x9b31mb", "ab"),  # 8-bit CSI
    ],
)
def test_csi_sequences_are_removed(raw, shown):
    assert inert(raw) == shown


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b]0;pwned title\x07after", "after"),  # OSC ended by BEL
        ("\x1b]0;pwned title\x1b\\after", "after"),  # OSC ended by ST
        ("\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\", "click me"),  # OSC 8 link
        ("\x1b]8;;https://evil.example/\x07click me\x1b]8;;\x07", "click me"),
        ("\x9d0;title\x9cafter", "after"),  # 8-bit OSC and ST
        ("\x1b]52;c;ZXZpbA==\x07x", "x"),  # clipboard write
        ("before\x1b]0;never terminated", "before"),
    ],
)
def test_osc_sequences_are_removed(raw, shown):
    assert inert(raw) == shown


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\x1bPq#0;2;0;0;0#0~~\x1b\\b", "ab"),  # DCS (sixel), 7-bit ST
        ("a\x90q#0~~\x9cb", "ab"),  # 8-bit DCS and ST
        ("a\x1b_app command\x1b\\b", "ab"),  # APC
        ("a\x1b^privacy\x1b\\b", "ab"),  # PM
        ("a\x1bXstring\x1b\\b", "ab"),  # SOS
    ],
)
def test_device_control_and_other_strings_are_removed(raw, shown):
    assert inert(raw) == shown


def test_two_character_escapes_and_lone_esc_are_removed():
    assert inert("a\x1bcb") == "ab"  # RIS, full reset
    assert inert("a\x1b(0b") == "ab"  # charset switch to line drawing
    assert inert("trailing\x1b") == "trailing"


def test_c0_and_c1_controls_are_removed():
    raw = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\v\f\r\x1b")
    raw += "".join(
        chr(c)
        for c in range(0x7F, 0xA0)
        if c not in (0x85, 0x90, 0x98, 0x9B, 0x9D, 0x9E, 0x9F)  # NEL breaks a line; strings
    )
    assert inert(f"a{raw}b") == "ab"
    assert inert("bell\x07 and backspace\x08") == "bell and backspace"


@pytest.mark.parametrize(
    "mark",
    [
        "\u202a",  # LRE
        "\u202b",  # RLE
        "\u202c",  # PDF
        "\u202d",  # LRO
        "\u202e",  # RLO
        "\u2066",  # LRI
        "\u2067",  # RLI
        "\u2068",  # FSI
        "\u2069",  # PDI
        "\u200e",  # LRM
        "\u200f",  # RLM
        "\u061c",  # ALM
    ],
)
def test_bidi_controls_are_removed(mark):
    assert inert(f"pay{mark}lap.exe") == "paylap.exe"


@pytest.mark.parametrize(
    "zw",
    [
        "\u200b",  # zero-width space
        "\u200c",  # ZWNJ
        "\u200d",  # ZWJ
        "\u2060",  # word joiner
        "\u2062",  # invisible times
        "\ufeff",  # BOM
        "\u00ad",  # soft hyphen
        "\u034f",  # combining grapheme joiner
        "\u3164",  # Hangul filler: a letter that draws as nothing
        "\u180e",  # Mongolian vowel separator
        "\U000e0041",  # tag latin capital A: invisible text inside text
        "\ufff9",  # interlinear annotation anchor
    ],
)
def test_zero_width_and_invisible_characters_are_removed(zw):
    assert inert(f"ana{zw}lysis-service") == "analysis-service"


def test_lone_surrogates_are_replaced_not_passed_to_the_terminal():
    assert inert("a\ud800b\udfffc") == "a\ufffdb\ufffdc"
    inert("a\ud800").encode()  # a terminal's UTF-8 encoder takes it


def test_wide_characters_and_emoji_are_kept():
    assert inert("支付服务🚨🔥") == "支付服务🚨🔥"


def test_every_input_is_bounded_by_default():
    assert len(inert("x" * 100_000)) == TEXT_LIMIT
    assert inert("x" * 100_000).endswith("…")
    assert len(inert("x" * 100_000, limit=None)) == 100_000  # the project's own text only


def test_tabs_and_newlines_fold_to_one_space():
    assert inert("line one\nline two") == "line one line two"
    assert inert("a\r\n\r\n\tb") == "a b"
    assert inert("a\u2028b\u2029c") == "a b c"  # Unicode line and paragraph separators
    assert inert("a\vb\fc\x85d") == "a b c d"  # vertical tab, form feed, next line


def test_markup_stays_literal_text():
    assert inert("[bold red]x[/]") == "[bold red]x[/]"


def test_ordinary_text_is_unchanged():
    text = "Ünïcødé — 🚨 UPDATE tracks SET n = n + 1 WHERE id = 48213; -- ok"
    assert inert(text) == text


def test_none_and_objects():
    assert inert(None) == ""
    assert inert(4242) == "4242"


def test_limit_truncates_with_an_ellipsis():
    assert inert("abcdef", limit=4) == "abc…"
    assert len(inert("x" * 500, limit=160)) == 160
    assert inert("abcd", limit=4) == "abcd"
    assert inert("abc", limit=4) == "abc"


def test_limit_counts_what_is_shown_not_the_escapes():
    assert inert("\x1b[31m" * 50 + "short", limit=10) == "short"


_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_interesting = st.sampled_from(
    ["\x1b", "[", "]", "\\", "\x07", "\x9b", "\x9c", "\x9d", "\x90", "P", "0", ";", "m", "\n", "\t"]
)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(st.one_of(st.characters(), _interesting, st.text(max_size=5))).map("".join))
def test_output_never_contains_controls_or_esc(raw):
    out = inert(raw)
    assert ESC not in out
    assert not _FORBIDDEN.search(out)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(), st.integers(min_value=1, max_value=50))
def test_limited_output_never_exceeds_the_limit(raw, limit):
    assert len(inert(raw, limit=limit)) <= limit


# ---- names: changed ones are marked, none is blank, distinct ones stay distinct ---------------


def test_sanitize_says_whether_it_changed_the_text():
    assert sanitize("checkout") == ("checkout", False)
    assert sanitize("check\x1b[31mout") == ("checkout", True)
    assert sanitize("a\nb") == ("a b", True)
    assert sanitize("x" * 10, limit=5) == ("xxxx…", True)
    assert sanitize("[bold]x[/]") == ("[bold]x[/]", False)  # markup is text: the view draws it so


def test_a_name_of_only_escapes_shows_its_escaped_form():
    assert shown_name("\x1b[2J") == ("\\x1b[2J", True)
    assert shown_name("\x1b]0;pwned\x07") == ("\\x1b]0;pwned\\x07", True)
    assert shown_name("\u202e\u200b") == ("\\u202e\\u200b", True)
    assert shown_name("   ") == ("\\x20\\x20\\x20", True)
    assert shown_name("\u0301\u0301") == ("\\u0301\\u0301", True)  # combining marks alone
    assert shown_name("") == ("", False)


def test_escaped_is_printable_and_bounded():
    assert escaped("a\x00\U000e0041b") == "a\\x00\\U000e0041b"
    assert len(escaped("\x1b" * 10_000, limit=40)) == 40


def test_a_changed_name_is_marked_in_a_line_of_text():
    assert marked_name("checkout") == "checkout"
    assert re.fullmatch(r"checkout#[0-9a-f]{4}" + NAME_MARK, marked_name("check\x1b[31mout"))
    assert marked_name("\x1b[2J") == "\\x1b[2J" + NAME_MARK


def test_names_that_differ_only_in_what_was_removed_stay_apart():
    variants = ["svc\x1b[2J", "svc\x1b]0;title\x07", "svc\x9b2J", "svc\u202e", "svc\x00"]
    shown = {marked_name(v) for v in variants}
    assert len(shown) == len(variants)
    assert all(s.startswith("svc#") for s in shown)
    assert marked_name("svc") == "svc"  # a clean name is never tagged


def test_a_name_marked_at_a_probe_stays_marked_once():
    once = marked_name("role\x1b]0;t\x07")
    assert re.fullmatch(r"role#[0-9a-f]{4}" + NAME_MARK, once)
    assert shown_name(once) == (once[: -len(NAME_MARK)], True)  # the view draws the mark itself, in its style
    assert marked_name(once) == once
    assert shown_name("\x1b[2J" + NAME_MARK) == ("\\x1b[2J", True)


def test_inert_lines_keeps_line_breaks_and_nothing_else():
    assert inert_lines("pid 1\n\x1b[2Jselect 1\t;") == "pid 1\nselect 1 ;"


def test_keys_keep_names_exact_and_bounded():
    assert bounded_key("check\x1b[31mout") == "check\x1b[31mout"  # drawn inert, kept exact
    a, b = "x" * 20_000 + "a", "x" * 20_000 + "b"
    assert len(bounded_key(a)) == 253
    assert bounded_key(a) != bounded_key(b)  # a shared beginning does not merge two rows
    assert bounded_key(a) == bounded_key(a)


@pytest.mark.parametrize("kind", CORPUS)
def test_every_corpus_string_is_shown_inert_and_visible(kind):
    text, _ = shown_name(CORPUS[kind])
    assert_inert(text)
    assert text.strip(), kind  # never a blank row
    assert len(text) <= 253


def test_corpus_names_never_look_alike_unless_marked():
    shown = [shown_name(raw) for raw in CORPUS.values()]
    plain = [text for text, changed in shown if not changed]
    assert len(set(plain)) == len(plain)
    assert all(
        changed for (text, changed), raw in zip(shown, CORPUS.values(), strict=True) if text != raw
    )


@settings(max_examples=300, deadline=None, derandomize=True)
@given(hostile_text())
def test_any_name_is_shown_inert_visible_and_marked_when_changed(raw):
    text, changed = shown_name(raw)
    assert_inert(text)
    assert len(text) <= 253
    assert changed == (text != raw)
    if raw:
        assert text.strip()
