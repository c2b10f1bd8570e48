"""Reading Kubernetes objects the way kubectl does, on the official client's models."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from kubernetes.client import (
    V1ContainerState,
    V1ContainerStateTerminated,
    V1ContainerStateWaiting,
    V1ContainerStatus,
    V1LabelSelector,
    V1LabelSelectorRequirement,
    V1ObjectMeta,
    V1Pod,
    V1PodStatus,
)

from probes.kubernetes.status import label_selector, pod_reason, pod_status, selects

SELECTOR = V1LabelSelector(
    match_labels={"app": "api", "tier": "web"},
    match_expressions=[
        V1LabelSelectorRequirement(key="track", operator="In", values=["stable", "canary"]),
        V1LabelSelectorRequirement(key="legacy", operator="DoesNotExist"),
        V1LabelSelectorRequirement(key="zone", operator="NotIn", values=["eu-3"]),
        V1LabelSelectorRequirement(key="owner", operator="Exists"),
    ],
)


def test_label_selector_is_the_query_string_the_api_server_takes():
    assert label_selector(SELECTOR) == (
        "app=api,tier=web,track in (stable,canary),!legacy,zone notin (eu-3),owner"
    )


@pytest.mark.parametrize(
    ("labels", "selected"),
    [
        ({"app": "api", "tier": "web", "track": "stable", "owner": "x"}, True),
        ({"app": "api", "tier": "web", "track": "canary", "owner": "x", "zone": "eu-1"}, True),
        ({"app": "api", "tier": "web", "track": "stable"}, False),  # no owner
        ({"app": "api", "tier": "web", "track": "beta", "owner": "x"}, False),
        ({"app": "api", "tier": "web", "track": "stable", "owner": "x", "legacy": "1"}, False),
        ({"app": "api", "tier": "web", "track": "stable", "owner": "x", "zone": "eu-3"}, False),
        ({"app": "web", "tier": "web", "track": "stable", "owner": "x"}, False),
        (None, False),
    ],
)
def test_selects_matches_like_the_api_server(labels, selected):
    assert selects(SELECTOR, labels) is selected


def container(
    waiting: str | None = None, terminated: str | None = None, last: str | None = None, ready=False
) -> V1ContainerStatus:
    def state(w, t):
        return V1ContainerState(
            waiting=V1ContainerStateWaiting(reason=w) if w else None,
            terminated=V1ContainerStateTerminated(exit_code=1, reason=t) if t else None,
        )

    return V1ContainerStatus(
        name="app",
        image="img",
        image_id="",
        ready=ready,
        restart_count=2,
        state=state(waiting, terminated),
        last_state=state(None, last),
    )


def a_pod(phase="Running", containers=(), init=(), reason=None, deleting=False) -> V1Pod:
    meta = V1ObjectMeta(name="api-1", deletion_timestamp=datetime.now(UTC) if deleting else None)
    status = V1PodStatus(
        phase=phase,
        reason=reason,
        container_statuses=list(containers),
        init_container_statuses=list(init),
    )
    return V1Pod(metadata=meta, status=status)


@pytest.mark.parametrize(
    ("pod", "reason"),
    [
        (a_pod(containers=[container(ready=True)]), None),
        (a_pod(containers=[container("CrashLoopBackOff", last="Error")]), "CrashLoopBackOff"),
        (a_pod(containers=[container("CrashLoopBackOff", last="OOMKilled")]), "OOMKilled"),
        (a_pod(containers=[container(last="OOMKilled")]), "OOMKilled"),  # restarted, not ready
        (a_pod(containers=[container(last="OOMKilled", ready=True)]), None),  # recovered
        (a_pod(containers=[container(terminated="Error")]), "Error"),
        (a_pod("Pending", [container("ErrImagePull")]), "ErrImagePull"),
        (a_pod("Pending", init=[container("CrashLoopBackOff")]), "Init:CrashLoopBackOff"),
        (a_pod("Pending", init=[container("PodInitializing")]), None),
        (a_pod("Failed", reason="Evicted"), "Evicted"),
        (a_pod("Succeeded", [container(terminated="Completed")]), None),
        (a_pod(containers=[container(ready=True)], deleting=True), "Terminating"),
    ],
)
def test_pod_reason_is_the_word_kubectl_shows(pod, reason):
    assert pod_reason(pod) == reason


def test_pod_status_counts_restarts_of_every_container_and_reads_ready():
    pod = a_pod(containers=[container(ready=True), container(ready=True)], init=[container()])
    status = pod_status(pod)
    assert (status.name, status.phase, status.restarts, status.ready) == (
        "api-1",
        "Running",
        6,
        False,
    )
