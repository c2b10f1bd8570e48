"""Reading Kubernetes objects the way kubectl does, on the API's own JSON (camelCase dicts),
as trimmed by probes.kubernetes.trim: what status reads must survive the trim."""

from __future__ import annotations

from typing import Any

import pytest

from probes.kubernetes import trim
from probes.kubernetes.status import (
    deployment_status,
    label_selector,
    pod_reason,
    pod_status,
    pod_uid,
    selects,
)
from state.events import DeploymentStatus

SELECTOR = {
    "matchLabels": {"app": "api", "tier": "web"},
    "matchExpressions": [
        {"key": "track", "operator": "In", "values": ["stable", "canary"]},
        {"key": "legacy", "operator": "DoesNotExist"},
        {"key": "zone", "operator": "NotIn", "values": ["eu-3"]},
        {"key": "owner", "operator": "Exists"},
    ],
}


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
) -> dict[str, Any]:
    def state(w, t):
        return {
            "waiting": {"reason": w, "message": "m"} if w else None,
            "terminated": {"exitCode": 1, "reason": t} if t else None,
            "running": None if w or t else {"startedAt": "2026-03-02T14:00:00Z"},
        }

    return {
        "name": "app",
        "image": "img",
        "imageID": "",
        "ready": ready,
        "restartCount": 2,
        "state": state(waiting, terminated),
        "lastState": state(None, last) if last else {},
    }


def a_pod(phase="Running", containers=(), init=(), reason=None, deleting=False) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "api-1", "labels": {"app": "api"}, "managedFields": [{}]}
    if deleting:
        meta["deletionTimestamp"] = "2026-03-02T14:00:00Z"
    return {
        "metadata": meta,
        "spec": {"containers": [{"name": "app", "image": "img"}]},
        "status": {
            "phase": phase,
            "reason": reason,
            "containerStatuses": list(containers),
            "initContainerStatuses": list(init),
        },
    }


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
    assert pod_reason(trim.pod(pod)) == reason  # the trimmed pod reads the same


def test_pod_status_counts_restarts_of_every_container_and_reads_ready():
    pod = a_pod(containers=[container(ready=True), container(ready=True)], init=[container()])
    status = pod_status(pod)
    assert pod_status(trim.pod(pod)) == status
    assert (status.name, status.phase, status.restarts, status.ready) == (
        "api-1",
        "Running",
        6,
        False,
    )


def test_pod_uids_are_kept_for_the_delete_and_never_journaled():
    """Each pod's uid survives the trim into DeploymentStatus.pod_uids, in the order of its
    pods ("delete the failing pods" sends them back); the journal's JSON leaves them out,
    and reads back without them."""
    first, second = a_pod(), a_pod()
    second["metadata"] = {**second["metadata"], "name": "api-0"}
    first["metadata"]["uid"] = "0b5c6a9e-1d2f-4c3b-9a8e-7f6d5c4b3a21"
    second["metadata"]["uid"] = 7  # not a uid: unknown, rather than a sample that fails
    pods = {p["metadata"]["name"]: trim.pod(p) for p in (first, second)}
    statuses = {name: pod_status(obj) for name, obj in pods.items()}
    uids = {name: pod_uid(obj) for name, obj in pods.items()}
    deployment = {"metadata": {"name": "api"}, "spec": {"replicas": 2}}
    status = deployment_status(deployment, statuses, (), (), uids)
    assert [(p.name, uid) for p, uid in status.pods_with_uids()] == [
        ("api-0", None),
        ("api-1", "0b5c6a9e-1d2f-4c3b-9a8e-7f6d5c4b3a21"),
    ]
    assert "0b5c6a9e" not in status.model_dump_json()
    read_back = DeploymentStatus.model_validate_json(status.model_dump_json())
    assert read_back.pod_uids == ()
    assert [uid for _, uid in read_back.pods_with_uids()] == [None, None]
