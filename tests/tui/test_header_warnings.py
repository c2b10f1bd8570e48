"""The header never reassures while a pane is flagged, cuts its reassurance before its
warnings, and says when the guide reads the incident as more severe than declared."""

from __future__ import annotations

from datetime import timedelta

import pytest

from state.events import IncidentDeclared
from state.guide.resolution import STABLE_CHECKS
from state.guide.severity import Severity
from state.guide.signals import suggestion
from tests.play import Session
from tests.tui.test_locks_pane import BLIND, prepared_chain, sampled
from widgets.comms_dialogs import EscalateScreen

CALM = ("all guide thresholds clear", "no threshold crossed")


def header(app) -> list[str]:
    return app.query_one("#header")._text.plain.splitlines()


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_the_lock_storm_is_flagged_not_all_clear(tmp_path, size) -> None:
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(34)
    app = session.app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        line = header(app)[1]
        assert line.startswith(" flagged: DB locks: 3 sessions blocked")
        assert not any(calm in line for calm in CALM)


async def test_a_blind_role_with_a_chain_warns_first_and_never_says_calm(tmp_path) -> None:
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(4)
    sampled(session, *prepared_chain(session), hidden=9)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        line = header(app)[1]
        nine = BLIND.replace("37", "9")
        assert line == f" flagged: DB locks: 1 session blocked · unknown: database ({nine})"
        assert len(line) <= 120  # whole at 120 columns: nothing of the warning is cut
        assert not any(calm in line for calm in CALM)


async def test_the_reassurance_is_what_a_narrow_header_loses(tmp_path) -> None:
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(4)
    sampled(session, hidden=9)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        line = header(app)[1]
        warning = f" unknown: database ({BLIND.replace('37', '9')})"
        assert line.startswith(warning)  # first: what a cut keeps
        assert line.endswith("no threshold crossed in what is watched")  # last: what it loses


async def test_an_under_declared_incident_shows_the_guides_severity(tmp_path) -> None:
    session = await Session("service-down", tmp_path / "j.warroom").arun(60)
    session.record(
        IncidentDeclared(
            at=session.clock.now() - timedelta(seconds=1),
            incident_id="INC-1",
            severity=Severity.P4,
            title="checkout slow",
            reason="a customer said so",
            by="ic",
        )
    )
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        first = header(app)[0]
        assert "P4 LOW" in first
        assert "guide suggests  P1 CRITICAL  analysis-service error rate > 20%" in first
        # before the title, so that a cut at the edge loses the title first
        assert first.index("guide suggests") < first.index("checkout slow")


def test_two_hostile_context_names_never_look_the_same_in_the_header(tmp_path) -> None:
    """Before: `svc\\x1b[2J` and `svc\\x1b]0;t\\x07` both read `context svc`."""
    from datetime import UTC, datetime

    from state.console import ConsoleState
    from state.text import NAME_MARK
    from tests.hostile import assert_inert
    from widgets.header import IncidentHeader

    shown = []
    for name in ("svc\x1b[2J", "svc\x1b]0;t\x07", "svc"):
        state = ConsoleState().model_copy(update={"context": name})
        line = IncidentHeader().compose_text(state, datetime.now(UTC), "LIVE").plain
        assert_inert(line.splitlines()[0])
        shown.append(line.split(" │ ")[0])
    assert len(set(shown)) == 3, shown
    assert shown[0].startswith(" LIVE  context svc#") and shown[0].endswith(NAME_MARK)
    assert shown[2] == " LIVE  context svc"


async def rolled_back(tmp_path) -> Session:
    """bad-deploy declared P2 at 60 s, its rollout undone at 90 s, sampled on to 150 s."""
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(60)
    session.declare(Severity.P2)
    await session.arun(90)
    await session.actions.run(
        "rollout_undo", "tracktion/tracklist-service", {}, False, session.clock.now()
    )
    return await session.arun(150)


async def verified(session: Session, app, pilot, checking=None) -> None:
    """`v`, then the guide's good checks a minute apart until stable; `checking()` is
    called between them, with the header drawn."""
    await pilot.press("v")
    await pilot.pause()
    for minute in range(1, STABLE_CHECKS):
        await session.arun(150 + 60 * minute)
        if checking is not None and minute < STABLE_CHECKS - 1:
            app.redraw()
            await pilot.pause()
            checking()
        app.verification.verification_step()
    await pilot.pause()


async def test_once_verified_stable_the_header_says_so_and_suggests_no_raise(tmp_path) -> None:
    """bad-deploy declared P2, rolled back at 90 s: the P1 error rate is gone, and the guide's
    5 good checks a minute apart pass while the episode still waits out its own 5 minutes.
    From the passing check on, the header says what is true (the P2 stands, stability
    confirmed), not "guide suggests P1"."""
    session = await rolled_back(tmp_path)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:

        def still_said() -> None:  # checking, the P1 episode not yet clear: still said
            assert "guide suggests  P1 CRITICAL" in header(app)[0]

        await verified(session, app, pilot, still_said)
        assert session.recorder.state.incident.verification == "stable"
        assert "error_rate:tracklist-service" in session.recorder.state.episodes  # still open
        first = header(app)[0]
        assert "guide suggests" not in first
        assert " P2 HIGH  stability confirmed" in first
        assert suggestion(session.recorder.state).severity is Severity.P3


async def test_stability_is_not_confirmed_while_the_console_cannot_see(tmp_path) -> None:
    """Verified stable, then every probe stops answering (the bastion lost its route): the
    header cannot know the error rate is still low, so it stops saying stability confirmed
    and says what it cannot see instead."""
    session = await rolled_back(tmp_path)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await verified(session, app, pilot)
        assert "stability confirmed" in header(app)[0]
        session.clock.advance(60)  # no sample for a minute
        app.redraw()
        await pilot.pause()
        assert "stability confirmed" not in header(app)[0]
        assert "not all seen" in "\n".join(header(app))


async def test_at_80_columns_an_escalation_due_now_is_never_the_clock_left_out(tmp_path) -> None:
    """A P1 an hour on, unacknowledged, no update, past its resolution target, L3 never
    paged: at 80x24 the header had room for three of the four and left out "ESCALATE to L3
    now", the one that wakes someone else. The missed resolution target gives way first."""
    session = (await Session("bad-deploy", tmp_path / "j.warroom").arun(90)).declare(Severity.P1)
    session.clock.advance(65 * 60)
    app = session.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        if isinstance(app.screen, EscalateScreen):  # the timer's dialog: the IC closes it
            await pilot.press("escape")
            await pilot.pause()
        app.redraw()
        clocks = app.query_one("#header")._text.plain.split("\n")[1]
    assert "ESCALATE" in clocks and "L3" in clocks, clocks
    assert "ack" in clocks and "LATE" in clocks, clocks
    assert "update" in clocks and "OVERDUE" in clocks, clocks
