"""The Database locks tree at the size of a real lock storm: 1,001 sessions in one queue.

Every waiter is reachable: the queue is cut to keep the roots in view, the cut is a line
that says how many more wait and opens on enter, then end (or the wheel) reaches the last
of them; the border says which sessions are in view; the cursor stays on its session when
the tree changes under it, and `k` acts on that session.
"""

from __future__ import annotations

from datetime import timedelta

from textual import events

from state.events import DatabaseSampled, DbSession
from state.journal.replay import Replay
from state.journal.store import Journal
from tests.hostile import pane_lines
from tests.play import Session
from tests.tui.waiting import pressed, shown
from tui.replay import ReplayApp
from widgets.lock_plan import CUT, FOLDED
from widgets.locks import LocksPane
from widgets.modals import ConfirmScreen
from widgets.scrubber import Scrubber

SIZE = (120, 40)
QUEUE = 1000  # waiters behind one holder: 1,001 sessions


def storm(session: Session, waiters: int = QUEUE, other: bool = True) -> None:
    """Record a sample: 4242 holds a row lock `waiters` sessions queue behind, each for
    a second less than the one before; with `other`, 7000 blocks 7001 on another table."""
    now = session.clock.now()
    start = now - timedelta(hours=1)
    holder = DbSession(
        pid=4242, user="batch", application="reindex", state="idle in transaction",
        query="UPDATE tracks SET state = 'queued'", xact_start=now - timedelta(minutes=20),
        relation="tracks", lock_mode="RowExclusiveLock", backend_start=start,
    )  # fmt: skip

    def waiter(pid: int, on: int, age: int) -> DbSession:
        return DbSession(
            pid=pid, user="app", application=f"svc-{pid % 7}", state="active",
            query=f"UPDATE tracks SET plays = plays + 1 WHERE id = {pid}",
            query_start=now - timedelta(seconds=age), wait_event_type="Lock",
            blocked_by=(on,), relation="tracks", lock_mode="RowExclusiveLock",
            backend_start=start,
        )  # fmt: skip

    rows = [holder, *(waiter(5000 + i, 4242, QUEUE - i) for i in range(waiters))]
    if other:
        other_holder = holder.model_copy(update={"pid": 7000, "relation": "users"})
        rows += [other_holder, waiter(7001, 7000, 3)]
    session.record(
        DatabaseSampled(
            at=now,
            connections={"active": len(rows), "idle": 0, "idle in transaction": 2, "waiting": 999},
            max_connections=2000,
            sessions=tuple(rows),
        )
    )


async def storming(tmp_path, **options) -> Session:
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(4)
    storm(session, **options)
    return session


def title(pane: LocksPane) -> str:
    return pane.title_text.plain


async def open_the_queue(pilot) -> LocksPane:
    """`3`, down to the queue's "… N more waiting" line, and enter: every waiter drawn."""
    await pressed(pilot, "3")
    pane = pilot.app.query_one(LocksPane)
    while pane.lock_tree.cursor_node.data.kind != CUT:
        await pilot.press("down")
    await pressed(pilot, "enter")
    return pane


