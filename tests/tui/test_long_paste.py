"""A long paste into a dialog's text field: cut at the field's limit, said in the dialog, and
never a stalled console. Textual's Input costs time in its length at each key and posts a
Changed message carrying its whole value: a 20 kB paste arriving as keys (no bracketed paste)
held the UI loop for 17.6 s of CPU and grew the console by 230 MB."""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Input, Static

from state.guide.severity import Severity
from tests.tui.host import Host
from widgets.action_dialogs import ResolveScreen, RoleScreen
from widgets.comms_dialogs import EscalateScreen
from widgets.modals import DeclareScreen, NoteScreen, SeverityScreen
from widgets.text_field import FIELD_LIMIT

FIELDS = {
    "note": (lambda: NoteScreen(), "#note"),
    "resolution summary": (lambda: ResolveScreen("INC-1", None), "#summary"),
    "severity reason": (lambda: SeverityScreen(Severity.P2, Severity.P1, "x"), "#reason"),
    "incident title": (lambda: DeclareScreen(Severity.P1, "error rate", "checkout"), "#title"),
    "role holder": (lambda: RoleScreen({}), "#person"),
    "escalation reason": (lambda: EscalateScreen(2, "", lambda n: ((), ())), "#reason"),
}


class Counting(Host):
    def __init__(self, dialog) -> None:
        super().__init__(dialog)
        self.changes = 0
        self.bells = 0
        self.toasts: list[str] = []

    def on_input_changed(self, event: Input.Changed) -> None:
        self.changes += 1

    def bell(self) -> None:
        self.bells += 1

    def notify(self, message, *args, **kwargs) -> None:
        self.toasts.append(str(message))
        super().notify(message, *args, **kwargs)


def said(app: Counting) -> str:
    """The dialog's problem line, or the toast over a dialog that has none."""
    lines = app.screen.query("#problem")
    return str(lines.first(Static).render()) if lines else " ".join(app.toasts)


@pytest.mark.parametrize("name", FIELDS)
async def test_a_paste_longer_than_the_field_is_cut_there_and_said(name: str) -> None:
    make, field = FIELDS[name]
    app = Counting(make())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        box = app.screen.query_one(field, Input)
        box.value = ""
        box.focus()
        pasted = "logs " * 4_000  # 20,000 characters, as an IC pastes a stack trace
        box.post_message(events.Paste(pasted))
        await pilot.pause()
        assert box.value == pasted[:FIELD_LIMIT]
        assert f"Cut at {FIELD_LIMIT:,} characters" in said(app)


async def test_keys_past_the_limit_change_nothing_post_nothing_and_ring_nothing() -> None:
    app = Counting(NoteScreen())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        box = app.screen.query_one("#note", Input)
        box.focus()
        box.value = "x" * (FIELD_LIMIT - 2)
        await pilot.pause()
        changes = app.changes
        await pilot.press(*"abcdefghij" * 5)  # a paste arriving as keys, past the limit
        await pilot.pause()
        assert box.value == "x" * (FIELD_LIMIT - 2) + "ab"
        assert app.changes == changes + 2  # one Changed for each character taken, no more
        assert app.bells == 0
        assert f"Cut at {FIELD_LIMIT:,} characters" in said(app)
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == ["x" * (FIELD_LIMIT - 2) + "ab"]
