"""Pilot tests for the Database locks pane on what live PostgreSQL gives (issue 15): a
prepared transaction as the blocker and what `k` does on it, a waiter with several blockers,
and a monitor role that cannot see every session, through the header and a replay."""

from __future__ import annotations

from datetime import timedelta

from state.events import ActionRequested, DatabaseSampled, DbSession
from state.journal.replay import Replay
from state.journal.store import Journal
from tests.play import Session
from tests.tui import drawn
from tests.tui.test_actions import journaled
from tests.tui.waiting import shown
from widgets.locks import LocksPane
from widgets.modals import ConfirmScreen, NoticeScreen

BLIND = "cannot see 37 sessions of other roles: grant pg_monitor"


def sampled(session: Session, *rows: DbSession, hidden: int = 0) -> None:
    """Record a database sample of `rows` now, as the live probe would."""
    session.record(
        DatabaseSampled(
            at=session.clock.now(),
            connections={"active": 2, "idle": 3, "idle in transaction": 0, "waiting": 2},
            max_connections=100,
            sessions=rows,
            hidden_sessions=hidden,
        )
    )


def prepared_chain(session: Session) -> tuple[DbSession, ...]:
    now = session.clock.now()
    return (
        DbSession(
            pid=-731,
            user="payments",
            state="prepared",
            xact_start=now - timedelta(minutes=4, seconds=5),
            relation="ledger",
            lock_mode="RowExclusiveLock",
            prepared="pay-7f3a",
            database="billing",
        ),
        DbSession(
            pid=5001,
            user="app",
            application="checkout",
            state="active",
            query="UPDATE ledger SET balance = balance - 10 WHERE id = 7",
            query_start=now - timedelta(seconds=50),
            wait_event_type="Lock",
            blocked_by=(-731,),
            relation="ledger",
            lock_mode="ShareLock",
        ),
    )


def body(app) -> str:
    """Every line the locks pane holds: the counts, then its tree, guides included."""
    return app.query_one(LocksPane).text()


async def opened(pilot) -> list[str]:
    """The locks pane's lines, once it has the focus."""
    await pilot.press("3")
    await pilot.pause()
    return body(pilot.app).splitlines()


async def test_k_on_a_prepared_transaction_explains_and_targets_nobody(tmp_path) -> None:
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(4)
    sampled(session, *prepared_chain(session))
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        lines = await opened(pilot)
        assert lines[2] == "▶ prepared transaction 'pay-7f3a' 4m 05s blocks 1 on ledger"
        assert lines[3] == "│ no backend · owner payments · database billing"
        assert lines[4].startswith("└ 5001 checkout 50s  UPDATE ledger")
        await pilot.press("k")  # the cursor is on the root: the prepared transaction
        await shown(pilot, NoticeScreen)
        notice = app.screen
        assert isinstance(notice, NoticeScreen)
        assert notice.title_text == "Prepared transaction 'pay-7f3a' cannot be terminated"
        assert "Owner payments, database billing" in notice.message
        assert "COMMIT PREPARED 'pay-7f3a' or ROLLBACK PREPARED 'pay-7f3a'" in notice.message
        assert "someone who knows which" in notice.message
        assert pilot.app.focused is not None and pilot.app.focused.id == "cancel"  # Close
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, (NoticeScreen, ConfirmScreen))
    assert journaled(session, ActionRequested) == []  # the waiter, pid 5001, was never hit


async def test_the_palette_names_a_prepared_transaction_and_offers_no_pid_to_kill(
    tmp_path,
) -> None:
    """Seen live: typing `kill` in ctrl+p offered "Kill pid -727 / Terminate the backend
    (pg_terminate_backend): pid -727 (postgres, prepared)": the probe's key for a prepared
    transaction, no backend at all. It is offered as what it is, and opens what `k` does."""
    from tui.palette import WarroomCommands

    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(4)
    sampled(session, *prepared_chain(session))
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        provider = WarroomCommands(app.screen)
        found = [hit async for hit in provider.search("kill")]
        titles = [hit.text or "" for hit in found]
        assert not any("-731" in t for t in titles), titles
        assert not any("-731" in (hit.help or "") for hit in found)
        (hit,) = [h for h in found if (h.text or "").startswith("Prepared transaction")]
        assert hit.text == "Prepared transaction 'pay-7f3a'"
        assert "no backend to terminate" in (hit.help or "")
        assert "Kill pid 5001" not in titles  # the waiter is no blocker
        await hit.command()
        await shown(pilot, NoticeScreen)
        assert isinstance(app.screen, NoticeScreen)
        assert app.screen.title_text == "Prepared transaction 'pay-7f3a' cannot be terminated"
        await pilot.press("escape")
        await pilot.pause()
    assert journaled(session, ActionRequested) == []


