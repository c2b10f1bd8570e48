"""What the first frame leaves out, mounted when first needed: the service tables and the lock
tree with their pane's first state (or when their pane is chosen), the filter line with the
first `/`, the dialogs' styles after the first frame. Each works on its first use, at 120x40
and 80x24 (where one pane shows at a time)."""

from __future__ import annotations

import pytest

from tests.play import OPERATOR, Session
from tests.tui.test_opening import OpensOnCue
from tests.tui.waiting import shown
from tui.base import Wiring
from tui.view import DIALOGS_CSS
from widgets.filter_bar import FilterBar
from widgets.lock_tree import LockTree
from widgets.modals import DeclareScreen
from widgets.pane_table import PaneTable

SIZES = [(120, 40), (80, 24)]


async def opens_on_cue(tmp_path) -> OpensOnCue:
    """A console drawn before its session opens, on db-lock-storm 80 s in: blocked sessions."""
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(80)

    def opening() -> Wiring:
        return Wiring(session.recorder, session.clock, actions=session.actions)

    return OpensOnCue(opening=opening, operator=OPERATOR, badge="DEMO", watch_terminal=False)


@pytest.mark.parametrize("size", SIZES)
async def test_the_rows_come_with_the_first_state_and_take_the_keys(tmp_path, size) -> None:
    app = await opens_on_cue(tmp_path)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.console_screen
        # the first frame: none of what it would only hide
        for kind in (PaneTable, LockTree, FilterBar):
            assert not screen.query(kind), kind
        assert app.focused is None  # never the timeline, the first focusable widget now

        app.cue()
        await pilot.pause()
        services, locks = screen.panes[0], screen.panes[2]
        assert services.table.parent is services
        assert app.focused is services.table  # as the first table had it from the start
        top = services.selected()
        await pilot.press("down")
        await pilot.pause()
        assert services.selected() not in (None, top)

        await pilot.press("3")  # the locks pane: at 80x24 its tree comes as it is chosen
        await pilot.pause()
        assert locks.lock_tree.parent is locks
        assert app.focused is locks.lock_tree
        assert locks.lock_tree.display
        assert locks.selected() is not None  # a blocking chain under the cursor


@pytest.mark.parametrize("size", SIZES)
async def test_the_filter_line_comes_with_the_first_slash(tmp_path, size) -> None:
    app = await opens_on_cue(tmp_path)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        app.cue()
        await pilot.pause()
        screen = app.console_screen
        services = screen.panes[0]
        every = list(services.table.keys)
        assert not screen.query(FilterBar)
        await pilot.press("escape")  # no filter line yet: nothing to clear, nothing breaks
        await pilot.press("slash", *"track")
        await pilot.pause()
        bar = screen.query_one(FilterBar)
        assert bar.display and app.focused is bar.input
        order = list(screen.children)
        assert order.index(bar) + 1 == order.index(screen.query_one("#keys"))  # as it was
        assert services.table.keys == [k for k in every if "track" in k]
        await pilot.press("enter")
        await pilot.pause()
        assert not bar.display
        assert app.focused is services.table
        await pilot.press("escape")
        await pilot.pause()
        assert services.table.keys == every


@pytest.mark.parametrize("size", SIZES)
async def test_the_dialogs_are_styled_as_they_were(tmp_path, size) -> None:
    app = await opens_on_cue(tmp_path)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert (str(DIALOGS_CSS), "") in app.stylesheet.source  # added after the first frame
        app.cue()
        await pilot.pause()
        await pilot.press("d")
        await shown(pilot, DeclareScreen)
        dialog = app.screen.query_one(".dialog")
        assert dialog.outer_size.width == 76  # tui/dialogs.tcss: .dialog { width: 76 }
        assert dialog.styles.border_top[0] == "thick"
