"""Fitting a line or a table to a narrow terminal: short forms and dropped parts, never a cut
word; pod reasons in their well-known short forms."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rich.text import Text

from state.console import ConsoleState
from state.events import ActionRequested
from state.timeline import entries
from widgets.format import SHORT_REASONS, Column, Part, fit_columns, fit_parts, pod_word

T0 = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
SEP = Text(" | ")
PARTS = [
    Part(Text("acked in 10s ok"), Text("acked ok"), keep=3),
    Part(Text("resolve 59:30"), keep=2),
    Part(Text("update due 14:30 (last 2m)"), Text("update 14:30"), keep=4),
    Part(Text("L4 in 59:30"), keep=1),
    Part(Text("IC alice  TL bob  CL —"), Text("IC alice TL bob CL —"), keep=5),
]


def test_a_line_that_fits_is_whole() -> None:
    line = fit_parts(PARTS, 200, SEP).plain
    assert line == " | ".join(p.full.plain for p in PARTS)


@pytest.mark.parametrize("width", range(20, 110, 3))
def test_a_narrow_line_shortens_then_drops_the_least_needed_never_cuts(width) -> None:
    line = fit_parts(PARTS, width, SEP).plain
    assert len(line) <= width or line in (PARTS[-1].full.plain, PARTS[-1].short.plain)  # type: ignore[union-attr]
    shown = line.split(" | ")
    whole = {p.full.plain for p in PARTS} | {p.short.plain for p in PARTS if p.short}
    assert all(part in whole for part in shown), line
    assert "TL bob" in line  # the roles are the most needed: kept to the last


def test_the_least_needed_go_first() -> None:
    line = fit_parts(PARTS, 70, SEP).plain
    assert "L4 in" not in line and "resolve 59:30" in line and "acked ok" in line


COLUMNS = [
    Column("name", 21, 13, keep=5),
    Column("ready", 6, 6, keep=6),
    Column("pods", 26, 14, keep=4, grow=1),
    Column("health", 10, 7, keep=3),
    Column("rst", 3, 3, keep=2),
]


def test_columns_take_what_they_want_when_there_is_room() -> None:
    assert fit_columns(COLUMNS, 80, gap=0) == {c.name: c.width for c in COLUMNS}


def test_narrow_columns_shrink_to_their_least_before_one_is_dropped() -> None:
    widths = fit_columns(COLUMNS, 46, gap=0)
    assert list(widths) == ["name", "ready", "pods", "health", "rst"]  # RST kept at 100 cols
    assert sum(widths.values()) == 46
    assert widths["pods"] == 14 and widths["health"] == 7  # the room went to the name


def test_too_narrow_drops_the_least_needed_column_first() -> None:
    widths = fit_columns(COLUMNS, 40, gap=0)
    assert "rst" not in widths and sum(widths.values()) <= 40
    assert all(widths[c.name] >= c.least for c in COLUMNS if c.name in widths)


@pytest.mark.parametrize(
    ("reason", "width", "shown"),
    [
        ("CrashLoopBackOff", 20, "CrashLoopBackOff"),
        ("CrashLoopBackOff", 9, "CrashLoop"),
        ("ContainerCreating", 9, "Creating"),
        ("CreateContainerConfigError", 12, "ConfigErr"),
        ("ImagePullBackOff", 9, "ImagePull"),
        ("OOMKilled", 9, "OOMKilled"),
        ("Running", 7, "Running"),
    ],
)
def test_a_pod_reason_is_whole_or_its_well_known_short_form(reason, width, shown) -> None:
    assert pod_word(reason, width) == shown


def test_every_short_form_fits_the_narrowest_pods_column() -> None:
    assert all(len(short) <= 9 for short in SHORT_REASONS.values())  # "CrashLoop ×3" in 12


def test_a_request_for_45_pids_reads_as_its_first_pids_and_how_many() -> None:
    request = ActionRequested(
        at=T0,
        action_id="a1",
        action="terminate_idle",
        target="45 idle sessions",
        params={
            "older_than": 600.0,
            "pids": list(range(1000, 1045)),
            "backend_starts": ["2026-03-14T09:00:00+00:00"] * 45,  # for the database, unsaid
        },
        by="ana",
    )
    (entry,) = entries(ConsoleState(), ConsoleState(), request)
    assert entry.text == (
        "ana requested terminate 45 idle sessions "
        "(older_than=600.0, pids=[1000, 1001, 1002, … 45 in all])"
    )


def test_a_request_for_a_few_pods_names_them_not_pythons_quoted_list() -> None:
    request = ActionRequested(
        at=T0,
        action_id="a1",
        action="delete_failing_pods",
        target="ns/api",
        params={"pods": ["api-1", "api-2"], "pod_uids": ["u1", "u2"]},
        by="ana",
    )
    (entry,) = entries(ConsoleState(), ConsoleState(), request)
    assert entry.text == "ana requested delete failing pods of ns/api (pods=[api-1, api-2])"
