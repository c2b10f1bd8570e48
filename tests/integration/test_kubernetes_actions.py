"""The write side against an API server on loopback: the requests kubectl would send.

kmock merges every patch into plain dicts and ignores dryRun, so these tests assert on
the requests it received (method, path, query, content type, body), not on its state.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pytest
from kmock import Request, Response, action, resource

from probes.actions import REMEDIATIONS, ActionRefused
from probes.kubernetes.read import KubernetesProbe
from probes.kubernetes.write import KubernetesActions
from tests.integration.k8s_emulator import (
    DEPLOYMENTS,
    PODS,
    REVIEWS,
    TOKEN,
    Cluster,
    cluster,
    status,
    write_kubeconfig,
)
from tests.integration.k8s_objects import (
    NS,
    REVISION,
    deployment,
    healthy,
    pod,
    replicaset,
    rs_hash,
    template,
)
from tests.servers.sessions import eventually

pytestmark = pytest.mark.integration
NOW = datetime(2026, 3, 14, 9, 27, 20, tzinfo=UTC)
NAME = "analysis-service"
TARGET = f"{NS}/{NAME}"
DEPLOYMENT_PATH = f"/apis/apps/v1/namespaces/{NS}/deployments/{NAME}"
CONFIGMAPS = resource("", "v1", "configmaps")
STRATEGIC = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"


def actions_for(k8s: Cluster, **kwargs: Any) -> KubernetesActions:
    return KubernetesActions(context=k8s.context, kubeconfig=k8s.kubeconfig, **kwargs)


async def act(
    k8s: Cluster,
    action: str,
    params: dict[str, Any] | None = None,
    dry_run: bool = False,
    target: str = TARGET,
    **kwargs: Any,
) -> str:
    actions = actions_for(k8s, **kwargs)
    try:
        return await actions.run(action, target, params or {}, dry_run, NOW)
    finally:
        await actions.close()


def writes(k8s: Cluster) -> list[Request]:
    """Every request that changes something (access reviews only ask)."""
    return [r for r in k8s.requests() if r.method in ("PATCH", "DELETE", "PUT", "POST")]


def content_type(request: Request) -> str | None:
    return request.headers.get("Content-Type")


def app_config() -> dict[str, Any]:
    meta = {"name": "app-config", "namespace": NS, "uid": "uid-cm"}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"mode": "x"}}


def history(revisions: Iterable[int], current: int) -> list[dict[str, Any]]:
    """The deployment at `current` and one ReplicaSet per revision, each with its own image."""
    d = deployment(NAME, revision=current)
    rss = [replicaset(NAME, r, 2 if r == current else 0) for r in revisions]
    return [d, *rss]


# ---- restart -----------------------------------------------------------------------------------


async def test_restart_is_kubectls_strategic_merge_patch(tmp_path):
    async with cluster(tmp_path, healthy(NAME)) as k8s:
        assert await act(k8s, "restart") == f"deployment.apps/{NAME} restarted"
        (get, patch) = [r for r in k8s.requests() if r.resource == DEPLOYMENTS]
        # a second restart within the same second would be an empty patch: kubectl refuses it
        with pytest.raises(ActionRefused, match="restart has already been triggered within"):
            await act(k8s, "restart")
    assert (get.method, get.url.path) == ("GET", DEPLOYMENT_PATH)
    assert (patch.method, patch.url.path) == ("PATCH", DEPLOYMENT_PATH)
    assert dict(patch.params) == {"fieldManager": "kubectl-rollout"}
    assert content_type(patch) == STRATEGIC
    annotations = {"kubectl.kubernetes.io/restartedAt": "2026-03-14T09:27:20Z"}
    assert patch.data == {"spec": {"template": {"metadata": {"annotations": annotations}}}}


async def test_a_paused_deployment_is_refused_without_a_patch(tmp_path):
    paused = deployment(NAME, paused=True)
    async with cluster(tmp_path, paused, replicaset(NAME, 3, 2), replicaset(NAME, 2, 0)) as k8s:
        with pytest.raises(ActionRefused) as restart:
            await act(k8s, "restart")
        with pytest.raises(ActionRefused) as undo:
            await act(k8s, "rollout_undo")
        assert writes(k8s) == []
    assert str(restart.value) == (
        f'deployments.apps "{NAME}" can\'t restart paused deployment (run rollout resume first)'
    )
    assert str(undo.value) == (
        "you cannot rollback a paused deployment; resume it first with "
        "'kubectl rollout resume' and try again"
    )


# ---- rollout undo ------------------------------------------------------------------------------


def undo_cluster_objects() -> list[dict[str, Any]]:
    """Revisions 3, 4, 5 of the deployment, plus ReplicaSets that are not its history."""
    objects = history([3, 5, 4], current=5)
    d, rs4 = objects[0], objects[3]
    d["metadata"]["annotations"] |= {
        "kubectl.kubernetes.io/last-applied-configuration": '{"kind":"Deployment"}',
        "kubernetes.io/change-cause": "deploy v5",
    }
    rs4["metadata"]["annotations"] |= {"kubernetes.io/change-cause": "deploy v4", "team": "core"}
    rs4["spec"]["template"]["metadata"]["annotations"] = {"prometheus.io/scrape": "true"}
    orphan = replicaset(NAME, 9, 0)  # same labels, but another controller's
    orphan["metadata"]["name"] = f"{NAME}-orphan"
    orphan["metadata"]["ownerReferences"][0]["uid"] = "uid-someone-else"
    other = replicaset("file-watcher", 8, 0)  # another deployment's history
    return [*objects, orphan, other]


async def test_undo_patches_back_the_previous_revision_as_kubectl_does(tmp_path):
    async with cluster(tmp_path, undo_cluster_objects()) as k8s:
        result = await act(k8s, "rollout_undo")
        listed = k8s.requests("replicasets")
        (patch,) = writes(k8s)
    assert result == f"deployment.apps/{NAME} rolled back to revision 4"
    assert [dict(r.params) for r in listed] == [{"labelSelector": f"app={NAME}"}]
    assert (patch.method, patch.url.path, dict(patch.params)) == ("PATCH", DEPLOYMENT_PATH, {})
    assert content_type(patch) == JSON_PATCH
    restored = template(NAME, f"ghcr.io/tracktion/{NAME}:v4")
    restored["metadata"]["annotations"] = {"prometheus.io/scrape": "true"}
    assert restored["metadata"]["labels"] == {"app": NAME}  # no pod-template-hash
    assert patch.data == [
        {"op": "replace", "path": "/spec/template", "value": restored},
        {
            "op": "replace",
            "path": "/metadata/annotations",
            "value": {  # the deployment's own revision and last-applied; the rest from rev 4
                REVISION: "5",
                "kubectl.kubernetes.io/last-applied-configuration": '{"kind":"Deployment"}',
                "kubernetes.io/change-cause": "deploy v4",
                "team": "core",
            },
        },
    ]


async def test_undo_to_a_given_revision(tmp_path):
    async with cluster(tmp_path, undo_cluster_objects()) as k8s:
        assert await act(k8s, "rollout_undo", {"to_revision": 3}) == (
            f"deployment.apps/{NAME} rolled back to revision 3"
        )
        (patch,) = writes(k8s)
        image = patch.data[0]["value"]["spec"]["containers"][0]["image"]
        assert image == f"ghcr.io/tracktion/{NAME}:v3"
        for missing in (9, 8, 7):  # the orphan's, another deployment's, nobody's
            with pytest.raises(ActionRefused, match=f"unable to find specified revision {missing}"):
                await act(k8s, "rollout_undo", {"to_revision": missing})
        assert len(writes(k8s)) == 1


async def test_the_undo_target_names_the_revision_replicaset_and_image_it_goes_back_to(tmp_path):
    """What the confirmation shows ('back to revision 4 (ReplicaSet x, image y)'): read as
    kubectl's rollback picks it, by GETs alone."""
    async with cluster(tmp_path, undo_cluster_objects()) as k8s:
        back = await actions_for(k8s).undo_target(TARGET)
        assert writes(k8s) == []
    assert (back.revision, back.replica_set) == (4, f"{NAME}-{rs_hash(4)}")
    assert back.images == (f"ghcr.io/tracktion/{NAME}:v4",) and not back.current
    assert back.words() == (
        f"revision 4 (ReplicaSet {NAME}-{rs_hash(4)}, image ghcr.io/tracktion/{NAME}:v4)"
    )
    async with cluster(tmp_path, history([1], current=1)) as k8s:
        with pytest.raises(ActionRefused, match="no rollout history found for deployment"):
            await actions_for(k8s).undo_target(TARGET)


