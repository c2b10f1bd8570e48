"""The command palette finds actions by the words a commander types, names their targets, and
lists Textual's own commands below warroom's."""

from __future__ import annotations

import pytest
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit

from state.journal.replay import Replay
from state.journal.store import Journal
from tests.hostile import CORPUS
from tests.play import Session
from tests.tui.waiting import pressed, shown
from tui.app import WarroomApp
from tui.palette import WarroomCommands
from tui.replay import ReplayApp
from widgets.modals import ConfirmScreen

# what a commander types -> the warroom command that must come first
WORDS = {
    "rollback": "Remediate",
    "restart": "Remediate",
    "undo": "Remediate",
    "rollout undo": "Remediate",
    "rollout restart": "Remediate",
    "scale": "Remediate",
    "assign": "Roles",
    "page": "Escalate",
    "escalate": "Escalate",
    "kill": "Kill pid",
    "pg_terminate_backend": "Kill pid",
    "pg_cancel_backend": "Cancel query",
    "resolve": "Resolve",
}
TEXTUAL = {"Keys", "Maximize", "Screenshot", "Change theme"}


async def hits(app: WarroomApp, query: str) -> list[Hit | DiscoveryHit]:
    """What the palette's provider offers for `query`, best first, as the palette sorts it."""
    provider = WarroomCommands(app.screen)
    found = [hit async for hit in (provider.search(query) if query else provider.discover())]
    return sorted(found, key=lambda hit: hit.score, reverse=True)


def title(hit: Hit | DiscoveryHit) -> str:
    return hit.text or ""


async def open_console(tmp_path, scenario: str = "db-lock-storm", **options) -> WarroomApp:
    session = await Session(scenario, tmp_path / "j.warroom").arun(80)
    session.declare()
    return session.app(**options)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_a_commanders_words_find_each_action(tmp_path, size) -> None:
    app = await open_console(tmp_path)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for word, command in WORDS.items():
            found = await hits(app, word)
            assert found, word
            first = [title(h) for h in found if h.score >= found[0].score]
            assert command in first or title(found[0]).startswith(command), (word, first)
            assert "(key " in (found[0].help or "")  # what it does, and its key


