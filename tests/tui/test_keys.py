"""Pilot tests: the commander's keys change the header, the timeline and the journal."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.widgets import Button, Input

from probes.simulated.probe import probes
from state.events import (
    IncidentAcknowledged,
    IncidentDeclared,
    NoteAdded,
    RoleAssigned,
    SeverityChanged,
)
from state.journal.store import Journal
from tests.play import OPERATOR, Session, probe_outage
from tests.tui.waiting import pressed, shown, until
from tui.app import WarroomApp
from tui.view import HELP
from widgets.comms_dialogs import EscalateScreen
from widgets.header import IncidentHeader
from widgets.help import HelpScreen
from widgets.modals import ConfirmScreen, DeclareScreen
from widgets.pane import Pane


async def make(
    tmp_path, scenario: str = "bad-deploy", seconds: float = 70
) -> tuple[WarroomApp, Session]:
    session = await Session(scenario, tmp_path / "j.warroom").arun(seconds)
    app = session.app()
    return app, session


def header(app: WarroomApp) -> str:
    return app.query_one(IncidentHeader)._text.plain  # type: ignore[union-attr]


def timeline(app: WarroomApp) -> str:
    return app.query_one("#timeline", Pane)._body.plain  # type: ignore[union-attr]


def journaled(session: Session, kind: type) -> list:
    with Journal.open(session.recorder.journal.path, read_only=True) as journal:
        return [e for e in journal.events() if isinstance(e, kind)]


async def declare(pilot) -> None:
    """Declare the suggested P1. The guide escalates a P1 to the on-call manager at once:
    that is asked for as soon as it is declared, and put off here with Escape."""
    await pressed(pilot, "d")
    await pressed(pilot, "tab", "enter")  # the title field; Enter declares
    await shown(pilot, EscalateScreen)
    await pressed(pilot, "escape")


async def test_declare_preselects_the_suggestion_and_journals_it(tmp_path) -> None:
    app, session = await make(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        assert "suggested  P1 CRITICAL  tracklist-service error rate" in header(app)
        await pressed(pilot, "d")
        dialog = app.screen
        assert isinstance(dialog, DeclareScreen)
        assert dialog.query_one("#sev-P1").value is True
        assert "tracklist-service error rate" in dialog.query_one(".dialog-reason").render().plain
        await pressed(pilot, "tab", "enter")
        assert not isinstance(app.screen, DeclareScreen)
        assert header(app).count("INC-20260314-") == 1
        assert "P1 CRITICAL" in header(app) and "INVESTIGATING" in header(app)
        assert "ack due 05:00" in header(app)
        assert "IC alice" in header(app)
        assert "declared P1 CRITICAL by alice" in timeline(app)
    declared = journaled(session, IncidentDeclared)
    assert len(declared) == 1 and declared[0].severity.value == "P1"
    assert journaled(session, RoleAssigned)[0].person == OPERATOR


async def test_escape_cancels_declare_and_journals_nothing(tmp_path) -> None:
    app, session = await make(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("d")
        await shown(pilot, DeclareScreen)  # escape before the dialog is up would miss it
        await pressed(pilot, "escape")
        assert not isinstance(app.screen, DeclareScreen)
        assert "No incident declared" in header(app)
    assert journaled(session, IncidentDeclared) == []


async def test_acknowledge_once_and_the_countdown_becomes_the_time_taken(tmp_path) -> None:
    app, session = await make(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pressed(pilot, "a")  # nothing to acknowledge yet
        assert journaled(session, IncidentAcknowledged) == []
        await declare(pilot)
        session.clock.advance(75)
        await pressed(pilot, "a")
        assert "acked in 1m 15s ok" in header(app)
        assert "Acknowledged by alice" in timeline(app)
        await pressed(pilot, "a")  # a second press changes nothing
    assert len(journaled(session, IncidentAcknowledged)) == 1


async def test_late_acknowledgement_is_called_late(tmp_path) -> None:
    app, session = await make(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await declare(pilot)
        session.clock.advance(6 * 60)
        app.redraw()
        assert "ack due -01:00 LATE" in header(app)
        await pressed(pilot, "a")
        assert "acked in 6m 00s LATE" in header(app)


async def test_severity_change_names_old_and_new(tmp_path) -> None:
    app, session = await make(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await declare(pilot)
        await pressed(pilot, "s")
        await pilot.press("right", "enter")  # P1 -> P2: Enter asks why, in the reason field
        assert app.focused is not None and app.focused.id == "reason"
        await pilot.press(*"rollback holding")
        await pressed(pilot, "enter")
        assert "P2 HIGH" in header(app)
        # the targets stay those of the severity the incident reached, P1, and say so
        # (state/guide/milestones.py: the review holds it to P1 too)
        assert "P1 targets ack due 05:00" in header(app)  # P1 response: < 5 minutes
        assert "resolve 1:00:00" in header(app)  # P1 resolution: 1 hour
        assert "Severity P1 CRITICAL -> P2 HIGH by alice: rollback holding" in timeline(app)
    change = journaled(session, SeverityChanged)
    assert [(c.previous.value, c.severity.value, c.reason) for c in change] == [
        ("P1", "P2", "rollback holding")
    ]


async def test_note_text_is_shown_inert(tmp_path) -> None:
    app, session = await make(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pressed(pilot, "n")
        note = app.screen.query_one("#note", Input)
        note.value = "[bold red]rm -rf[/] \x1b[31mred\x1b[0m \x1b]8;;http://x\x07link\x1b]8;;\x07"
        await pressed(pilot, "enter")
        body = app.query_one("#timeline", Pane)._body
        assert isinstance(body, Text)
        assert "Note by alice: [bold red]rm -rf[/] red link" in body.plain
        assert "\x1b" not in body.plain
    assert len(journaled(session, NoteAdded)) == 1


async def test_quit_with_an_open_incident_asks_and_cancel_is_the_default(tmp_path) -> None:
    app, _ = await make(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await declare(pilot)
        await pressed(pilot, "q")
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert isinstance(app.focused, Button) and app.focused.id == "cancel"
        assert "INC-20260314-" in dialog.query_one(".dialog-reason").render().plain
        await pressed(pilot, "enter")  # Cancel
        assert not isinstance(app.screen, ConfirmScreen) and app.is_running
        await pressed(pilot, "q")
        await pressed(pilot, "escape")
        assert app.is_running
        await pressed(pilot, "q")
        await pressed(pilot, "shift+tab", "enter")  # Quit
    assert app.return_code == 0


@pytest.mark.parametrize("way", ["ctrl+q", "palette", "app.quit"])
async def test_every_way_out_asks_while_an_incident_is_open(tmp_path, way) -> None:
    app, _ = await make(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await declare(pilot)
        if way == "ctrl+q":
            await pressed(pilot, "ctrl+q")
        elif way == "palette":
            quits = [c for c in app.get_system_commands(app.screen) if c.title == "Quit"]
            assert len(quits) == 1  # one Quit in the palette: the one that asks
            await quits[0].callback()
        else:  # Textual's own action, as a binding or a command elsewhere would run it
            await app.run_action("app.quit")
        await shown(pilot, ConfirmScreen)
        assert isinstance(app.screen, ConfirmScreen) and app.is_running
        await pressed(pilot, "enter")  # Cancel
        assert app.is_running


async def test_quit_without_an_incident_does_not_ask(tmp_path) -> None:
    app, _ = await make(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pressed(pilot, "q")
    assert app.return_code == 0


async def test_help_lists_every_key(tmp_path) -> None:
    app, _ = await make(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pressed(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = dict(app.screen.keys)
        for key in ("d", "a", "s", "n", "?", "q", "^p"):
            assert key in keys


async def test_the_help_is_built_ahead_once_the_first_refresh_is_drawn(tmp_path) -> None:
    """The first `?` of a session only draws the help: it was composed and laid out out of
    sight once the probes' first refresh was drawn (tui/view.py `prepare_help`)."""
    session = await Session("bad-deploy", tmp_path / "j.warroom", services=60).arun(4)
    app = session.app(probes=probes(session.cluster))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.is_screen_installed(HELP))
        ahead = app.get_screen(HELP)
        await until(pilot, lambda: ahead.is_mounted and bool(ahead._compositor.visible_widgets))
        assert app.screen is app.console_screen  # built, never shown
        assert "d" in dict(ahead.keys)  # type: ignore[attr-defined]
        await pressed(pilot, "question_mark")
        await shown(pilot, HelpScreen)
        assert app.screen is ahead  # the very one built ahead
        await pressed(pilot, "escape")
        assert app.screen is app.console_screen


