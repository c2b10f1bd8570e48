"""Pilot tests for the keys that change production: named targets, Cancel by default,
journaled before and after, absent in read-only mode, and the simulation reacts."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest
from textual.widgets import Button, Checkbox, OptionList

from probes.actions import ActionRefused
from probes.simulated.actions import SimulatedActions
from state.events import ActionFinished, ActionRequested, VerificationChecked, VerificationFinished
from state.guide.resolution import STABLE_CHECKS
from state.journal.store import Journal
from tests.play import Session
from tests.tui.waiting import on_service, shown, until
from widgets.action_dialogs import RemediationMenu
from widgets.locks import LocksPane
from widgets.modals import ConfirmScreen, LiveConfirmScreen
from widgets.selectable import FROZEN


def journaled(session: Session, kind: type) -> list:
    with Journal.open(session.recorder.journal.path, read_only=True) as journal:
        return [e for e in journal.events() if isinstance(e, kind)]


def timeline(app) -> str:
    return app.query_one("#timeline")._body.plain


async def open_menu(pilot, pane_key: str = "1") -> RemediationMenu:
    await pilot.press(pane_key, "r")
    await shown(pilot, RemediationMenu)
    menu = pilot.app.screen
    assert isinstance(menu, RemediationMenu)
    return menu


async def choose(pilot, action: str) -> None:
    options = pilot.app.screen.query_one(OptionList)
    options.highlighted = next(
        i for i in range(options.option_count) if options.get_option_at_index(i).id == action
    )
    await pilot.press("enter")
    await pilot.pause()


async def confirmation(pilot, service: str, action: str) -> LiveConfirmScreen:
    """`r` on `service`, then `action`: its confirmation, drawn."""
    await on_service(pilot, service)
    await open_menu(pilot, pane_key="")
    await choose(pilot, action)
    await shown(pilot, LiveConfirmScreen)
    dialog = pilot.app.screen
    assert isinstance(dialog, LiveConfirmScreen)
    return dialog


async def confirm(pilot, dry_run: bool = False) -> ConfirmScreen:
    await shown(pilot, ConfirmScreen)
    dialog = pilot.app.screen
    assert isinstance(dialog, ConfirmScreen)
    assert pilot.app.focused.id == "cancel"  # Cancel is the default
    if dry_run:
        dialog.query_one(Checkbox).value = True
    dialog.query_one("#ok", Button).press()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return dialog


async def test_restart_names_the_target_defaults_to_cancel_and_clears_the_crash_loop(
    tmp_path,
) -> None:
    session = await Session("service-down", tmp_path / "j.warroom").arun(80)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        menu = await open_menu(pilot)
        assert "tracktion/analysis-service" in str(menu.query_one(".dialog-title").render())
        assert "CrashLoopBackOff" in str(menu.query_one(".dialog-reason").render())
        await choose(pilot, "restart")
        await shown(pilot, ConfirmScreen)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert "deployment tracktion/analysis-service" in dialog.message
        await pilot.press("enter")  # Enter on the focused Cancel
        await pilot.pause()
        assert journaled(session, ActionRequested) == []
        await open_menu(pilot)
        await choose(pilot, "restart")
        await confirm(pilot)
        await session.arun(110)
        app.redraw()
        assert "restart tracktion/analysis-service done" in timeline(app)
        told = timeline(app)
        # the restart's rollout, told once as its end: not "all 3 replicas ready" beside it
        assert "analysis-service: rollout of revision 13 complete (3/3 updated and" in told
        assert "analysis-service: all 3 replicas ready" not in told
    requested, finished = journaled(session, ActionRequested), journaled(session, ActionFinished)
    assert [(r.action, r.target, r.by) for r in requested] == [
        ("restart", "tracktion/analysis-service", "alice")
    ]
    assert "CrashLoopBackOff" in requested[0].before
    assert finished[0].ok and finished[0].action_id == requested[0].action_id


async def test_dry_run_changes_nothing(tmp_path) -> None:
    session = await Session("service-down", tmp_path / "j.warroom").arun(60)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_menu(pilot)
        await choose(pilot, "restart")
        await confirm(pilot, dry_run=True)
    await session.arun(100)
    assert session.cluster.services["analysis-service"].ready == 0
    assert journaled(session, ActionRequested)[0].dry_run is True
    assert "dry run" in journaled(session, ActionFinished)[0].result


async def test_undo_rollout_fixes_the_bad_deploy(tmp_path) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(70)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await on_service(pilot, "tracklist-service")  # first: its 5xx is past 20 %
        await open_menu(pilot, pane_key="")
        await choose(pilot, "rollout_undo")
        await confirm(pilot)
    assert journaled(session, ActionFinished)[0].target == "tracktion/tracklist-service"
    await session.arun(130)
    assert session.recorder.state.latest("error_rate", "tracklist-service") < 2.0


async def test_the_undo_confirmation_names_the_revision_replicaset_and_image(tmp_path) -> None:
    """kubectl rollout undo names where it goes; so does its confirmation, and the undo is
    sent to that very revision (a rollout landing meanwhile does not move it)."""
    from probes.simulated.model import template_hash

    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(70)
    svc = session.cluster.services["tracklist-service"]
    previous = max(r for r in svc.templates if r != svc.revision)
    template = svc.templates[previous]
    replica_set = f"tracklist-service-{template_hash(session.cluster.seed, svc.name, template)}"
    image = f"registry.tracktion.io/tracklist-service:1.{template}.0"
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await confirmation(pilot, "tracklist-service", "rollout_undo")
        assert dialog.title_text == f"Undo the rollout: back to revision {previous}?"
        assert dialog.message.splitlines()[1] == (
            f"Back to: revision {previous} (ReplicaSet {replica_set}, image {image})"
        )
        await confirm(pilot)
    [asked] = journaled(session, ActionRequested)
    assert asked.params == {"to_revision": previous}
    assert f"revision {previous} is now revision" in journaled(session, ActionFinished)[0].result


async def test_the_remediation_confirmation_says_the_service_as_of_the_latest_sample(
    tmp_path,
) -> None:
    """Opened while analysis-service is fine, left open while it starts crash-looping: the
    dialog's 'Now:' follows (it said '/health up' for as long as it was open), and the
    journal's 'before' is what it said as yes was pressed."""
    session = await Session("service-down", tmp_path / "j.warroom").arun(10)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await confirmation(pilot, "analysis-service", "restart")
        assert dialog.message.splitlines()[-1].startswith("Now: ready 3/3, Running")
        await session.arun(60)
        # the dialog looks again every 0.25 s, during the minute's samples too: wait for the
        # last of them (its pods crash-looping), not a sample on the way there
        await until(
            pilot, lambda: "/health down" in dialog.message and "CrashLoopBackOff" in dialog.message
        )
        now = dialog.message.splitlines()[-1]
        assert now.startswith("Now: ") and "/health down" in now
        await confirm(pilot)
    [asked] = journaled(session, ActionRequested)
    assert f"Now: {asked.before}" == now


