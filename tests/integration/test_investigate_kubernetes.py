"""The investigation's Kubernetes reads against kmock over real HTTP: rollout history from
ReplicaSets, events, pods' last termination, pod logs (the previous container's too), the
metrics API, and a read RBAC denies shown disabled with its reason."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from kmock import Response, resource

from probes.investigate.base import run_section
from probes.investigate.kubernetes import KubernetesInvestigation
from tests.integration.k8s_emulator import PODS, Cluster, cluster, status
from tests.integration.k8s_objects import (
    T0,
    deployment,
    event,
    pod,
    replicaset,
    ts,
)

SERVICE = "tracklist-service"
CHANGE_CAUSE = "kubernetes.io/change-cause"
POD_METRICS = resource("metrics.k8s.io", "v1beta1", "pods")
NODE_METRICS = resource("metrics.k8s.io", "v1beta1", "nodes")
NEW = "2026-03-02T13:58:{s:02d}.123456789Z ERROR [req {req:012x}] KeyError: 'artist_credit' id={n}"
OLD = "2026-03-02T13:50:{s:02d}.000000000Z FATAL worker {n} exceeded memory limit: MemoryError"


def objects() -> list[dict[str, Any]]:
    new = replicaset(SERVICE, 3, 2)
    new["metadata"]["creationTimestamp"] = ts(-120)  # 2 minutes before
    new["metadata"]["annotations"][CHANGE_CAUSE] = "release v3 (pipeline #4812)"
    new["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "POOL", "value": "50"}]
    old = replicaset(SERVICE, 2, 0)
    old["metadata"]["creationTimestamp"] = ts(-3 * 86400)  # outside the 24 h window
    return [
        deployment(SERVICE, replicas=2, ready=1),
        new,
        old,
        pod(SERVICE, "aaaaa"),
        pod(
            SERVICE,
            "bbbbb",
            ready=False,
            restarts=4,
            waiting="CrashLoopBackOff",
            last_terminated="OOMKilled",
        ),
        event(
            "Pod",
            f"{SERVICE}-x-bbbbb",
            "BackOff",
            "Back-off restarting failed container",
            at=-30,
            count=7,
        ),
        event(
            "Deployment",
            SERVICE,
            "ScalingReplicaSet",
            "Scaled up replica set",
            at=-120,
            type="Normal",
        ),
        event("ConfigMap", "app-config", "Updated", "data changed", at=-200, type="Normal"),
        event("Pod", "long-gone", "BackOff", "seven hours ago", at=-7 * 3600),
    ]


def logs(request: Any) -> Any:
    if request.params.get("previous") == "true":
        lines = [OLD.format(s=i, n=i) for i in range(3)]
    else:
        lines = [NEW.format(s=i % 60, req=i * 7919, n=1000 + i) for i in range(25)]
        lines += ["2026-03-02T13:59:00.000000000Z INFO GET /tracklists/1 200 12 ms"] * 40
    # as the API server sends a log: plain text
    return Response(payload="\n".join(lines).encode(), headers={"Content-Type": "text/plain"})


@asynccontextmanager
async def investigating(tmp_path) -> AsyncIterator[tuple[Cluster, KubernetesInvestigation]]:
    async with cluster(tmp_path, *objects()) as k8s:
        k8s.api["get", PODS, k8s.api.subresource("log")] << logs
        k8s.api["list", POD_METRICS] << {
            "items": [
                {
                    "metadata": {"name": f"{SERVICE}-x-aaaaa"},
                    "containers": [{"name": SERVICE, "usage": {"cpu": "250m", "memory": "300Mi"}}],
                },
                {"metadata": {"name": "other-pod"}, "containers": []},
            ]
        }
        k8s.api["list", NODE_METRICS] << {
            "items": [{"metadata": {"name": "node-1"}, "usage": {"cpu": "1200m", "memory": "6Gi"}}]
        }
        investigation = KubernetesInvestigation(
            [SERVICE], context=k8s.context, kubeconfig=k8s.kubeconfig, now=lambda: T0
        )
        try:
            yield k8s, investigation
        finally:
            await investigation.close()


class Only:
    """The Kubernetes parts of one step, as the live investigator wires them."""

    def __init__(self, investigation: KubernetesInvestigation) -> None:
        self.k = investigation

    def services(self) -> list[str]:
        return [SERVICE]

    def parts(self, step: str, service: str | None) -> list:
        k = self.k
        return {
            "changes": [("Rollouts", k.rollouts), ("Events", k.events), ("Config", k.config)],
            "state": [("Pods", k.pods), ("Nodes", k.nodes), ("Usage", k.usage)],
            "errors": [("Logs", lambda: k.logs(service))],
        }[step]


async def test_what_changed_finds_the_rollout_2_minutes_before_and_warnings_first(tmp_path):
    async with investigating(tmp_path) as (_, k):
        findings, unavailable = await run_section(Only(k), "changes", None)
    assert unavailable == ()
    rollouts = [f.text for f in findings if f.part == "Rollouts"]
    assert rollouts == [
        f"{SERVICE} revision 3 at 13:58:00 (2 min ago): image ghcr.io/tracktion/{SERVICE}:v2 "
        f"-> ghcr.io/tracktion/{SERVICE}:v3; change-cause: release v3 (pipeline #4812)"
    ]
    events = [f.text for f in findings if f.part == "Events"]
    assert events[0].startswith("13:59:30 Warning BackOff pod/") and "x7" in events[0]
    assert "ScalingReplicaSet" in events[1] and "Updated" in events[2]  # then newest first
    assert not any("seven hours ago" in e for e in events)  # older than 6 h
    config = [f.text for f in findings if f.part == "Config"]
    assert "configmap/app-config Updated: data changed" in config
    assert any(f"deployment/{SERVICE} template changed" in c and ".env" in c for c in config)


async def test_system_state_shows_the_oomkilled_pod_and_the_metrics_api(tmp_path):
    async with investigating(tmp_path) as (_, k):
        findings, unavailable = await run_section(Only(k), "state", None)
    assert unavailable == ()
    pods = [f.text for f in findings if f.part == "Pods"]
    assert pods == [
        f"{SERVICE}-{replicaset(SERVICE, 3, 0)['metadata']['name'].split('-')[-1]}-bbbbb Running "
        "not ready (CrashLoopBackOff), restarts 4; last termination OOMKilled, exit code 137"
    ]
    usage = [f.text for f in findings if f.part == "Usage"]
    assert usage == [
        "node node-1: cpu 1200m, memory 6Gi",
        f"pod {SERVICE}-x-aaaaa/{SERVICE}: cpu 250m, memory 300Mi",
    ]


async def test_logs_are_grouped_with_the_previous_container_of_a_restarted_one(tmp_path):
    async with investigating(tmp_path) as (k8s, k):
        findings, unavailable = await run_section(Only(k), "errors", SERVICE)
        reads = [r for r in k8s.requests("pods") if r.subresource == "log"]
    assert unavailable == ()
    assert sorted(r.params.get("previous", "-") for r in reads) == ["-", "-", "true"]
    assert all(r.params["tailLines"] == "1000" for r in reads)
    texts = [f.text for f in findings]
    assert texts[0] == (
        f"{SERVICE}: last 1000 lines of 2 pods (3 logs), 53 ERROR/FATAL/Exception lines in 2 groups"
    )
    assert texts[1] == "x50 13:58:00..13:58:24 ERROR [req <hex>] KeyError: <str> id=<n>"
    assert texts[2] == "x3 13:50:00..13:50:02 FATAL worker <n> exceeded memory limit: MemoryError"


async def test_a_read_rbac_denies_is_shown_disabled_and_the_rest_still_answers(tmp_path):
    async with investigating(tmp_path) as (k8s, k):
        k8s.api.allowed -= {"get pods/log", "list events"}
        logs_found, logs_missing = await run_section(Only(k), "errors", SERVICE)
        changes, missing = await run_section(Only(k), "changes", None)
    assert logs_found == ()
    assert logs_missing == (
        "Logs: disabled, forbidden: cannot get pods/log in namespace tracktion (RBAC)",
    )
    assert [f.part for f in changes] == ["Rollouts"]
    assert missing == (
        "Events: disabled, forbidden: cannot list events in namespace tracktion (RBAC)",
        "Config: disabled, forbidden: cannot list events in namespace tracktion (RBAC)",
    )


async def test_without_metrics_server_usage_says_so(tmp_path):
    async with cluster(tmp_path, *objects()) as k8s:
        # an API server without metrics-server does not serve the group at all
        gone = status(404, "NotFound", "the server could not find the requested resource")
        k8s.api["list", POD_METRICS] << gone
        k8s.api["list", NODE_METRICS] << gone
        k = KubernetesInvestigation(
            [SERVICE], context=k8s.context, kubeconfig=k8s.kubeconfig, now=lambda: T0 + timedelta()
        )
        try:
            findings, unavailable = await run_section(Only(k), "state", None)
        finally:
            await k.close()
    assert [f.part for f in findings if f.part == "Usage"] == []
    assert len(unavailable) == 1
    assert unavailable[0].startswith(
        "Usage: not configured, metrics-server (metrics.k8s.io) does not answer"
    )


async def test_a_live_console_investigates_its_cluster(tmp_path):
    """`g` on a live console: the live wiring reads kmock, and the snapshot is journaled."""
    from state.events import InvestigationShown
    from state.journal.store import Journal
    from tests.opening import open_live
    from tests.tui.waiting import shown
    from tui.app import WarroomApp
    from tui.config import parse
    from widgets.investigate import InvestigateScreen

    async with investigating(tmp_path) as (k8s, _):
        config = parse(
            {
                "cluster": {
                    "services": [SERVICE],
                    "namespace": "tracktion",
                    "context": k8s.context,
                    "kubeconfig": str(k8s.kubeconfig),
                }
            }
        )
        path = tmp_path / "live.warroom"
        wiring = open_live(config, path, "alice")
        assert wiring.investigator is not None
        app = WarroomApp(
            wiring.recorder,
            wiring.clock,
            operator="alice",
            watch_terminal=False,
            investigator=wiring.investigator,
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("g")
            await shown(pilot, InvestigateScreen)
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("2")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
        wiring.recorder.journal.close()
    with Journal.open(path, read_only=True) as journal:
        shown_ = [e for e in journal.events() if isinstance(e, InvestigationShown)]
    assert [s.step for s in shown_] == ["changes", "state"]
    pods = [f.text for f in shown_[1].findings if f.part == "Pods"]
    assert len(pods) == 1 and pods[0].endswith("last termination OOMKilled, exit code 137")


async def test_after_an_undo_what_changed_names_the_image_the_rollout_replaced(tmp_path):
    """`kubectl rollout undo` scales the old ReplicaSet back up: it takes the next revision
    (4) and keeps its old one in deployment.kubernetes.io/revision-history ("2"). Revision 3
    replaced v2, not v1, whatever numbers are left in the history."""
    first = replicaset(SERVICE, 1, 0)
    first["metadata"]["creationTimestamp"] = ts(-3 * 86400)
    bad = replicaset(SERVICE, 3, 0)
    bad["metadata"]["creationTimestamp"] = ts(-600)
    restored = replicaset(SERVICE, 4, 2, image=f"ghcr.io/tracktion/{SERVICE}:v2")
    restored["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] = "2"
    restored["metadata"]["creationTimestamp"] = ts(-3600)  # made for revision 2, an hour ago
    objects = (deployment(SERVICE, replicas=2, ready=2), first, bad, restored)
    async with cluster(tmp_path, *objects) as k8s:
        k = KubernetesInvestigation(
            [SERVICE], context=k8s.context, kubeconfig=k8s.kubeconfig, now=lambda: T0
        )
        try:
            rollouts = [f.text for f in await k.rollouts()]
        finally:
            await k.close()
    image = f"ghcr.io/tracktion/{SERVICE}"
    assert rollouts == [  # the newest first; the rollback's ReplicaSet is older than it is
        f"{SERVICE} revision 4, a rollback to the ReplicaSet made at 13:00:00 (60 min ago) "
        "(the deployment last progressed at 13:59:00, 60 s ago): "
        f"image {image}:v3 -> {image}:v2; change-cause: no change-cause",
        f"{SERVICE} revision 3 at 13:50:00 (10 min ago): image {image}:v2 -> {image}:v3; "
        "change-cause: no change-cause",
    ]


async def rollouts_after_undo(tmp_path, progressed_ago: int) -> list[str]:
    """What changed, for a deployment rolled back to a 3-day-old ReplicaSet from one made 2
    days ago (none in the 24 h window), the deployment last progressing `progressed_ago` s
    before now."""
    first = replicaset(SERVICE, 3, 2, image=f"ghcr.io/tracktion/{SERVICE}:v1")
    first["metadata"]["creationTimestamp"] = ts(-3 * 86400)
    first["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] = "1"
    bad = replicaset(SERVICE, 2, 0, image=f"ghcr.io/tracktion/{SERVICE}:v2")
    bad["metadata"]["creationTimestamp"] = ts(-2 * 86400)
    rolled = deployment(SERVICE, replicas=2, ready=2, revision=3)
    for condition in rolled["status"]["conditions"]:
        condition["lastUpdateTime"] = ts(-progressed_ago)
    async with cluster(tmp_path, rolled, first, bad) as k8s:
        k = KubernetesInvestigation(
            [SERVICE], context=k8s.context, kubeconfig=k8s.kubeconfig, now=lambda: T0
        )
        try:
            return [f.text for f in await k.rollouts()]
        finally:
            await k.close()


async def test_a_rollback_today_to_an_old_replicaset_is_listed(tmp_path):
    """`kubectl rollout undo` 5 minutes ago back to a ReplicaSet made 3 days ago: no
    ReplicaSet was made in the window, yet the rollback is today's change, and the likeliest
    cause. The API keeps no time for the undo itself: the deployment's last progress bounds
    it, and the finding says which time is which."""
    image = f"ghcr.io/tracktion/{SERVICE}"
    assert await rollouts_after_undo(tmp_path, 300) == [
        f"{SERVICE} revision 3, a rollback to the ReplicaSet made at 2026-02-27 14:00:00 "
        "(3.0 d ago) "
        "(the deployment last progressed at 13:55:00, 5 min ago): "
        f"image {image}:v2 -> {image}:v1; change-cause: no change-cause",
    ]


async def test_a_rollback_before_the_window_is_not_listed(tmp_path):
    """The deployment last progressed 2 days ago: the rollback came before that, outside
    the guide's 24 h window."""
    assert await rollouts_after_undo(tmp_path, 2 * 86400 - 60) == [
        "no rollout of a watched deployment in the last 24 h"
    ]