async def test_a_prepared_transaction_the_probe_could_not_name_is_still_not_its_waiter(
    tmp_path,
) -> None:
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(4)
    _, waiter = prepared_chain(session)
    sampled(session, waiter.model_copy(update={"blocked_by": (0,)}))
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        lines = await opened(pilot)
        assert lines[2] == "▶ prepared transaction blocks 1"
        assert "pg_blocking_pids() says 0" in lines[3]
        assert lines[4].startswith("└ 5001 checkout")  # a waiter, never the root
        assert "waits on pid 0" not in body(app)
        await pilot.press("k")
        await shown(pilot, NoticeScreen)
        assert "ROLLBACK PREPARED" in app.screen.message
    assert journaled(session, ActionRequested) == []


async def test_k_on_a_real_blocker_still_confirms_its_pid(tmp_path) -> None:
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(4)
    now = session.clock.now()
    holder = DbSession(
        pid=4242, user="batch", application="reports", state="idle in transaction",
        query="LOCK TABLE ledger IN SHARE MODE", xact_start=now - timedelta(seconds=90),
        relation="ledger", lock_mode="ShareLock",
    )  # fmt: skip
    other = holder.model_copy(update={"pid": 4243, "application": "exports"})
    waiter = DbSession(
        pid=5001, application="migrations", state="active", wait_event_type="Lock",
        query="LOCK TABLE ledger IN EXCLUSIVE MODE", query_start=now, blocked_by=(4242, 4243),
    )  # fmt: skip
    sampled(session, holder, other, waiter)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        assert (await opened(pilot))[2:7] == [
            "▶ 4242 reports idle in tx 1m 30s blocks 1 on ledger",
            "│ LOCK TABLE ledger IN SHARE MODE",
            "└ 5001 migrations 0s  LOCK TABLE ledger IN EXCLUSIVE MODE",
            "    ↳ also waits on 4243",
            "▶ 4243 exports idle in tx 1m 30s blocks 1 on ledger",
        ]
        await pilot.press("k")
        await shown(pilot, ConfirmScreen)
        assert app.screen.title_text.endswith("pid 4242?")


async def test_a_blind_role_is_unknown_in_the_pane_the_header_and_the_replay(tmp_path) -> None:
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(4)
    sampled(session, hidden=37)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        lines = await opened(pilot)
        assert lines[0] == "connections 42/100  waiting 2"  # 5 seen + 37 hidden
        # the states counted are the 5 seen; seen live with 56 hidden as "active 0 · idle 0
        # · idle in tx 0" above an idle-in-transaction blocker
        assert lines[1].startswith("active 2 · idle 3 · idle in tx 0 · 37 unknown · redis")
        assert lines[2] == BLIND
        assert lines[3] == "no blocking chain in pg_locks; states and statements unknown"
        assert "no blocking chains" not in body(app)
        header = app.query_one("#header")._text.plain
        assert "all guide thresholds clear" not in header
        said = f" unknown: database ({BLIND}) · no threshold crossed in what is watched"
        assert header.splitlines()[1] == said
    # the journal carries the count: a replay says what the session said
    with Journal.open(session.recorder.journal.path, read_only=True) as journal:
        replay = Replay(journal)
        state = replay.seek(replay.end)
    assert state.database is not None and state.database.hidden_sessions == 37
    assert [e.text for e in state.timeline if e.kind == "database_sampled"] == [
        f"Database signal unknown: {BLIND}"
    ]

    sampled(session)  # pg_monitor granted: all clear may be said again
    assert session.recorder.state.timeline[-1].text == "Database: every session visible again"
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "all guide thresholds clear" in app.query_one("#header")._text.plain
        assert "no blocking chains" in body(app)


