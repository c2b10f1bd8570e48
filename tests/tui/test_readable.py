"""Readable everywhere, at 80x24 and 120x40: NO_COLOR draws what is past a threshold with
attributes on the terminal's colours, radios and checkboxes show their state without colour,
the timeline scrolls back live and in replay, and a narrow terminal gets whole words."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from state.events import NoteAdded
from state.guide.severity import Severity
from state.journal.replay import Replay
from state.journal.store import Journal
from tests.play import Session
from tests.tui import drawn
from tests.tui.waiting import pressed, shown
from tui.replay import ReplayApp
from widgets.comms_dialogs import EscalateScreen, UpdateScreen
from widgets.modals import ConfirmScreen, DeclareScreen
from widgets.timeline import TimelinePane

if TYPE_CHECKING:
    from rich.segment import Segment
    from rich.style import Style

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
ERRORS, P95, TIMELINE = "2", "4", "5"


def marked(style: Style | None) -> bool:
    """Drawn so that it stands out without colour: reverse, bold or underline, not dim."""
    return style is not None and bool(style.reverse or style.bold or style.underline)


def coloured(style: Style | None) -> bool:
    """A colour of its own rather than the terminal's: what NO_COLOR must not draw."""
    if style is None:
        return False
    return any(c is not None and not c.is_default for c in (style.color, style.bgcolor))


def cells(line: list[Segment], words: str) -> list[Segment]:
    """The segments of `line` that draw any character of `words` (its first occurrence)."""
    plain = "".join(s.text for s in line)
    start = plain.index(words)
    found, at = [], 0
    for segment in line:
        end = at + len(segment.text)
        if at < start + len(words) and end > start and segment.text.strip():
            found.append(segment)
        at = end
    return found