async def test_undo_without_history_or_when_already_there_sends_nothing(tmp_path):
    async with cluster(tmp_path, history([1], current=1)) as k8s:
        with pytest.raises(ActionRefused) as caught:
            await act(k8s, "rollout_undo")
        assert str(caught.value) == f'no rollout history found for deployment "{NAME}"'
        assert writes(k8s) == []
    same = history([4, 5], current=5)
    same[0]["spec"]["template"] = template(NAME, f"ghcr.io/tracktion/{NAME}:v4")
    async with cluster(tmp_path, same) as k8s:
        assert await act(k8s, "rollout_undo") == (
            f"deployment.apps/{NAME} skipped rollback (current template already matches revision 4)"
        )
        assert writes(k8s) == []


# ---- scale, failing pods, circuit breaker --------------------------------------------------------


async def test_scale_is_a_merge_patch_of_the_scale_subresource(tmp_path):
    async with cluster(tmp_path, healthy(NAME)) as k8s:
        assert await act(k8s, "scale", {"replicas": 5}) == (
            f"deployment.apps/{NAME} scaled to 5 (was 2)"
        )
        (patch,) = writes(k8s)
        for bad in (-1, "3", True, None):
            with pytest.raises(ActionRefused, match="replicas must be a whole number"):
                await act(k8s, "scale", {"replicas": bad})
        assert len(writes(k8s)) == 1
    assert (patch.method, patch.url.path) == ("PATCH", f"{DEPLOYMENT_PATH}/scale")
    assert patch.subresource == "scale" and dict(patch.params) == {}
    assert content_type(patch) == MERGE
    assert patch.data == {"spec": {"replicas": 5}}


