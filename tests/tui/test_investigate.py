"""The Investigate screen (`g`): the guide's five steps read on open and on demand in workers,
each part timed out on its own, journaled as a snapshot, a finding pinned to the timeline;
and the simulated cluster's clues for every scenario."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence

import pytest
from textual.widgets import OptionList

from probes.investigate.base import NotPermitted, Read, run_section
from probes.investigate.simulated import SimulatedInvestigator
from state.events import Finding, InvestigationShown, NoteAdded
from state.journal.store import Journal
from tests.hostile import CORPUS, assert_screen_inert
from tests.play import OPERATOR, Session
from tests.tui.waiting import shown
from widgets.investigate import InvestigateScreen


def journaled(session: Session, kind: type) -> list:
    with Journal.open(session.recorder.journal.path, read_only=True) as journal:
        return [e for e in journal.events() if isinstance(e, kind)]


def findings_text(screen: InvestigateScreen) -> str:
    options = screen.query_one(OptionList)
    return "\n".join(
        str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
    )


async def read(pilot, *keys: str) -> InvestigateScreen:
    await pilot.press(*keys)
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, InvestigateScreen)
    return screen


async def test_bad_deploy_shows_the_rollout_and_the_new_exception_and_journals_both(
    tmp_path,
) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(140)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g")
        await shown(pilot, InvestigateScreen)
        screen = await read(pilot)
        changes = findings_text(screen)
        assert "tracklist-service revision 8" in changes
        assert "2 min ago" in changes  # rolled out at 20 s, read at 140 s
        screen = await read(pilot, "3")
        errors = findings_text(screen)
        assert "KeyError: <str> (TracklistSerializer.to_json" in errors
        assert re.search(r"tracklist-service: [23]\d\.\d\d % now", errors)  # its 5xx rate
        # pin the exception group: the highlighted finding goes to the timeline as a note
        options = screen.query_one(OptionList)
        options.highlighted = next(
            i
            for i in range(options.option_count)
            if "KeyError" in str(options.get_option_at_index(i).prompt)
        )
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, InvestigateScreen)
        assert "Finding (Error patterns, Logs)" in app.query_one("#timeline")._body.plain
    snapshots = journaled(session, InvestigationShown)
    assert [s.step for s in snapshots] == ["changes", "errors"]
    assert snapshots[1].service == "tracklist-service"
    notes = journaled(session, NoteAdded)
    assert len(notes) == 1 and "KeyError" in notes[0].text and notes[0].by == "alice"


async def test_a_section_is_read_on_open_and_on_demand_never_on_the_refresh(tmp_path) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(60)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g")
        await shown(pilot, InvestigateScreen)
        await read(pilot)
        await pilot.pause(1.2)  # the console's 1 s repaint and more: no new read
        assert len(journaled(session, InvestigationShown)) == 1
        await read(pilot, "g")  # on demand
        assert len(journaled(session, InvestigationShown)) == 2


@pytest.mark.parametrize(
    ("scenario", "step", "clue"),
    [
        ("bad-deploy", "changes", "revision 8"),
        ("bad-deploy", "errors", "Unhandled exception"),
        ("db-lock-storm", "database", "UPDATE tracks SET play_count"),
        ("external-api-failure", "dependencies", "api.mailprovider.example/v3/health: timed out"),
        ("service-down", "state", "last termination OOMKilled, exit code 137"),
        ("connection-pool-exhaustion", "errors", "too many connections"),
        ("certificate-expiry", "dependencies", "certificate refused: certificate has expired"),
        ("certificate-expiry", "errors", "SSLCertVerificationError"),
    ],
)
async def test_the_simulated_cluster_points_every_scenario_at_its_cause(
    tmp_path, scenario: str, step: str, clue: str
) -> None:
    session = await Session(scenario, tmp_path / "j.warroom").arun(240)
    investigator = SimulatedInvestigator(session.cluster, session.clock.now)
    suspect = max(session.cluster.services.values(), key=lambda s: s.error_rate).name
    findings, unavailable = await run_section(investigator, step, suspect)
    assert unavailable == ()
    assert any(clue in f.text for f in findings), [f.text for f in findings]


@pytest.mark.parametrize("step", ["changes", "state", "errors", "dependencies", "database"])
async def test_every_section_answers_before_the_fault_and_shows_no_clue(tmp_path, step) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(10)
    investigator = SimulatedInvestigator(session.cluster, session.clock.now)
    findings, unavailable = await run_section(investigator, step, None)
    assert findings and unavailable == ()
    assert not any(f.tone == "bad" for f in findings)


class Stalling:
    """An investigator with one quick part, one that never answers, one refused by RBAC,
    and one whose text is hostile."""

    def services(self) -> Sequence[str]:
        return ["svc"]

    def parts(self, step: str, service: str | None) -> Sequence[tuple[str, Read]]:
        async def quick() -> list[Finding]:
            return [Finding(part="Quick", text="answered")]

        async def never() -> list[Finding]:
            await asyncio.Event().wait()
            return []

        async def denied() -> list[Finding]:
            raise NotPermitted("cannot list events in namespace tracktion")

        async def hostile() -> list[Finding]:
            return [Finding(part="Hostile", text=t) for t in CORPUS.values()]

        return [("Quick", quick), ("Never", never), ("Events", denied), ("Hostile", hostile)]


async def test_a_slow_or_refused_part_says_so_and_costs_only_its_line() -> None:
    findings, unavailable = await run_section(Stalling(), "changes", None, timeout=0.2)
    assert [f.text for f in findings][:1] == ["answered"]
    assert unavailable == (
        "Never: no answer in 0.2 s",
        "Events: disabled, cannot list events in namespace tracktion",
    )


async def test_hostile_findings_are_drawn_inert(tmp_path) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(10)
    app = session.app(investigator=Stalling())
    async with app.run_test(size=(120, 40)) as pilot:
        app.investigate.timeout = 0.2
        await pilot.press("g")
        await shown(pilot, InvestigateScreen)
        screen = await read(pilot)
        assert "Never: no answer in 0.2 s" in findings_text(screen)
        assert "Events: disabled" in findings_text(screen)
        assert_screen_inert(app)


async def test_investigate_and_runbook_keys_are_in_help_the_bar_and_the_palette(tmp_path) -> None:
    from tui.palette import key_commands
    from widgets.keybar import KeyBar

    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(10)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        find = dict(dict(app.help_sections())["Find"])
        assert find["g"].startswith("Investigate: the guide's five steps")
        assert find["b"].startswith("Open the guide's runbook the signals match")
        bar = app.query_one(KeyBar)._text.plain
        assert "g Investigate" in bar and "b Runbook" in bar
        titles = {c.title: c.help for c in key_commands(app)}
        assert titles["Investigate"].endswith("(key g)")
        assert titles["Runbook"].endswith("(key b)")


async def test_the_arrows_move_through_the_findings_as_soon_as_a_section_is_read(tmp_path) -> None:
    """No Tab first: the findings list has the focus once read, so Down picks the next one
    (and `p` pins it), in every step."""
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(140)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g")
        await shown(pilot, InvestigateScreen)
        for step in ("1", "3"):
            screen = await read(pilot, step)
            options = screen.query_one(OptionList)
            assert options.option_count > 1
            assert app.focused is options
            first = options.highlighted
            await pilot.press("down")
            await pilot.pause()
            assert options.highlighted is not None and options.highlighted > (first or 0)


class Fleet:
    """300 services' 5xx rates in fleet order: the one under investigation is at 100 %,
    far past the first 60; a handful of others burn, the rest are quiet."""

    names = [f"svc-{i:03}" for i in range(299)]
    names.insert(200, "tracklist-service")

    def services(self) -> Sequence[str]:
        return self.names

    def parts(self, step: str, service: str | None) -> Sequence[tuple[str, Read]]:
        def rate(name: str) -> float:
            return 100.0 if name == "tracklist-service" else (40.0 if name.endswith("7") else 0.1)

        async def logs() -> list[Finding]:
            return [Finding(part="Logs", text="x90 KeyError: <str> (TracklistSerializer)")]

        async def rates() -> list[Finding]:
            return [
                Finding(
                    part="5xx rate",
                    text=f"{n}: {rate(n):.2f} % now",
                    tone="bad" if rate(n) > 5 else "info",
                )
                for n in self.names
            ]

        return [("Logs", logs), ("5xx rate", rates)]


async def test_a_long_section_keeps_the_worst_and_the_service_and_says_how_many_more(
    tmp_path,
) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(140)
    app = session.app(investigator=Fleet())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g")
        await shown(pilot, InvestigateScreen)
        screen = await read(pilot, "3")
        text = findings_text(screen)
        assert "tracklist-service: 100.00 % now" in text
        assert "x90 KeyError" in text
        assert "… 241 more not shown (of 300)" in text
        status = str(screen.query_one("#investigate-status").render())
        assert "60 of 301 findings shown" in status
    snapshot = journaled(session, InvestigationShown)[-1]
    rates = [f.text for f in snapshot.findings if f.part == "5xx rate"]
    assert rates[0] == "tracklist-service: 100.00 % now"  # worst first
    assert rates[1:31] == [f"svc-{i:03}: 40.00 % now" for i in range(7, 299, 10)][:30]
    assert rates[-1] == "… 241 more not shown (of 300)"
    assert (snapshot.read, snapshot.omitted) == (301, 241)


def test_the_service_under_investigation_is_kept_however_quiet() -> None:
    from state.guide.investigation import snapshot

    findings = [Finding(part="Pods", text=f"svc-{i}: restarting", tone="bad") for i in range(70)]
    findings.append(Finding(part="Pods", text="quiet-svc: 1/1 ready"))
    kept, omitted = snapshot(findings, "quiet-svc", limit=10)
    assert "quiet-svc: 1/1 ready" in [f.text for f in kept]
    assert omitted == 61 and kept[-1].text == "… 61 more not shown (of 71)"
    assert snapshot(findings[:5], "quiet-svc") == (findings[:5], 0)  # nothing cut: unchanged


async def test_a_line_that_found_nothing_is_no_finding_on_screen_timeline_and_review(
    tmp_path,
) -> None:
    """A lock storm changed nothing: "no rollout", "no events", "no config change" are what
    was read, not three findings. The screen, the timeline and the Investigation Summary say
    the same: nothing found; the lines stay shown (muted), so the reader sees what was read."""
    from state.review.files import review_files

    session = (await Session("db-lock-storm", tmp_path / "j.warroom").arun(120)).declare()
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g")
        await shown(pilot, InvestigateScreen)
        screen = await read(pilot)
        status = str(screen.query_one("#investigate-status").render())
        assert status.endswith("What changed as read at 09:28:00 UTC: nothing found"), status
        text = findings_text(screen)
        assert "no rollout of a watched deployment in the last 24 h" in text
        assert "no events in the last 6 h" in text
        screen = await read(pilot, "2")  # System state: nodes and usage, but every pod fine
        status = str(screen.query_one("#investigate-status").render())
        counted = [f for f in screen.shown.findings if f.found]
        assert counted and all(f.part != "Pods" for f in counted)
        assert status.endswith(f": {len(counted)} findings"), status
    changes = journaled(session, InvestigationShown)[0]
    assert [f.found for f in changes.findings] == [False, False, False]
    timeline = [e.text for e in session.recorder.state.timeline]
    assert any(
        t.startswith("Investigated What changed by ") and t.endswith(": nothing found")
        for t in timeline
    ), timeline
    with Journal.open(session.recorder.journal.path, read_only=True) as journal:
        out = {f.name: f.data.decode() for f in review_files(journal.events())}
    summary = next(v for k, v in out.items() if k.endswith("_investigation_summary.md"))
    changed = summary.split("### Timeline of changes", 1)[1].split("###", 1)[0]
    assert ": nothing found\n" in changed
    assert "- Rollouts: no rollout of a watched deployment" in changed
    state = summary.split("### System state", 1)[1].split("###", 1)[0]
    assert f": {len(counted)} findings\n" in state
    review = next(v for k, v in out.items() if k.endswith("_review.md"))
    assert "Investigated What changed by " in review
    assert "Investigated What changed by " + OPERATOR + ": nothing found" in review


def test_a_journal_written_before_found_counts_its_nothing_lines_as_now() -> None:
    """Journals written before `Finding.found` carry the same lines without it: read back,
    a "nothing found" line, a log summary and a cut's "… N more" are no findings there either."""
    from state.guide.investigation import findings_count

    old = InvestigationShown.model_validate_json(
        '{"kind": "investigation_shown", "at": "2026-03-14T09:30:00Z", "step": "changes",'
        ' "by": "alice", "findings": ['
        '{"part": "Rollouts", "text": "no rollout of a watched deployment in the last 24 h"},'
        '{"part": "Events", "text": "09:20:00 Warning BackOff pod/x x3: restarting",'
        ' "tone": "warn"},'
        '{"part": "Logs", "text": "x: last 1000 lines of 3 pods (3 logs), 9 ERROR/FATAL/'
        'Exception lines in 1 groups"},'
        '{"part": "Config", "text": "no config change in events or templates"}]}'
    )
    assert [f.found for f in old.findings] == [False, True, False, False]
    assert findings_count(old) == "1 finding"


