"""The panes at the size of a real deployment: 300 services, every row reachable.

The simulated fleet (`demo --services 300`, probes/simulated/fleet.py) on a frozen clock:
scrolling by keyboard and mouse, the cut marked in the border, the cursor never on a row out
of view, worst first, rows that hold their place, and the `/` filter across the three
service panes.
"""

from __future__ import annotations

from textual import events

from tests.hostile import assert_inert
from tests.play import Session
from tests.tui.waiting import pressed, shown
from widgets.error_rate import ErrorRatePane
from widgets.latency import LatencyPane
from widgets.locks import LocksPane
from widgets.services import ServicesPane
from widgets.table import DOWN, RowsPane
from widgets.timeline import TimelinePane

SIZE = (120, 40)
FLEET = 300


async def fleet(tmp_path, seconds: float = 40, scenario: str = "bad-deploy") -> Session:
    return await Session(scenario, tmp_path / "j.warroom", services=FLEET).arun(seconds)


def drawn_rows(pane: RowsPane) -> list[str]:
    """The rows of the pane as the terminal shows them now, top to bottom (no heading)."""
    table = pane.table
    lines = []
    for strip in table.render_lines(table.scrollable_content_region.reset_offset):
        lines.append("".join(seg.text for seg in strip))
    return lines[table.header_height :]


def in_view(pane: RowsPane) -> list[str]:
    first, last = pane.table.in_view()
    return pane.table.keys[first:last]


def title(pane: RowsPane) -> str:
    return pane.title_text.plain


async def test_every_row_is_reachable_by_keyboard_and_the_cut_is_marked(tmp_path) -> None:
    app = (await fleet(tmp_path)).app()
    async with app.run_test(size=SIZE) as pilot:
        await pressed(pilot, "1")
        services = app.query_one(ServicesPane)
        shown = in_view(services)
        assert 5 < len(shown) < FLEET
        assert title(services) == f"Services · {len(shown)} of {FLEET}"
        await pressed(pilot, "ctrl+end")
        await pilot.pause()
        last = services.table.keys[-1]
        assert services.selected() == last and last in in_view(services)
        assert title(services).endswith(f"–{FLEET} of {FLEET}")
        assert any(last in row for row in drawn_rows(services))
        await pressed(pilot, "ctrl+home", "pagedown")
        await pilot.pause()
        assert services.selected() in in_view(services)
        assert services.table.cursor_row > len(shown) - 3  # a page down, not one row


async def test_home_and_end_go_to_the_focused_panes_first_and_last_row(tmp_path) -> None:
    app = (await fleet(tmp_path)).app()
    async with app.run_test(size=SIZE) as pilot:
        for key, kind in (("1", ServicesPane), ("2", ErrorRatePane), ("4", LatencyPane)):
            await pressed(pilot, key, "end")
            await pilot.pause()
            pane = app.query_one(kind)
            last = pane.table.keys[-1]
            assert pane.selected() == last and last in in_view(pane), kind.__name__
            assert title(pane).endswith(f"–{FLEET} of {FLEET}")
            assert any(last in row for row in drawn_rows(pane))
            await pressed(pilot, "home")
            await pilot.pause()
            assert pane.selected() == pane.table.keys[0], kind.__name__
            assert title(pane) == f"{pane.TITLE} · {len(in_view(pane))} of {FLEET}"


async def test_the_cursor_follows_the_mouse_wheel_and_never_selects_a_hidden_row(
    tmp_path,
) -> None:
    app = (await fleet(tmp_path)).app()
    async with app.run_test(size=SIZE) as pilot:
        await pressed(pilot, "2")
        errors = app.query_one(ErrorRatePane)
        first = errors.selected()
        assert first == errors.table.keys[0]
        for _ in range(15):
            await pilot._post_mouse_events([events.MouseScrollDown], errors.table, (4, 4))
        await pilot.pause()
        assert errors.table.scroll_y > 10
        chosen = errors.selected()
        assert chosen != first and chosen in in_view(errors)
        row = drawn_rows(errors)[errors.table.cursor_row - errors.table.in_view()[0]]
        assert row.startswith(chosen)  # the row a key acts on is the one under the cursor
        await pressed(pilot, "down")  # and the keys go on from there
        assert errors.selected() in in_view(errors)