def failing_pods() -> list[dict[str, Any]]:
    return [
        deployment(NAME, replicas=4, ready=1),
        replicaset(NAME, 3, 4),
        pod(NAME, "ok001"),
        pod(NAME, "crash", ready=False, restarts=7, waiting="CrashLoopBackOff"),
        pod(NAME, "pend1", phase="Pending", ready=False),
        pod(NAME, "fail1", phase="Failed", ready=False, terminated="Error"),
        pod("file-watcher", "crash", ready=False, waiting="CrashLoopBackOff"),  # not selected
    ]


def named(*pods: dict[str, Any]) -> dict[str, Any]:
    """The params the console sends for the pods its confirmation named: names and uids."""
    return {
        "pods": [p["metadata"]["name"] for p in pods],
        "pod_uids": [p["metadata"]["uid"] for p in pods],
    }


def shown_failing() -> dict[str, Any]:
    """failing_pods()'s three failing pods of NAME, as the confirmation names them."""
    return named(*failing_pods()[3:6])


async def test_delete_failing_pods_sends_one_delete_each(tmp_path):
    async with cluster(tmp_path, failing_pods()) as k8s:
        result = await act(k8s, "delete_failing_pods", shown_failing())
        (listed,) = [r for r in k8s.requests("pods") if r.method == "GET"]
        deletes = writes(k8s)
        again = await act(k8s, "delete_failing_pods", shown_failing())
        assert len(writes(k8s)) == 3  # nothing left of what was shown
    assert dict(listed.params) == {"labelSelector": f"app={NAME}"}
    suffixes = [r.url.path.rsplit("-", 1)[1] for r in deletes]
    assert suffixes == ["crash", "pend1", "fail1"]
    assert {r.method for r in deletes} == {"DELETE"}
    assert all(r.url.path.startswith(f"/api/v1/namespaces/{NS}/pods/{NAME}-") for r in deletes)
    options = {"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Background"}
    for r in deletes:  # each pinned to the very pod shown: its uid, checked by the server
        pod_name = r.url.path.rsplit("/", 1)[1]
        assert r.data == {**options, "preconditions": {"uid": f"uid-{pod_name}"}}
        assert dict(r.params) == {}
    assert result.startswith("deleted 3 pods: ")
    # each in the word its confirmation named it by (the pane's)
    assert "-crash (CrashLoopBackOff), " in result and result.endswith("-fail1 (Error)")
    assert again.startswith(f"deleted no pods in {NS}/{NAME}; left alone: ")
    assert again.count("(gone)") == 3