async def test_a_blocker_gone_before_it_was_read_is_drawn_and_never_targeted(tmp_path) -> None:
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(4)
    _, waiter = prepared_chain(session)
    sampled(session, waiter.model_copy(update={"blocked_by": (999,)}))
    app = session.app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        lines = await opened(pilot)
        assert lines[2:5] == [
            "▶ 999 blocks 1",  # nothing known of it but that it blocks
            "│ not in pg_stat_activity: it ended as it was read",
            "└ 5001 checkout 50s  UPDATE ledger SET balance = balance - 10 WHERE id = 7  ShareLock",
        ]
        await pilot.press("k")
        await pilot.pause()
        assert not isinstance(app.screen, (NoticeScreen, ConfirmScreen))
        (said,) = [n.message for n in app._notifications]
        assert said.startswith("pid 999 was not in pg_stat_activity when sampled")
    assert journaled(session, ActionRequested) == []


def test_the_review_names_a_prepared_transaction_blocker_by_its_gid(tmp_path) -> None:
    from state.review.facts import gather

    session = Session("db-lock-storm", tmp_path / "j.warroom")
    sampled(session, *prepared_chain(session))
    with Journal.open(session.recorder.journal.path, read_only=True) as journal:
        (lock,) = gather(journal.events()).locks
    assert lock.root == "prepared transaction 'pay-7f3a' (payments, prepared) on ledger"


async def test_the_cursor_stays_on_its_session_when_the_tree_grows_above_it(tmp_path) -> None:
    """The cursor is on the prepared transaction; a waiter joins the chain drawn above it;
    `k` still explains the prepared transaction, never proposes the session now in its row.
    Home and End move to the first and last session of the tree."""
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(4)
    now = session.clock.now()
    holder = DbSession(
        pid=2259, user="app", application="orders", state="idle in transaction",
        query="UPDATE orders SET state = 'paid'", xact_start=now - timedelta(seconds=90),
        relation="orders", lock_mode="RowExclusiveLock",
    )  # fmt: skip
    waiter = DbSession(
        pid=3000, application="checkout", state="active", wait_event_type="Lock",
        query="UPDATE orders SET state = 'shipped'", query_start=now, blocked_by=(2259,),
    )  # fmt: skip
    waiters = [waiter.model_copy(update={"pid": 3000 + i}) for i in range(3)]
    prepared, victim = prepared_chain(session)
    sampled(session, holder, *waiters[:2], prepared, victim)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(LocksPane)
        await opened(pilot)
        await pilot.press("down", "down", "down")  # 2259, its two waiters, then the prepared
        await pilot.pause()
        assert pane.selected().session.pid == -731
        assert pane.lock_tree.cursor_line == 4  # under 2259, its statement, its 2 waiters
        await pilot.press("escape")  # back to the live tree
        sampled(session, holder, *waiters, prepared, victim)  # a third waiter joins above
        app.redraw()
        await pilot.pause()
        assert pane.selected().session.pid == -731
        tree = pane.lock_tree  # its line moved down with the waiter that joined above it
        assert tree.cursor_line == 5 and tree.cursor_node.data.key == (-731, "pay-7f3a")
        await pilot.press("k")
        await shown(pilot, NoticeScreen)
        assert "pay-7f3a" in app.screen.title_text
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("3", "end")
        await pilot.pause()
        assert pane.selected().session.pid == 5001  # the last row drawn
        await pilot.press("home")
        await pilot.pause()
        assert pane.selected().session.pid == 2259
    assert journaled(session, ActionRequested) == []


