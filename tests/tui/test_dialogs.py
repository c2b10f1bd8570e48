"""Every dialog opens with the focus where the commander acts first; Enter in an input submits,
Escape cancels. One host App, each dialog pushed as the console pushes it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.widgets import Input

from state.events import DrillScored
from state.guide.severity import IncidentStatus, Role, Severity
from tests.tui.host import Host
from widgets.action_dialogs import NumberScreen, RemediationMenu, ResolveScreen, RoleScreen
from widgets.comms_dialogs import ChannelRow, EscalateScreen, UpdateScreen
from widgets.help import HelpScreen
from widgets.modals import (
    ConfirmScreen,
    DeclareScreen,
    NoteScreen,
    SeverityScreen,
)
from widgets.replay_dialogs import GoToScreen
from widgets.score_card import ScoreCardScreen

T0 = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
CHANNELS = [ChannelRow("#incidents", "slack", "internal", True, True)]

# the dialog, the id of the widget focused when it opens
DIALOGS = {
    "declare": (lambda: DeclareScreen(Severity.P1, "error rate 12%", "checkout down"), "severity"),
    "severity": (lambda: SeverityScreen(Severity.P2, Severity.P1, "error rate"), "severity"),
    "note": (lambda: NoteScreen(), "note"),
    "confirm": (lambda: ConfirmScreen("Undo rollout", "checkout", "Undo"), "cancel"),
    "help": (lambda: HelpScreen([("Incident", [("d", "Declare")])]), "help-keys"),
    "remediate": (
        lambda: RemediationMenu("checkout", "2/3 ready", [("restart", "Restart", None)]),
        "actions",
    ),
    "number": (lambda: NumberScreen("Scale checkout", 3, 0, 20), "number"),
    "roles": (lambda: RoleScreen({}), "role"),
    "resolve": (lambda: ResolveScreen("INC-1", None), "summary"),
    "update": (
        lambda: UpdateScreen(IncidentStatus.INVESTIGATING, CHANNELS, lambda s: ("pub", "int")),
        "status",
    ),
    "escalate": (lambda: EscalateScreen(2, "need a DBA", lambda n: ((), ())), "level"),
    "go to": (lambda: GoToScreen(T0), "when"),
    "score card": (
        lambda: ScoreCardScreen(
            DrillScored(at=T0, scenario="s", milestones=(), harmful=(), points=0, of=0, grade="F")
        ),
        "cancel",
    ),
}


@pytest.mark.parametrize("name", DIALOGS)
async def test_a_dialog_opens_focused_where_the_commander_acts_first(name: str) -> None:
    make, focused = DIALOGS[name]
    app = Host(make())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.screen is app.dialog
        assert app.focused is not None and app.focused.id == focused
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not app.dialog
    assert app.results == [app.dialog.CANCEL_RESULT]


@pytest.mark.parametrize(
    ("make", "field", "typed", "result"),
    [
        (lambda: NoteScreen(), "#note", "pods restarted", "pods restarted"),
        (lambda: NumberScreen("Scale", 3, 0, 20), "#number", "5", 5),
        (lambda: ResolveScreen("INC-1", None), "#summary", "rolled back", "rolled back"),
        (lambda: GoToScreen(T0), "#when", "09:31:05", T0.replace(minute=31, second=5)),
        (
            lambda: DeclareScreen(Severity.P1, "error rate", "checkout down"),
            "#title",
            "checkout 5xx",
            (Severity.P1, "checkout 5xx"),
        ),
        (
            lambda: RoleScreen({}),
            "#person",
            "bob",
            (Role.TL, "bob"),
        ),
    ],
)
async def test_enter_in_an_input_submits_the_dialog(make, field, typed, result) -> None:
    app = Host(make())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        box = app.screen.query_one(field, Input)
        box.value = ""  # what it was prefilled with
        box.focus()
        await pilot.press(*typed, "enter")
        await pilot.pause()
        assert app.screen is not app.dialog
    assert app.results == [result]
