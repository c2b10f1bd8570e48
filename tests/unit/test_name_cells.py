"""How the view draws outside names and texts: inert, marked, cut by cells, never blank."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rich.cells import cell_len

from state.console import ConsoleState
from state.events import DrillScored, IncidentDeclared, Milestone, SessionStarted
from state.guide.severity import Severity
from tests.hostile import CORPUS, assert_inert
from tests.unit.helpers import fold_all
from widgets.format import MARK, MARK_STYLE, name_cell, name_width, stale_label
from widgets.header import IncidentHeader
from widgets.score_card import card_text

T0 = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


def test_a_clean_name_is_padded_to_its_column() -> None:
    cell = name_cell("checkout", 12)
    assert cell.plain == "checkout    "
    assert not cell.spans


def test_a_changed_name_ends_in_a_styled_mark_however_it_is_cut() -> None:
    cell = name_cell("check\x1b[31mout-service", 8)
    assert cell.plain == "checko…" + MARK
    assert cell.spans[-1].style == MARK_STYLE and cell.spans[-1].start == 7


def test_a_name_of_only_escapes_shows_its_escaped_form() -> None:
    assert name_cell("\x1b[2J", 20).plain == "\\x1b[2J" + MARK + " " * 12


def test_wide_characters_are_cut_by_cells() -> None:
    cell = name_cell(CORPUS["wide cjk and emoji"], 9)
    assert cell.cell_len == 9 and cell.plain.endswith("…")
    assert name_width(CORPUS["wide cjk and emoji"]) == cell_len(CORPUS["wide cjk and emoji"])


def test_without_pad_a_short_name_is_not_widened() -> None:
    assert name_cell("pg", 12, pad=False).plain == "pg"


@pytest.mark.parametrize("kind", CORPUS)
def test_every_class_fits_its_column_inert(kind: str) -> None:
    cell = name_cell(CORPUS[kind], 20)
    assert cell.cell_len == 20
    assert_inert(cell.plain)
    assert cell.plain.strip()


@pytest.mark.parametrize("kind", CORPUS)
def test_a_failure_reason_on_a_border_is_inert_and_bounded(kind: str) -> None:
    label = stale_label(T0, None, CORPUS[kind])
    assert label.startswith("stale never sampled")
    assert_inert(label)
    assert len(label) < 240


def test_the_score_card_reads_a_journal_inert_and_never_fails() -> None:
    hostile = CORPUS["osc 52 clipboard"] + CORPUS["20 kB"]
    card = DrillScored(
        at=T0,
        scenario=hostile,
        milestones=(Milestone(name=hostile, verdict="met", detail=hostile, points=5, of=5),),
        harmful=(hostile,),
        points=5,
        of=5,
        grade=hostile,
    )
    for line in card_text(card).plain.split("\n"):
        assert_inert(line)
        assert len(line) < 4200
    empty = card.model_copy(update={"milestones": ()})
    assert "Score 5/5" in card_text(empty).plain  # no milestones: a card, not a crash


def test_the_header_draws_journaled_ids_and_scenarios_inert() -> None:
    hostile = CORPUS["window title"] + CORPUS["textual click"]
    started = SessionStarted(
        at=T0, mode="demo", version="t", operator="x", scenario=hostile, seed=1
    )
    header = IncidentHeader()
    watching = header.compose_text(fold_all(ConsoleState(), [started]), T0, "DEMO")
    assert "[@click=app.quit]quit[/]" in watching.plain
    declared = IncidentDeclared(
        at=T0, incident_id=hostile, severity=Severity.P1, title=hostile, reason="r", by="x"
    )
    incident = header.compose_text(fold_all(ConsoleState(), [started, declared]), T0, "DEMO")
    for text in (watching, incident):
        for line in text.plain.split("\n"):
            assert_inert(line)


def test_not_ready_pods_are_counted_under_the_word_shown() -> None:
    """Running but not ready is 'NotReady', a word no pod's reason carries: it was ×0."""
    from state.console import ConsoleState
    from tests.unit.helpers import at, deployment, deployments, pod
    from widgets.services import ServicesPane

    pods = (pod("a"), pod("b", ready=False), pod("c", ready=False))
    state = fold_all(
        ConsoleState(),
        [
            SessionStarted(at=at(0), mode="live", version="0", operator="a", services=("api",)),
            deployments(1, deployment("api", desired=3, ready=1, pods=pods)),
        ],
    )
    row = ServicesPane(id="services").body(state, at(2), 60, 10).plain.splitlines()[1]
    assert "1/3" in row and "NotReady ×2" in row
