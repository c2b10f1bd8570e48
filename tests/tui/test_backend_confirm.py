"""The confirmation of ending a backend says the truth of the latest sample, not of when it
opened: whom it blocks now and as of when; a backend gone, or a pid PostgreSQL gave to
another backend meanwhile (pid reuse), is refused before anything is sent; and what
changed as yes was pressed is asked about again.
"""

from __future__ import annotations

from datetime import timedelta

from state.events import ActionRequested, DatabaseSampled, DbSession
from tests.play import Session
from tests.tui.test_actions import journaled
from tests.tui.test_locks_pane import sampled
from tests.tui.waiting import shown, until
from widgets.modals import LiveConfirmScreen

SIZE = (120, 40)


def holder(session: Session, **changes) -> DbSession:
    now = session.clock.now()
    row = DbSession(
        pid=4242, user="batch", application="reports", state="idle in transaction",
        query="LOCK TABLE ledger IN SHARE MODE", xact_start=now - timedelta(seconds=90),
        relation="ledger", lock_mode="ShareLock",
        backend_start=session.cluster.start - timedelta(minutes=5),
    )  # fmt: skip
    return row.model_copy(update=changes)


def waiters(session: Session, count: int, blocker: int = 4242) -> list[DbSession]:
    waiter = DbSession(
        pid=5001, user="app", application="migrations", state="active",
        wait_event_type="Lock", query="LOCK TABLE ledger IN EXCLUSIVE MODE",
        query_start=session.clock.now(), blocked_by=(blocker,),
    )  # fmt: skip
    return [waiter.model_copy(update={"pid": 5001 + i}) for i in range(count)]


async def holding(tmp_path, waiting: int) -> Session:
    """db-lock-storm 4 s in, then a sample in which 4242 blocks `waiting` sessions."""
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(4)
    sampled(session, holder(session), *waiters(session, waiting))
    return session


async def opened_on_4242(pilot) -> LiveConfirmScreen:
    await pilot.press("3", "k")
    await shown(pilot, LiveConfirmScreen)
    dialog = pilot.app.screen
    assert isinstance(dialog, LiveConfirmScreen)
    return dialog


async def test_whom_it_blocks_follows_the_samples_while_the_dialog_is_open(tmp_path) -> None:
    session = await holding(tmp_path, 1)
    app = session.app()
    async with app.run_test(size=SIZE) as pilot:
        dialog = await opened_on_4242(pilot)
        assert "It blocks 1 session (directly 5001)." in dialog.message
        assert "As of the sample at 09:26:04 (0s ago)." in dialog.message
        session.clock.advance(2)
        sampled(session, holder(session), *waiters(session, 3))
        await until(pilot, lambda: "It blocks 3 sessions" in dialog.message)
        assert "(directly 5001, 5002, 5003)" in dialog.message
        assert "As of the sample at 09:26:06" in dialog.message
        session.clock.advance(9)  # no sample since: the dialog says how old its truth is
        await until(pilot, lambda: "(9s ago)" in dialog.message)
        assert dialog.seen.refusal is None, dialog.seen
        assert not dialog.query_one("#ok").disabled


async def test_a_pid_now_another_backend_is_refused_and_nothing_is_sent(tmp_path) -> None:
    session = await holding(tmp_path, 2)
    app = session.app()
    async with app.run_test(size=SIZE) as pilot:
        dialog = await opened_on_4242(pilot)
        session.clock.advance(4)  # 4242 ended; PostgreSQL gave its pid to a new backend
        reused = holder(session, user="etl", backend_start=session.clock.now())
        sampled(session, reused, *waiters(session, 2))
        await until(pilot, lambda: dialog.seen.refusal is not None)
        assert dialog.seen.refusal.startswith("pid 4242 is now another backend (etl, started")
        assert dialog.query_one("#ok").disabled
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is dialog  # refused, said, still open
        assert "another backend" in str(dialog.query_one("#problem").render())
    assert journaled(session, ActionRequested) == []


async def test_a_backend_gone_from_the_chains_is_refused(tmp_path) -> None:
    session = await holding(tmp_path, 1)
    app = session.app()
    async with app.run_test(size=SIZE) as pilot:
        dialog = await opened_on_4242(pilot)
        session.clock.advance(2)
        sampled(session)  # the chain dissolved: 4242 ended, or committed and went idle
        await until(pilot, lambda: dialog.seen.refusal is not None)
        assert "pid 4242 is in no lock chain of the latest sample" in dialog.seen.refusal
        assert dialog.message.startswith("When picked: Backend pid 4242")  # not as the present
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is dialog
    assert journaled(session, ActionRequested) == []


async def test_yes_pressed_as_the_facts_changed_asks_again_then_sends_the_chosen_one(
    tmp_path,
) -> None:
    session = await holding(tmp_path, 1)
    chosen = holder(session)
    app = session.app()
    async with app.run_test(size=SIZE) as pilot:
        dialog = await opened_on_4242(pilot)
        dialog.looking.pause()  # the race, made certain: a sample lands between two looks
        session.clock.advance(2)
        sampled(session, holder(session), *waiters(session, 4))
        await pilot.press("y")  # before the dialog's next look: it looks as yes is pressed
        await pilot.pause()
        assert app.screen is dialog
        assert "It blocks 4 sessions" in dialog.message
        assert "changed as you pressed" in str(dialog.query_one("#problem").render())
        await pilot.press("y")  # read, confirmed
        await pilot.pause()
        assert app.screen is not dialog
    [asked] = journaled(session, ActionRequested)
    assert asked.action == "terminate_backend" and asked.target == "pid 4242"
    assert asked.params["backend_start"] == chosen.backend_start.isoformat()  # type: ignore[union-attr]
    assert asked.params["user"] == "batch"


