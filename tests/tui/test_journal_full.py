"""A journal the disk stops taking mid-incident: the console keeps watching and acting, says
so in the header on every layout, writes what it held once it can, and asks before a quit
would lose it. The refusal is SQLite's own SQLITE_FULL (`PRAGMA max_page_count` on the
journal's connection): no mock, and no tmpfs (CI has none)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rich.cells import cell_len

from probes.notify.config import demo_config
from state.events import Escalated, JournalWrittenAgain, MessageSent, NoteAdded
from state.journal.holding import Holding
from state.journal.outbox import Outbox
from state.journal.store import Journal
from tests.play import Session
from tests.tui.test_comms import timeline
from tests.tui.waiting import shown
from tests.unit.helpers import T0
from tui import base
from widgets.header import not_recorded_line
from widgets.journal_alarm import JournalAlarm
from widgets.modals import ConfirmScreen


def header(app) -> list[str]:
    return app.query_one("#header")._text.plain.splitlines()


def take(session: Session) -> None:
    session.recorder.journal.connection.execute("PRAGMA max_page_count = 1073741823")


async def written_by_the_console(session: Session, pilot) -> None:
    """Wait for the console's own retry (every JOURNAL_RETRY s, off the loop) to write what
    is held, once the file takes it again, and for the frame after it."""
    for _ in range(200):
        await pilot.pause(0.05)
        if session.recorder.holding is None:
            break
    await pilot.pause()


async def held_session(tmp_path, seconds: float = 30) -> Session:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(seconds)
    db = session.recorder.journal.connection
    db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
    until = seconds
    while session.recorder.holding is None:
        until += 2
        await session.arun(until)
    await session.arun(until + 20)  # ten more refreshes, held
    return session


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
@pytest.mark.parametrize("no_color", [False, True])
async def test_the_header_says_not_recorded_in_one_line_on_every_layout(
    tmp_path, size, no_color, monkeypatch
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    session = await held_session(tmp_path)
    holding = session.recorder.holding
    assert holding is not None
    app = session.app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        lines = header(app)
        assert len(lines) == 3 and app.query_one("#header").size.height == 3
        alarm = lines[0]
        assert alarm.startswith(f" NOT RECORDED since {holding.since:%H:%M:%S}: journal full")
        assert f"{len(holding.events):,} " in alarm and len(alarm) < size[0]
        assert lines[1].startswith(" DEMO ")  # the header's own two lines, below it, whole
        assert app.query_one("#header")._text.spans[0].style == "bold $warroom-p1-text on " + (
            "$warroom-p1"
        )


@pytest.mark.parametrize("width", [80, 100, 120])
def test_a_mount_named_in_wide_characters_is_said_whole_within_the_line(width) -> None:
    """The reason names the full disk's mount point, which may be named in Japanese or
    Chinese: two cells a character. The alarm was chosen, padded and cut by characters, so
    it ran past the terminal's edge, which cut its end ('held in mem')."""
    holding = Holding("disk full (/mnt/事件ログ保存)", 0)  # as holding.reason() says it
    for t in range(1234):
        holding.add(NoteAdded(at=T0 + timedelta(seconds=t), text="x", by="alice"))
    line = not_recorded_line(holding, width).plain
    assert cell_len(line) == width - 1
    assert line.rstrip().endswith((" held in memory", " held"))
    wide = f" NOT RECORDED since {holding.since:%H:%M:%S}: {holding.reason} · 1,234 events"
    assert line.startswith(wide) == (cell_len(wide) + 15 < width)  # the mount, where it fits