async def test_deleting_the_failing_pods_names_them_first(tmp_path) -> None:
    """The confirmation names the pods it would delete now, as kubectl delete names them."""
    session = await Session("service-down", tmp_path / "j.warroom").arun(60)
    failing = [p for p in session.cluster.services["analysis-service"].pods if p.failing]
    assert failing
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await confirmation(pilot, "analysis-service", "delete_failing_pods")
        await confirm(pilot)
    said = dialog.message.splitlines()[1]
    assert said.startswith("Failing in the latest sample: ")
    assert all(f"{p.name} (" in said for p in failing)
    [asked] = journaled(session, ActionRequested)  # named with their uids, for the cluster
    assert asked.params == {"pods": [p.name for p in failing], "pod_uids": [p.uid for p in failing]}
    result = journaled(session, ActionFinished)[0].result
    assert all(p.name in result for p in failing)  # what it named is what it deleted


async def test_deleting_failing_pods_when_none_fails_cannot_be_confirmed(tmp_path) -> None:
    session = await Session("service-down", tmp_path / "j.warroom").arun(60)
    assert not any(p.failing for p in session.cluster.services["file-watcher"].pods)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await confirmation(pilot, "file-watcher", "delete_failing_pods")
        assert "No pod failing in the latest sample: nothing to delete." in dialog.message
        assert dialog.query_one("#ok", Button).disabled
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is dialog  # yes refused, and said why
    assert journaled(session, ActionRequested) == []


