"""The Kubernetes probe against an API server on loopback, through the official client."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from kmock import Response, action

from probes.kubernetes.read import KubernetesError, KubernetesProbe, check_kubernetes, connect
from probes.scheduler import ProbeScheduler
from state.clock import FrozenClock
from state.events import DeploymentsSampled, DeploymentStatus, ProbeFailed, ProbeRecovered
from tests.integration.k8s_emulator import (
    DEPLOYMENTS,
    PODS,
    REVIEWS,
    TOKEN,
    cluster,
    status,
    write_kubeconfig,
)
from tests.integration.k8s_objects import (
    NS,
    deployment,
    event,
    healthy,
    pod,
    replicaset,
    rs_hash,
)
from tests.servers.sessions import eventually

pytestmark = pytest.mark.integration
NOW = datetime(2026, 3, 2, 14, 1, tzinfo=UTC)
SERVICES = ("analysis-service", "file-watcher")


def probe_for(k8s, services=SERVICES, **kwargs) -> KubernetesProbe:
    return KubernetesProbe(services, context=k8s.context, kubeconfig=k8s.kubeconfig, **kwargs)


async def sample(k8s, services=SERVICES, **kwargs) -> dict[str, DeploymentStatus]:
    probe = probe_for(k8s, services, **kwargs)
    try:
        (event_,) = await probe.sample(NOW)
    finally:
        await probe.close()
    assert isinstance(event_, DeploymentsSampled)
    assert event_.at == NOW
    return {d.name: d for d in event_.deployments}


async def test_healthy_deployments(tmp_path):
    async with cluster(tmp_path, healthy("analysis-service"), healthy("file-watcher", 3, 8)) as k8s:
        found = await sample(k8s)
    a, f = found["analysis-service"], found["file-watcher"]
    assert list(found) == list(SERVICES)  # in the configured order
    assert (a.namespace, a.desired, a.ready, a.updated, a.revision) == (NS, 2, 2, 2, 3)
    assert a.rollout is None and not a.paused and a.warnings == ()
    assert [(p.phase, p.reason, p.ready, p.restarts) for p in a.pods] == [
        ("Running", None, True, 0)
    ] * 2
    assert (f.desired, f.revision, len(f.pods)) == (3, 8, 3)


KINDS = ("deployments", "replicasets", "pods", "events")


def lists(k8s, plural):
    return [r for r in k8s.requests(plural) if r.action == action.LIST]


def watches(k8s, plural=None):
    return [r for r in k8s.requests(plural) if r.action == action.WATCH]


async def test_each_kind_is_listed_once_then_watched_from_the_lists_version(tmp_path):
    async with cluster(tmp_path, healthy("analysis-service"), healthy("file-watcher")) as k8s:
        probe = probe_for(k8s)
        try:
            for _ in range(3):
                await probe.sample(NOW)
            await eventually(_now(lambda: watches(k8s)), lambda w: len(w) == len(KINDS))
            for plural in KINDS:
                (listed,) = lists(k8s, plural)  # three refreshes, one LIST of each kind
                assert listed.namespace == NS
                assert "labelSelector" not in listed.params  # the namespace's, as k9s lists
                (watch,) = watches(k8s, plural)
                assert watch.namespace == NS
                assert watch.params["resourceVersion"] == str(k8s.api.version)
                assert watch.params["allowWatchBookmarks"] == "true"
                assert int(watch.params["timeoutSeconds"]) > 0
            assert lists(k8s, "events")[0].params["fieldSelector"] == "type=Warning"
            assert watches(k8s, "events")[0].params["fieldSelector"] == "type=Warning"
            assert not [r for r in k8s.requests() if r.name is not None]  # no GET of one object
            # the bearer token from the kubeconfig is what authenticates every request
            assert all(
                r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in k8s.requests("pods")
            )
        finally:
            await probe.close()


def _now(read):
    async def check():
        return read()

    return check


async def test_a_change_reaches_the_next_refresh_through_the_watch_without_a_list(tmp_path):
    name = "analysis-service"
    async with cluster(tmp_path, healthy(name), healthy("file-watcher")) as k8s:
        probe = probe_for(k8s)
        try:

            async def shown():
                (sampled,) = await probe.sample(NOW)
                return {d.name: d for d in sampled.deployments}[name]

            first = await shown()
            assert [p.reason for p in first.pods] == [None, None]
            await eventually(_now(lambda: watches(k8s, "pods")), bool)
            crashed = pod(name, "p0x3", ready=False, restarts=7, waiting="CrashLoopBackOff")
            k8s.add(
                crashed,
                deployment(name, ready=1),
                event(
                    "Pod",
                    crashed["metadata"]["name"],
                    "BackOff",
                    "Back-off restarting failed container",
                    at=30,
                ),
            )
            # the three watches (deployments, pods, events) each bring their own change
            found = await eventually(
                shown, lambda d: d.ready == 1 and d.warnings and any(p.reason for p in d.pods)
            )
            assert [(p.reason, p.restarts) for p in found.pods] == [
                ("CrashLoopBackOff", 7),
                (None, 0),
            ]
            assert found.warnings == ("BackOff: Back-off restarting failed container",)
            k8s.remove(crashed)
            found = await eventually(shown, lambda d: len(d.pods) == 1)
            assert [p.name for p in found.pods] == [f"{name}-{rs_hash(3)}-p1x3"]
            assert all(len(lists(k8s, plural)) == 1 for plural in KINDS)
        finally:
            await probe.close()


async def test_a_refresh_with_nothing_changed_folds_nothing_again(tmp_path):
    async with cluster(tmp_path, healthy("analysis-service"), healthy("file-watcher")) as k8s:
        probe = probe_for(k8s)
        try:
            (a,) = await probe.sample(NOW)
            (b,) = await probe.sample(NOW)
        finally:
            await probe.close()
    # the very same statuses: no object was read again
    assert all(x is y for x, y in zip(a.deployments, b.deployments, strict=True))


async def test_an_api_server_that_stops_answering_shows_though_its_watches_say_nothing(tmp_path):
    import asyncio

    async def hang(request):
        await asyncio.sleep(2)

    async with cluster(tmp_path, healthy("analysis-service"), healthy("file-watcher")) as k8s:
        probe = probe_for(k8s, timeout=0.3)
        try:
            await probe.sample(NOW)
            (k8s.api**1)["get /version/"] << hang  # lists and watches stay as they were
            with pytest.raises(KubernetesError, match=r"^timed out after 0\.3 s waiting for"):
                await probe.sample(NOW)
        finally:
            await probe.close()
        assert all(len(lists(k8s, plural)) == 1 for plural in KINDS)


async def test_410_gone_on_the_watch_relists_at_the_next_refresh(tmp_path):
    name = "analysis-service"
    async with cluster(tmp_path, healthy(name), healthy("file-watcher")) as k8s:
        probe = probe_for(k8s)
        try:
            await probe.sample(NOW)
            await eventually(_now(lambda: watches(k8s)), lambda w: len(w) == len(KINDS))
            k8s.expire()  # the server's watch cache moved on: every watch ends with 410
            await eventually(
                _now(lambda: [i.stale for i in probe.informers.values()]), all, timeout=5
            )
            assert all(i.why_stale is None for i in probe.informers.values())  # not a failure
            k8s.add(deployment(name, replicas=4, ready=2))  # a change no watch delivered
            (sampled,) = await probe.sample(NOW)
            assert {d.name: d.desired for d in sampled.deployments}[name] == 4
            assert all(len(lists(k8s, plural)) == 2 for plural in KINDS)
            # and the new watches resume from the new list's version
            await eventually(_now(lambda: watches(k8s)), lambda w: len(w) == 2 * len(KINDS))
            assert {w.params["resourceVersion"] for w in watches(k8s)[len(KINDS) :]} == {
                str(k8s.api.version)
            }
        finally:
            await probe.close()


async def test_a_watch_the_server_ends_resumes_from_the_last_version_seen(tmp_path):
    name = "analysis-service"
    async with cluster(tmp_path, healthy(name), healthy("file-watcher")) as k8s:
        k8s.api.bookmark_every = 0.2
        probe = probe_for(k8s, watch_seconds=1)  # the server ends each watch after 1 s
        try:
            await probe.sample(NOW)
            k8s.add(deployment(name, replicas=5, ready=2))
            resumed = await eventually(
                _now(lambda: watches(k8s, "deployments")), lambda w: len(w) >= 2
            )
            versions = [int(w.params["resourceVersion"]) for w in resumed]
            assert versions[1] > versions[0]  # not from the list's version: no change twice
            (sampled,) = await probe.sample(NOW)
            assert {d.name: d.desired for d in sampled.deployments}[name] == 5
            assert all(len(lists(k8s, plural)) == 1 for plural in KINDS)
        finally:
            await probe.close()


async def test_pods_of_other_deployments_are_not_counted(tmp_path):
    # kmock does not filter by labelSelector: the probe's own selector check must
    stray = pod("analysis-service", "zzz", labels={"app": "billing"})
    async with cluster(
        tmp_path, healthy("analysis-service"), healthy("file-watcher"), stray
    ) as k8s:
        found = await sample(k8s)
    assert len(found["analysis-service"].pods) == 2
    assert all("zzz" not in p.name for d in found.values() for p in d.pods)


async def test_crash_loop_with_restarts_and_warnings_newest_first(tmp_path):
    name = "analysis-service"
    crashing = [
        pod(
            name,
            "aaaaa",
            ready=False,
            restarts=7,
            waiting="CrashLoopBackOff",
            last_terminated="Error",
        ),
        pod(
            name,
            "bbbbb",
            ready=False,
            restarts=6,
            waiting="CrashLoopBackOff",
            last_terminated="Error",
        ),
    ]
    warnings = [
        event(
            "Pod",
            crashing[0]["metadata"]["name"],
            "BackOff",
            "Back-off restarting failed container",
            at=30,
            count=12,
        ),
        event(
            "Pod",
            crashing[1]["metadata"]["name"],
            "BackOff",
            "Back-off restarting\x1b[31m failed\ncontainer",
            at=50,
        ),
        event(
            "Pod",
            f"{name}-{rs_hash(3)}-gone1",
            "Unhealthy",
            "Readiness probe failed: HTTP 503",
            at=10,
        ),
        event("Pod", "billing-5d4f-xyz", "BackOff", "not ours", at=60),
        event("Deployment", name, "Normal", "scaled", at=70, type="Normal"),
        *(
            event("ReplicaSet", f"{name}-{rs_hash(3)}", "FailedCreate", f"quota {i}", at=i)
            for i in range(4)
        ),
    ]
    objects = [deployment(name, ready=0, available=0), replicaset(name, 3, 2), *crashing, *warnings]
    async with cluster(tmp_path, objects, healthy("file-watcher")) as k8s:
        found = await sample(k8s)
    d = found[name]
    assert (d.ready, d.desired) == (0, 2)
    assert [(p.reason, p.ready, p.restarts) for p in d.pods] == [
        ("CrashLoopBackOff", False, 7),
        ("CrashLoopBackOff", False, 6),
    ]
    assert d.warnings == (
        "BackOff: Back-off restarting failed container",  # escape and newline made inert
        "BackOff: Back-off restarting failed container (×12)",
        "Unhealthy: Readiness probe failed: HTTP 503",  # a pod gone, named after its ReplicaSet
        "FailedCreate: quota 3",
        "FailedCreate: quota 2",
    )
    assert found["file-watcher"].warnings == ()


async def test_oom_killed_is_read_from_the_last_termination(tmp_path):
    name = "tracklist-service"
    objects = [
        deployment(name, ready=1, available=1),
        replicaset(name, 3, 2),
        pod(
            name,
            "oom01",
            ready=False,
            restarts=4,
            waiting="CrashLoopBackOff",
            last_terminated="OOMKilled",
        ),
        pod(name, "ok001", restarts=1, last_terminated="OOMKilled"),  # ready again: not reported
    ]
    async with cluster(tmp_path, objects) as k8s:
        found = await sample(k8s, (name,))
    assert [(p.reason, p.restarts) for p in found[name].pods] == [(None, 1), ("OOMKilled", 4)]


async def test_image_pull_backoff_and_pending(tmp_path):
    name = "notification-service"
    objects = [
        deployment(name, replicas=3, ready=1, available=1, total=3),
        replicaset(name, 3, 3),
        pod(name, "img01", phase="Pending", ready=False, waiting="ImagePullBackOff"),
        pod(name, "pen01", phase="Pending", ready=False),
        pod(name, "run01"),
    ]
    async with cluster(tmp_path, objects) as k8s:
        found = await sample(k8s, (name,))
    pods = {p.name.rsplit("-", 1)[1]: p for p in found[name].pods}
    assert (pods["img01"].phase, pods["img01"].reason) == ("Pending", "ImagePullBackOff")
    assert (pods["pen01"].phase, pods["pen01"].reason, pods["pen01"].ready) == (
        "Pending",
        None,
        False,
    )
    assert (pods["run01"].phase, pods["run01"].reason, pods["run01"].ready) == (
        "Running",
        None,
        True,
    )


async def test_rollout_in_progress(tmp_path):
    name = "analysis-service"
    objects = [
        deployment(
            name,
            replicas=2,
            ready=2,
            updated=1,
            total=3,
            revision=5,
            progressing="ReplicaSetUpdated",
        ),
        replicaset(name, 5, 1, image="ghcr.io/tracktion/analysis-service:v5"),
        replicaset(name, 4, 2, image="ghcr.io/tracktion/analysis-service:v4"),
        pod(name, "new01", revision=5, ready=False, phase="Running"),
        pod(name, "old01", revision=4),
        pod(name, "old02", revision=4),
    ]
    async with cluster(tmp_path, objects) as k8s:
        found = await sample(k8s, (name,))
    d = found[name]
    assert (d.revision, d.updated, d.rollout) == (5, 1, "progressing")
    # kubectl rollout status's counts: status.replicas (old pods too), availableReplicas
    assert (d.replicas, d.available) == (3, 2)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"progressing": "ProgressDeadlineExceeded", "updated": 1, "ready": 1},
            "ProgressDeadlineExceeded",
        ),
        ({"generation": 8, "observed": 7}, "progressing"),  # the new spec is not seen yet
        ({"ready": 1, "available": 1}, "progressing"),  # an updated replica is not available
        ({"updated": 1, "paused": True}, "paused"),
        ({}, None),
    ],
)
async def test_rollout_status_reads_like_kubectl(tmp_path, changes, expected):
    name = "file-watcher"
    async with cluster(tmp_path, deployment(name, **changes), replicaset(name, 3, 2)) as k8s:
        found = await sample(k8s, (name,))
    assert found[name].rollout == expected
    assert found[name].paused == bool(changes.get("paused"))


async def test_a_configured_deployment_missing_from_the_namespace_is_left_out(tmp_path):
    async with cluster(tmp_path, healthy("analysis-service")) as k8s:
        found = await sample(k8s, ("analysis-service", "no-such-service"))
        assert list(found) == ["analysis-service"]
        with pytest.raises(
            KubernetesError,
            match="none of the deployments no-such-service is in namespace tracktion",
        ):
            await sample(k8s, ("no-such-service",))


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (
            status(403, "Forbidden", 'pods is forbidden: User "ic" cannot list resource "pods"'),
            "forbidden: cannot list pods in namespace tracktion (RBAC)",
        ),
        (
            status(401, "Unauthorized", "Unauthorized"),
            "unauthorized: the API server rejected the credentials of context kmock "
            "(log in again or renew the token)",
        ),
        (
            status(500, "InternalError", "etcdserver: request timed out\x1b]0;owned\x07"),
            "API server error 500 on list pods in namespace tracktion: "
            "etcdserver: request timed out",
        ),
        (
            Response(
                status=200,
                payload=b"<html>proxy login</html>",
                headers={"Content-Type": "text/html"},
            ),
            "malformed reply to list pods in namespace tracktion from 127.0.0.1:",
        ),
        (
            Response(
                status=200, payload=b"{not json", headers={"Content-Type": "application/json"}
            ),
            "malformed reply to list pods in namespace tracktion from 127.0.0.1:",
        ),
        (
            Response(status=200, payload={"kind": "PodList", "items": [{"metadata": 5}]}),
            "malformed reply to list pods in namespace tracktion from 127.0.0.1:",
        ),
    ],
    ids=["403", "401", "500", "html", "bad-json", "wrong-shape"],
)
async def test_errors_are_one_line_reasons_without_secrets(tmp_path, reply, reason):
    async with cluster(tmp_path, healthy("analysis-service")) as k8s:
        k8s.fail("list", PODS, reply)
        with pytest.raises(KubernetesError) as caught:
            await sample(k8s, ("analysis-service",))
    message = str(caught.value)
    assert message.startswith(reason)
    assert "\n" not in message and "\x1b" not in message and TOKEN not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


async def test_unreachable_api_servers(tmp_path):
    refused = write_kubeconfig(tmp_path / "refused", "http://127.0.0.1:1")
    unknown = write_kubeconfig(tmp_path / "dns", "https://api.no-such-cluster.invalid:6443")
    cases = [
        (refused, r"^connection refused by 127\.0\.0\.1:1: is the API server up"),
        (unknown, r"^DNS lookup failed for api\.no-such-cluster\.invalid:6443$"),
    ]
    for kubeconfig, reason in cases:
        probe = KubernetesProbe(SERVICES, kubeconfig=kubeconfig)
        try:
            with pytest.raises(KubernetesError, match=reason):
                await probe.sample(NOW)
        finally:
            await probe.close()


async def test_a_hanging_api_server_times_out(tmp_path):
    import asyncio

    async def hang(request):
        await asyncio.sleep(1)

    async with cluster(tmp_path, healthy("analysis-service")) as k8s:
        k8s.api["list", DEPLOYMENTS] << hang
        with pytest.raises(
            KubernetesError, match=r"^timed out after 0\.3 s waiting for 127\.0\.0\.1:"
        ):
            await sample(k8s, timeout=0.3)
        # through the scheduler, the request's own timeout is what the pane says: the
        # sample's is only a backstop above it
        emitted: list = []
        probe = probe_for(k8s, timeout=0.3)
        assert probe.timeout > probe.request_timeout == 0.3
        scheduler = ProbeScheduler([probe], FrozenClock(NOW), emitted.append)
        await scheduler.sample_once(probe)
        await scheduler.stop()
    (failed,) = emitted
    assert isinstance(failed, ProbeFailed)
    assert failed.reason.startswith("timed out after 0.3 s waiting for 127.0.0.1:")


def test_kubeconfig_problems_are_one_line(tmp_path, monkeypatch):
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(KubernetesError, match=r"^no kubeconfig at .*/nothing: set KUBECONFIG"):
        connect(kubeconfig=tmp_path / "nothing")
    path = write_kubeconfig(tmp_path / "config", "http://127.0.0.1:1")
    with pytest.raises(
        KubernetesError, match=r"^context 'staging' not found in .*config \(kubectl config"
    ):
        connect(context="staging", kubeconfig=path)
    (tmp_path / "broken").write_text("users: [")
    with pytest.raises(KubernetesError, match=r"^kubeconfig .*broken: "):
        connect(kubeconfig=tmp_path / "broken")


def test_namespace_comes_from_the_flag_else_the_context_else_default(tmp_path, monkeypatch):
    with_ns = write_kubeconfig(tmp_path / "a", "http://127.0.0.1:1", namespace="tracktion")
    without = write_kubeconfig(tmp_path / "b", "http://127.0.0.1:1", namespace=None)
    assert connect(kubeconfig=with_ns).namespace == "tracktion"
    assert connect(kubeconfig=with_ns, namespace="staging").namespace == "staging"
    assert connect(kubeconfig=without).namespace == "default"
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(tmp_path / "missing"), str(with_ns)]))
    conn = connect()
    assert (conn.context, conn.namespace, conn.host) == ("kmock", "tracktion", "127.0.0.1:1")


def test_interval_below_two_seconds_is_refused():
    with pytest.raises(ValueError, match="at least 2 s"):
        KubernetesProbe(SERVICES, interval=1.0)


async def test_failure_is_journaled_once_per_change_then_recovery_once(tmp_path):
    clock = FrozenClock(NOW)
    emitted: list = []
    async with cluster(tmp_path, healthy("analysis-service"), healthy("file-watcher")) as k8s:
        forbidden = status(403, "Forbidden", "no")
        k8s.fail("list", PODS, forbidden, forbidden, status(500, "InternalError", "boom"))
        probe = probe_for(k8s)
        scheduler = ProbeScheduler([probe], clock, emitted.append)
        for _ in range(5):  # the pods are listed again at each refresh until a list answers
            await scheduler.sample_once(probe)
            clock.advance(2)
        await scheduler.stop()
    kinds = [type(e).__name__ for e in emitted]
    assert kinds == [
        "ProbeFailed",
        "ProbeFailed",
        "ProbeRecovered",
        "DeploymentsSampled",
        "DeploymentsSampled",
    ]
    first, second = emitted[0], emitted[1]
    assert isinstance(first, ProbeFailed) and isinstance(second, ProbeFailed)
    assert first.reason == "forbidden: cannot list pods in namespace tracktion (RBAC)"
    assert second.reason.startswith("API server error 500 on list pods")
    assert isinstance(emitted[2], ProbeRecovered) and emitted[2].source == "kubernetes"
    assert [e.at.second for e in emitted] == [0, 4, 6, 6, 8]


IMPORT_WATCH = """
import asyncio, sys, threading
from datetime import UTC, datetime