async def test_the_commander_escalates_on_a_full_disk_and_all_is_written_once_it_takes_it(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(base, "JOURNAL_RETRY", 1)
    session = (await held_session(tmp_path)).declare()
    app = session.app(notify=demo_config(tmp_path / "sent.jsonl"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.comms.escalate_now(2, "tracklist team needed", "alice")
        await app.comms._sender.deliver_due()  # sent: no restart knows of it, none sends it again
        assert (tmp_path / "sent.jsonl").read_text().count("escalat") >= 1
        held = session.recorder.holding
        assert held is not None and any(isinstance(e, Escalated) for e in held.events)
        await session.arun(session.seconds() + 10)
        app.redraw()
        await pilot.pause()
        assert header(app)[0].startswith(" NOT RECORDED")
        take(session)
        await written_by_the_console(session, pilot)
        assert session.recorder.holding is None
        assert not header(app)[0].startswith(" NOT RECORDED") and len(header(app)) == 2
        assert "Journal written again" in timeline(app)
    with session.recorder.journal as journal:
        events = list(journal.events())
        said = [e for e in events if isinstance(e, JournalWrittenAgain)]
        assert len(said) == 1 and said[0].since == held.since and said[0].held >= 10
        assert any(isinstance(e, Escalated) for e in events)
        sent = [e for e in events if isinstance(e, MessageSent)]
        assert sent and all(e.outcome == "delivered" for e in sent)
        rows = Outbox(journal).rows()
        assert rows and all(row.state == "delivered" for row in rows)


async def asked_to_quit(app, pilot) -> ConfirmScreen:
    """`q` pressed with events held: the question it asks, once shown."""
    await pilot.press("q")
    await shown(pilot, ConfirmScreen)
    dialog = app.screen
    assert isinstance(dialog, ConfirmScreen)
    return dialog


async def test_quitting_with_events_held_asks_and_says_what_is_lost(tmp_path) -> None:
    session = await held_session(tmp_path)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await asked_to_quit(app, pilot)
        assert dialog.title_text.startswith("Quit and lose ")
        assert "cannot be written since" in dialog.message and "are lost" in dialog.message
        assert app.focused is not None and app.focused.id == "cancel"
        await pilot.press("enter")  # Cancel: still watching, still holding
        await pilot.pause()
        assert app.is_running and session.recorder.holding is not None
        take(session)  # space freed: q writes what is held, then quits as ever
        await pilot.press("q")
        await pilot.pause()
        await pilot.pause()
    assert session.recorder.holding is None
    with session.recorder.journal as journal:
        assert any(isinstance(e, JournalWrittenAgain) for e in journal.events())


@pytest.mark.parametrize("key", ["question_mark", "g", "b"])
async def test_the_screens_that_cover_the_header_say_not_recorded_too(
    tmp_path, key, monkeypatch
) -> None:
    """The help, Investigate and the runbook fill the terminal, over the header and its alarm:
    a commander reading them for minutes would not know that nothing is being recorded."""
    monkeypatch.setattr(base, "JOURNAL_RETRY", 1)
    session = (await held_session(tmp_path)).declare()
    app = session.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
        screen = app.screen
        assert screen is not app.console_screen
        alarm = screen.query_one(JournalAlarm)
        assert alarm.display and alarm.region.y == 0 and alarm.region.height == 1
        drawn = str(alarm.render())
        assert drawn.startswith(" NOT RECORDED since ") and "events held" in drawn
        assert len(drawn.rstrip()) < 80
        take(session)  # space freed: written by the console's own retry, the alarm goes
        await written_by_the_console(session, pilot)
        assert session.recorder.holding is None and app.screen is screen
        assert not alarm.display


def rendered(dialog: ConfirmScreen) -> str:
    """The question as drawn: its title, message and yes button."""
    return " ".join(
        str(widget.render()) for widget in dialog.query(".dialog-title, .dialog-reason, #ok")
    )


async def test_the_quit_question_says_what_is_lost_as_it_stands_until_it_is_answered(
    tmp_path, monkeypatch
) -> None:
    """Asked before quitting, the commander frees space and waits, as the question tells them:
    the question must not go on saying that events would be lost once they are written, nor
    count fewer than are held while it stays open."""
    monkeypatch.setattr(base, "JOURNAL_RETRY", 1)
    session = (await held_session(tmp_path)).declare()
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await asked_to_quit(app, pilot)
        asked = len(session.recorder.holding.events)
        assert f"Quit and lose {asked:,} events" in rendered(dialog)
        await session.arun(session.seconds() + 10)  # more held while it is open
        await app.retry_journal()
        await pilot.pause()
        now = len(session.recorder.holding.events)
        assert now > asked and f"Quit and lose {now:,} events" in rendered(dialog)
        take(session)  # space freed: the console's own retry writes them
        await written_by_the_console(session, pilot)
        assert session.recorder.holding is None and app.screen is dialog
        drawn = rendered(dialog)
        assert "Quit and lose" not in drawn and "are lost" not in drawn
        assert "Quit warroom?" in drawn and "Nothing is lost" in drawn and "Quit (y)" in drawn
        assert "still open" in drawn  # the incident declared: resumed by opening it again
        await pilot.press("y")
        await pilot.pause()
        assert not app.is_running
    with session.recorder.journal as journal:
        assert any(isinstance(e, JournalWrittenAgain) for e in journal.events())


async def test_a_journal_made_immutable_warns_that_its_wal_grows(tmp_path) -> None:
    from tests.unit.test_journal_held import immutable, mutable

    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(30)
    path = session.recorder.journal.path
    if not immutable(path):
        pytest.skip("chattr +i needs root and a file system with the flag")
    app = session.app()
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await session.arun(60)
            await app._checkpoint()
            await pilot.pause()
            line = header(app)[0]
            assert line.startswith(" JOURNAL NOT CHECKPOINTED since ")
            assert "file not writable (j.warroom)" in line and "-wal" in line and len(line) < 80
            assert session.recorder.holding is None  # recorded: in the -wal
            mutable(path)
            await app._checkpoint()
            await pilot.pause()
            assert len(header(app)) == 2  # checkpointed again: the warning goes
    finally:
        mutable(path)


async def test_a_hang_up_with_events_held_tries_once_to_write_them(tmp_path) -> None:
    """SIGHUP's handler (tui/tty.py) calls the console's `_close_journal` before it leaves:
    what is held is written if the file takes it now, and the journal is closed whole."""
    session = await held_session(tmp_path)
    held = len(session.recorder.holding.events)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        take(session)
        app._close_journal()
    with Journal.open(tmp_path / "j.warroom", read_only=True) as journal:
        said = [e for e in journal.events() if isinstance(e, JournalWrittenAgain)]
    assert len(said) == 1 and said[0].held == held


async def test_a_drill_on_a_full_disk_is_scored_with_what_it_holds(tmp_path) -> None:
    """The trainee's acts held in memory count: the score card reads them as well."""
    from tests.tui.test_drill import drill_app
    from widgets.score_card import ScoreCardScreen

    session = (await held_session(tmp_path)).declare()
    app = drill_app(session, "bad-deploy")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.finish_drill()
        await shown(pilot, ScoreCardScreen)
        assert app.card is not None
        names = [m.name for m in app.card.milestones]
        done = [m.name for m in app.card.milestones if m.took is not None]
        assert done, names  # declared while held: scored as done
        assert session.recorder.holding is not None  # the card itself is held with the rest


async def test_replay_following_a_console_that_holds_says_it_is_not_recording(
    tmp_path, capsys
) -> None:
    """`warroom replay` following the journal of a console whose disk is full said "live"
    with nothing arriving. It says what the console's note beside the journal says: not
    recording since when, and why; "live" again once the events are written; and once the
    console is gone with events unwritten, that the journal ends short of them."""
    import os
    import time

    from state.journal.replay import Replay
    from tui.export import export
    from tui.replay import ReplayApp
    from widgets.scrubber import Scrubber

    session = await held_session(tmp_path)
    holding = session.recorder.holding
    assert holding is not None
    path = tmp_path / "j.warroom"
    (review,) = (  # while its console holds them: not lost, not in it
        p for p in export(path, tmp_path / "before") if p.name.endswith("_review.md")
    )
    lacks = (
        f"the review lacks what the console (pid {os.getpid()}) writing the journal "
        f"holds: NOT RECORDING since {holding.since:%Y-%m-%dT%H:%M:%SZ} (journal full), "
        f"{len(holding.events):,} events held"
    )
    assert capsys.readouterr().err == f"warroom: {lacks}\n"
    # the review is what is passed on: it says so itself, under its title
    assert review.read_text().split("\n")[2] == f"> **Incomplete:** T{lacks[1:]}."
    app = ReplayApp(Replay(Journal.open(path, read_only=True)))
    async with app.run_test(size=(120, 40)) as pilot:
        scrubber = app.query_one(Scrubber)
        await pilot.press("end")
        await pilot.pause()
        said = scrubber._text.plain
        assert said.endswith(
            f" · live · NOT RECORDING since {holding.since:%H:%M:%S} (journal full), "
            f"{len(holding.events):,} events held"
        ), said
        take(session)
        assert session.recorder.retry(session.clock.now()) is not None
        app._tail()
        await pilot.pause()
        assert scrubber._text.plain.endswith(" · live")  # written again: live, and it is
        quiet = time.time() - 45  # a console that has written nothing for 45 s
        for file in (path, tmp_path / "j.warroom-wal"):
            os.utime(file, (quiet, quiet))
        app._tail()
        await pilot.pause()
        assert scrubber._text.plain.endswith(
            (" · live · nothing written for 45s", " · live · nothing written for 46s")
        )
    app.replay.journal.close()

    fill = session.recorder.journal.connection
    fill.execute(f"PRAGMA max_page_count = {fill.execute('PRAGMA page_count').fetchone()[0]}")
    until = session.seconds()
    while session.recorder.holding is None or len(session.recorder.holding.events) < 5:
        until += 2
        await session.arun(until)
    lost = session.recorder.holding
    session.recorder.journal.close()  # the console ends with them: they are lost
    app = ReplayApp(Replay(Journal.open(path, read_only=True)))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.query_one(Scrubber)._text.plain.endswith(
            f" · ends short: {len(lost.events):,} events after {lost.unwritten_since:%H:%M:%S} "
            "NOT RECORDED (journal full): the console ended with them"
        )
    app.replay.journal.close()
    capsys.readouterr()
    # its review lacks them, and says so, and whoever writes it is told
    (review,) = (p for p in export(path, tmp_path / "review") if p.name.endswith("_review.md"))
    lacks = (
        f"the review lacks {len(lost.events):,} events after "
        f"{lost.unwritten_since:%Y-%m-%dT%H:%M:%SZ} NOT RECORDED (journal full): the console "
        "ended with them"
    )
    assert capsys.readouterr().err == f"warroom: {lacks}\n"
    assert review.read_text().split("\n")[2] == f"> **Incomplete:** T{lacks[1:]}."


async def test_a_console_resuming_a_journal_that_lacks_events_says_so_on_its_timeline(
    tmp_path,
) -> None:
    """Seen after a hang-up on a full disk: the second console said 'Session resumed' and
    nothing else, though what the first did while the disk was full (a declaration, an act)
    was lost; only `warroom journals` and export said the journal ends short."""
    from state.console import ConsoleState
    from state.events import SessionResumed
    from state.timeline import entries
    from tui.demo import start_demo
    from tui.opening import session_start

    session = await held_session(tmp_path)
    lost = session.recorder.holding
    assert lost is not None
    session.recorder.journal.close()  # the console ends with them
    path = tmp_path / "j.warroom"
    resumed = start_demo(session_start("demo", path, "bob", scenario="bad-deploy"))
    try:
        said = {e.text: e.tone for e in resumed.recorder.state.timeline}
    finally:
        resumed.recorder.journal.close()
    with Journal.open(path, read_only=True) as journal:
        (again,) = (e for e in journal.events() if isinstance(e, SessionResumed))
    lacks = (
        f"The journal lacks {len(lost.events):,} events after "
        f"{lost.unwritten_since:%Y-%m-%dT%H:%M:%SZ} NOT RECORDED (journal full): the console "
        "ended with them: not shown here"
    )
    assert said.get(lacks) == "bad", said  # on the resumed console's timeline, in red
    assert lacks in [e.text for e in entries(ConsoleState(), ConsoleState(), again)]


async def test_quit_pressed_again_over_the_question_asks_no_second_one(tmp_path) -> None:
    """ctrl+q reaches the console over any dialog. Before: pressed again over the question,
    it asked a second one, and the first, its worker cancelled, stayed under it: its "Quit
    anyway" then did nothing."""
    session = await held_session(tmp_path)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await asked_to_quit(app, pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.pause()
        assert [s for s in app.screen_stack if isinstance(s, ConfirmScreen)] == [dialog]
        await pilot.press("y")  # Quit anyway
        await pilot.pause()
    assert app.return_code == 0
