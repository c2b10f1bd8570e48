"""The console driving live mode's actions (LiveActions) against a Kubernetes API on loopback."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList

from probes.kubernetes.write import KubernetesActions
from probes.live_actions import LiveActions
from state.events import ActionFinished, ActionRequested
from tests.integration.k8s_emulator import cluster
from tests.integration.k8s_objects import NS, deployment, healthy, pod, replicaset
from tests.play import Session
from tests.tui.test_actions import (
    choose,
    confirm,
    confirmation,
    journaled,
    open_menu,
    timeline,
)
from tests.tui.waiting import shown
from widgets.modals import ConfirmScreen

pytestmark = pytest.mark.integration
NAME = "analysis-service"


def options(menu) -> dict[str, object]:
    found = menu.query_one(OptionList)
    return {
        found.get_option_at_index(i).id: found.get_option_at_index(i)
        for i in range(found.option_count)
    }


async def test_an_action_rbac_denies_is_disabled_with_the_reason(tmp_path) -> None:
    session = await Session("bad-deploy", tmp_path / "j.warroom").arun(10)
    async with cluster(tmp_path, healthy(NAME)) as k8s:
        k8s.api.allowed -= {"patch deployments"}
        kubernetes = KubernetesActions(context=k8s.context, kubeconfig=k8s.kubeconfig)
        app = session.app(actions=LiveActions(kubernetes))
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                menu = options(await open_menu(pilot))
        finally:
            await kubernetes.close()
    reason = f"forbidden: cannot patch deployments in namespace {NS}"
    for denied in ("restart", "rollout_undo"):
        assert menu[denied].disabled and reason in str(menu[denied].prompt)
    assert not any(menu[a].disabled for a in ("scale", "delete_failing_pods", "circuit_breaker"))


async def test_scale_from_the_menu_reaches_the_api_server(tmp_path) -> None:
    session = await Session("db-lock-storm", tmp_path / "j.warroom").arun(60)
    async with cluster(tmp_path, healthy(NAME)) as k8s:
        kubernetes = KubernetesActions(context=k8s.context, kubeconfig=k8s.kubeconfig)
        app = session.app(actions=LiveActions(kubernetes))
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                await open_menu(pilot)
                await choose(pilot, "scale")
                await pilot.press("end", "backspace", "4", "enter")
                await pilot.pause()
                await confirm(pilot)
                await pilot.press("3", "k")  # no database configured: refused, and said so
                await pilot.pause()
                await confirm(pilot)
                app.redraw()
                shown = timeline(app)
        finally:
            await kubernetes.close()
        (patch,) = [r for r in k8s.requests("deployments") if r.method == "PATCH"]
    assert patch.url.path.endswith(f"/namespaces/{NS}/deployments/{NAME}/scale")
    assert patch.data == {"spec": {"replicas": 4}}
    scaled, killed = journaled(session, ActionFinished)
    assert scaled.ok and scaled.result == f"deployment.apps/{NAME} scaled to 4 (was 2)"
    assert not killed.ok and killed.result == "no database configured"
    assert "FAILED: no database configured" in shown


async def test_the_circuit_breaker_names_the_configured_configmap_and_key(tmp_path) -> None:
    session = await Session("external-api-failure", tmp_path / "j.warroom").arun(10)
    async with cluster(tmp_path, healthy(NAME)) as k8s:
        kubernetes = KubernetesActions(
            context=k8s.context,
            kubeconfig=k8s.kubeconfig,
            configmap="payments-flags",
            configmap_key="payments_breaker",
        )
        app = session.app(actions=LiveActions(kubernetes))
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                menu = options(await open_menu(pilot))
                await choose(pilot, "circuit_breaker")
                await shown(pilot, ConfirmScreen)
                dialog = app.screen
                assert isinstance(dialog, ConfirmScreen)
                asked = (dialog.title_text, dialog.message)
                await pilot.press("escape")
                await pilot.pause()
        finally:
            await kubernetes.close()
    exact = f"configmap {NS}/payments-flags key payments_breaker"
    assert exact in str(menu["circuit_breaker"].prompt)
    assert asked[0] == f"Enable the circuit breaker: {exact}?"
    assert asked[1].startswith(f"Target: {exact}\n")
    assert "app-config" not in " ".join(asked) and "deployment" not in asked[1].split("\n")[0]


async def test_delete_failing_pods_deletes_the_pods_named_and_no_other(tmp_path) -> None:
    """The confirmation names the failing pods of the latest sample; by the time yes is
    pressed the cluster has moved on: one of them recovered, one was recreated under its
    name, and a new pod fails. Only the pod that is still the one shown, still failing, is
    deleted, pinned by its uid, and the one line says what was left alone and why."""
    session = await Session("service-down", tmp_path / "j.warroom").arun(60)
    failing = [p for p in session.cluster.services[NAME].pods if p.failing]
    assert len(failing) >= 3
    kept, recovered, recreated = failing[:3]

    def served(sim, uid: str | None = None, **state: object) -> dict:
        obj = pod(NAME, "x", **({"ready": False, "waiting": "CrashLoopBackOff"} | state))
        obj["metadata"] |= {"name": sim.name, "uid": uid or sim.uid}
        return obj

    objects = [
        deployment(NAME, replicas=3, ready=1),
        replicaset(NAME, 3, 3),
        served(kept),
        served(recovered, ready=True, waiting=None),  # Running and ready since the sample
        served(recreated, uid="a-new-pod-of-that-name"),
        pod(NAME, "newer", phase="Failed", ready=False, terminated="Error"),  # never shown
    ]
    async with cluster(tmp_path, objects) as k8s:
        kubernetes = KubernetesActions(context=k8s.context, kubeconfig=k8s.kubeconfig)
        app = session.app(actions=LiveActions(kubernetes))
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                dialog = await confirmation(pilot, NAME, "delete_failing_pods")
                assert all(f"{p.name} (" in dialog.message for p in failing)
                await confirm(pilot)
        finally:
            await kubernetes.close()
        deletes = [r for r in k8s.requests("pods") if r.method == "DELETE"]
    assert [r.url.path.rsplit("/", 1)[1] for r in deletes] == [kept.name]
    assert deletes[0].data["preconditions"] == {"uid": kept.uid}
    (asked,) = journaled(session, ActionRequested)
    assert asked.params["pods"] == [p.name for p in failing]
    assert asked.params["pod_uids"] == [p.uid for p in failing]
    (done,) = journaled(session, ActionFinished)
    assert done.ok
    assert done.result.startswith(f"deleted 1 pod: {kept.name} (CrashLoopBackOff); left alone: ")
    assert f"{recovered.name} (no longer failing)" in done.result
    assert f"{recreated.name} (replaced under its name)" in done.result
    assert done.result.endswith("2 failing pods not shown, not deleted")


async def test_a_service_the_cluster_has_not_answered_for_is_acted_on_in_the_configured_namespace(
    tmp_path,
) -> None:
    """Before any deployment is sampled (the API slow at the start, or the deployment gone),
    `r` named 'default/analysis-service' and restarted the deployment of that name in
    namespace default, not the console's namespace. It now names the service alone, and the
    action goes to the configured namespace."""
    from types import SimpleNamespace

    from state.clock import FrozenClock
    from state.events import HealthResult, HealthSampled, SessionStarted
    from state.journal.store import Journal
    from state.recorder import Recorder
    from tests.integration.k8s_objects import deployment
    from tests.tui.live_console import T0
    from tui.app import WarroomApp
    from widgets.action_dialogs import RemediationMenu

    decoy = deployment(NAME)
    decoy["metadata"] = {**decoy["metadata"], "namespace": "default", "uid": "uid-decoy"}
    recorder = Recorder(Journal.create(tmp_path / "j.warroom"))
    recorder.record(
        SessionStarted(at=T0, mode="live", version="t", operator="alice", services=(NAME,))
    )
    recorder.record(HealthSampled(at=T0, results=(HealthResult(service=NAME, up=True),)))
    async with cluster(tmp_path, healthy(NAME), decoy) as k8s:
        kubernetes = KubernetesActions(context=k8s.context, kubeconfig=k8s.kubeconfig)
        app = WarroomApp(
            recorder,
            FrozenClock(T0),
            operator="alice",
            watch_terminal=False,
            actions=LiveActions(kubernetes),
        )
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                menu = await open_menu(pilot)
                assert isinstance(menu, RemediationMenu) and menu.target == NAME
                await choose(pilot, "restart")
                await confirm(pilot)
        finally:
            await kubernetes.close()
        (patch,) = [r for r in k8s.requests("deployments") if r.method == "PATCH"]
    assert patch.url.path.endswith(f"/namespaces/{NS}/deployments/{NAME}")
    (restarted,) = journaled(SimpleNamespace(recorder=recorder), ActionFinished)  # type: ignore[arg-type]
    assert restarted.ok, restarted.result