async def test_the_last_waiter_of_a_thousand_is_reached_by_keyboard(tmp_path) -> None:
    app = (await storming(tmp_path)).app()
    async with app.run_test(size=SIZE) as pilot:
        await pressed(pilot, "3")
        pane = app.query_one(LocksPane)
        tree = pane.lock_tree
        screen = "\n".join(pane_lines(app, pane))
        assert "▶ 7000 reindex" in screen  # the second blocker stays in view
        cut = next(line for line in screen.splitlines() if "more waiting" in line)
        hidden = int(cut.split("… ")[1].split()[0])
        assert QUEUE - 40 < hidden < QUEUE  # the queue is cut, and says by how many
        assert cut.strip(" │").startswith("└ … ") and "enter shows them" in cut
        shown_count = sum(1 for y in range(tree.last_line + 1) if pane._line_kind(y) == "session")
        assert title(pane) == f"Database locks · {shown_count} of {QUEUE + 3} sessions"
        # down to the cut, then enter opens it
        while tree.cursor_node.data.kind != CUT:
            await pilot.press("down")
        assert pane.selected() is None  # a count is no backend: k has nothing to act on
        await pressed(pilot, "enter")
        assert not any(pane._line_kind(y) == CUT for y in range(tree.last_line + 1))
        await pressed(pilot, "end")
        chosen = pane.selected()
        assert chosen is not None and chosen.session.pid == 7001  # the last session drawn
        await pressed(pilot, "up", "up")  # past 7000 (its statement is not a stop)
        assert pane.selected().session.pid == 5000 + QUEUE - 1  # the queue's last waiter
        line = next(r for r in pane_lines(app, pane) if f" {5000 + QUEUE - 1} " in r)
        assert line.startswith("└ 5999 svc-0 1s  UPDATE tracks")  # in view: 4242's last waiter
        assert title(pane).endswith(f" of {QUEUE + 3} sessions")
        first = int(title(pane).split("· ")[1].split("–")[0])
        assert first > QUEUE - 40  # scrolled to the end of the queue
        await pressed(pilot, "k")
        await shown(pilot, ConfirmScreen)
        assert app.screen.title_text.endswith("pid 5999?")


async def test_the_wheel_scrolls_the_tree_and_the_cursor_never_stays_out_of_view(
    tmp_path,
) -> None:
    app = (await storming(tmp_path)).app()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_the_queue(pilot)
        tree = pane.lock_tree
        await pressed(pilot, "home")
        assert pane.selected().session.pid == 4242
        for _ in range(30):
            await pilot._post_mouse_events([events.MouseScrollDown], tree, (4, 4))
        await pilot.pause()
        top = tree.scroll_offset.y
        assert top > 30
        assert top <= tree.cursor_line < top + tree.size.height  # the cursor came along
        chosen = pane.selected()
        assert chosen is not None and chosen.session.pid != 4242
        row = pane_lines(app, pane)[2 + tree.cursor_line - top]  # under the two count lines
        assert f" {chosen.session.pid} " in row  # the line a key acts on is the one shown


async def test_the_cursor_stays_on_its_session_as_the_queue_moves(tmp_path) -> None:
    """The commander picks a waiter deep in the queue; the waiters ahead of it leave (their
    locks granted) and a new blocker appears above: the cursor is still on that waiter,
    now in a new line, and in view."""
    session = await storming(tmp_path)
    app = session.app()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_the_queue(pilot)
        tree = pane.lock_tree
        for _ in range(40):
            await pilot.press("down")
        await pilot.pause()
        chosen = pane.selected().session
        before, node = tree.cursor_line, tree.cursor_node
        await pressed(pilot, "escape")  # live again
        session.clock.advance(2)
        now = session.clock.now()
        granted = range(5000, 5020)  # the first 20 in the queue got their lock and left
        rows = [s for s in session.recorder.state.database.sessions if s.pid not in granted]
        newcomer = DbSession(
            pid=1, user="admin", application="vacuum", state="active", query="VACUUM FULL",
            xact_start=now, backend_start=now,
        )  # fmt: skip
        queued = DbSession(pid=2, application="cron", blocked_by=(1,), query_start=now)
        session.record(
            DatabaseSampled(
                at=now,
                connections={"active": 900},
                max_connections=2000,
                sessions=(*rows, newcomer, queued),
            )
        )
        app.redraw()
        await pilot.pause()
        assert pane.selected().session.pid == chosen.pid
        assert tree.cursor_line != before  # its line moved: 20 left above it
        top = tree.scroll_offset.y
        assert top <= tree.cursor_line < top + tree.size.height
        assert tree.cursor_node is node  # updated in place: 20 nodes removed, none rebuilt
        await pressed(pilot, "c")
        await shown(pilot, ConfirmScreen)
        assert app.screen.title_text.endswith(f"pid {chosen.pid}?")