async def test_service_panes_sort_worst_first_then_by_name(tmp_path) -> None:
    session = await fleet(tmp_path, seconds=90)
    app = session.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        state = session.recorder.state
        for kind in (ServicesPane, ErrorRatePane, LatencyPane):
            pane = app.query_one(kind)
            ranked = [(pane.rank(state, name), name) for name in pane.table.keys]
            assert ranked == sorted(ranked), kind.__name__
            assert len(ranked) == FLEET
            assert ranked[0][0] == DOWN  # the fleet's service that is down, first everywhere
        errors = app.query_one(ErrorRatePane).table.keys
        assert errors.index("tracklist-service") < 4  # past 20 %: only the down one before


async def test_a_row_keeps_its_place_while_its_rank_holds(tmp_path) -> None:
    session = await fleet(tmp_path, seconds=120)
    app = session.app()
    async with app.run_test(size=SIZE) as pilot:
        await pressed(pilot, "1")
        services = app.query_one(ServicesPane)
        services.table.scroll_to(y=100, animate=False, immediate=True)
        await pilot.pause()
        before_keys, before_top = list(services.table.keys), services.table.scroll_y
        ranks = {n: services.rank(session.recorder.state, n) for n in before_keys}
        await session.arun(140)
        app.redraw()
        await pilot.pause()
        now = {n: services.rank(session.recorder.state, n) for n in before_keys}
        assert now == ranks  # nothing changed rank in those 20 s...
        assert services.table.keys == before_keys  # ...so nothing moved
        assert services.table.scroll_y == before_top


async def test_the_filter_applies_to_the_three_service_panes_and_esc_clears_it(
    tmp_path,
) -> None:
    app = (await fleet(tmp_path)).app()
    async with app.run_test(size=SIZE) as pilot:
        await pressed(pilot, "1", "down", "down")
        await pressed(pilot, "slash", *"pay", "enter")
        await pilot.pause()
        panes = [app.query_one(k) for k in (ServicesPane, ErrorRatePane, LatencyPane)]
        for pane in panes:
            assert pane.table.keys and all("pay" in n for n in pane.table.keys)
            count = len(pane.table.keys)
            # all in view: '/pay: 12 of 300'; cut: '/pay: 11 of 12 (300)'; in a narrow border,
            # after what the filter hides (tests/tui/test_filter_hides.py): '/pay: 11 of 12',
            # '/pay: 11/12', '/pay: 12'
            ends = (f"/pay: {count} of {FLEET}", f" of {count} ({FLEET})", f" of {count}")
            assert title(pane).endswith((*ends, f"/{count}", f": {count}"))
        services = panes[0]
        assert services.selected() in in_view(services)
        assert "pay" in services.selected()
        await pressed(pilot, "escape")
        await pilot.pause()
        for pane in panes:
            assert len(pane.table.keys) == FLEET
            assert "/" not in title(pane)
        await pressed(pilot, "escape")  # nothing left to clear: nothing happens
        assert app.crash is None and len(app.screen_stack) == 1


async def test_a_filter_that_matches_nothing_says_so_and_selects_nothing(tmp_path) -> None:
    app = (await fleet(tmp_path)).app()
    async with app.run_test(size=SIZE) as pilot:
        await pressed(pilot, "slash", *"[b]zz\\", "enter")
        await pilot.pause()
        services = app.query_one(ServicesPane)
        assert services.selected() is None
        assert "no service matches /[b]zz\\" in str(services.content.render())
        assert title(services).endswith(" hidden · /[b]zz\\: 0")  # no room for 'of 300'
        assert_inert(title(services))


async def test_a_paste_longer_than_the_filter_keeps_what_fits_and_says_so(tmp_path) -> None:
    """A stack trace pasted into `/` by mistake: the filter keeps its first 80 characters
    (it filtered nothing at all before, without a word) and the bar says what it left out."""
    from textual.widgets import Input, Static

    app = (await fleet(tmp_path)).app()
    async with app.run_test(size=SIZE) as pilot:
        await pressed(pilot, "slash")
        pasted = "pay" + "x" * 117
        app.screen.focused.post_message(events.Paste(pasted))
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen.focused, Input)
        assert app.screen.focused.value == pasted[:80]
        note = str(app.screen.query_one("#filter-note", Static).render())
        assert note == "paste cut: 40 of its 120 characters left out (limit 80)"
        services = app.query_one(ServicesPane)
        assert " hidden · /payxxx" in title(services)
        await pressed(pilot, "escape")  # cleared: so is what it said
        assert str(app.screen.query_one("#filter-note", Static).render()) == ""


