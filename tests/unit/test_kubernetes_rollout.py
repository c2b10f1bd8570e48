"""What kubectl computes before writing: rollback choice, template equality, failing pods."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from probes.actions import ActionRefused
from probes.kubernetes.rollout import (
    RESTARTED_AT,
    restart_patch,
    rollback_target,
    same_template,
)
from probes.kubernetes.status import pod_status
from state.guide.signals import pod_to_delete

REVISION = "deployment.kubernetes.io/revision"


def rs(name: str, revision: str | None) -> dict:
    annotations = {REVISION: revision} if revision is not None else {}
    return {"metadata": {"name": name, "annotations": annotations}}


def test_the_previous_revision_is_the_second_highest_as_kubectl_loops():
    sets = [rs("a", "3"), rs("b", "10"), rs("c", "x"), rs("d", None), rs("e", "9")]
    assert rollback_target(sets, "api") == (9, sets[4])  # numbers, not strings; "x" skipped
    assert rollback_target(sets, "api", 3) == (3, sets[0])
    assert rollback_target([rs("a", "2"), rs("b", "2")], "api")[0] == 2  # twins: kubectl's pick
    with pytest.raises(ActionRefused, match=r'^no rollout history found for deployment "api"$'):
        rollback_target([rs("only", "1")], "api")
    with pytest.raises(ActionRefused, match=r"^unable to find specified revision -1 in history$"):
        rollback_target([], "api", -1)


def test_templates_compare_as_apimachinery_does():
    a = {
        "metadata": {"labels": {"app": "x", "pod-template-hash": "abc"}},
        "spec": {"containers": []},
    }
    b = {"metadata": {"labels": {"app": "x"}, "annotations": {}}, "spec": {}}
    assert same_template(a, b)  # hash ignored, empty and absent alike
    assert not same_template(a, {"metadata": {"labels": {"app": "y"}}, "spec": {}})


def test_restart_stamps_utc_seconds():
    tokyo = timezone(timedelta(hours=9))
    patch = restart_patch(
        {"metadata": {"name": "api"}, "spec": {"template": {"metadata": None}}},
        datetime(2026, 3, 14, 18, 27, 20, 999, tzinfo=tokyo),
    )
    assert patch == {
        "spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: "2026-03-14T09:27:20Z"}}}}
    }


def pod(
    phase: str,
    waiting: str | None = None,
    deleting: bool = False,
    init: bool = False,
    ready: bool = True,
    oom: bool = False,
) -> dict:
    status = {"waiting": {"reason": waiting}} if waiting else {"running": {}}
    key = "initContainerStatuses" if init else "containerStatuses"
    meta = {"deletionTimestamp": "2026-03-14T09:00:00Z"} if deleting else {}
    container = {"state": status, "ready": ready}
    if oom:
        container["lastState"] = {"terminated": {"reason": "OOMKilled", "exitCode": 137}}
    conditions = [{"type": "Ready", "status": "True" if ready else "False"}]
    return {
        "metadata": meta,
        "status": {"phase": phase, "conditions": conditions, key: [container]},
    }


def failing(obj: dict) -> str | None:
    """What the delete action decides of a pod it lists: the rule its confirmation uses."""
    return pod_to_delete(pod_status(obj))


def test_failing_pods_are_the_runbooks_and_crash_loops():
    assert failing(pod("Running")) is None
    assert failing(pod("Running", ready=False)) is None  # not ready yet: starting
    assert failing(pod("Running", "CrashLoopBackOff", ready=False)) == "CrashLoopBackOff"
    assert failing(pod("Pending", "CrashLoopBackOff", init=True)) == "Init:CrashLoopBackOff"
    assert failing(pod("Pending", "ImagePullBackOff")) == "ImagePullBackOff"
    assert failing(pod("Running", ready=False, oom=True)) == "OOMKilled"  # was kept
    assert failing(pod("Succeeded")) == "Succeeded"
    assert failing(pod("Failed", deleting=True)) is None  # already on its way out
    assert failing({"metadata": {}, "status": {}}) == "Unknown"