async def test_killing_idle_sessions_says_how_old_its_list_is_and_what_is_checked(
    tmp_path,
) -> None:
    """Before: the dialog did not say that each backend is checked to be the one listed (pid
    and backend start) as it is ended, as `k`'s confirmation does."""
    session = await Session("connection-pool-exhaustion", tmp_path / "j.warroom").arun(900)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("i")
        await shown(pilot, LiveConfirmScreen)
        dialog = app.screen
        assert isinstance(dialog, LiveConfirmScreen)
        assert (
            "Each is ended only while it is still the backend listed (its pid and backend "
            "start: a pid PostgreSQL gave to a new backend is left alone) and still idle 10 "
            "minutes."
        ) in dialog.message
        assert "superuser" not in dialog.message  # the simulation's console role is not read
        assert dialog.message.endswith("Listed at 09:41:00 (0s ago).")
        session.clock.advance(7)
        await until(pilot, lambda: "(7s ago)" in dialog.message)
        assert "Listed at 09:41:00 (7s ago)" in dialog.message
        await confirm(pilot)
    [asked] = journaled(session, ActionRequested)
    assert asked.action == "terminate_idle" and asked.params["pids"]


async def test_an_undo_with_no_history_says_so_and_asks_nothing(tmp_path) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(10)
    svc = session.cluster.services["analysis-service"]
    svc.templates = {svc.revision: svc.template}  # one revision: nothing to go back to
    app = session.app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_service(pilot, "analysis-service")
        await open_menu(pilot, pane_key="")
        await choose(pilot, "rollout_undo")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        said = [n.message for n in app._notifications][-1]
        assert said == (
            "Cannot undo the rollout of tracktion/analysis-service: "
            'no rollout history found for deployment "analysis-service"'
        )
    assert journaled(session, ActionRequested) == []


async def test_scale_asks_for_the_replicas(tmp_path) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(10)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_menu(pilot)
        await choose(pilot, "scale")
        await pilot.press("end", "backspace", "5", "enter")
        await pilot.pause()
        await confirm(pilot)
    assert journaled(session, ActionRequested)[0].params == {"replicas": 5}
    assert session.cluster.services["analysis-service"].desired == 5


async def test_escape_leaves_the_menu_and_nothing_is_journaled(tmp_path) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(10)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_menu(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, RemediationMenu)
    assert journaled(session, ActionRequested) == []


class DeniedUndo(SimulatedActions):
    async def permissions(self) -> Mapping[str, str | None]:
        allowed = dict(await super().permissions())
        allowed["rollout_undo"] = "forbidden: cannot patch deployments in namespace tracktion"
        return allowed


async def test_an_action_rbac_denies_is_shown_disabled_with_the_reason(tmp_path) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(10)
    app = session.app(actions=DeniedUndo(session.cluster))
    async with app.run_test(size=(120, 40)) as pilot:
        menu = await open_menu(pilot)
        options = menu.query_one(OptionList)
        undo = next(
            options.get_option_at_index(i)
            for i in range(options.option_count)
            if options.get_option_at_index(i).id == "rollout_undo"
        )
        assert undo.disabled
        assert "forbidden: cannot patch deployments" in str(undo.prompt)


class Refusing(SimulatedActions):
    async def run(
        self, action: str, target: str, params: Mapping[str, Any], dry_run: bool, now
    ) -> str:
        raise ActionRefused('deployments.apps "analysis-service" is paused; resume it first')