async def test_layout_follows_content(tmp_path) -> None:
    small = (await Session("db-lock-storm", tmp_path / "small.warroom").arun(10)).app()
    async with small.run_test(size=SIZE) as pilot:
        await pilot.pause()
        services, locks = small.query_one(ServicesPane), small.query_one(LocksPane)
        timeline = small.query_one("#timeline")
        assert services.size.height + 2 == 7  # four services: heading, four rows, border
        assert timeline.outer_size.height > 16  # the timeline takes the rest
        calm = locks.outer_size.height
    storm = await Session("db-lock-storm", tmp_path / "storm.warroom").arun(80)
    app = storm.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.query_one(LocksPane).outer_size.height > calm + 8  # grows with its chain
    big = (await fleet(tmp_path)).app()
    async with big.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert big.query_one(ServicesPane).outer_size.height >= 13
        assert big.query_one("#timeline").outer_size.height >= 8


async def test_at_80x24_one_pane_scrolls_with_its_tab(tmp_path) -> None:
    app = (await fleet(tmp_path)).app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pressed(pilot, "2", "ctrl+end")
        await pilot.pause()
        errors = app.query_one(ErrorRatePane)
        assert errors.display and not app.query_one(ServicesPane).display
        assert errors.selected() == errors.table.keys[-1] in in_view(errors)


async def test_the_timeline_scrolls_back_to_its_first_entry_and_holds_there(tmp_path) -> None:
    session = await fleet(tmp_path, seconds=90)
    app = session.app()
    async with app.run_test(size=SIZE) as pilot:
        await pressed(pilot, "5")
        timeline = app.query_one(TimelinePane)
        count = len(session.recorder.state.timeline)
        assert timeline._title.plain.endswith(f" of {count}")  # newest first, the rest cut
        assert "Session started" not in timeline._body.plain
        await pressed(pilot, "ctrl+end")
        assert "Session started" in timeline._body.plain.splitlines()[-1]
        assert timeline._title.plain.endswith(f"–{count} of {count}")
        held = timeline._body.plain
        await session.arun(110)  # more happens meanwhile: the view holds on what it shows
        app.redraw()
        await pilot.pause()
        assert timeline._body.plain == held
        for _ in range(40):
            await pilot._post_mouse_events([events.MouseScrollUp], timeline, (4, 4))
        assert timeline.skip == 0
        newest = session.recorder.state.timeline[-1].text
        assert newest in timeline._body.plain.splitlines()[0]


async def test_remediate_acts_on_the_row_chosen_in_the_pane_in_use(tmp_path) -> None:
    from widgets.action_dialogs import RemediationMenu

    app = (await fleet(tmp_path, seconds=90)).app()
    async with app.run_test(size=SIZE) as pilot:
        await pressed(pilot, "2")
        errors = app.query_one(ErrorRatePane)
        while errors.selected() != "tracklist-service":  # past 20 %: near the top
            await pressed(pilot, "down")
        assert app.query_one(ServicesPane).selected() != "tracklist-service"
        await pressed(pilot, "r")
        await shown(pilot, RemediationMenu)
        assert app.screen.target == "tracktion/tracklist-service"  # type: ignore[attr-defined]


async def test_a_service_burning_with_every_pod_running_leads_the_services_pane(tmp_path) -> None:
    """bad-deploy: tracklist-service answers /health 200 with 3/3 Running while 30 % of its
    requests fail. It is what the commander acts on, so it comes first in Services too, and
    `r` there opens on it, not on a healthy service."""
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(90)
    app = session.app()
    async with app.run_test(size=SIZE) as pilot:
        await pressed(pilot, "1")
        services = app.query_one(ServicesPane)
        assert services.table.keys[0] == "tracklist-service"
        assert services.selected() == "tracklist-service"


async def test_an_untouched_cursor_stays_on_the_worst_row_as_the_ranks_change(tmp_path) -> None:
    """The console open before tracklist-service breaks: when it rises to the top, the
    cursor the commander never moved goes with the top row, so `r` (and the runbook's
    remediation step) opens on the burning service, not on the healthy one that was first
    before. A row the commander chose is kept (the test above)."""
    from widgets.action_dialogs import RemediationMenu

    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(4)
    app = session.app()
    async with app.run_test(size=SIZE) as pilot:
        services = app.query_one(ServicesPane)
        await pilot.pause()
        assert services.table.keys[0] != "tracklist-service"
        await session.arun(90)
        app.redraw()
        await pilot.pause()
        await pilot.pause()
        assert services.table.keys[0] == "tracklist-service"
        assert services.selected() == "tracklist-service"
        await pressed(pilot, "r")
        await shown(pilot, RemediationMenu)
        assert app.screen.target == "tracktion/tracklist-service"  # type: ignore[attr-defined]