async def test_cancel_on_a_blocker_idle_in_transaction_says_it_ends_nothing(tmp_path) -> None:
    """Seen live: c on a blocker idle in transaction said 'Cancel stops the running query;
    the session and its locks stay' over its last statement. pg_cancel_backend() then says
    true and ends nothing: there is no query, the transaction and its locks stay. The
    confirmation says so (the database refuses it too: probes/postgres/actions.py)."""
    session = await holding(tmp_path, 1)
    app = session.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3", "c")
        await shown(pilot, LiveConfirmScreen)
        dialog = app.screen
        assert isinstance(dialog, LiveConfirmScreen)
        said = "It runs no query now (idle in transaction): a cancel ends nothing"
        assert said in dialog.message
        assert "Cancel stops the running query" not in dialog.message
        await pilot.press("escape")
        await pilot.pause()
    assert journaled(session, ActionRequested) == []


async def test_a_superusers_backend_is_said_to_be_refused_before_yes(tmp_path) -> None:
    """Before: the console's role not a superuser, `k` on a superuser's backend asked as for
    any other; only the result said PostgreSQL had refused."""
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(4)
    for console_superuser in (False, None):  # None: not read (the simulation, old journals)
        session.record(
            DatabaseSampled(
                at=session.clock.now(),
                connections={"active": 2, "idle": 3, "idle in transaction": 0, "waiting": 2},
                max_connections=100,
                sessions=(holder(session, user="postgres", superuser=True), *waiters(session, 1)),
                console_superuser=console_superuser,
            )
        )
        app = session.app()
        async with app.run_test(size=SIZE) as pilot:
            dialog = await opened_on_4242(pilot)
            refuses = (
                "PostgreSQL will refuse: its role (postgres) is a superuser and the console's "
                "role is not; only a superuser may end or cancel a superuser's backend."
            )
            assert (refuses in dialog.message) is (console_superuser is False), dialog.message
            assert dialog.message.splitlines()[0].startswith("Backend pid 4242 (postgres")
        session.clock.advance(2)


async def test_another_roles_backend_is_said_to_be_refused_before_yes(tmp_path) -> None:
    """Before: a console whose role has neither superuser nor pg_signal_backend (`warroom
    check`: "own role only") asked `k` on another role's backend as on any other; only the
    result said PostgreSQL had refused. Its own role's backend it may end: nothing said."""
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(4)
    refuses = (
        "PostgreSQL will refuse: its role (batch) is not the console's (watcher), which is "
        "neither a superuser nor a member of pg_signal_backend; it may end or cancel only its "
        "own role's (watcher) backends (grant pg_signal_backend to end others')."
    )
    for user, signals, said in (
        ("batch", ("watcher",), True),
        ("watcher", ("watcher",), False),  # its own role's
        ("batch", ("watcher", "batch"), False),  # a role whose privileges it has
        ("batch", None, False),  # pg_signal_backend, or not read (old journals, simulation)
    ):
        session.record(
            DatabaseSampled(
                at=session.clock.now(),
                connections={"active": 2, "idle": 3, "idle in transaction": 0, "waiting": 2},
                max_connections=100,
                sessions=(holder(session, user=user), *waiters(session, 1)),
                console_superuser=False,
                console_signals=signals,
            )
        )
        app = session.app()
        async with app.run_test(size=SIZE) as pilot:
            dialog = await opened_on_4242(pilot)
            assert (refuses in dialog.message) is said, (user, signals, dialog.message)
            assert ("will refuse" in dialog.message) is said
        session.clock.advance(2)
    assert journaled(session, ActionRequested) == []


async def test_kill_idle_counts_the_backends_of_other_roles_it_will_be_refused(tmp_path) -> None:
    session = await Session("connection-pool-exhaustion", tmp_path / "j.warroom").arun(900)
    database = session.recorder.state.database
    assert database is not None
    session.record(database.model_copy(update={"console_signals": ("watcher",)}))
    app = session.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await shown(pilot, LiveConfirmScreen)
        message = app.screen.message  # type: ignore[attr-defined]
        listed = [line for line in message.splitlines() if line.startswith("pid ")]
        assert listed and all(line.endswith("(another role's: refused)") for line in listed)
        more = next((line for line in message.splitlines() if line.startswith("… and ")), "")
        every = len(listed) + int(more.split()[2] if more else 0)  # all tracktion's, not ours
        assert (
            f"PostgreSQL will refuse {every} of them: their role is not the console's (watcher), "
            "which is neither a superuser nor a member of pg_signal_backend"
        ) in message, message
        await pilot.press("escape")
        await pilot.pause()
    assert journaled(session, ActionRequested) == []