async def test_enter_folds_a_blocker_and_opens_it_again(tmp_path) -> None:
    app = (await storming(tmp_path, waiters=5)).app()
    async with app.run_test(size=SIZE) as pilot:
        await pressed(pilot, "3")
        pane = app.query_one(LocksPane)
        lines = pane.text().splitlines()
        assert lines[2:5] == [
            "▶ 4242 reindex idle in tx 20m 00s blocks 5 on tracks",
            "│ UPDATE tracks SET state = 'queued'",
            "├ 5000 svc-2 16m 40s  UPDATE tracks SET plays = plays + 1 WHERE id = 5000"
            "  RowExclusiveLock",
        ]
        assert title(pane) == "Database locks"  # every session in view: nothing to mark
        await pressed(pilot, "enter")  # on 4242: its waiters fold into one line
        assert pane.text().splitlines()[2:5] == [
            "▶ 4242 reindex idle in tx 20m 00s blocks 5 on tracks",
            "│ UPDATE tracks SET state = 'queued'",
            "└ … 5 waiting · enter shows them",
        ]
        assert pane.selected().session.pid == 4242
        assert title(pane) == "Database locks · 3 of 8 sessions"  # 4242, and 7000 blocking 7001
        await pressed(pilot, "down")
        assert pane.lock_tree.cursor_node.data.kind == FOLDED
        await pressed(pilot, "enter")
        assert pane.selected().session.pid == 4242  # opened, the cursor back on its session
        assert len(pane.text().splitlines()) == 2 + 2 + 5 + 3  # counts, 4242's, 7000's


async def test_the_bottom_of_a_chain_200_deep_is_reached_at_80x24(tmp_path) -> None:
    """Each waits on the one before it: the tree draws the first levels as levels, the rest
    at the fourth in the order they queue, and the deepest is one `end` away."""
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(4)
    now = session.clock.now()
    rows = [DbSession(pid=100, application="migrate", state="idle in transaction")]
    rows += [
        DbSession(pid=101 + i, application="app", state="active", blocked_by=(100 + i,),
                  query=f"ALTER TABLE t{i} ADD c int", query_start=now)
        for i in range(200)
    ]  # fmt: skip
    session.record(
        DatabaseSampled(at=now, connections={"active": 201}, max_connections=300, sessions=rows)
    )
    app = session.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pressed(pilot, "3")
        pane = app.query_one(LocksPane)
        assert title(pane).startswith("Database locks · ") and title(pane).endswith(
            " of 201 sessions"
        )
        await pressed(pilot, "end", "enter", "end")  # the cut line, opened, then the last
        assert pane.selected().session.pid == 300
        drawn = pane_lines(app, pane)
        assert any(line.startswith("      └ 300 app 0s  ALTER TABLE t199") for line in drawn)
        assert title(pane).endswith("–201 of 201 sessions")


async def test_the_text_the_tests_read_is_what_the_screen_shows(tmp_path) -> None:
    """`LocksPane.text()` draws the guides itself (for lines out of view too): line for
    line, it is what the Tree puts on the screen, cut where the pane cuts."""
    app = (await storming(tmp_path, waiters=3)).app()
    async with app.run_test(size=SIZE) as pilot:
        await pressed(pilot, "3", "down", "enter")  # 5000 has no waiters: nothing folds
        pane = app.query_one(LocksPane)
        screen = [row.rstrip() for row in pane_lines(app, pane)]
        text = pane.text().splitlines()
        assert len(text) == 2 + 2 + 3 + 3
        width = pane.content_region.width
        for row, line in zip(screen, text, strict=False):
            assert row == line if len(line) <= width else row == line[: width - 1] + "…"
        assert (
            "├ 5000 " in text[4]
            and "└ 5002 " in text[6]
            and text[8] == "│ UPDATE tracks SET state = 'queued'"
        )


async def test_when_the_chains_are_gone_k_targets_nobody(tmp_path) -> None:
    session = await storming(tmp_path, waiters=3)
    app = session.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pressed(pilot, "3", "down")
        pane = app.query_one(LocksPane)
        assert pane.selected().session.pid == 5000
        await pressed(pilot, "escape")
        session.record(
            DatabaseSampled(at=session.clock.now(), connections={"idle": 3}, max_connections=100)
        )
        app.redraw()
        await pilot.pause()
        assert "no blocking chains" in pane.text()
        assert pane.selected() is None and pane.lock_tree.last_line == -1
        await pressed(pilot, "k")
        assert not isinstance(app.screen, ConfirmScreen)
        assert [n.message for n in app._notifications][-1].startswith("No backend selected")