async def test_what_changed_lists_rollouts_newest_first_across_deployments(tmp_path):
    """Forty services, three rolled out today: the latest change leads (it is the likeliest
    cause), as the events do, whatever order the deployments are named or listed in."""
    other = "analysis-service"
    ours = [replicaset(SERVICE, 1, 0), replicaset(SERVICE, 2, 2)]
    ours[0]["metadata"]["creationTimestamp"] = ts(-7200)
    ours[1]["metadata"]["creationTimestamp"] = ts(-600)
    theirs = replicaset(other, 5, 2, image=f"ghcr.io/tracktion/{other}:v5")
    theirs["metadata"]["creationTimestamp"] = ts(-120)
    objects = (
        deployment(SERVICE, replicas=2, ready=2),
        deployment(other, replicas=2, ready=2),
        *ours,
        theirs,
    )
    async with cluster(tmp_path, *objects) as k8s:
        k = KubernetesInvestigation(
            [SERVICE, other], context=k8s.context, kubeconfig=k8s.kubeconfig, now=lambda: T0
        )
        try:
            rollouts = [f.text.split(":", 1)[0] for f in await k.rollouts()]
        finally:
            await k.close()
    assert rollouts == [
        f"{other} revision 5 at 13",  # 2 min ago
        f"{SERVICE} revision 2 at 13",  # 10 min ago
        f"{SERVICE} revision 1 at 12",  # 2 h ago
    ]
