"""The drill's score card: each milestone against the guide's target, harm done, a grade."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Label, Static

from state.text import inert
from widgets.format import duration, name_cell, name_width
from widgets.modals import Dialog
from widgets.theme import (
    BAD,
    BAD_STRONG,
    GOOD,
    GOOD_STRONG,
    INVERSE,
    MUTED,
    STRONG,
    WARN,
    WARN_STRONG,
    themed,
)

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from state.events import DrillScored, Milestone

NAME_W = 40  # cells: the guide's milestone names are short; a journal's need not be
VERDICT_STYLE = {"met": GOOD, "missed": BAD_STRONG, "not done": WARN, "n/a": MUTED}


def _time(seconds: float | None) -> str:
    return "—" if seconds is None else duration(seconds)


def card_text(card: DrillScored) -> Text:
    """The card as journaled: its texts are read back from a journal, so drawn inert."""
    text = Text()
    if card.expected is not None:
        text.append(f"Targets: {card.expected.value}, the scenario's expected severity\n\n", MUTED)
    width = min(max([name_width(m.name) for m in card.milestones] + [0]), NAME_W) + 2
    text.append(
        f"{'MILESTONE':<{width}}{'TOOK':>9} {'TARGET':>9}  {'VERDICT':<9} {'POINTS':>7}\n", STRONG
    )
    for m in card.milestones:
        text.append(_row(m, width))
    if card.harmful:
        text.append("\nHarmful actions (-15 each)\n", BAD_STRONG)
        for harm in card.harmful:
            text.append(f"  {inert(harm)}\n", BAD)
    text.append(f"\nScore {card.points}/{card.of}   ", STRONG)
    style = GOOD_STRONG if card.grade in "AB" else WARN_STRONG if card.grade == "C" else BAD_STRONG
    grade = Text(f" Grade {inert(card.grade, 3)} ", style)
    grade.stylize(INVERSE)
    text.append_text(grade)
    return text


def _row(m: Milestone, width: int) -> Text:
    row = Text()
    row.append_text(name_cell(m.name, width))
    row.append(f"{_time(m.took):>9} {_time(m.target):>9}  ")
    row.append(f"{m.verdict:<9}", VERDICT_STYLE[m.verdict])
    row.append(f" {m.points:>3}/{m.of:<3}\n")
    if m.detail:
        row.append(f"  {inert(m.detail)}\n", MUTED)
    return row


class ScoreCardScreen(Dialog):
    """Shown when a drill ends; closing it ends the drill."""

    def __init__(self, card: DrillScored) -> None:
        super().__init__()
        self.card = card

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog score-card"):
            yield Label(
                Text(f"Drill score card: {inert(self.card.scenario)}"), classes="dialog-title"
            )
            yield Static(themed(card_text(self.card)), id="card")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", variant="primary", id="cancel")
