"""A statement as long as the server's track_activity_query_size is marked as cut by the
server, and said to be so wherever it is read whole (detail, confirmation)."""

from __future__ import annotations

import pytest

from probes.postgres.probe import chain_session, query_limit
from state.events import DbSession
from state.locks import statement_words


@pytest.mark.parametrize(
    ("shown", "size"), [("1kB", 1024), ("4096", 4096), ("100B", 100), ("1MB", 1 << 20), ("?", 0)]
)
def test_the_setting_is_read_in_bytes(shown, size) -> None:
    assert query_limit(shown) == size


def row(statement: bytes) -> tuple:
    return (7, "batch", None, "active", statement, "UTF8", None, None, None)


@pytest.mark.parametrize(
    ("length", "cut"),
    [(1023, True), (1020, True), (1019, False), (10, False)],  # kept: 1023 bytes, less by a char
)
def test_a_statement_at_the_limit_is_marked(length, cut) -> None:
    session = chain_session(row(b"x" * length), 1000, 1024)
    assert session.query_cut_at == (1024 if cut else None)
    assert chain_session(row(b"x" * length), 1000, 0).query_cut_at is None  # limit not read


def test_a_cut_statement_says_so_and_stays_inert() -> None:
    s = DbSession(pid=7, query="SELECT 1 /* \x1b[2J[b]x[/b] */ AND", query_cut_at=1024)
    assert statement_words(s, 300) == "SELECT 1 /* [b]x[/b] */ AND… (cut by the server at 1 kB)"
    assert statement_words(s, 8) == "SELECT … (cut by the server at 1 kB)"
    whole = s.model_copy(update={"query_cut_at": None})
    assert statement_words(whole, 300) == "SELECT 1 /* [b]x[/b] */ AND"
    odd = s.model_copy(update={"query_cut_at": 1000})
    assert statement_words(odd, 300).endswith("(cut by the server at 1000 bytes)")