@pytest.mark.parametrize("size", SIZES)
async def test_no_color_draws_every_breach_with_an_attribute_never_a_dim_colour(
    tmp_path, monkeypatch, size
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    session = (await Session("bad-deploy", tmp_path / "j.warroom").arun(90)).declare()
    session.clock.advance(16 * 60)  # the first status update is overdue
    app = session.app()
    async with app.run_test(size=SIZES[size]) as pilot:
        await pilot.pause()
        assert app.no_color
        breaches = 0
        for pane in (ERRORS, P95, TIMELINE):
            await pressed(pilot, pane)  # shown alone at 80x24
            for line in drawn.segments(app):
                plain = "".join(s.text for s in line)
                assert not any(coloured(s.style) for s in line), plain
                for words in ("P1 >20%", "4.", "crossed 20%", "OVERDUE", "P1 CRITICAL"):
                    if words == "4." and ("x" not in plain or "tracklist-service" not in plain):
                        continue  # the p95 ratio of the breached service: 4.3x
                    if words in plain:
                        breaches += 1
                        for segment in cells(line, words):
                            assert marked(segment.style), (words, plain, segment)
                            assert not segment.style.dim, (words, plain)  # type: ignore[union-attr]
        assert breaches >= 6  # error rate, p95, the timeline's alert line, header: all seen
        if size == "120x40":  # every pane shown: an alerting pane says so in its title
            titles = [s for line in drawn.segments(app) for s in line if "Error rate (" in s.text]
            assert titles and all(marked(s.style) and s.style.reverse for s in titles)
            calm = [s for line in drawn.segments(app) for s in line if " Services " in s.text]
            assert calm and not any(s.style and s.style.reverse for s in calm)


async def test_with_colour_the_breach_keeps_its_colour(tmp_path) -> None:
    session = (await Session("bad-deploy", tmp_path / "j.warroom").arun(90)).declare()
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert not app.no_color
        line = next(line for line in drawn.segments(app) if "P1 >20%" in drawn.join(line))
        assert all(coloured(s.style) for s in cells(line, "P1 >20%"))


@pytest.mark.parametrize("size", SIZES)
async def test_choices_show_their_state_without_colour(tmp_path, monkeypatch, size) -> None:
    from probes.notify.config import demo_config

    monkeypatch.setenv("NO_COLOR", "1")
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(60)
    app = session.app(notify=demo_config())
    async with app.run_test(size=SIZES[size]) as pilot:
        await pressed(pilot, "d")
        await shown(pilot, DeclareScreen)
        text = drawn.text(app)
        assert "▐●▌ P1 CRITICAL" in text
        for other in ("P2 HIGH", "P3 MEDIUM", "P4 LOW"):
            assert f"▐ ▌ {other}" in text  # the same in a plain capture: not chosen
        await pressed(pilot, "down")
        text = drawn.text(app)
        assert "▐ ▌ P1 CRITICAL" in text and "▐●▌ P2 HIGH" in text
        await pressed(pilot, "up", "enter")
        assert app.recorder.state.incident is not None
        assert app.recorder.state.incident.severity is Severity.P1
        await shown(pilot, EscalateScreen)  # the guide: a P1 goes to the manager at once
        await pressed(pilot, "escape")
        await pressed(pilot, "u")
        await shown(pilot, UpdateScreen)
        text = drawn.text(app)
        assert "▐X▌ #incidents" in text and "▐ ▌ pagerduty" in text  # ticked and not
        await pressed(pilot, "escape")
        # the dry-run checkbox of a Kubernetes action
        await pressed(pilot, "1", "r")
        await pilot.pause()
        await pressed(pilot, "enter")  # the first remediation: restart
        await shown(pilot, ConfirmScreen)
        assert "▐ ▌ Server-side dry run" in drawn.text(app)
        await pressed(pilot, "shift+tab", "shift+tab", "space")  # past Do it, to the box
        assert "▐X▌ Server-side dry run" in drawn.text(app)


def timeline_title(app):
    title = app.query_one(TimelinePane).border_title
    return getattr(title, "plain", title)


def timeline_lines(app) -> list[str]:
    return app.query_one(TimelinePane).content.render().plain.splitlines()


async def scroll_back(pilot, app) -> None:
    """`5`, then Down, PageDown, End and Home: each moves through the older entries."""
    await pressed(pilot, TIMELINE)
    assert app.focused is app.query_one(TimelinePane)
    first = timeline_lines(app)
    assert "note 39" in first[0]  # the newest first
    await pressed(pilot, "down")
    lines = timeline_lines(app)
    assert "note 38" in lines[0] and "note 39" not in "\n".join(lines)
    assert str(timeline_title(app)).startswith("Timeline · 2–")  # the border says where
    await pressed(pilot, "pagedown")
    paged = timeline_lines(app)
    assert "note 38" not in "\n".join(paged) and "note" in paged[1]
    await pressed(pilot, "end")
    oldest = timeline_lines(app)
    assert "Session started" in oldest[-1]  # the very first entry, reachable
    await pressed(pilot, "pageup")
    assert timeline_lines(app) != oldest
    await pressed(pilot, "home")
    assert timeline_lines(app) == first


def with_notes(session: Session) -> Session:
    for n in range(40):
        session.clock.advance(1)
        session.record(NoteAdded(at=session.clock.now(), text=f"note {n:02d}", by="alice"))
    return session


@pytest.mark.parametrize("size", SIZES)
async def test_the_timeline_scrolls_back_live(tmp_path, size) -> None:
    session = with_notes((await Session("bad-deploy", tmp_path / "j.warroom").arun(30)).declare())
    app = session.app()
    async with app.run_test(size=SIZES[size]) as pilot:
        await scroll_back(pilot, app)
        # scrolled back, a new entry leaves the view where it is
        await pressed(pilot, "down")
        before = timeline_lines(app)
        session.record(NoteAdded(at=session.clock.now(), text="note 40", by="alice"))
        app.redraw()
        await pilot.pause()
        after = timeline_lines(app)
        assert after == before and str(timeline_title(app)).startswith("Timeline · 3–")


@pytest.mark.parametrize("size", SIZES)
async def test_the_timeline_scrolls_back_in_replay(tmp_path, size) -> None:
    session = with_notes((await Session("bad-deploy", tmp_path / "j.warroom").arun(30)).declare())
    session.recorder.journal.close()
    with Journal.open(tmp_path / "j.warroom", read_only=True) as journal:
        replay = Replay(journal)
        app = ReplayApp(replay, session.clock.now() + timedelta(seconds=1))
        async with app.run_test(size=SIZES[size]) as pilot:
            await pilot.pause()
            await scroll_back(pilot, app)


@pytest.mark.parametrize("size", ["80x24", "100x30", "120x40"])
async def test_a_narrow_terminal_shows_whole_words(tmp_path, size) -> None:
    session = (await Session("service-down", tmp_path / "j.warroom").arun(90)).declare()
    session.acknowledge()
    width, height = (int(n) for n in size.split("x"))
    app = session.app()
    async with app.run_test(size=(width, height)) as pilot:
        await pressed(pilot, "1")
        lines = drawn.lines(app)
        # the header's second line: every clock and every role, TL and CL included
        assert lines[1].rstrip().endswith("TL —  CL —") or lines[1].rstrip().endswith(
            "TL — CL —"
        ), lines[1]
        assert "…" not in lines[1]
        services = "\n".join(lines[2:12])
        assert "RST" in services  # kept at 100 columns
        crash = next(line for line in lines if "analysis-service" in line and "×" in line)
        crash = crash.split("││")[0]  # the Services pane's half, where two panes share a line
        # a pod's reason whole, or its well-known short form: never a truncation
        assert "CrashLoopBackOff ×3" in crash or "CrashLoop ×3" in crash, crash
        assert crash.rstrip(" │").split()[-1].isdigit()  # and the restarts after it
        for line in lines:  # a pane's legend is whole or left out, never '>3x b'
            assert ">5%" not in line or ">5% P2 >20% P1" in line, line
            assert ">3x" not in line or ">3x base P2" in line, line


async def test_a_stale_pane_is_marked_on_its_tab(tmp_path) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(15)
    session.clock.advance(30)  # no sample for 30 s: every probe is late
    app = session.app(probes=())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        tabs = drawn.lines(app)[2]
        assert "1 Services?" in tabs and "3 DB locks?" in tabs and "5 Timeline " in tabs


@pytest.mark.parametrize("size", SIZES)
async def test_the_replay_shows_its_speed_whole(tmp_path, size) -> None:
    session = (await Session("bad-deploy", tmp_path / "j.warroom").arun(60)).declare()
    session.recorder.journal.close()
    with Journal.open(tmp_path / "j.warroom", read_only=True) as journal:
        app = ReplayApp(Replay(journal))
        async with app.run_test(size=SIZES[size]) as pilot:
            await pressed(pilot, "plus", "plus")  # 5x
            scrubber = drawn.lines(app)[-2].rstrip()
            assert scrubber.endswith("❚❚ 5x"), scrubber
            assert len(scrubber) <= SIZES[size][0]


@pytest.mark.parametrize("size", SIZES)
async def test_a_long_unbroken_note_is_folded_whole_and_the_timeline_stays_full(
    tmp_path, size
) -> None:
    """A note holding a pasted URL or trace id longer than the line: every character of it
    reaches the screen (folded, never cut to '…'), and the entries below it still fill the
    pane: the timeline counts the lines an entry takes as it draws them."""
    session = with_notes((await Session("bad-deploy", tmp_path / "j.warroom").arun(30)).declare())
    url = "https://grafana.example/d/" + "abcdef0123" * 16 + "/END"
    session.clock.advance(1)
    session.record(NoteAdded(at=session.clock.now(), text=f"see {url}", by="alice"))
    app = session.app()
    async with app.run_test(size=SIZES[size]) as pilot:
        await pressed(pilot, TIMELINE)
        pane = app.query_one(TimelinePane)
        screen = [line.strip("│ ") for line in drawn.lines(app)]
        top = next(i for i, line in enumerate(screen) if "Note by alice: see" in line)
        rows = pane.content_size.height
        shown = screen[top : top + rows]
        assert url in "".join(shown[:4])
        assert "…" not in "".join(shown[:4])
        assert all(line.strip() for line in shown), shown  # no blank rows under the note


async def test_an_entry_too_long_for_the_room_left_is_shown_cut_not_left_out(tmp_path) -> None:
    """Below the newest entries, a note of a pasted stack trace (thousands of characters):
    the pane shows its start down to the border, not blank rows that read as a quiet
    timeline."""
    session = (await Session("bad-deploy", tmp_path / "j.warroom").arun(30)).declare()
    session.clock.advance(1)
    trace = "Traceback: " + " ".join(f"frame{n:04d}" for n in range(400))
    session.record(NoteAdded(at=session.clock.now(), text=trace, by="alice"))
    for n in range(3):
        session.clock.advance(1)
        session.record(NoteAdded(at=session.clock.now(), text=f"note {n}", by="alice"))
    app = session.app()
    async with app.run_test(size=SIZES["120x40"]) as pilot:
        await pressed(pilot, TIMELINE)
        pane = app.query_one(TimelinePane)
        lines = timeline_lines(app)
        assert "note 2" in lines[0] and "Traceback: frame0000" in lines[3]
        screen = drawn.lines(app)
        top = next(i for i, line in enumerate(screen) if "note 2" in line)
        shown = [line.strip("│ ") for line in screen[top : top + pane.content_size.height]]
        assert all(shown), shown  # no blank rows: the trace runs down to the border
