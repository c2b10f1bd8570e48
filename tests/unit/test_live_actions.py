"""Live mode's actions: routing to each backend's half, and what an absent half says."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from probes.actions import BACKEND_ACTIONS, REMEDIATIONS, ActionRefused
from probes.live_actions import LiveActions
from state.events import DbSession
from tui.config import ConfigError, parse
from tui.live import live_actions

NOW = datetime(2026, 3, 14, 9, 27, 20, tzinfo=UTC)


class OneBackend:
    def __init__(self, actions: Mapping[str, str], fail: Exception | None = None) -> None:
        self.actions, self.fail, self.ran = actions, fail, []

    async def permissions(self) -> Mapping[str, str | None]:
        if self.fail:
            raise self.fail
        return dict.fromkeys(self.actions)

    async def run(
        self, action: str, target: str, params: Mapping[str, Any], dry_run: bool, now: datetime
    ) -> str:
        self.ran.append((action, target, dict(params), dry_run, now))
        return f"{action} done"

    async def idle_sessions(self, older_than: float, now: datetime) -> list[DbSession]:
        return [DbSession(pid=7, user="app", state="idle", query="SELECT 1")]


async def test_each_action_goes_to_its_backend() -> None:
    kubernetes, database = OneBackend(REMEDIATIONS), OneBackend(BACKEND_ACTIONS)
    live = LiveActions(kubernetes, database)
    assert await live.permissions() == dict.fromkeys([*REMEDIATIONS, *BACKEND_ACTIONS])
    assert await live.run("scale", "tracktion/api", {"replicas": 2}, True, NOW) == "scale done"
    assert await live.run("terminate_backend", "pid 7", {"pid": 7}, False, NOW) == (
        "terminate_backend done"
    )
    assert [r[0] for r in kubernetes.ran] == ["scale"] and kubernetes.ran[0][3] is True
    assert [r[0] for r in database.ran] == ["terminate_backend"]
    assert [s.pid for s in await live.idle_sessions(600, NOW)] == [7]
    with pytest.raises(ActionRefused, match="unknown action 'reboot'"):
        await live.run("reboot", "x", {}, False, NOW)


async def test_an_absent_backend_allows_none_of_its_actions_and_says_why() -> None:
    only_cluster = LiveActions(OneBackend(REMEDIATIONS))
    allowed = await only_cluster.permissions()
    assert allowed == {
        **dict.fromkeys(REMEDIATIONS),
        **dict.fromkeys(BACKEND_ACTIONS, "no database configured"),
    }
    with pytest.raises(ActionRefused, match=r"^no database configured$"):
        await only_cluster.run("cancel_backend", "pid 7", {"pid": 7}, False, NOW)
    with pytest.raises(ActionRefused, match=r"^no database configured$"):
        await only_cluster.idle_sessions(600, NOW)
    only_db = LiveActions(None, OneBackend(BACKEND_ACTIONS))
    denied = await only_db.permissions()
    assert {denied[a] for a in REMEDIATIONS} == {"no Kubernetes configured"}
    with pytest.raises(ActionRefused, match=r"^no Kubernetes configured$"):
        await only_db.run("restart", "tracktion/api", {}, False, NOW)


async def test_a_failing_permission_check_allows_nothing_of_that_backend() -> None:
    live = LiveActions(
        OneBackend(REMEDIATIONS, ActionRefused("timed out")),
        OneBackend(BACKEND_ACTIONS, KeyError("x")),
    )
    allowed = await live.permissions()
    assert {allowed[a] for a in REMEDIATIONS} == {"permissions unknown: timed out"}
    assert {allowed[a] for a in BACKEND_ACTIONS} == {"permissions unknown: KeyError"}


def test_live_mode_builds_the_actuator_unless_read_only(monkeypatch) -> None:
    monkeypatch.setenv("WARROOM_TEST_DSN", "host=db user=warroom")
    config = parse({"cluster": {"services": ["api"]}, "database": {"dsn_env": "WARROOM_TEST_DSN"}})
    live = live_actions(config, read_only=False)
    assert isinstance(live, LiveActions) and live.kubernetes and live.database
    assert live.kubernetes.configmap == "app-config"  # type: ignore[attr-defined]
    assert live.kubernetes.configmap_key == "circuit_breaker_enabled"  # type: ignore[attr-defined]
    assert live.database.dsn == "host=db user=warroom"  # type: ignore[attr-defined]
    assert live_actions(config, read_only=True) is None
    no_db = live_actions(
        parse(
            {
                "cluster": {
                    "services": ["api"],
                    "circuit_breaker_configmap": "flags",
                    "circuit_breaker_key": "breaker.on",
                }
            }
        ),
        read_only=False,
    )
    assert no_db is not None and no_db.database is None
    assert (no_db.kubernetes.configmap, no_db.kubernetes.configmap_key) == ("flags", "breaker.on")  # type: ignore[attr-defined]


def test_circuit_breaker_names_are_checked() -> None:
    bad = {
        "services": ["api"],
        "circuit_breaker_configmap": "App Config",
        "circuit_breaker_key": "a/b",
    }
    with pytest.raises(ConfigError) as caught:
        parse({"cluster": bad})
    assert caught.value.problems == [
        "cluster.circuit_breaker_configmap: 'App Config' is not a Kubernetes configmap name",
        "cluster.circuit_breaker_key: 'a/b' is not a configmap key "
        "(letters, digits, '-', '_', '.')",
    ]


async def test_the_undo_target_is_kubernetes_and_refused_without_it() -> None:
    with pytest.raises(ActionRefused, match=r"^no Kubernetes configured$"):
        await LiveActions(None, OneBackend(BACKEND_ACTIONS)).undo_target("ns/x")  # type: ignore[arg-type]