async def test_a_failed_action_shows_its_reason_and_is_not_retried(tmp_path) -> None:
    session = await Session("service-down", tmp_path / "j.warroom").arun(60)
    app = session.app(actions=Refusing(session.cluster))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_menu(pilot)
        await choose(pilot, "restart")
        await confirm(pilot)
        await session.arun(90)
        assert "restart tracktion/analysis-service FAILED: deployments.apps" in timeline(app)
    assert len(journaled(session, ActionRequested)) == 1
    assert [f.ok for f in journaled(session, ActionFinished)] == [False]


async def test_terminating_the_blocker_dissolves_the_chain(tmp_path) -> None:
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(60)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3", "k")
        await shown(pilot, ConfirmScreen)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert "pid 4242 (batch, idle in transaction" in dialog.message
        assert "It blocks" in dialog.message
        await confirm(pilot)
        await session.arun(64)
        app.redraw()
        assert "Lock chain cleared" in timeline(app)
    params = journaled(session, ActionRequested)[0].params
    assert params["pid"] == 4242
    # which backend was hit, exactly: pids are reused, a backend's start time is not
    assert params["backend_start"] and params["backend_start"] <= f"{session.clock.now():%FT%T}"


async def test_cancel_keeps_the_idle_in_transaction_session(tmp_path) -> None:
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(60)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3", "c")
        await pilot.pause()
        await confirm(pilot)
    await session.arun(64)
    assert session.cluster.db.blocker is not None
    (done,) = journaled(session, ActionFinished)  # refused, as the database's own: not "done"
    assert not done.ok and "runs no query (idle in transaction): nothing to cancel" in done.result


async def test_the_chosen_list_holds_still_while_choosing(tmp_path) -> None:
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(40)
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3", "down")
        await pilot.pause()
        pane = app.query_one(LocksPane)
        chosen = pane.selected().session.pid
        assert pane.border_subtitle == FROZEN
        before = pane.text()
        await session.arun(70)  # more waiters join meanwhile
        app.redraw()
        assert pane.text() == before
        assert pane.selected().session.pid == chosen
        await pilot.press("escape")
        await pilot.pause()
        assert pane.text() != before
        assert pane.selected().session.pid == chosen  # live again, still on its session


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_read_only_says_why_for_every_mutating_key(tmp_path, size) -> None:
    """Read-only: each key that changes production shows disabled and, pressed, says why in a
    toast naming what it would have done; nothing is asked, nothing journaled."""
    session = await Session("service-down", tmp_path / "j.warroom").arun(60)
    app = session.app(read_only=True)
    async with app.run_test(size=size) as pilot:
        assert "READ-ONLY" in app.query_one("#header")._text.plain
        said = []
        for pane, key, what in (
            ("1", "r", "remediation"),
            ("3", "k", "killing a backend"),
            ("3", "c", "cancelling a query"),
            ("3", "i", "killing idle sessions"),
        ):
            await pilot.press(pane, key)
            await pilot.pause()
            assert not isinstance(app.screen, (RemediationMenu, ConfirmScreen))
            said.append([n.message for n in app._notifications][-1])
            assert said[-1].startswith(f"read-only: {what}")
            assert said[-1].endswith("is disabled on this console")
        bar = {b.binding.key: b.enabled for b in app.screen.active_bindings.values()}
        assert {bar[k] for k in "rkci"} == {False}  # shown, disabled
    assert journaled(session, ActionRequested) == []


async def test_verify_then_watch_until_stable(tmp_path) -> None:
    session = await Session("service-down", tmp_path / "j.warroom").arun(60)
    session.declare()
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("v")  # still crash-looping: the first check fails and ends it
        await pilot.pause()
        assert "Resolution not verified" in timeline(app)
        await session.actions.run(
            "restart", "tracktion/analysis-service", {}, False, session.clock.now()
        )
        await session.arun(120)
        await pilot.press("v")
        await pilot.pause()
        for minute in range(1, STABLE_CHECKS):
            await session.arun(120 + 60 * minute)
            app.verification.verification_step()
        await pilot.pause()
        assert "Resolution verified, stable" in timeline(app)
    checks = journaled(session, VerificationChecked)
    assert [c.ok for c in checks] == [False, True, True, True, True, True]
    assert [f.stable for f in journaled(session, VerificationFinished)] == [False, True]