async def test_delete_failing_pods_deletes_only_the_very_pods_shown(tmp_path):
    """A pod now Running, one recreated under its name (a new uid, failing too) and a new
    failing pod that was not shown: none is deleted, and the one line says why."""
    recovered = pod(NAME, "recov", phase="Pending", ready=False)
    recreated = pod(NAME, "again", ready=False, waiting="CrashLoopBackOff")
    shown = named(recovered, recreated)
    recreated["metadata"]["uid"] = "uid-the-new-one"
    objects = [
        deployment(NAME, replicas=4, ready=1),
        replicaset(NAME, 3, 4),
        pod(NAME, "recov"),  # Running and ready since it was shown
        recreated,
        pod(NAME, "newer", phase="Failed", ready=False, terminated="Error"),  # not shown
    ]
    async with cluster(tmp_path, objects) as k8s:
        result = await act(k8s, "delete_failing_pods", shown)
        assert writes(k8s) == []
        stored = {key[2] for key, obj in k8s.api.objects.items() if not obj.deleted}
    assert {f"{NAME}-{rs_hash(3)}-{s}" for s in ("recov", "again", "newer")} <= stored
    assert result == (
        f"deleted no pods in {NS}/{NAME}; left alone: {NAME}-{rs_hash(3)}-recov (no longer "
        f"failing), {NAME}-{rs_hash(3)}-again (replaced under its name); "
        "2 failing pods not shown, not deleted"
    )


async def test_every_pod_the_confirmation_names_is_deleted_when_nothing_changed(tmp_path):
    """One rule for both: the pods the confirmation names from the probe's sample are the
    pods the action deletes. Before, a Running pod not ready after an OOM kill (and one
    whose image cannot be pulled) was named, then left alone as "no longer failing"."""
    from state.console import ConsoleState
    from state.fold import fold
    from tui.remediation_keys import failing_pods

    oom = pod(NAME, "oom01", ready=False, last_terminated="OOMKilled")
    objects = [
        deployment(NAME, replicas=5, ready=1),
        replicaset(NAME, 3, 5),
        pod(NAME, "ok001"),
        oom,
        pod(NAME, "crash", ready=False, restarts=7, waiting="CrashLoopBackOff"),
        pod(NAME, "image", phase="Pending", ready=False, waiting="ImagePullBackOff"),
        pod(NAME, "start", ready=False),  # not ready yet: neither named nor deleted
    ]
    async with cluster(tmp_path, objects) as k8s:
        probe = KubernetesProbe([NAME], context=k8s.context, kubeconfig=k8s.kubeconfig)
        try:
            (sampled,) = await probe.sample(NOW)
        finally:
            await probe.close()
        named_now = failing_pods(fold(ConsoleState(), sampled), NAME)
        shown = {
            "pods": [p.name for p, _ in named_now],
            "pod_uids": [uid for _, uid in named_now],
        }
        result = await act(k8s, "delete_failing_pods", shown)
        deleted = [r.url.path.rsplit("/", 1)[1] for r in writes(k8s)]
    assert sorted(p.name.rsplit("-", 1)[1] for p, _ in named_now) == ["crash", "image", "oom01"]
    assert deleted == shown["pods"]
    assert f"{oom['metadata']['name']} (OOMKilled)" in result
    assert "left alone" not in result and "no longer failing" not in result


