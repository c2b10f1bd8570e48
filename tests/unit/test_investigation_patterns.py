"""The guide's error-pattern analysis: ERROR/FATAL/Exception lines grouped once what varies
between occurrences (numbers, ids, hex, quoted values) is replaced by placeholders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from state.guide.investigation import error_groups, is_error, pattern

T0 = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)


def test_the_guide_filter_keeps_error_fatal_and_exceptions_only() -> None:
    assert is_error("2026-03-14T09:00:00Z ERROR boom")
    assert is_error("FATAL: too many connections")
    assert is_error("psycopg.OperationalError raised: NullPointerException")
    assert not is_error("INFO GET /tracks 200")
    assert not is_error("errors=0 TERROR")  # a word that merely contains it


def test_ids_numbers_hex_and_quoted_values_become_placeholders() -> None:
    a = pattern("2026-03-14T09:00:01Z ERROR [req 7f3a9c21e4b5] KeyError: 'artist' id=48213")
    b = pattern("2026-03-14T09:07:42Z ERROR [req 00aa11bb22cc] KeyError: 'title' id=7")
    assert a == b == "ERROR [req <hex>] KeyError: <str> id=<n>"
    uuid = pattern('FATAL job 0b7e3a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b failed after 3.5 s "x"')
    assert uuid == "FATAL job <uuid> failed after <n> s <str>"


def test_groups_are_counted_ranked_and_carry_first_and_last_time() -> None:
    lines = [
        (T0 + timedelta(seconds=i), f"ERROR timeout calling mail api after {i} ms")
        for i in range(5)
    ]
    lines += [(T0 + timedelta(seconds=10), "ERROR KeyError: 'x'")] * 2
    lines += [(T0, "INFO fine")] * 50
    groups = error_groups(lines)
    assert [(g.pattern, g.count) for g in groups] == [
        ("ERROR timeout calling mail api after <n> ms", 5),
        ("ERROR KeyError: <str>", 2),
    ]
    assert groups[0].first == T0 and groups[0].last == T0 + timedelta(seconds=4)


def test_only_the_top_ten_groups_are_kept() -> None:
    lines = [(T0, f"ERROR kind{chr(97 + i)} failed") for i in range(15) for _ in range(i + 1)]
    groups = error_groups(lines)
    assert len(groups) == 10
    assert groups[0].count == 15 and groups[-1].count == 6


def test_the_logs_summary_counts_in_words_that_agree():
    from probes.investigate.base import log_findings
    from state.guide.investigation import ErrorGroup

    one = log_findings("api: last 10 lines of 1 pod", [ErrorGroup("KeyError <id>", 1, None, None)])
    assert one[0].text == "api: last 10 lines of 1 pod, 1 ERROR/FATAL/Exception line in 1 group"
    two = [ErrorGroup("KeyError <id>", 3, None, None), ErrorGroup("Timeout", 2, None, None)]
    assert log_findings("api", two)[0].text == "api, 5 ERROR/FATAL/Exception lines in 2 groups"