async def test_resolve_and_roles(tmp_path) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(60)
    session.declare()
    app = session.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("right", "tab", *"carol", "enter")  # TL (preselected) -> CL
        await pilot.pause()
        assert "CL carol" in app.query_one("#header")._text.plain
        await pilot.press("x")
        await pilot.pause()
        await pilot.press(*"rolled back to revision 7", "enter")
        await pilot.pause()
        header = app.query_one("#header")._text.plain
        assert "RESOLVED" in header and "rolled back to revision 7" in header


def test_the_pods_named_for_deletion_are_those_the_runbooks_loop_would_take() -> None:
    """Failing (crash-looping, pending, failed), not merely not ready yet, nor already being
    deleted (kubectl's Terminating), which the loop skips: the dialog names no pod the
    action would leave for those reasons."""
    from state.console import ConsoleState
    from state.fold import fold
    from tests.unit.helpers import deployment, deployments, pod
    from tui.remediation_keys import failing_pods

    pods = (
        pod("a-1"),
        pod("a-2", ready=False),  # NotReady
        pod("a-3", reason="CrashLoopBackOff", ready=False),
        pod("a-4", phase="Pending", reason="ContainerCreating", ready=False),
        pod("a-5", reason="Terminating", ready=False),
        pod("a-6", phase="Failed", ready=False),
    )
    state = fold(ConsoleState(), deployments(0, deployment("a", desired=6, ready=1, pods=pods)))
    assert [(p.name, uid) for p, uid in failing_pods(state, "a")] == [
        ("a-3", None),  # no uids in this sample: the action finds each by the name shown
        ("a-4", None),
        ("a-6", None),
    ]
    assert failing_pods(state, "absent") == ()


async def yes(pilot) -> None:
    """Yes to the confirmation on top, not waiting for the action it starts to end."""
    await shown(pilot, ConfirmScreen)
    pilot.app.screen.query_one("#ok", Button).press()
    await pilot.pause()


class Slow(SimulatedActions):
    """The simulation, answering `terminate_idle` only once the test opens its gate: an API
    that takes its time, as a database terminating 54 sessions does."""

    def __init__(self, cluster) -> None:
        super().__init__(cluster)
        self.gate = asyncio.Event()

    async def run(self, action, target, params, dry_run, now) -> str:
        if action == "terminate_idle":
            await self.gate.wait()
        return await super().run(action, target, params, dry_run, now)


async def test_an_action_key_pressed_while_one_runs_leaves_it_to_finish_and_journal(
    tmp_path,
) -> None:
    """`i` twice quickly: the second press replaced the first's worker and cancelled it
    mid-run, so its sessions were ended with no outcome ever journaled. Both now finish,
    each journaled and on the timeline."""
    session = await Session("connection-pool-exhaustion", tmp_path / "j.warroom").arun(900)
    actions = Slow(session.cluster)
    app = session.app(actions=actions)
    async with app.run_test(size=(120, 40)) as pilot:
        try:
            await pilot.press("i")
            await shown(pilot, LiveConfirmScreen)
            await yes(pilot)
            await until(pilot, lambda: len(journaled(session, ActionRequested)) == 1)
            await pilot.press("i")  # the first still running
            await shown(pilot, LiveConfirmScreen)
            await yes(pilot)
            await until(pilot, lambda: len(journaled(session, ActionRequested)) == 2)
        finally:
            actions.gate.set()  # never a test left waiting on it
        await until(pilot, lambda: len(journaled(session, ActionFinished)) == 2)
    first, second = journaled(session, ActionRequested)
    outcomes = {e.action_id: e for e in journaled(session, ActionFinished)}
    assert set(outcomes) == {first.action_id, second.action_id}
