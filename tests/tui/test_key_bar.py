"""Keys the commander can see and find: the key bar at 120x40 and 80x24, help, the README.

At 120 columns every key is on the bar; at 80 the bar shows the keys of the incident's
phase, which follows the incident; help lists every key and how to move in a dialog; and
the README's key table is help's, row for row.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import Static

from state.events import ActionRequested, StatusChanged, VerificationChecked
from state.guide.severity import IncidentStatus, Severity
from tests.play import OPERATOR, Session
from tests.tui.test_keys import header
from tests.tui.waiting import pressed, shown
from tui.app import WarroomApp
from tui.keys import KEYS
from widgets.help import DIALOG_KEYS, HelpScreen, help_rows
from widgets.keybar import KeyBar, described

README = Path(__file__).parents[2] / "README.md"
PINNED = "? Help  ^p Commands  q Quit"
# every key on WarroomApp's bar, as it is labelled there
LABELS = {b.key: b.description for b in KEYS if b.show and not b.key.isdigit()}  # type: ignore[union-attr]


def bar(app: WarroomApp) -> list[str]:
    text = app.query_one(KeyBar)._text
    assert text is not None
    return text.plain.split("\n")


def items(line: str) -> dict[str, str]:
    """'d Declare  a Ack' -> {'d': 'Declare', 'a': 'Ack'}: what the bar offers."""
    found = {}
    for item in re.split(r"\s{2,}", line.strip()):
        words = item.removeprefix("│ ").split(" ")
        if words[0].isupper() and len(words) > 2:  # a section's name first: INCIDENT d Declare
            words = words[1:]
        if len(words) >= 2:
            found[words[0]] = " ".join(words[1:])
    return found


async def console(tmp_path, scenario: str = "db-lock-storm", seconds: float = 80) -> Session:
    return await Session(scenario, tmp_path / "j.warroom").arun(seconds)


async def test_every_key_is_on_the_bar_at_120x40(tmp_path) -> None:
    session = await console(tmp_path)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        lines = bar(app)
        assert len(lines) == 2 and all(len(line) <= 120 for line in lines)
        shown = items(lines[0]) | items(lines[1])
        for key, label in LABELS.items():
            display = "?" if key == "question_mark" else key
            assert shown.get(display) == label, (display, lines)
        assert shown["1-5"] == "Panes" and shown["^p"] == "Commands"
        assert lines[1].rstrip().endswith(PINNED)  # bottom right, as in any footer
        # each section named, or, when the names do not fit two lines, set apart by │
        named = all(s in "".join(lines) for s in ("INCIDENT", "FIX", "TELL", "CLOSE", "FIND"))
        assert named or "".join(lines).count("│") == 4  # 6 sections, one break at the line end
        # the bar takes the line from the panes, not from the header
        assert app.query_one(KeyBar).region.y == 38


async def test_the_bar_shows_the_keys_changed_under_a_dialog_once_it_closes(tmp_path) -> None:
    """Under a dialog the bar is not laid out again (tui/keybar.py `_bindings_updated`); the
    keys changed meanwhile show as soon as the console is on top again."""
    session = await console(tmp_path)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "Declare" in "".join(bar(app))
        await pressed(pilot, "question_mark")
        await shown(pilot, HelpScreen)
        before = bar(app)
        app.set_keymap({"incident.declare": "D"})
        await pilot.pause()
        assert bar(app) == before  # covered: the console's keys as they were
        await pressed(pilot, "escape")
        await pilot.pause()
        shown_now = items(bar(app)[0]) | items(bar(app)[1])
        assert shown_now.get("D") == "Declare" and "d" not in shown_now


async def test_the_bar_keeps_one_line_and_its_phase_at_80x24(tmp_path) -> None:
    """Before declaring, investigating, mitigating, verifying: the bar follows the incident,
    each key whole, the pinned keys always at the right."""
    session = await console(tmp_path)
    app = session.app()
    expected = {
        "declare": ({"d", "r", "k", "n"}, {"a", "x", "v", "u", "e"}),
        # the DB locks pane is flagged: its fix, k, right after the phase's first key
        "investigating": ({"a", "k", "u", "e"}, {"d", "x", "c", "i", "v"}),
        "mitigating": ({"r", "k", "c", "v"}, {"d", "a", "x", "e"}),
        "verifying": ({"v", "k", "x", "u"}, {"d", "a", "r", "c", "i"}),
    }

    async with app.run_test(size=(80, 24)) as pilot:

        async def check(phase: str) -> None:
            app.redraw()
            await pilot.pause()
            keybar = app.query_one(KeyBar)
            (line,) = bar(app)
            assert keybar.phase == phase and keybar.mode == "phase"
            assert len(line) <= 80 and line.rstrip().endswith(PINNED), line
            offered = set(items(line))
            present, absent = expected[phase]
            assert present <= offered, (phase, line)
            assert not absent & offered, (phase, line)
            for key, label in items(line).items():  # whole, never cut
                assert label in LABELS.values() or key in ("?", "^p"), line

        await check("declare")
        session.declare()
        await check("investigating")
        now = session.clock.now()
        session.record(
            ActionRequested(
                at=now,
                action_id="a1",
                action="terminate_backend",
                target="pid 4242",
                by=OPERATOR,
            )
        )
        await check("mitigating")
        session.record(VerificationChecked(at=now, ok=True, streak=1, detail="ok", by=OPERATOR))
        await check("verifying")


async def test_an_overdue_duty_keeps_its_key_on_the_bar_whatever_the_phase(tmp_path) -> None:
    """Mitigating at 80x24 while the acknowledgement is late (header "ack -05:52 LATE") and
    the first status update overdue: `a Ack` and `u Update` stay on the bar, first."""
    session = await console(tmp_path)
    session.declare(Severity.P1)
    now = session.clock.now()
    session.record(
        ActionRequested(
            at=now, action_id="a1", action="terminate_backend", target="pid 4242", by=OPERATOR
        )
    )
    app = session.app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.redraw()
        await pilot.pause()
        assert app.query_one(KeyBar).phase == "mitigating"
        assert "a" not in items(bar(app)[0])  # in time: the phase's keys, as before
        await session.arun(80 + 6 * 60)  # past the P1's 5 minutes to acknowledge
        app.redraw()
        await pilot.pause()
        assert "LATE" in header(app)
        (line,) = bar(app)
        assert line.lstrip().startswith("a Ack"), line
        assert "u" not in items(line)  # the update is not due yet
        await session.arun(80 + 16 * 60)  # and past the P1's 15-minute update cadence
        app.redraw()
        await pilot.pause()
        (line,) = bar(app)
        assert app.query_one(KeyBar).phase == "mitigating"
        assert {"a", "u", "r"} <= set(items(line)), line
        assert len(line) <= 80 and line.rstrip().endswith(PINNED), line


async def test_the_phase_also_follows_the_status_updates(tmp_path) -> None:
    session = await console(tmp_path)
    session.declare()
    app = session.app()
    async with app.run_test(size=(80, 24)) as pilot:
        for status, phase in (
            (IncidentStatus.IDENTIFIED, "mitigating"),
            (IncidentStatus.MONITORING, "verifying"),
        ):
            session.record(StatusChanged(at=session.clock.now(), status=status, by=OPERATOR))
            app.redraw()
            await pilot.pause()
            assert app.query_one(KeyBar).phase == phase


class WithBookmark(WarroomApp):
    """A console with one key more, as later work adds one (`/`, the filter, and `g`,
    investigate, came so): a hypothetical bookmark key."""

    BINDINGS = [
        *KEYS,
        described(
            "y",
            "bookmark",
            "Bookmark",
            tooltip="Bookmark the service under the cursor",
            id="view.bookmark",
            section="View",
            words=("bookmark", "mark", "remember"),
        ),
    ]

    def action_bookmark(self) -> None:
        self.notify("bookmarked")


async def test_a_new_binding_shows_everywhere_without_code_of_its_own(tmp_path) -> None:
    session = await console(tmp_path)
    app = WithBookmark(session.recorder, session.clock, operator=OPERATOR, watch_terminal=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "y Bookmark" in "\n".join(bar(app))
        expected = ("y", "Bookmark the service under the cursor")
        assert expected in dict(app.help_sections())["View"]
        assert "Bookmark" in {c.title for c in app.palette_commands()}
        await pressed(pilot, "y")
        assert "bookmarked" in [n.message for n in app._notifications]


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_help_lists_every_key_and_how_to_move_in_a_dialog(tmp_path, size) -> None:
    session = await console(tmp_path)
    app = session.app()
    async with app.run_test(size=size) as pilot:
        await pressed(pilot, "question_mark")
        await shown(pilot, HelpScreen)
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        rows = dict(help_screen.keys)
        for binding in KEYS:
            assert binding.description  # type: ignore[union-attr]
            if binding.key.isdigit():  # type: ignore[union-attr]
                continue
            display = app.get_key_display(binding)  # type: ignore[arg-type]
            assert rows[display] == (binding.tooltip or binding.description)  # type: ignore[union-attr]
        assert rows["1-5"].startswith("Show a pane (Services, Error rate")
        for key, does in DIALOG_KEYS:
            assert rows[key] == does
        assert {"tab", "shift+tab", "enter", "esc"} <= rows.keys()
        text = help_screen.query_one("#help-keys Static", Static).render()
        assert "In a dialog" in str(text)
        scroll = help_screen.query_one("#help-keys")
        if size == (80, 24):  # more rows than the terminal: it scrolls, from the keyboard
            assert scroll.max_scroll_y > 0
            await pressed(pilot, "end")
            assert scroll.scroll_y == scroll.max_scroll_y
        await pressed(pilot, "escape" if size == (80, 24) else "question_mark")  # either closes
        assert not isinstance(app.screen, HelpScreen)


def readme_keys() -> list[tuple[str, list[tuple[str, str]]]]:
    """The README's key table: (section, [(key, does)])."""
    text = README.read_text(encoding="utf-8")
    table = text[text.index("### Keys") :]
    table = table[table.index("| key | does |") :]
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    for line in table.splitlines()[2:]:
        if not line.startswith("|"):
            break
        first, second = (cell.strip() for cell in line.strip("|").split("|", 1))
        if first.startswith("**"):
            sections.append((first.strip("*"), []))
        else:
            sections[-1][1].append((first.strip("`"), second.strip()))
    return sections