async def test_help_opened_again_starts_at_the_top_and_follows_the_keys(tmp_path) -> None:
    """The console keeps the help between openings (built once, drawn again), so it must
    open as a new one would: at the top, and with the keys as they are now."""
    app, _ = await make(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:  # short: the help scrolls
        await pressed(pilot, "question_mark")
        await shown(pilot, HelpScreen)
        scroll = app.screen.query_one("#help-keys")
        await pressed(pilot, "end")
        assert scroll.scroll_y > 0
        before = app.screen.keys
        await pressed(pilot, "escape")
        await pressed(pilot, "question_mark")
        await shown(pilot, HelpScreen)
        assert app.screen.query_one("#help-keys").scroll_y == 0
        assert app.screen.keys == before
        await pressed(pilot, "escape")
        app.set_keymap({"incident.declare": "D"})  # the keys change: the help says so
        await pressed(pilot, "question_mark")
        await shown(pilot, HelpScreen)
        keys = dict(app.screen.keys)
        assert "D" in keys and keys != dict(before)


async def test_command_palette_lists_every_action(tmp_path) -> None:
    app, _ = await make(tmp_path)
    async with app.run_test(size=(120, 40)):
        titles = {c.title for c in app.get_system_commands(app.screen)}
        # no incident open: the incident's own keys (Ack, Severity…) are refused, so not
        # offered (tests/tui/test_palette.py)
        assert {"Declare", "Note", "Remediate", "Help", "Quit"} <= titles


async def test_every_binding_has_an_id(tmp_path) -> None:
    ids = [b.id for b in WarroomApp.BINDINGS]  # type: ignore[union-attr]
    assert all(ids) and len(set(ids)) == len(ids)


async def test_small_terminal_shows_one_pane_at_a_time(tmp_path) -> None:
    app, _ = await make(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        panes = app.console_screen.panes
        assert [p.display for p in panes] == [True, False, False, False, False]
        await pressed(pilot, "5")
        assert [p.display for p in panes] == [False, False, False, False, True]
        assert panes[4].size.height > 10
        tabs = app.query_one("#tabs")._text.plain  # type: ignore[attr-defined]
        assert "2 Error rate!" in tabs  # the pane past a threshold is marked


async def test_large_terminal_shows_all_five_panes_without_overlap(tmp_path) -> None:
    app, _ = await make(tmp_path)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        regions = [p.region for p in app.console_screen.panes]
        assert all(r.width > 20 and r.height > 5 for r in regions)
        for i, a in enumerate(regions):
            for b in regions[i + 1 :]:
                assert not a.overlaps(b)


async def test_a_failing_probe_marks_only_its_pane_stale(tmp_path) -> None:
    scenario = probe_outage(tmp_path, "postgres")
    session = await Session(scenario, tmp_path / "j.warroom").arun(40)
    app = session.app(badge="LIVE", actions=None)
    async with app.run_test(size=(120, 40)):
        stale = {p.id: p.border_subtitle for p in app.console_screen.panes if p.has_class("-stale")}
        # the last good sample was at 8 s; the outage began at 10 s; now is 40 s
        assert stale == {"locks": "stale 32s: connection refused"}
        assert "PostgreSQL unreachable: connection refused" in timeline(app)
    await session.arun(80)
    app = session.app(badge="LIVE", actions=None)
    async with app.run_test(size=(120, 40)):
        assert not any(p.has_class("-stale") for p in app.console_screen.panes)
        assert "PostgreSQL reachable again" in timeline(app)
