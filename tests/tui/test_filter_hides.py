"""What the `/` filter hides is never hidden truth: the borders count what it hides that is
down or past a guide line, and a service going down behind it is told.

An IC filtering for "pay" looks at the payments rows; "auth" going down meanwhile must not be
lost. The simulated fleet of 300 (`demo --services 300`) on a frozen clock.
"""

from __future__ import annotations

from textual import events

from state.text import inert
from tests.hostile import assert_inert
from tests.play import Session
from tests.tui.waiting import pressed
from widgets.error_rate import ErrorRatePane
from widgets.filter_bar import FilterBar
from widgets.latency import LatencyPane
from widgets.services import ServicesPane
from widgets.table import DOWN, RowsPane
from widgets.tabs import ALERT
from widgets.theme import BAD_STRONG

FLEET = 300
KINDS = (ServicesPane, ErrorRatePane, LatencyPane)


def title(pane: RowsPane) -> str:
    return pane.title_text.plain


def hidden_by(pane: RowsPane, state, query: str) -> dict[int, list[str]]:
    """The services of `pane` the filter `query` hides, by rank: worked out here, by name."""
    out: dict[int, list[str]] = {}
    for name in pane.names(state):
        if query not in name:
            out.setdefault(pane.rank(state, name), []).append(name)
    return out


async def test_every_filtered_pane_counts_what_the_filter_hides_past_a_line(tmp_path) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom", services=FLEET).arun(90)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pressed(pilot, "slash", *"pay", "enter")
        await pilot.pause()
        state = session.recorder.state
        for kind in KINDS:
            pane = app.query_one(kind)
            hidden = hidden_by(pane, state, "pay")
            assert hidden.get(DOWN), kind.__name__  # the fleet's down service is no payments one
            assert all("pay" in n for n in pane.table.keys)
            # 'Services · 1 down, 4 degraded hidden · /pay: 11 of 12': what is hidden
            # before the filter's mark, which gives way in a narrow border (not the counts)
            said = title(pane).split(" · ")[1]
            assert said.startswith(f"{len(hidden[DOWN])} down") and said.endswith(" hidden")
            assert " · /pay" in title(pane)
            room = pane.outer_size.width - 6  # two corners, a line and a space each
            assert title(pane).index(" hidden") + len(" hidden") <= room  # never cut
        errors = app.query_one(ErrorRatePane)
        past = hidden_by(errors, state, "pay")
        assert "tracklist-service" in past[1]  # P1_PAST: 30 % 5xx, hidden by "pay"
        assert f"{len(past[1])} >20%" in title(errors)
        await pressed(pilot, "escape")
        for kind in KINDS:
            assert "hidden" not in title(app.query_one(kind))  # no filter: nothing hidden


async def test_a_service_going_down_behind_the_filter_is_counted_and_told(tmp_path) -> None:
    """service-down: analysis-service crash-loops at 20 s while the IC looks at "pay"."""
    session = await Session("service-down", tmp_path / "j.warroom", services=FLEET).arun(10)
    app = session.app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pressed(pilot, "slash", *"pay", "enter")
        await pilot.pause()
        services = app.query_one(ServicesPane)
        before = len(hidden_by(services, session.recorder.state, "pay").get(DOWN, []))
        assert f"{before} down" in title(services)
        told = len(app._notifications)
        await session.arun(60)
        app.redraw()
        await pilot.pause()
        state = session.recorder.state
        assert "analysis-service" in hidden_by(services, state, "pay")[DOWN]
        assert title(services).startswith(f"Services · {before + 1} down")
        news = [n.message for n in app._notifications][told:]
        assert any(
            m.startswith("analysis-service down, hidden by the filter /pay (esc clears it)")
            for m in news
        ), news
        count = len(app._notifications)
        await session.arun(64)  # still down: told once, not every refresh
        app.redraw()
        await pilot.pause()
        assert len(app._notifications) == count


async def test_at_80x24_a_pane_out_of_sight_still_tells_and_its_tab_flags(tmp_path) -> None:
    session = await Session("service-down", tmp_path / "j.warroom", services=FLEET).arun(10)
    app = session.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pressed(pilot, "5", "slash", *"pay", "enter")  # the timeline in view
        await pilot.pause()
        told = len(app._notifications)
        await session.arun(60)
        app.redraw()
        await pilot.pause()
        news = [n.message for n in app._notifications][told:]
        assert any(m.startswith("analysis-service down, hidden") for m in news), news
        tabs = app.query_one("#tabs")._text.plain  # type: ignore[attr-defined]
        assert f"1 Services{ALERT}" in tabs
        await pressed(pilot, "1")
        await pilot.pause()
        services = app.query_one(ServicesPane)
        assert " down" in title(services) and " hidden · /pay: " in title(services)
        assert services.outer_size.width == 80