async def test_a_pod_recreated_between_the_list_and_its_delete_is_kept(tmp_path):
    """The uid precondition: the API server refuses the DELETE of a pod whose name now
    belongs to a new pod (409), as it would after the list the action read went stale."""
    old = pod(NAME, "crash", ready=False, waiting="CrashLoopBackOff")
    new = pod(NAME, "crash", ready=False, waiting="CrashLoopBackOff")
    new["metadata"]["uid"] = "uid-recreated"
    objects = [deployment(NAME, replicas=1, ready=0), replicaset(NAME, 3, 1), new]
    async with cluster(tmp_path, objects) as k8s:
        stale = {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": [old]}
        k8s.fail("list", PODS, Response(status=200, payload=stale))
        result = await act(k8s, "delete_failing_pods", named(old))
        (sent,) = writes(k8s)
        kept = k8s.api.objects[PODS, NS, new["metadata"]["name"]]
        assert not kept.deleted and kept["metadata"]["uid"] == "uid-recreated"
    assert sent.data["preconditions"] == {"uid": old["metadata"]["uid"]}
    assert result == (
        f"deleted no pods in {NS}/{NAME}; left alone: {NAME}-{rs_hash(3)}-crash (replaced)"
    )


async def test_pods_named_without_uids_are_pinned_to_the_pods_listed(tmp_path):
    """A sample read back from a journal has no uids (they are not journaled): the pods are
    found by the name shown, and each DELETE is pinned to the uid the action listed."""
    names = shown_failing()["pods"]
    async with cluster(tmp_path, failing_pods()) as k8s:
        result = await act(k8s, "delete_failing_pods", {"pods": names})
        deletes = writes(k8s)
    assert [r.url.path.rsplit("/", 1)[1] for r in deletes] == names
    assert [r.data["preconditions"] for r in deletes] == [{"uid": f"uid-{n}"} for n in names]
    assert result.startswith("deleted 3 pods: ")


async def test_a_request_naming_no_pods_deletes_nothing(tmp_path):
    async with cluster(tmp_path, failing_pods()) as k8s:
        with pytest.raises(ActionRefused, match=r"^no pods named: the console deletes only"):
            await act(k8s, "delete_failing_pods", {})
        assert writes(k8s) == []


async def test_a_pod_gone_meanwhile_is_not_a_failure(tmp_path):
    async with cluster(tmp_path, failing_pods()) as k8s:
        k8s.fail("delete", PODS, status(404, "NotFound", 'pods "x" not found'))
        result = await act(k8s, "delete_failing_pods", shown_failing())
        assert len(writes(k8s)) == 3
    async with cluster(tmp_path, failing_pods()) as k8s:
        k8s.fail("delete", PODS, status(403, "Forbidden", 'pods "y" is forbidden: no'))
        with pytest.raises(ActionRefused) as caught:
            await act(k8s, "delete_failing_pods", shown_failing())
    assert result.startswith("deleted 2 pods: ")
    assert result.endswith(f"; left alone: {NAME}-{rs_hash(3)}-crash (gone)")
    assert str(caught.value).endswith('-crash: pods "y" is forbidden: no')


async def test_circuit_breaker_is_the_guides_merge_patch(tmp_path):
    async with cluster(tmp_path, healthy(NAME)) as k8s:
        k8s.api.objects[CONFIGMAPS, NS, "app-config"] = app_config()
        k8s.api.objects[CONFIGMAPS, NS, "breakers"] = {**app_config(), "metadata": {}}
        assert await act(k8s, "circuit_breaker") == (
            'configmap/app-config patched (circuit_breaker_enabled="true")'
        )
        await act(k8s, "circuit_breaker", configmap="breakers", configmap_key="payments")
        patch, custom = writes(k8s)
        data = k8s.api.objects[CONFIGMAPS, NS, "app-config"]["data"]
    assert (patch.method, patch.url.path) == (
        "PATCH",
        f"/api/v1/namespaces/{NS}/configmaps/app-config",
    )
    assert dict(patch.params) == {"fieldManager": "kubectl-patch", "fieldValidation": "Strict"}
    assert content_type(patch) == MERGE
    assert patch.data == {"data": {"circuit_breaker_enabled": "true"}}
    assert data == {"mode": "x", "circuit_breaker_enabled": "true"}
    assert custom.url.path.endswith("/configmaps/breakers")
    assert custom.data == {"data": {"payments": "true"}}


# ---- dry run, permissions, errors ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "params", "sent"),
    [
        ("restart", {}, 1),
        ("rollout_undo", {}, 1),
        ("scale", {"replicas": 3}, 1),
        ("delete_failing_pods", shown_failing(), 3),
        ("circuit_breaker", {}, 1),
    ],
)
async def test_server_dry_run_sends_dry_run_all(tmp_path, action, params, sent):
    objects = [*failing_pods(), replicaset(NAME, 2, 0)]
    async with cluster(tmp_path, objects) as k8s:
        k8s.api.objects[CONFIGMAPS, NS, "app-config"] = app_config()
        result = await act(k8s, action, params, dry_run=True)
        sent_writes = writes(k8s)
    assert result.endswith("(server dry run: nothing changed)")
    assert len(sent_writes) == sent
    assert all(r.params.get("dryRun") == "All" for r in sent_writes)
    for r in sent_writes:
        if r.method == "DELETE":  # the server reads a DELETE's options from its body
            assert r.data["dryRun"] == ["All"]


