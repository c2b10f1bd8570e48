"""rbac.py: the one table of verbs, and the key dialogs' cache of permission answers."""

from __future__ import annotations

from collections.abc import Mapping

from probes.actions import BACKEND_ACTIONS, REMEDIATIONS, ActionRefused
from probes.kubernetes.rbac import ACTIONS, READ, WRITE, PermissionsCache, Verb


def test_every_kubernetes_action_has_its_verbs_and_check_reports_each_once() -> None:
    assert set(ACTIONS) == set(REMEDIATIONS)
    assert [str(v) for v in WRITE] == [
        "patch deployments",
        "patch deployments/scale",
        "delete pods",
        "patch configmaps",
    ]
    assert not set(READ) & set(WRITE)
    assert Verb("patch", "deployments", "apps", "scale") in ACTIONS["scale"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Backend:
    def __init__(self) -> None:
        self.asked = 0
        self.fail: Exception | None = None

    async def permissions(self) -> Mapping[str, str | None]:
        self.asked += 1
        if self.fail is not None:
            raise self.fail
        return {"restart": None, "scale": f"forbidden ({self.asked})"}


async def test_an_answer_is_kept_for_the_ttl_then_asked_again() -> None:
    clock, backend = Clock(), Backend()
    cache = PermissionsCache(ttl=60, monotonic=clock)
    first = await cache.get(backend.permissions)
    clock.now += 60
    assert await cache.get(backend.permissions) is first and backend.asked == 1
    clock.now += 0.5
    assert (await cache.get(backend.permissions))["scale"] == "forbidden (2)"
    assert backend.asked == 2


async def test_a_failed_question_allows_nothing_and_is_kept_as_long() -> None:
    clock, backend = Clock(), Backend()
    backend.fail = ActionRefused("cluster gone")
    cache = PermissionsCache(ttl=60, monotonic=clock)
    answer = await cache.get(backend.permissions)
    assert set(answer) == {*REMEDIATIONS, *BACKEND_ACTIONS}
    assert set(answer.values()) == {"permissions unknown: cluster gone"}
    backend.fail = None
    clock.now += 30
    assert await cache.get(backend.permissions) is answer and backend.asked == 1