async def test_in_a_replay_home_and_end_are_the_trees_until_esc_gives_them_back(tmp_path) -> None:
    session = await storming(tmp_path, waiters=30)
    session.recorder.journal.close()
    app = ReplayApp(Replay(Journal.open(tmp_path / "j.warroom", read_only=True)))
    async with app.run_test(size=SIZE) as pilot:
        end = app.replay.instant(app.replay.end)
        await pressed(pilot, "end")  # the scrubber: the journal's end, the storm
        assert app.cursor == end
        await pressed(pilot, "3", "end")
        pane = app.query_one(LocksPane)
        assert pane.selected().session.pid == 7001  # the tree's last session
        assert app.cursor == end
        await pressed(pilot, "home")
        assert pane.selected().session.pid == 4242
        await pressed(pilot, "escape", "escape", "home")  # resumed, then the scrubber's
        assert app.focused is app.query_one(Scrubber)
        assert app.cursor == app.replay.instant(app.replay.start)


def tree_rows(app, pane: LocksPane) -> list[str]:
    """The tree's rows on the screen: the pane's rows under its two count lines."""
    return [row.rstrip() for row in pane_lines(app, pane)[2 : 2 + pane.lock_tree.last_line + 1]]


async def test_an_age_is_its_samples_and_a_sample_redraws_only_the_lines_it_changed(
    tmp_path,
) -> None:
    """A session's age is as of the sample that saw it, as pg_activity's TIME is: the clock
    moving on between samples leaves it (nobody has looked since, and once the sample is
    late the border says so, every second), the next sample moves it on and draws again
    the lines whose words changed, the ages, not the holder's statement under it."""
    session = await storming(tmp_path, waiters=2, other=False)
    app = session.app()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(LocksPane)
        tree = pane.lock_tree
        await pilot.pause()
        before = tree_rows(app, pane)
        assert [row[:33] for row in before] == [
            "▶ 4242 reindex idle in tx 20m 00s",
            "│ UPDATE tracks SET state = 'queu",
            "├ 5000 svc-2 16m 40s  UPDATE trac",
            "└ 5001 svc-3 16m 39s  UPDATE trac",
        ]
        for _ in range(3):
            session.clock.advance(1)
            app._clock_tick()  # what the one-second timer runs
        await pilot.pause()
        assert tree_rows(app, pane) == before  # 3 s on and no new sample: its ages
        assert str(pane.border_subtitle) == ""  # the sample is not late yet

        drawn: list[int] = []
        render_line = tree.render_line
        tree.render_line = lambda y: drawn.append(y) or render_line(y)  # type: ignore[method-assign]
        db = session.recorder.state.database
        assert db is not None
        session.record(
            DatabaseSampled(
                at=session.clock.now(),
                connections=db.connections,
                max_connections=db.max_connections,
                sessions=db.sessions,
            )
        )
        app.redraw()
        await pilot.pause()
        after = tree_rows(app, pane)
        assert [row[:33] for row in after] == [
            "▶ 4242 reindex idle in tx 20m 03s",
            "│ UPDATE tracks SET state = 'queu",
            "├ 5000 svc-2 16m 43s  UPDATE trac",
            "└ 5001 svc-3 16m 42s  UPDATE trac",
        ]
        assert sorted(set(drawn)) == [0, 2, 3]  # the statement's line stayed as it was

        for _ in range(8):  # no sample for 8 s: late, and the border counts every second
            session.clock.advance(1)
            app._clock_tick()
        await pilot.pause()
        assert tree_rows(app, pane) == after
        assert str(pane.border_subtitle).startswith("stale 8s")
        session.clock.advance(1)
        app._clock_tick()
        await pilot.pause()
        assert str(pane.border_subtitle).startswith("stale 9s")