async def test_permissions_ask_one_review_per_verb(tmp_path):
    async with cluster(tmp_path, healthy(NAME)) as k8s:
        actions = actions_for(k8s)
        try:
            assert await actions.permissions() == dict.fromkeys(REMEDIATIONS)
            reviews = k8s.requests("selfsubjectaccessreviews")
            k8s.api.allowed -= {"patch deployments", "delete pods"}
            denied = await actions.permissions()
        finally:
            await actions.close()
    asked = {
        (a["verb"], a["resource"], a.get("subresource", ""), a["group"], a["namespace"])
        for a in (r.data["spec"]["resourceAttributes"] for r in reviews)
    }
    assert asked == {
        ("get", "deployments", "", "apps", NS),
        ("patch", "deployments", "", "apps", NS),
        ("patch", "deployments", "scale", "apps", NS),
        ("list", "replicasets", "", "apps", NS),
        ("list", "pods", "", "", NS),
        ("delete", "pods", "", "", NS),
        ("patch", "configmaps", "", "", NS),
    }
    assert len(reviews) == len(asked)
    assert denied == {
        "restart": f"forbidden: cannot patch deployments in namespace {NS}",
        "rollout_undo": f"forbidden: cannot patch deployments in namespace {NS}",
        "scale": None,  # the scale subresource is its own permission
        "delete_failing_pods": f"forbidden: cannot delete pods in namespace {NS}",
        "circuit_breaker": None,
    }


async def test_permissions_unknown_when_reviews_fail_or_the_cluster_is_unreachable(tmp_path):
    async with cluster(tmp_path, healthy(NAME)) as k8s:
        k8s.fail("create", REVIEWS, *[status(500, "InternalError", "webhook down")] * 7)
        actions = actions_for(k8s)
        try:
            answers = await actions.permissions()
        finally:
            await actions.close()
    assert set(answers.values()) == {
        "permissions unknown: API server error 500 on create selfsubjectaccessreviews "
        f"in namespace {NS}: webhook down"
    }
    gone = KubernetesActions(kubeconfig=tmp_path / "absent")
    assert set((await gone.permissions()).values()) == {
        f"no kubeconfig at {tmp_path / 'absent'}: set KUBECONFIG or cluster.kubeconfig"
    }


@pytest.mark.parametrize(
    ("code", "reason", "message"),
    [
        (403, "Forbidden", f'deployments.apps "{NAME}" is forbidden: User "ic" cannot patch'),
        (404, "NotFound", f'deployments.apps "{NAME}" not found'),
        (409, "Conflict", f'Operation cannot be fulfilled on deployments.apps "{NAME}"'),
        (422, "Invalid", f'Deployment.apps "{NAME}" is invalid: spec.replicas: Invalid value'),
    ],
)
async def test_refusals_are_the_api_servers_one_line_message(tmp_path, code, reason, message):
    async with cluster(tmp_path, healthy(NAME)) as k8s:
        k8s.fail("update", DEPLOYMENTS, status(code, reason, message + "\x1b[31m\nhidden"))
        with pytest.raises(ActionRefused) as caught:
            await act(k8s, "restart")
    assert str(caught.value) == message + " hidden"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert TOKEN not in str(caught.value)


async def test_an_unreachable_cluster_and_an_unknown_deployment(tmp_path):
    refused = write_kubeconfig(tmp_path / "refused", "http://127.0.0.1:1")
    actions = KubernetesActions(kubeconfig=refused)
    with pytest.raises(ActionRefused, match=r"^connection refused by 127\.0\.0\.1:1: "):
        await actions.run("restart", TARGET, {}, False, NOW)
    await actions.close()
    async with cluster(tmp_path, healthy(NAME)) as k8s:
        missing = status(404, "NotFound", 'deployments.apps "nope" not found')
        k8s.fail("fetch", DEPLOYMENTS, missing)
        with pytest.raises(ActionRefused, match=r'^deployments\.apps "nope" not found$'):
            await act(k8s, "scale", {"replicas": 1}, target=f"{NS}/nope")
        with pytest.raises(ActionRefused, match="not a Kubernetes action"):
            await act(k8s, "terminate_backend")
        assert writes(k8s) == []


async def test_a_scale_made_from_the_console_reaches_the_services_pane_through_the_watch(
    tmp_path,
):
    async with cluster(tmp_path, healthy(NAME)) as k8s:
        probe = KubernetesProbe([NAME], context=k8s.context, kubeconfig=k8s.kubeconfig)
        try:

            async def desired() -> int:
                (sampled,) = await probe.sample(NOW)
                return sampled.deployments[0].desired

            assert await desired() == 2
            await act(k8s, "scale", {"replicas": 5})
            assert await eventually(desired, lambda n: n == 5) == 5
            lists = [r for r in k8s.requests("deployments") if r.action == action.LIST]
            assert len(lists) == 1  # the change came by the watch, not by listing again
        finally:
            await probe.close()