async def test_a_hostile_filter_leaves_every_pane_drawn_and_inert(tmp_path) -> None:
    """A query that matches nothing: the Error rate and p95 panes said 'cannot draw
    (ValueError)' (the rows and their lines no longer lined up), hiding the down count."""
    session = await Session("bad-deploy", tmp_path / "j.warroom", services=FLEET).arun(40)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        for query in ("[bold red]pay[/]", "支付\x1b[31mé\u202e", "[link=x]y" * 9):
            await pressed(pilot, "slash")
            app.screen.focused.post_message(events.Paste(query))  # type: ignore[union-attr]
            await pressed(pilot, "enter")
            await pilot.pause()
            shown = app.screen.query_one(FilterBar).value
            for kind in KINDS:
                pane = app.query_one(kind)
                body = str(pane.content.render())
                assert "cannot draw" not in body and "no service matches /" in body, kind
                assert pane.selected() is None
                assert " down" in title(pane) and " hidden · /" in title(pane)
                assert_inert(title(pane))
                assert title(pane).split(" · /")[1][:2] == inert(shown.strip())[:2]
            await pressed(pilot, "escape")
        assert app.crash is None


async def test_a_resize_keeps_the_chosen_row_chosen_and_in_view(tmp_path) -> None:
    """The cursor on the last of 12 rows at 80x24, then 120x40 (11 rows in view): the row
    chosen was out of view, still chosen (`r` would act on a row nobody sees); then a tiny
    terminal moved the cursor to another service. The view follows the row chosen."""
    session = await Session("bad-deploy", tmp_path / "j.warroom", services=FLEET).arun(40)
    app = session.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pressed(pilot, "1", "slash", *"pay", "enter", "end")
        await pilot.pause()
        services = app.query_one(ServicesPane)
        chosen = services.selected()
        assert chosen == services.table.keys[-1]
        for size in ((80, 18), (120, 40), (40, 12), (120, 40), (80, 24)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            await pilot.pause()
            first, last = services.table.in_view()
            assert services.selected() == chosen, size
            assert first <= services.table.cursor_row < last, size


async def test_a_filtered_pane_at_its_edges_by_wheel_and_keys_keeps_the_cursor_in_view(
    tmp_path,
) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom", services=FLEET).arun(40)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pressed(pilot, "1", "slash", *"a", "enter")  # a filter that still cuts the pane
        services = app.query_one(ServicesPane)
        table = services.table
        assert len(in_view := table.keys[slice(*table.in_view())]) < len(table.keys)
        for _ in range(5):  # past the top
            await pilot._post_mouse_events([events.MouseScrollUp], table, (4, 4))
        await pressed(pilot, "up", "pageup", "home", "up")
        assert services.selected() == table.keys[0] == in_view[0]
        for _ in range(len(table.keys)):  # past the bottom
            await pilot._post_mouse_events([events.MouseScrollDown], table, (4, 4))
        await pilot.pause()
        await pilot.pause()
        first, last = table.in_view()
        assert last == len(table.keys) and first <= table.cursor_row < last
        await pressed(pilot, "end", "down", "pagedown", "down")
        assert services.selected() == table.keys[-1]
        assert title(services).endswith(f"–{len(table.keys)}/{len(table.keys)}")  # narrow
        assert app.crash is None


async def test_at_80x24_the_filter_is_said_on_every_tab(tmp_path) -> None:
    """One pane at a time: with the Timeline or DB locks tab showing, nothing said a filter
    was on but a toast, gone in seconds. The tab bar says it, whichever tab shows, with what
    it hides that is down; and says nothing once it is cleared."""
    session = await Session("service-down", tmp_path / "j.warroom", services=FLEET).arun(60)
    app = session.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pressed(pilot, "slash", *"pay", "enter")
        await pilot.pause()
        tabs = app.query_one("#tabs")
        down = len(hidden_by(app.query_one(ServicesPane), session.recorder.state, "pay")[DOWN])
        assert down >= 1  # analysis-service, crash-looping, is no payments one
        for key in ("1", "2", "3", "4", "5"):
            await pressed(pilot, key)
            await pilot.pause()
            said = tabs._text.plain  # type: ignore[attr-defined]
            assert said.endswith(f" /pay · {down} down hidden "), (key, said)
            assert "5 Timeline" in said and len(said) <= 80, (key, said)  # every tab whole
            styled = {said[s.start : s.end]: s.style for s in tabs._text.spans}  # type: ignore
            assert styled[f" · {down} down hidden"] == BAD_STRONG
        await pressed(pilot, "slash")
        app.screen.focused.post_message(events.Paste("x" * 60 + "\x1b[31m"))  # type: ignore[union-attr]
        await pressed(pilot, "enter")
        await pilot.pause()
        said = tabs._text.plain  # type: ignore[attr-defined]
        assert len(said) <= 80 and " /x" in said and "x…" in said and "\x1b" not in said
        assert said.endswith(" down hidden ") and "5 Timeline" in said  # the query gave way
        await pressed(pilot, "escape")
        await pilot.pause()
        assert " /" not in tabs._text.plain  # type: ignore[attr-defined]