async def test_after_an_undo_what_changed_names_the_images_each_rollout_replaced(
    tmp_path,
) -> None:
    """The undo scales the old ReplicaSet back up as revision 9 (kubectl's way): revision 8
    still reads 1.2.0 -> 1.3.0, not the 1.1.0 of the revision before it in number; undone
    again, revision 10 is the bad release back, by an undo."""
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(120)
    undo = ("rollout_undo", "tracktion/tracklist-service", {}, False)
    await session.actions.run(*undo, session.clock.now())
    await session.arun(300)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g")
        await shown(pilot, InvestigateScreen)
        changes = findings_text(await read(pilot))
    assert "tracklist-service revision 8 at 09:26:20 (5 min ago): image 1.2.0 -> 1.3.0" in changes
    assert (
        "tracklist-service revision 9 at 09:28:00 (3 min ago): image 1.3.0 -> 1.2.0; "
        "change-cause: kubectl rollout undo deployment/tracklist-service"
    ) in changes
    await session.actions.run(*undo, session.clock.now())
    await session.arun(400)
    rollouts = await run_section(
        SimulatedInvestigator(session.cluster, session.clock.now), "changes", None
    )
    texts = [f.text for f in rollouts[0] if f.part == "Rollouts"]
    assert [t.split(" at ")[0] for t in texts] == [
        "tracklist-service revision 10",  # newest first, as the events: the latest change leads
        "tracklist-service revision 9",
    ]  # revision 8 is revision 10 now: one ReplicaSet, one entry
    assert texts[0].endswith(
        "image 1.2.0 -> 1.3.0; change-cause: kubectl rollout undo deployment/tracklist-service"
    )
