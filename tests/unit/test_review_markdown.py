"""The review is Markdown a common renderer reads as meant: markdown-it-py (which Rich brings),
with GitHub's tables, strikethrough and footnotes. Outside text stays inert in it: no raw
HTML, no link or image, no heading, list or code it did not come with, whatever it holds
(the hostile corpus, tests/hostile.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from state.events import (
    ActionFinished,
    ActionRequested,
    Escalated,
    IncidentDeclared,
    IncidentResolved,
    MessageQueued,
    MessageSent,
    NoteAdded,
    RoleAssigned,
    SessionStarted,
)
from state.guide.severity import IncidentStatus, Role, Severity
from state.journal.store import Journal
from state.review.files import review_files
from state.review.format import NONE, md
from state.text import inert, inert_lines
from tests.hostile import CORPUS, hostile_text
from tests.unit.helpers import at

GOLDEN = Path(__file__).parent.parent / "golden" / "journal-v1" / "export"
# What the review itself writes; outside text never adds one of these.
FORMATTING = {"em_open", "strong_open", "s_open", "code_inline", "link_open", "image"}
BLOCKS = {
    "html_block",
    "heading_open",
    "bullet_list_open",
    "ordered_list_open",
    "blockquote_open",
    "hr",
    "code_block",
    "fence",
    "table_open",
}


def renderer() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(footnote_plugin)


def inline_tokens(tokens):
    for token in tokens:
        yield token
        yield from inline_tokens(token.children or ())


def plain(token) -> str:
    """The text an inline token renders, as a reader sees it."""
    return "".join(
        c.content if c.type in ("text", "text_special") else " " if c.type == "softbreak" else ""
        for c in token.children or ()
    )


def hostile_review() -> str:
    """A review of an incident where every outside text is a string of the hostile corpus."""
    texts = list(CORPUS.values())
    many = "\n".join(texts)  # a whole message: every class, one per line
    events = [
        SessionStarted(at=at(0), mode="live", version="0", operator=texts[9]),
        IncidentDeclared(
            at=at(10),
            incident_id="INC-1",
            severity=Severity.P1,
            title=texts[5],
            reason=texts[6],
            by=texts[7],
        ),
        RoleAssigned(at=at(11), role=Role.TL, person=texts[8], by=texts[7]),
        *(NoteAdded(at=at(20 + i), text=t, by=texts[i]) for i, t in enumerate(texts)),
        ActionRequested(
            at=at(60),
            action_id="a1",
            action=texts[10],
            target=texts[11],
            params={texts[12]: texts[13]},
            by=texts[14],
        ),
        ActionFinished(at=at(61), action_id="a1", ok=False, result=many),
        Escalated(
            at=at(70),
            level=2,
            reason=texts[3],
            by=texts[4],
            contacts=(texts[2],),
            channels=(texts[1],),
        ),
        MessageQueued(
            at=at(80),
            message_id="m1",
            channel=texts[0],
            status=IncidentStatus.INVESTIGATING,
            text=many,
            by=texts[15],
            channel_type="slack",
        ),
        MessageSent(
            at=at(81),
            message_id="m1",
            channel=texts[0],
            status=IncidentStatus.INVESTIGATING,
            text=many,
            outcome="failed",
            detail=many,
            by=texts[15],
        ),
        IncidentResolved(at=at(900), summary=many, by=texts[16]),
    ]
    return review_files(events)[0].data.decode()


def check(review: str) -> list:
    """Render `review`; assert what holds for every review; return its tokens."""
    tokens = renderer().parse(review)
    kinds = {t.type for t in inline_tokens(tokens)}
    assert not kinds & {"html_block", "html_inline", "link_open", "image"}, kinds
    for source in ("&gt;", "&lt;", "&amp;", "\\*\\*"):
        assert source not in review.replace("\\&amp;", "").replace("\\&lt;", ""), source
    # every table row has the header's number of cells: no outside `|` split one
    cells, row = [], 0
    for token in tokens:
        if token.type == "tr_open":
            row = 0
        elif token.type in ("th_open", "td_open"):
            row += 1
        elif token.type == "tr_close":
            cells.append(row)
        elif token.type == "table_close":
            assert len(set(cells)) == 1, cells
            cells = []
    return tokens


def headings(tokens) -> list[str]:
    out = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            out.append(token.tag + " " + tokens[i + 1].content)
    return out


@pytest.mark.parametrize("name", ["INC-20260314-0420_review.md"])
def test_the_reviews_render_as_meant(name) -> None:
    review = (GOLDEN / name).read_text()
    tokens = check(review)
    assert "h3 Response Metrics" in headings(tokens) and "h4 Update Cadence" in headings(tokens)
    # the footnotes render as footnotes, each metric's reference resolving
    refs = [t for t in inline_tokens(tokens) if t.type == "footnote_ref"]
    assert len(refs) == 6
    # the messages render as code blocks, verbatim
    fences = [t.content for t in tokens if t.type == "fence"]
    assert "We are investigating reports of issues with tracklist-service.\n" in fences


def test_a_review_full_of_hostile_text_renders_with_only_its_own_structure() -> None:
    review = hostile_review()
    tokens = check(review)
    benign = [
        SessionStarted(at=at(0), mode="live", version="0", operator="o"),
        IncidentDeclared(
            at=at(10), incident_id="INC-1", severity=Severity.P1, title="t", reason="r", by="b"
        ),
    ]
    plain_headings = headings(renderer().parse(review_files(benign)[0].data.decode()))
    got = headings(tokens)
    # the same sections: outside text added no heading ("#### Message 1" is the review's)
    assert [h for h in got if h not in plain_headings] == []
    # each whole message is one code block, holding exactly the inert text
    many = inert_lines("\n".join(CORPUS.values()))
    assert any(t.content.rstrip("\n") == many.rstrip("\n") for t in tokens if t.type == "fence")
    # no emphasis, code or strikethrough came from outside: the review's own are bold labels
    own = {"strong_open"}
    assert {t.type for t in inline_tokens(tokens)} & FORMATTING <= own


@settings(max_examples=300)
@given(hostile_text())
def test_any_text_in_a_table_cell_renders_as_exactly_that_text(text: str) -> None:
    tokens = renderer().parse(f"| h |\n|---|\n| {md(text)} |\n")
    cells = [t for t in tokens if t.type == "inline"]
    assert len(cells) == 2, tokens  # the header's and ours: one row, one cell
    kinds = {t.type for t in inline_tokens(tokens)}
    assert not kinds & (FORMATTING | {"html_inline"}), kinds
    assert plain(cells[1]) == (inert(text, None).strip() or NONE)


@settings(max_examples=300)
@given(hostile_text())
def test_any_text_starting_a_line_renders_as_one_paragraph_of_that_text(text: str) -> None:
    tokens = renderer().parse(md(text, cell=False) + "\n")
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"], tokens
    kinds = {t.type for t in inline_tokens(tokens)}
    assert not kinds & (FORMATTING | BLOCKS | {"html_inline"}), kinds
    assert plain(tokens[1]) == (inert(text, None).strip() or NONE)


def test_the_bad_deploy_journal_review_renders(tmp_path) -> None:
    from tests.unit import review_sessions as play

    path = tmp_path / "j.warroom"
    play.bad_deploy(path).recorder.journal.close()
    with Journal.open(path, read_only=True) as journal:
        review = review_files(list(journal.events()))[0].data.decode()
    tokens = check(review)
    note = next(t for t in tokens if t.type == "inline" and "Note by alice" in t.content)
    assert plain(note) == "Note by alice: | <script> [x](http://e)"
