"""Live mode: the session from the config, and the console fed by the real probes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from probes.health import HealthProbe
from probes.kubernetes.read import KubernetesProbe
from state.events import SessionResumed, SessionStarted
from state.journal.store import Journal, JournalError
from tests.integration.http_health import DOWN, health_server
from tests.integration.k8s_emulator import cluster
from tests.integration.k8s_objects import deployment, healthy, pod, replicaset
from tests.opening import open_live
from tui.app import WarroomApp
from tui.config import parse
from tui.live import live_probes

pytestmark = pytest.mark.integration
SERVICES = ["analysis-service", "file-watcher"]


def live_config(kubeconfig: Path | None = None, health_url: str | None = None, **extra):
    cluster_ = {"services": SERVICES, "namespace": "tracktion", "read_only": True}
    if kubeconfig:
        cluster_["kubeconfig"] = str(kubeconfig)
    if health_url:
        cluster_["health_url"] = health_url
    return parse({"cluster": cluster_, **extra})


def test_a_new_live_session_is_journaled_in_the_data_dir():
    session = open_live(live_config(), None, "alice")
    try:
        path = session.recorder.journal.path
        assert path.parent.name == "journals" and "-live-tracktion" in path.name
        (first,) = list(session.recorder.journal.events())
        assert isinstance(first, SessionStarted)
        assert (first.mode, first.operator, first.services) == ("live", "alice", tuple(SERVICES))
        assert first.tells_start  # its timeline tells what is wrong in the first samples
    finally:
        session.recorder.journal.close()


def test_an_existing_live_journal_is_resumed_and_a_demo_one_refused(tmp_path):
    path = tmp_path / "incident.warroom"
    open_live(live_config(), path, "alice").recorder.journal.close()
    again = open_live(live_config(), path, "bob")
    events = list(again.recorder.journal.events())
    again.recorder.journal.close()
    assert isinstance(events[-1], SessionResumed) and events[-1].operator == "bob"
    demo = tmp_path / "demo.warroom"
    with Journal.create(demo) as journal:
        journal.append(SessionStarted(at=events[0].at, mode="demo", version="0", operator="x"))
    with pytest.raises(JournalError, match="is not a live session journal"):
        open_live(live_config(), demo, "alice")


def test_probes_follow_the_config(monkeypatch):
    monkeypatch.setenv("PROM_AUTH", "Bearer x")
    monkeypatch.setenv("PG_DSN", "host=db dbname=tracktion")
    plain = live_probes(live_config(refresh=4))
    assert [type(p) for p in plain] == [KubernetesProbe, HealthProbe]
    assert [p.interval for p in plain] == [4, 4]
    full = live_probes(
        live_config(
            prometheus={"url": "http://prom:9090", "headers": {"Authorization": "PROM_AUTH"}},
            database={"dsn_env": "PG_DSN"},
        )
    )
    assert [p.source for p in full] == ["kubernetes", "health", "error_rate", "latency", "postgres"]


async def test_the_console_shows_what_the_live_probes_sample(tmp_path):
    crashing = pod("file-watcher", "crash", ready=False, restarts=3, waiting="CrashLoopBackOff")
    objects = [
        healthy("analysis-service"),
        deployment("file-watcher", ready=1, available=1),
        replicaset("file-watcher", 3, 2),
        pod("file-watcher", "fine1"),
        crashing,
    ]
    async with cluster(tmp_path, *objects) as k8s, health_server({"file-watcher": DOWN}) as web:
        config = live_config(k8s.kubeconfig, web.template())
        session = open_live(config, tmp_path / "live.warroom", "alice")
        app = WarroomApp(
            session.recorder,
            session.clock,
            operator="alice",
            probes=session.probes,
            read_only=config.cluster.read_only,
            watch_terminal=False,
        )
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(100):
                state = session.recorder.state
                if state.deployments and state.health:
                    break
                await asyncio.sleep(0.05)
            await pilot.pause()
        session.recorder.journal.close()
    state = session.recorder.state
    assert state.deployments["file-watcher"].pods[0].reason == "CrashLoopBackOff"
    assert state.deployments["analysis-service"].ready == 2
    assert state.health["analysis-service"].up and not state.health["file-watcher"].up
    assert not state.probe("kubernetes").failing and not state.probe("health").failing
    assert app.badge == "READ-ONLY" and app.actions is None
    kinds = {e.kind for e in Journal.open(tmp_path / "live.warroom", read_only=True).events()}
    assert {"session_started", "deployments_sampled", "health_sampled"} <= kinds