async def test_the_readme_key_table_is_help(tmp_path) -> None:
    session = await console(tmp_path, seconds=4)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert readme_keys() == help_rows(app.help_sections())


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_a_key_with_nowhere_to_act_says_so(tmp_path, size) -> None:
    """Live with no [notify] channel, or no backend to act on: u, e and r say why, not nothing."""
    session = (await console(tmp_path)).declare()
    app = session.app(actions=None)
    async with app.run_test(size=size) as pilot:
        for key, said in (
            ("u", "no [notify] channel configured: posting status updates is unavailable"),
            ("e", "no [notify] channel configured: escalation (paging people) is unavailable"),
            (
                "r",
                "no backend to act on: remediation (restart, rollout undo, scale…) is unavailable",
            ),
        ):
            await pressed(pilot, key)
            assert len(app.screen_stack) == 1
            assert [n.message for n in app._notifications][-1] == said


@pytest.mark.parametrize(
    ("scenario", "fix"), [("connection-pool-exhaustion", "i"), ("db-lock-storm", "k")]
)
async def test_the_narrow_bar_offers_the_fix_for_what_the_panes_flag(
    tmp_path, scenario, fix
) -> None:
    """Before: `d r k n` while the pool was full and `i` (kill idle) the fix: the flagged
    pane's key comes right after the phase's first."""
    session = await console(tmp_path, scenario, 120)
    app = session.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        (line,) = bar(app)
        assert list(items(line))[:2] == ["d", fix], line
        assert line.rstrip().endswith(PINNED)