async def test_k_under_a_blind_role_says_what_is_hidden_and_what_it_blocks(tmp_path) -> None:
    """Another role's backend: its state and statement are hidden from a role without
    pg_monitor; the confirmation says so (never '?'), and says whom it blocks; on a waiter,
    whom it waits on."""
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(4)
    now = session.clock.now()
    hidden = DbSession(pid=2259, user="app", application="orders", visible=False)
    waiter = DbSession(
        pid=3001, user="monitor", application="checkout", state="active",
        query="UPDATE orders SET state = 'paid'", query_start=now, blocked_by=(2259,),
    )  # fmt: skip
    sampled(session, hidden, waiter, waiter.model_copy(update={"pid": 3002}), hidden=9)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot)
        await pilot.press("k")
        await shown(pilot, ConfirmScreen)
        message = app.screen.message
        assert message.splitlines() == [
            "Backend pid 2259 (app, state hidden (grant pg_monitor))",
            "statement hidden (grant pg_monitor)",
            "It blocks 2 sessions (directly 3001, 3002).",
            "As of the sample at 09:26:04 (0s ago).",  # tests/tui/test_backend_confirm.py
        ]
        assert "?" not in message
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("3", "down", "k")
        await shown(pilot, ConfirmScreen)
        assert app.screen.message.splitlines()[-2] == "It waits on 2259."
    assert journaled(session, ActionRequested) == []


async def test_k_on_a_gid_with_control_characters_shows_it_inert_and_pasteable(tmp_path) -> None:
    """A gid with escapes: the title shows it inert and marked; the SQL to run is the escape
    literal of its exact text, never the marked display name."""
    from state.text import marked_name, sql_literal
    from tests.hostile import assert_inert

    gid = "gid-\x1b[31mevil"
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(4)
    holder, waiter = prepared_chain(session)
    hostile = holder.model_copy(
        update={"prepared": marked_name(gid), "prepared_sql": sql_literal(gid)}
    )
    sampled(session, hostile, waiter)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot)
        await pilot.press("k")
        await shown(pilot, NoticeScreen)
        notice = app.screen
        assert_inert(notice.title_text)
        sql = "COMMIT PREPARED E'gid-\\x1b[31mevil' or ROLLBACK PREPARED E'gid-\\x1b[31mevil'"
        assert sql in notice.message
        assert "draw as nothing" in notice.message
        said = notice.message[notice.message.index("COMMIT PREPARED") :]
        assert "⚠" not in said and "#" not in said  # no display name inside the SQL
    assert journaled(session, ActionRequested) == []


async def test_a_marked_gid_from_an_older_journal_is_never_guessed_into_sql(tmp_path) -> None:
    from state.text import marked_name

    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(4)
    holder, waiter = prepared_chain(session)
    sampled(
        session, holder.model_copy(update={"prepared": marked_name("gid-\x1b[31mevil")}), waiter
    )
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot)
        await pilot.press("k")
        await shown(pilot, NoticeScreen)
        message = app.screen.message
        assert "COMMIT PREPARED 'gid'" in message
        assert "SELECT gid FROM pg_prepared_xacts" in message
        assert "evil" not in message[message.index("COMMIT PREPARED") :]


async def test_a_statement_cut_by_the_server_is_marked_on_screen_at_any_width(tmp_path) -> None:
    """Found live: the lock tree's rows showed a statement the server cut (at its
    track_activity_query_size) without the mark, and the root's detail line ended in it,
    where the pane's own cut to its width never left it on screen."""
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(4)
    now = session.clock.now()
    long = "UPDATE ledger SET balance = balance - 10 WHERE id IN (" + "7, " * 400
    root = DbSession(
        pid=4242, user="batch", application="exports", state="idle in transaction",
        query=long, xact_start=now - timedelta(minutes=3), relation="ledger",
        lock_mode="RowExclusiveLock", query_cut_at=1024,
    )  # fmt: skip
    waiter = DbSession(
        pid=5001, user="app", application="checkout", state="active", query=long,
        query_start=now - timedelta(seconds=50), wait_event_type="Lock", blocked_by=(4242,),
        relation="ledger", lock_mode="ShareLock", query_cut_at=1024, query_may_be_whole=True,
    )  # fmt: skip
    sampled(session, root, waiter)
    app = session.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        for size in ((80, 24), (120, 40)):
            await pilot.resize_terminal(*size)
            await pilot.press("3")
            await pilot.pause()
            screen = drawn.text(app)
            assert "│ (cut by the server at 1 kB) UPDATE ledger SET" in screen  # the detail
            assert "5001 checkout 50s  (maybe cut at 1 kB) UPDATE ledger" in screen  # a row