class Watch:  # records which thread first imports each client library
    seen = {}
    def find_spec(self, name, path=None, target=None):
        if name in ("kubernetes", "httpx"):
            self.seen.setdefault(name, threading.current_thread() is threading.main_thread())
        return None

sys.meta_path.insert(0, Watch())
import probes.kubernetes.read, probes.health
assert "kubernetes" not in sys.modules and "httpx" not in sys.modules

async def main():
    kube = probes.kubernetes.read.KubernetesProbe(["api"], kubeconfig=sys.argv[1])
    health = probes.health.HealthProbe(["api"], "http://127.0.0.1:1/{service}")
    try:
        await kube.sample(datetime.now(UTC))
    except probes.kubernetes.read.KubernetesError:
        pass
    await health.sample(datetime.now(UTC))
    await kube.close()
    await health.close()

asyncio.run(main())
print(Watch.seen)
"""


def test_client_libraries_load_lazily_and_off_the_event_loop(tmp_path):
    import subprocess
    import sys

    kubeconfig = write_kubeconfig(tmp_path / "k", "http://127.0.0.1:1")
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_WATCH, str(kubeconfig)],
        capture_output=True,
        text=True,
        check=True,
    )
    # False: first imported by a worker thread, so the console never freezes for it
    assert out.stdout.strip() == "{'kubernetes': False, 'httpx': False}"


def test_inside_a_pod_without_kubeconfig_the_service_account_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "none"))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    # no service account token is mounted here: the in-cluster loader says so, in one line
    with pytest.raises(KubernetesError, match=r"^in-cluster config: .*token"):
        connect()


async def test_check_reports_version_latency_and_each_permission(tmp_path):
    async with cluster(tmp_path, healthy("analysis-service")) as k8s:
        k8s.api.allowed -= {"patch configmaps"}
        result = await check_kubernetes(k8s.context, None, k8s.kubeconfig, ["analysis-service"])
        reviews = k8s.requests("selfsubjectaccessreviews")
        host = k8s.url.split("//")[1]
    assert result.ok and result.reachable and result.version == "v1.30.4"
    assert result.target == f"{host} (context kmock, namespace tracktion)"
    assert result.latency_ms is not None and result.latency_ms > 0
    assert "patch configmaps: no" in result.permissions and len(result.permissions) == 13
    assert len(reviews) == 13  # the probe's 5 reads, the actions' 4 writes, Investigate's 4
    assert "get pods/log: yes" in result.permissions
    assert "list pods.metrics.k8s.io: yes" in result.permissions
    assert {r.data["spec"]["resourceAttributes"]["namespace"] for r in reviews} == {NS}


async def test_check_when_access_reviews_fail_or_the_server_is_down(tmp_path):
    async with cluster(tmp_path, healthy("analysis-service")) as k8s:
        k8s.fail("create", REVIEWS, *[status(500, "InternalError", "webhook down")] * 13)
        result = await check_kubernetes(k8s.context, None, k8s.kubeconfig)
    assert result.reachable and not result.ok
    assert all(p.endswith(": unknown") for p in result.permissions)
    assert result.problems == (
        "cannot check permissions: API server error 500 on create selfsubjectaccessreviews "
        "in namespace tracktion: webhook down",
    )
    down = await check_kubernetes(kubeconfig=write_kubeconfig(tmp_path / "k", "http://127.0.0.1:1"))
    assert not down.reachable and down.problems[0].startswith("connection refused by 127.0.0.1:1")
    missing = await check_kubernetes(kubeconfig=tmp_path / "absent")
    assert not missing.reachable and missing.problems[0].startswith("no kubeconfig at")


SAMPLE_MODULES = """
import asyncio, sys
from datetime import UTC, datetime
import probes.kubernetes.read as read

async def main():
    probe = read.KubernetesProbe([sys.argv[3]], context=sys.argv[2], kubeconfig=sys.argv[1])
    (sampled,) = await probe.sample(datetime.now(UTC))
    await probe.sample(datetime.now(UTC))  # the watches running, GET /version
    await probe.close()
    generated = ("kubernetes.client.api.", "kubernetes.client.models.")
    loaded = sorted(m for m in sys.modules if m.startswith(generated))
    print(len(sampled.deployments[0].pods), loaded)

asyncio.run(main())
"""


async def test_reading_the_cluster_loads_none_of_the_clients_generated_classes(tmp_path):
    """Lists, watches and GET /version go through the client's ApiClient alone: its generated
    API classes would import the pydantic model of every object (~280 modules, ~26 MB)."""
    import asyncio
    import sys

    async with cluster(tmp_path, healthy("analysis-service")) as k8s:
        proc = await asyncio.create_subprocess_exec(
            *(sys.executable, "-c", SAMPLE_MODULES, str(k8s.kubeconfig), k8s.context),
            "analysis-service",
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert out.decode().split(None, 1) == ["2", "[]\n"]