async def test_targets_are_commands_of_their_own(tmp_path) -> None:
    app = await open_console(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        restart = await hits(app, "restart tracklist-service")
        assert title(restart[0]) == "Restart tracklist-service"
        assert "kubectl rollout restart" in (restart[0].help or "")
        kill = await hits(app, "kill pid 4242")
        assert title(kill[0]) == "Kill pid 4242"
        assert "pg_terminate_backend" in (kill[0].help or "")
        assert "blocks" in (kill[0].help or "")
        cancel = await hits(app, "pg_cancel_backend 4242")
        assert title(cancel[0]) == "Cancel query of pid 4242"
        rollback = await hits(app, "rollback tracklist")
        assert title(rollback[0]) == "Undo rollout of tracklist-service"
        # a target is found by typing; the empty palette lists the keys
        listed = [title(h) for h in await hits(app, "")]
        assert "Restart tracklist-service" not in listed and "Ack" in listed


async def test_a_target_goes_straight_to_its_confirmation(tmp_path) -> None:
    app = await open_console(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        (kill,) = [h for h in await hits(app, "kill pid 4242") if title(h) == "Kill pid 4242"]
        await kill.command()
        await shown(pilot, ConfirmScreen)
        assert isinstance(app.screen, ConfirmScreen)
        assert "pid 4242" in str(app.screen.query_one(".dialog-title").render())
        await pressed(pilot, "escape")
        (undo,) = await hits(app, "Undo rollout of tracklist-service")
        await undo.command()
        await shown(pilot, ConfirmScreen)
        assert isinstance(app.screen, ConfirmScreen)
        assert "tracktion/tracklist-service" in str(app.screen.query_one(".dialog-reason").render())
        await pressed(pilot, "escape")


async def test_textual_commands_come_after_warroom_s(tmp_path) -> None:
    app = await open_console(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        listed = [title(h) for h in await hits(app, "")]
        ours = [i for i, t in enumerate(listed) if t in {"Declare", "Kill pid", "Resolve"}]
        theirs = [i for i, t in enumerate(listed) if t in TEXTUAL]
        assert ours and theirs and max(ours) < min(theirs)
        assert listed.count("Quit") == 1  # warroom's, the one that asks
        found = await hits(app, "screenshot")
        assert title(found[0]) == "Screenshot"  # still found when asked for
        mixed = await hits(app, "e")  # matches almost everything
        scores = {title(h): h.score for h in mixed}
        assert min(scores[t] for t in ("Escalate", "Resolve")) > max(
            scores[t] for t in TEXTUAL if t in scores
        )


async def test_read_only_says_the_target_is_disabled(tmp_path) -> None:
    app = await open_console(tmp_path, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        restart = await hits(app, "restart tracklist-service")
        await restart[0].command()
        await pilot.pause()
        assert len(app.screen_stack) == 1
        assert [n.message for n in app._notifications][-1] == (
            "read-only: restart is disabled on this console"
        )


async def test_the_palette_itself_finds_rollback(tmp_path) -> None:
    """Typed into the real palette: the remediation first, then each service's undo, the
    burning one (tracklist-service, just rolled out) before the healthy ones."""
    app = await open_console(tmp_path, "bad-deploy")
    async with app.run_test(size=(120, 40)) as pilot:
        await pressed(pilot, "ctrl+p")
        await shown(pilot, CommandPalette)
        await pilot.press(*"rollback")
        palette = app.screen
        options = palette.query_one(CommandList)
        for _ in range(100):
            await pilot.pause(0.05)
            if options.option_count > 3:
                break
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(4)]
        assert prompts[0].startswith("Remediate")
        assert prompts[1].startswith("Undo rollout of tracklist-service")


@pytest.mark.parametrize(
    "text", [CORPUS[k] for k in ("rich markup", "rich link", "textual click", "clear screen")]
)
async def test_outside_text_in_a_target_is_shown_as_it_is(tmp_path, text) -> None:
    """A backend's user and query reach the palette inert: shown, never read as markup."""
    from textual.content import Content

    from state.clock import FrozenClock
    from state.journal.store import Journal
    from state.recorder import Recorder
    from state.text import inert
    from tests.tui.test_hostile_console import T0, events

    recorder = Recorder(Journal.create(tmp_path / "j.warroom"))
    for event in events(text):
        recorder.record(event)
    app = WarroomApp(recorder, FrozenClock(T0), operator="alice", watch_terminal=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        (kill,) = [h for h in await hits(app, "kill pid 4242") if title(h) == "Kill pid 4242"]
        shown_help = Content.from_markup(kill.help or "").plain  # as the palette draws it
        assert inert(text, 32) in shown_help
        assert "\x1b" not in shown_help
        await kill.command()  # a console with no backend to act on says so; no [@click] ran
        await pilot.pause()
        assert app.is_running and len(app.screen_stack) == 1
        assert [n.message for n in app._notifications][-1] == (
            "no backend to act on: terminate backend is unavailable"
        )


async def test_the_palette_offers_only_what_its_key_would_do_in_this_state(tmp_path) -> None:
    """Declare while an incident is open, Ack once acknowledged, the incident's commands while
    none is open: each key is refused then, so the palette does not offer its command."""
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(80)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        listed = {title(h) for h in await hits(app, "")}
        assert "Declare" in listed
        assert not {"Ack", "Severity", "Roles", "Resolve", "Escalate", "Update"} & listed
        session.declare()
        await pilot.pause()
        listed = {title(h) for h in await hits(app, "")}
        assert "Declare" not in listed
        assert {"Ack", "Severity", "Roles", "Resolve", "Escalate"} <= listed
        assert all(title(h) != "Declare" for h in await hits(app, "declare"))
        session.acknowledge()
        await pilot.pause()
        assert "Ack" not in {title(h) for h in await hits(app, "")}
        assert "Note" in {title(h) for h in await hits(app, "")}  # needs no incident


async def test_a_read_only_console_marks_what_it_refuses_with_why_as_its_key_bar_and_help(
    tmp_path,
) -> None:
    """Before: a read-only console's palette offered Remediate, Kill pid, Update… as if they
    ran; run, each said it was disabled. Now each is listed dimmed and marked "(disabled)",
    its help line leading with why, below any command that runs and matches as well; the key
    bar dims the same keys and help (?) says the same why."""
    app = await open_console(tmp_path, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        listed = {title(h): h for h in await hits(app, "")}
        refused = {"Remediate", "Kill pid", "Cancel query", "Kill idle", "Update", "Escalate"}
        for name, hit in listed.items():
            shown = hit.prompt.plain  # type: ignore[union-attr]
            assert shown.endswith("(disabled)") is (name in refused), (name, shown)
        assert (listed["Remediate"].help or "").startswith(
            "read-only: remediation (restart, rollout undo, scale…) is disabled on this console."
        )
        assert (listed["Note"].help or "").startswith("Add a note")  # runs: nothing said
        restart = await hits(app, "restart tracklist-service")
        assert restart[0].prompt.plain.endswith("(disabled)")  # type: ignore[union-attr]
        assert (restart[0].help or "").startswith("read-only: restart is disabled on this console")
        kill = await hits(app, "kill pid 4242")
        assert title(kill[0]) == "Kill pid 4242"
        assert (kill[0].help or "").startswith("read-only: terminate backend is disabled")
        help_rows = dict(row for _, rows in app.help_sections() for row in rows)
        assert help_rows["k"].endswith(
            "(read-only: killing a backend (pg_terminate_backend) is disabled on this console)"
        )
        assert "disabled" not in help_rows["n"]
        bar = {a.binding.action: a.enabled for a in app.screen.active_bindings.values()}
        assert not bar["terminate_backend"] and bar["note"]  # the key bar dims the one


async def test_a_writable_console_marks_nothing_and_replay_lists_one_quit(tmp_path) -> None:
    app = await open_console(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert not any("(disabled)" in h.prompt.plain for h in await hits(app, ""))  # type: ignore[union-attr]
    app.recorder.journal.close()
    replay = ReplayApp(Replay(Journal.open(app.recorder.journal.path, read_only=True)))
    async with replay.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        listed = [title(h) for h in await hits(replay, "")]
        assert listed.count("Quit") == 1  # the replay's own `q`, not Textual's beside it
        assert not any("(disabled)" in h.prompt.plain for h in await hits(replay, ""))  # type: ignore[union-attr]
