"""Dialogs that finish in a keystroke or two, at 80x24 and 120x40: `d` then Enter declares;
Enter on any field submits where that is safe; a multi-line text submits with ctrl+s; a
mutating confirmation keeps Cancel and is one shift+Tab or `y` from yes; the status update
fits with its buttons in view and its review shows both texts whole; empty or odd input is
answered; keys typed while a dialog opens reach it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from textual import events
from textual.widgets import Button, Input, TextArea

from probes.notify.config import demo_config
from state.events import IncidentDeclared, IncidentResolved, NoteAdded
from state.guide.severity import IncidentStatus, Role, Severity
from state.journal.store import Journal
from tests.play import Session
from tests.tui import drawn
from tests.tui.host import Host
from tests.tui.test_dialogs import DIALOGS
from tests.tui.waiting import pressed, shown
from widgets.action_dialogs import ResolveScreen, RoleScreen
from widgets.choices import Choice, Tick
from widgets.comms_dialogs import ChannelRow, EscalateScreen, UpdateScreen
from widgets.modals import (
    Confirmed,
    ConfirmScreen,
    DeclareScreen,
    NoteScreen,
    SeverityScreen,
)

if TYPE_CHECKING:
    from textual.app import App

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
CHANNELS = [
    ChannelRow("#incidents", "slack", "internal", True, True),
    ChannelRow("status-page", "statuspage", "public", True, True),
]


def journaled(session: Session, kind: type) -> list:
    with Journal.open(session.recorder.journal.path, read_only=True) as journal:
        return [e for e in journal.events() if isinstance(e, kind)]


def problem(app: App) -> str:
    return str(app.screen.query_one("#problem").render())


@pytest.mark.parametrize("size", SIZES)
async def test_d_then_enter_declares_the_suggested_severity(tmp_path, size) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(60)
    app = session.app()
    async with app.run_test(size=SIZES[size]) as pilot:
        await pressed(pilot, "d")
        await shown(pilot, DeclareScreen)
        await pressed(pilot, "enter")
        assert not isinstance(app.screen, DeclareScreen)
    declared = journaled(session, IncidentDeclared)
    assert [d.severity for d in declared] == [Severity.P1]


async def test_the_arrows_choose_and_enter_submits_what_is_chosen() -> None:
    app = Host(DeclareScreen(Severity.P2, "error rate 12%", "checkout down"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        # the suggestion is chosen and highlighted: one Down is the next one, P3
        await pressed(pilot, "down", "enter")
    assert app.results == [(Severity.P3, "checkout down")]


@pytest.mark.parametrize(
    ("make", "keys", "result"),
    [
        (lambda: RoleScreen({}), ("down", "tab", *"bob", "enter"), (Role.CL, "bob")),
        (
            lambda: SeverityScreen(Severity.P1, Severity.P2, "errors"),
            ("down", "tab", *"holding", "enter"),
            (Severity.P2, "holding"),
        ),
        (lambda: NoteScreen(), (*"rolled back", "enter"), "rolled back"),
    ],
)
async def test_enter_submits_a_safe_dialog_from_any_field(make, keys, result) -> None:
    app = Host(make())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pressed(pilot, *keys)
    assert app.results == [result]


@pytest.mark.parametrize(
    ("make", "says", "then_focused"),
    [
        (lambda: NoteScreen(), "The note is empty: nothing was added", "note"),
        (lambda: ResolveScreen("INC-1", None), "Say what fixed it", "summary"),
        (lambda: RoleScreen({}), "Say who takes TL", "person"),
        (lambda: SeverityScreen(Severity.P1, Severity.P1, "errors"), "P1 CRITICAL is", "severity"),
        (lambda: SeverityScreen(Severity.P1, Severity.P2, "x"), None, None),
        (lambda: EscalateScreen(2, "", lambda n: ((), ())), "Say why you escalate", "reason"),
    ],
)
async def test_empty_or_odd_input_is_answered_in_the_dialog(make, says, then_focused) -> None:
    app = Host(make())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        if says is None:  # a new severity with no reason: the reason is asked for
            await pressed(pilot, "down", "enter")
            says, then_focused = "Say why it changes", "reason"
        else:
            await pressed(pilot, "enter")
        assert app.screen is app.dialog, "the dialog stays, the input kept"
        assert says in problem(app)
        assert says in drawn.text(app).replace("\n", " ")  # on screen, not only in the DOM
        assert app.focused is not None and app.focused.id == then_focused
    assert app.results == []


async def test_a_multi_line_text_takes_enter_as_a_new_line_and_ctrl_s_submits() -> None:
    texts = lambda s: ("We are investigating.", "**Incident:** INC-1")  # noqa: E731
    app = Host(UpdateScreen(IncidentStatus.INVESTIGATING, CHANNELS, texts))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "ctrl+s" in str(app.screen.query_one("#ok", Button).label)
        app.screen.query_one("#internal", TextArea).focus()
        await pressed(pilot, "enter", *"Paged DBA")
        assert app.screen is app.dialog  # Enter was a new line, not a submit
        await pressed(pilot, "ctrl+s")
    (draft,) = app.results
    assert draft.internal_text == "\nPaged DBA**Incident:** INC-1"
    assert draft.channels == ("#incidents", "status-page")


async def test_enter_on_a_channel_goes_on_to_the_review_and_space_ticks_it() -> None:
    texts = lambda s: ("public", "internal")  # noqa: E731
    app = Host(UpdateScreen(IncidentStatus.INVESTIGATING, CHANNELS, texts))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pressed(pilot, "tab", "space")  # untick #incidents
        assert app.focused is not None and app.focused.id == "channel-0"
        await pressed(pilot, "enter")
    (draft,) = app.results
    assert draft.channels == ("status-page",)


@pytest.mark.parametrize("offer_dry_run", [False, True])
async def test_a_mutating_confirmation_keeps_cancel_and_yes_is_one_key_away(
    offer_dry_run,
) -> None:
    def confirm() -> ConfirmScreen:
        return ConfirmScreen("Restart checkout?", "Target: prod/checkout", "Do it", offer_dry_run)

    app = Host(confirm())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "cancel"
        assert "(y)" in str(app.screen.query_one("#ok", Button).label)
        await pressed(pilot, "ctrl+s")  # submits a safe dialog, never a mutating one
        assert app.screen is app.dialog
        await pressed(pilot, "enter")  # Cancel
    assert app.results == [None]

    for keys in (("shift+tab", "enter"), ("y",)):
        app = Host(confirm())
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pressed(pilot, *keys)
        assert app.results == [Confirmed(dry_run=False)]
    if offer_dry_run:  # Enter on the dry-run box ticks it: it never confirms
        app = Host(confirm())
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pressed(pilot, "shift+tab", "shift+tab", "enter")
            assert app.screen is app.dialog
            await pressed(pilot, "y")
        assert app.results == [Confirmed(dry_run=True)]


@pytest.mark.parametrize("size", SIZES)
async def test_the_status_update_fits_and_its_review_shows_both_texts_whole(tmp_path, size) -> None:
    session = (await Session("bad-deploy", tmp_path / "j.warroom").arun(60)).declare()
    app = session.app(notify=demo_config())
    height = SIZES[size][1]
    async with app.run_test(size=SIZES[size]) as pilot:
        await pressed(pilot, "u")
        await shown(pilot, UpdateScreen)
        await pilot.pause()
        dialog = app.screen
        for button in dialog.query(Button):  # on screen, without scrolling
            region = button.region
            assert region.height and region.y >= 0 and region.bottom <= height, button.id
        for text in dialog.query(TextArea):
            assert text.region.height >= 2
        internal = dialog.query_one("#internal", TextArea).text
        public = dialog.query_one("#public", TextArea).text
        await pressed(pilot, "ctrl+s")
        await shown(pilot, ConfirmScreen)
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ConfirmScreen)
        for button in review.query(Button):
            assert button.region.height and button.region.bottom <= height, button.id
        message = review.message.splitlines()
        # each text whole, with its line breaks, under the channels it goes to
        start = message.index("Internal update, to #incidents:") + 1
        assert message[start : start + len(internal.splitlines())] == internal.splitlines()
        start = message.index("Public status page text, to status-page:") + 1
        assert message[start:] == public.splitlines()
        assert app.focused is not None and app.focused.id == "cancel"


@pytest.mark.parametrize("size", SIZES)
async def test_no_choice_label_is_cut(tmp_path, size) -> None:
    dialogs = [
        DeclareScreen(Severity.P1, "error rate 31%", "tracklist-service down"),
        RoleScreen({Role.IC: "alice"}),
        EscalateScreen(1, "", lambda n: (("primary on-call",), ("#incidents",))),
        UpdateScreen(
            IncidentStatus.INVESTIGATING,
            [*CHANNELS, ChannelRow("#management", "slack", "internal", False, True)],
            lambda s: ("public", "internal"),
        ),
        ConfirmScreen("Undo?", "Target: prod/checkout", "Do it", offer_dry_run=True),
    ]
    for dialog in dialogs:
        app = Host(dialog)
        async with app.run_test(size=SIZES[size]) as pilot:
            await pilot.pause()
            shown_text = drawn.text(app)
            labels = [str(c.label) for c in dialog.query(Choice)]
            labels += [str(t.label) for t in dialog.query(Tick)]
            assert labels
            for label in labels:
                assert label in shown_text, f"{label!r} cut in {type(dialog).__name__}"


async def test_keys_typed_while_the_note_dialog_opens_reach_it(tmp_path) -> None:
    session = (await Session("bad-deploy", tmp_path / "j.warroom").arun(60)).declare()
    app = session.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        # a burst, as a fast typist sends it: all of it on its way before `n` is handled
        for char in "nunder status page":
            key = events.Key("space" if char == " " else char, char)
            key.set_sender(app)
            app._driver.send_message(key)  # type: ignore[union-attr]
        await shown(pilot, NoteScreen)
        for _ in range(50):
            await pilot.pause(0.02)
            if app.screen.query_one("#note", Input).value == "under status page":
                break
        assert app.screen.query_one("#note", Input).value == "under status page"
        await pressed(pilot, "enter")
    assert [n.text for n in journaled(session, NoteAdded)] == ["under status page"]


@pytest.mark.parametrize("size", SIZES)
async def test_resolving_with_no_update_ever_sent_while_one_is_overdue_asks(tmp_path, size) -> None:
    session = (await Session("bad-deploy", tmp_path / "j.warroom").arun(60)).declare()
    session.acknowledge()
    session.clock.advance(16 * 60)  # a P1's first update was due 15 minutes in
    app = session.app()
    async with app.run_test(size=SIZES[size]) as pilot:
        for answer in (("enter",), ("y",)):  # Cancel first, then resolve anyway
            await pressed(pilot, "x")
            await shown(pilot, ResolveScreen)
            await pressed(pilot, *"rolled back", "enter")
            await shown(pilot, ConfirmScreen)
            confirm = app.screen
            assert isinstance(confirm, ConfirmScreen)
            assert "No status update was ever sent" in confirm.message
            assert "1m 00s ago" in confirm.message
            await pressed(pilot, *answer)
            if answer == ("enter",):
                assert not journaled(session, IncidentResolved)
    assert [r.summary for r in journaled(session, IncidentResolved)] == ["rolled back"]


@pytest.mark.parametrize("name", DIALOGS)
async def test_ctrl_s_in_any_dialog_submits_or_does_nothing(name) -> None:
    make, _ = DIALOGS[name]
    app = Host(make())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pressed(pilot, "ctrl+s")  # a help, a menu or a score card has nothing to submit
        if app.screen is app.dialog:
            await pressed(pilot, "escape")
    assert app.return_code in (None, 0)
    if name in ("confirm", "help", "remediate", "score card"):
        assert app.results == [app.dialog.CANCEL_RESULT]  # not submitted: cancelled after


async def test_keys_typed_while_a_worker_opens_its_dialog_reach_it(tmp_path) -> None:
    session = (await Session("bad-deploy", tmp_path / "j.warroom").arun(60)).declare()
    app = session.app(notify=demo_config())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        # `u` drafts from the backend's channels first; Down and Enter are typed before the
        # dialog is up: they choose Identified and go on to the review
        for key in ("u", "down", "enter"):
            event = events.Key(key, key if len(key) == 1 else None)
            event.set_sender(app)
            app._driver.send_message(event)  # type: ignore[union-attr]
        await shown(pilot, ConfirmScreen)
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert confirm.title_text == "Send the Identified update?"
        await pressed(pilot, "escape")


async def test_a_long_confirmation_scrolls_and_yes_stays_one_tab_away() -> None:
    message = "\n".join(f"line {n}" for n in range(60))
    app = Host(ConfirmScreen("Send the update?", message, "Send"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "line 0" in drawn.text(app) and "line 59" not in drawn.text(app)
        await pressed(pilot, "pagedown", "pagedown", "pagedown", "pagedown", "pagedown")
        await pressed(pilot, "pagedown", "pagedown", "pagedown")
        assert "line 59" in drawn.text(app)
        assert app.focused is not None and app.focused.id == "cancel"
        await pressed(pilot, "tab", "enter")  # Tab from Cancel comes round to yes
    assert app.results == [Confirmed(dry_run=False)]


async def test_d_down_enter_typed_at_once_declares_the_next_severity(tmp_path) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(60)
    app = session.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for key in ("d", "down", "enter"):  # before the dialog is up
            event = events.Key(key, key if len(key) == 1 else None)
            event.set_sender(app)
            app._driver.send_message(event)  # type: ignore[union-attr]
        for _ in range(100):
            await pilot.pause(0.02)
            if journaled(session, IncidentDeclared):
                break
    assert [d.severity for d in journaled(session, IncidentDeclared)] == [Severity.P2]


async def test_a_declaration_states_the_guide_as_the_dialog_closes_not_as_it_opened(
    tmp_path,
) -> None:
    """bad-deploy crosses 20 % (P1) while the declare dialog, opened at P2, is still up: the
    record gives the reading at the declaration, and the commander is told to raise it."""
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(30)  # P2: > 5 %
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pressed(pilot, "d")
        await shown(pilot, DeclareScreen)
        await session.arun(44)  # now > 20 %: the guide says P1
        await pressed(pilot, "enter")
        incident = app.recorder.state.incident
        assert incident is not None and incident.severity is Severity.P2  # what was chosen
        with Journal.open(session.recorder.journal.path, read_only=True) as journal:
            [declared] = [e for e in journal.events() if isinstance(e, IncidentDeclared)]
        assert "> 20%" in declared.reason  # not the 11.8 % of the dialog's opening
        said = [n.message for n in app._notifications]
        assert any(m.startswith("The guide now suggests P1 CRITICAL") for m in said), said
