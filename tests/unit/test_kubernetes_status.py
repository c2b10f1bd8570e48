"""Reading Kubernetes objects the way kubectl does, on the API's own JSON (camelCase dicts),
as trimmed by probes.kubernetes.trim: what status reads must survive the trim."""

from __future__ import annotations

from typing import Any

import pytest

from probes.kubernetes import trim
from probes.kubernetes.status import label_selector, pod_reason, pod_status, selects
from state.events import PodStatus

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


def test_a_pods_uid_is_kept_for_the_delete_and_never_journaled():
    """The uid survives the trim into PodStatus ("delete the failing pods" sends it back);
    the journal's JSON leaves it out, and reads back without it."""
    pod = a_pod()
    pod["metadata"]["uid"] = "0b5c6a9e-1d2f-4c3b-9a8e-7f6d5c4b3a21"
    status = pod_status(trim.pod(pod))
    assert status.uid == "0b5c6a9e-1d2f-4c3b-9a8e-7f6d5c4b3a21"
    assert "uid" not in status.model_dump_json()
    assert PodStatus.model_validate_json(status.model_dump_json()).uid is None
    pod["metadata"]["uid"] = 7  # not a uid: none, rather than a sample that fails
    assert pod_status(trim.pod(pod)).uid is None
