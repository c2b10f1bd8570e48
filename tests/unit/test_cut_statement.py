"""A statement as long as the server's track_activity_query_size is marked as cut by the
server, in bytes as the server counts them, and said to be so wherever it is read: the
confirmation (at its end), the lock tree's rows and detail lines (before it, where the pane's
own cut to its width leaves the mark)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from probes.postgres.probe import chain_session, query_limit, server_cut
from state.events import DbSession
from state.locks import BlockingChain, statement_words
from widgets.lock_lines import detail_line, session_line


@pytest.mark.parametrize(
    ("shown", "size"), [("1kB", 1024), ("4096", 4096), ("100B", 100), ("1MB", 1 << 20), ("?", 0)]
)
def test_the_setting_is_read_in_bytes(shown, size) -> None:
    assert query_limit(shown) == size


def row(statement: bytes, octets: int | None = None) -> tuple:
    octets = len(statement) if octets is None else octets
    return (7, "batch", None, "active", statement, octets, "UTF8", None, None)


# the server keeps 1023 bytes of 1024, cut back to a whole character: a statement shown with
# 1023 is cut (or exactly that long: the server cannot tell them apart); 1020-1022 bytes in
# UTF-8 is cut only if the next character had 4-2 bytes, which the server does not say;
# 1019 or fewer is whole. A one-byte encoding never cuts short of 1023.
@pytest.mark.parametrize(
    ("octets", "multibyte", "cut"),
    [
        (1023, True, False),
        (1023, False, False),
        (1022, True, True),
        (1020, True, True),
        (1022, False, None),
        (1019, True, None),
        (10, True, None),
    ],
)
def test_the_server_cut_is_read_in_bytes_as_the_server_counts(octets, multibyte, cut) -> None:
    assert server_cut(octets, 1024, multibyte) is cut
    assert server_cut(octets, 0, multibyte) is None  # the limit not read
    assert server_cut(None, 1024, multibyte) is None  # hidden: no statement


def test_the_server_cut_is_read_past_the_probes_own() -> None:
    # track_activity_query_size 8 kB: the probe reads 4,000 bytes of a statement the server
    # cut at 8,191; it is still marked as the server's cut
    session = chain_session(row(b"x" * 4000, octets=8191), 1000, 8192)
    assert (session.query_cut_at, session.query_may_be_whole) == (8192, False)
    assert len(session.query) == 1000  # the console's own cut, marked "…" where it shows
    assert statement_words(session, 300).endswith("x… (cut by the server at 8 kB)")
    whole = chain_session(row(b"x" * 4000, octets=5000), 1000, 8192)
    assert whole.query_cut_at is None


def test_a_cut_statement_says_so_and_stays_inert() -> None:
    s = DbSession(pid=7, query="SELECT 1 /* \x1b[2J[b]x[/b] */ AND", query_cut_at=1024)
    assert statement_words(s, 300) == "SELECT 1 /* [b]x[/b] */ AND… (cut by the server at 1 kB)"
    assert statement_words(s, 8) == "SELECT … (cut by the server at 1 kB)"
    whole = s.model_copy(update={"query_cut_at": None})
    assert statement_words(whole, 300) == "SELECT 1 /* [b]x[/b] */ AND"
    odd = s.model_copy(update={"query_cut_at": 1000})
    assert statement_words(odd, 300).endswith("(cut by the server at 1000 bytes)")


def test_the_lock_tree_marks_a_cut_statement_before_it() -> None:
    cut = DbSession(
        pid=7, state="active", query="UPDATE acc SET b = 1 /* " + "x" * 900, query_cut_at=1024
    )
    maybe = cut.model_copy(update={"query_may_be_whole": True})
    whole = cut.model_copy(update={"query_cut_at": None})
    now = datetime(2026, 11, 30, tzinfo=UTC)
    for s, said, short in [
        (cut, "cut by the server at 1 kB", "cut at 1 kB"),
        (maybe, "may be cut by the server at 1 kB", "maybe cut at 1 kB"),
    ]:
        row = session_line(BlockingChain(session=s), 1, now).plain
        assert f"  ({short}) UPDATE acc SET b = 1 /* xx" in row  # a waiter's row: short
        assert detail_line(BlockingChain(session=s)).plain.startswith(
            f"({said}) UPDATE"
        )  # a root's
        assert statement_words(s, 300).endswith(f"x… ({said})")  # the confirmation's
    assert "cut" not in session_line(BlockingChain(session=whole), 1, now).plain
    assert detail_line(BlockingChain(session=whole)).plain.startswith("UPDATE acc")
