"""The simulated cluster: deterministic, sampling-independent, and each scenario tells its story."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import pytest

from probes.simulated.actions import ActionRefused, SimulatedActions, SimulatedOperations
from probes.simulated.cluster import CATCH_UP, SimulatedCluster, SimulatedOutage
from probes.simulated.probe import SIMULATED_SOURCES, SimulatedProbe, sample
from probes.simulated.scenario import load
from state.console import ConsoleState
from state.events import DatabaseSampled, DeploymentsSampled, DeploymentStatus, EventBase
from state.fold import fold
from state.guide.severity import Severity
from state.guide.signals import latency_ratio, service_down, suggestion, worst_pod
from state.locks import blocking_chains
from tests.unit.helpers import T0, as_json

DB_USERS = ("analysis-service", "tracklist-service")
NO_DB = ("file-watcher", "notification-service")


class Drill:
    """A cluster playing a scenario, sampled like the console samples it, and folded."""

    def __init__(self, scenario: str | Path, seed: int = 7) -> None:
        self.cluster = SimulatedCluster(load(scenario), seed, T0)
        self.act = SimulatedOperations(self.cluster)
        self.state = ConsoleState()
        self.t = 0.0

    def sample(self, t: float) -> list[EventBase]:
        """Every source at `t` seconds, folded into the state."""
        self.t = t
        now = T0 + timedelta(seconds=t)
        events = [e for source in SIMULATED_SOURCES for e in sample(self.cluster, source, now)]
        for event in events:
            self.state = fold(self.state, event)
        return events

    def run(self, until: float, every: float = 2.0) -> None:
        t = self.t
        while t + every <= until + 1e-9:
            t += every
            self.sample(t)

    def until(self, condition, limit: float, every: float = 1.0) -> float:
        """Sample every second until `condition()` holds; the time it first held."""
        t = self.t
        while t < limit:
            t += every
            self.sample(t)
            if condition():
                return t
        raise AssertionError(f"not by t={limit}")

    def deployment(self, name: str) -> DeploymentStatus:
        return self.state.deployments[name]

    def error(self, name: str) -> float:
        return self.state.latest("error_rate", name)

    def p95_ratio(self, name: str) -> float:
        return self.state.latest("latency", name) / self.state.latency_baseline[name]

    def chains(self):
        return blocking_chains(self.state.database.sessions)


def events_json(events) -> list[str]:
    return [as_json(e) for e in events]


def scenario_file(tmp_path: Path, faults: str) -> Path:
    path = tmp_path / "drill.toml"
    path.write_text(f'name = "drill"\ntitle = "t"\nexpected_severity = "P2"\n{faults}')
    return path


# ---- determinism ------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["bad-deploy", "db-lock-storm", "service-down"])
def test_same_scenario_seed_and_times_give_identical_events(scenario):
    one, two = Drill(scenario, seed=7), Drill(scenario, seed=7)
    for t in range(2, 122, 2):
        assert events_json(one.sample(t)) == events_json(two.sample(t))


def test_a_different_seed_gives_different_noise():
    one, two = Drill("bad-deploy", seed=7), Drill("bad-deploy", seed=8)
    a, b = one.sample(10), two.sample(10)
    latency_a = next(e for e in a if getattr(e, "metric", None) == "latency")
    latency_b = next(e for e in b if getattr(e, "metric", None) == "latency")
    assert latency_a.values != latency_b.values
    # but the story is the same: same services, same revisions
    deploys_a = next(e for e in a if isinstance(e, DeploymentsSampled))
    deploys_b = next(e for e in b if isinstance(e, DeploymentsSampled))
    assert [(d.name, d.revision) for d in deploys_a.deployments] == [
        (d.name, d.revision) for d in deploys_b.deployments
    ]


@pytest.mark.parametrize("scenario", ["bad-deploy", "db-lock-storm", "service-down"])
def test_state_does_not_depend_on_how_often_it_was_sampled(scenario):
    every_second, every_two, once = Drill(scenario), Drill(scenario), Drill(scenario)
    for t in range(1, 90):
        every_second.sample(t)
    for t in range(2, 90, 2):
        every_two.sample(t)
    at_90 = [events_json(d.sample(90)) for d in (every_second, every_two, once)]
    assert at_90[0] == at_90[1] == at_90[2]


def test_sampling_one_source_does_not_disturb_the_others():
    busy, quiet = Drill("db-lock-storm"), Drill("db-lock-storm")
    for t in range(1, 60):
        sample(busy.cluster, "postgres", T0 + timedelta(seconds=t))
    assert events_json(busy.sample(60)) == events_json(quiet.sample(60))


# ---- the scenarios' stories ----------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_bad_deploy_story(seed):
    drill = Drill("bad-deploy", seed)
    drill.sample(2)
    assert drill.deployment("tracklist-service").revision == 7
    assert suggestion(drill.state).severity is Severity.P3

    drill.until(lambda: drill.deployment("tracklist-service").revision == 8, limit=30)
    crossed = drill.until(lambda: drill.error("tracklist-service") > 20.0, limit=20 + 60)
    assert crossed > 25  # a rolling update takes time: not the instant the deploy starts
    drill.run(until=90)
    assert drill.p95_ratio("tracklist-service") > 3.0
    s = suggestion(drill.state)
    assert s.severity is Severity.P1
    assert any(r.startswith("tracklist-service error rate") for r in s.reasons)
    for other in ("analysis-service", "file-watcher", "notification-service"):
        assert drill.error(other) < 2.0
        assert not service_down(drill.state, other)
    timeline = [e.text for e in drill.state.timeline]
    # told as it goes: begun at the new revision, complete once the last old replica went
    began = timeline.index("tracklist-service: rolling out revision 8 (was 7)")
    done = timeline.index(
        "tracklist-service: rollout of revision 8 complete (3/3 updated and available)"
    )
    assert began < done
    assert any(t.startswith("tracklist-service error rate") and "20%" in t for t in timeline)


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_db_lock_storm_story(seed):
    drill = Drill("db-lock-storm", seed)
    drill.run(until=10)
    assert drill.chains() == []
    sizes = []
    for t in range(20, 100, 10):
        drill.run(until=t)
        (chain,) = drill.chains()
        assert chain.session.pid == 4242
        assert chain.session.state == "idle in transaction"
        sizes.append(chain.size)
    assert sizes == sorted(sizes) and sizes[-1] > sizes[0] >= 1  # a growing chain
    for name in DB_USERS:
        assert drill.p95_ratio(name) > 3.0
    for name in NO_DB:
        assert drill.p95_ratio(name) < 1.5
    assert suggestion(drill.state).severity.rank <= Severity.P2.rank
    connections = drill.state.database.connections
    assert connections["idle in transaction"] == 1
    assert connections["waiting"] == sizes[-1]


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_service_down_story(seed):
    drill = Drill("service-down", seed)
    drill.run(until=16)
    assert drill.state.health["analysis-service"].up
    drill.run(until=60)
    assert worst_pod(drill.deployment("analysis-service"))[1] == "CrashLoopBackOff"
    assert not drill.state.health["analysis-service"].up
    assert service_down(drill.state, "analysis-service")
    s = suggestion(drill.state)
    assert s.severity is Severity.P1
    for other in ("file-watcher", "tracklist-service", "notification-service"):
        assert not service_down(drill.state, other)
    timeline = [e.text for e in drill.state.timeline]
    assert "analysis-service: pods CrashLoopBackOff" in timeline
    assert any(t.startswith("analysis-service /health failing") for t in timeline)


# ---- actions -----------------------------------------------------------------------------------


def test_restart_clears_the_crash_loop_after_a_realistic_delay():
    drill = Drill("service-down")
    drill.run(until=60)
    result = drill.act.restart("analysis-service")
    assert result == "deployment.apps/analysis-service restarted (revision 13)"

    drill.run(until=65, every=1)
    d = drill.deployment("analysis-service")
    assert d.ready == 0  # not instantly
    assert all(p.reason == "ContainerCreating" for p in d.pods)
    assert service_down(drill.state, "analysis-service")

    back = drill.until(lambda: drill.deployment("analysis-service").ready == 3, limit=60 + 20)
    assert back - 60 >= 5
    drill.run(until=180)  # and it stays up: the crash loop is gone, not just restarted
    d = drill.deployment("analysis-service")
    assert d.ready == 3
    assert all(p.phase == "Running" and p.ready and p.restarts == 0 for p in d.pods)
    assert drill.state.health["analysis-service"].up
    assert drill.error("analysis-service") < 2.0
    assert "analysis-service: all 3 replicas ready" in [e.text for e in drill.state.timeline]


def test_delete_failing_pods_clears_the_crash_loop():
    drill = Drill("service-down")
    drill.run(until=60)
    crashing = [p.name for p in drill.deployment("analysis-service").pods]
    result = drill.act.delete_failing_pods("analysis-service")
    assert result.startswith("deleted 3 pods: ")
    assert all(name in result for name in crashing)

    drill.run(until=64, every=1)
    d = drill.deployment("analysis-service")
    assert d.ready == 0 and {p.name for p in d.pods}.isdisjoint(crashing)
    drill.until(lambda: drill.deployment("analysis-service").ready == 3, limit=60 + 20)
    drill.run(until=180)
    assert all(p.restarts == 0 for p in drill.deployment("analysis-service").pods)
    assert drill.state.health["analysis-service"].up


def test_delete_failing_pods_deletes_only_the_pods_shown_still_that_pod():
    """As KubernetesActions: the pods named (name, uid), each while it is that very pod and
    still failing; a pod not shown is never deleted, and the line says what was left."""
    drill = Drill("service-down")
    drill.run(until=60)
    pods = drill.cluster.services["analysis-service"].pods
    first, second, third = pods
    assert all(p.failing for p in pods) and len({p.uid for p in pods}) == 3
    shown = [(first.name, first.uid), (second.name, "a-pod-since-gone"), ("gone-pod", None)]
    result = drill.act.delete_failing_pods("analysis-service", shown)
    assert result == (
        f"deleted 1 pod: {first.name}; left alone: {second.name} (gone), gone-pod (gone); "
        "2 failing pods not shown, not deleted"
    )
    left = drill.cluster.services["analysis-service"].pods
    assert first not in left and second in left and third in left  # second: another uid


def test_delete_failing_pods_when_nothing_fails():
    drill = Drill("service-down")
    drill.sample(2)
    assert (
        drill.act.delete_failing_pods("file-watcher") == "no failing pods in tracktion/file-watcher"
    )
    assert len(drill.deployment("file-watcher").pods) == 2


def test_rollout_undo_fixes_the_bad_deploy():
    drill = Drill("bad-deploy")
    drill.run(until=100)
    assert drill.error("tracklist-service") > 20.0
    result = drill.act.rollout_undo("tracklist-service")
    assert result == "deployment.apps/tracklist-service rolled back (revision 7 is now revision 9)"

    drill.sample(101)
    assert drill.error("tracklist-service") > 20.0  # the bad pods still serve until replaced
    done = drill.until(
        lambda: (
            drill.deployment("tracklist-service").rollout is None
            and drill.deployment("tracklist-service").updated == 3
        ),
        limit=100 + 120,
    )
    assert done - 100 >= 10  # a rolling update, not a switch
    d = drill.deployment("tracklist-service")
    assert d.revision == 9 and d.ready == 3
    for t in range(int(done) + 1, int(done) + 60):
        drill.sample(t)
        assert drill.error("tracklist-service") < 2.0
    assert suggestion(drill.state).severity is Severity.P3


def test_rollout_undo_twice_goes_back_to_the_bad_revision_like_kubectl():
    drill = Drill("bad-deploy")
    drill.run(until=100)
    drill.act.rollout_undo("tracklist-service")
    drill.run(until=200)
    assert drill.act.rollout_undo("tracklist-service") == (
        "deployment.apps/tracklist-service rolled back (revision 8 is now revision 10)"
    )


def test_rollout_undo_without_history_is_refused():
    drill = Drill("bad-deploy")
    svc = drill.cluster.services["file-watcher"]
    svc.templates = {svc.revision: svc.template}  # a deployment that has only ever had one
    with pytest.raises(
        ActionRefused, match='no rollout history found for deployment "file-watcher"'
    ):  # kubectl's words, as the Kubernetes side says them
        drill.act.rollout_undo("file-watcher")


def test_rollout_undo_to_the_same_template_is_skipped():
    drill = Drill("bad-deploy")
    svc = drill.cluster.services["file-watcher"]
    svc.templates = {svc.revision - 1: svc.template, svc.revision: svc.template}
    result = drill.act.rollout_undo("file-watcher")
    assert result == (
        "deployment.apps/file-watcher skipped rollback "
        f"(current template already matches revision {svc.revision - 1})"
    )
    drill.sample(2)
    assert drill.deployment("file-watcher").revision == 5  # nothing rolled


def test_scale_up_and_down():
    drill = Drill("bad-deploy")
    drill.sample(2)
    assert (
        drill.act.scale("notification-service", 5)
        == "deployment.apps/notification-service scaled to 5"
    )
    drill.sample(3)
    d = drill.deployment("notification-service")
    assert (d.desired, len(d.pods), d.ready) == (5, 5, 2)
    drill.until(lambda: drill.deployment("notification-service").ready == 5, limit=3 + 20)

    drill.act.scale("notification-service", 1)
    drill.sample(30)
    d = drill.deployment("notification-service")
    assert (d.desired, len(d.pods), d.ready) == (1, 1, 1)


def test_scale_refusals():
    drill = Drill("bad-deploy")
    with pytest.raises(ActionRefused, match="zero or more"):
        drill.act.scale("file-watcher", -1)
    with pytest.raises(ActionRefused, match=r'deployments\.apps "payment" not found'):
        drill.act.scale("payment", 2)
    with pytest.raises(ActionRefused, match="not found"):
        drill.act.restart("payment")


def test_terminating_the_blocker_dissolves_the_chain():
    drill = Drill("db-lock-storm")
    drill.run(until=60)
    assert drill.chains()[0].size >= 5
    assert drill.act.terminate_backend(4242) == "terminated backend 4242; its lock chain dissolved"
    drill.sample(61)
    assert drill.chains() == []
    assert drill.state.timeline[-1].text == "Lock chain cleared"
    drill.run(until=120)
    assert drill.chains() == []  # and it does not come back
    for name in DB_USERS:
        assert drill.p95_ratio(name) < 1.5


def test_terminating_a_waiter_does_not_dissolve_the_chain():
    drill = Drill("db-lock-storm")
    drill.run(until=60)
    (chain,) = drill.chains()
    before = chain.size
    first_waiter = chain.waiters[0].session.pid
    assert drill.act.terminate_backend(first_waiter) == f"terminated backend {first_waiter}"
    drill.sample(60)
    (chain,) = drill.chains()
    assert chain.session.pid == 4242
    assert chain.size == before - 1
    everyone = {s.pid for s in drill.state.database.sessions}
    assert first_waiter not in everyone


def test_terminating_an_unknown_backend_is_refused():
    drill = Drill("db-lock-storm")
    drill.run(until=30)
    with pytest.raises(ActionRefused, match="no backend with pid 1"):
        drill.act.terminate_backend(1)


def test_cancelling_an_idle_in_transaction_blocker_keeps_its_locks():
    drill = Drill("db-lock-storm")
    drill.run(until=60)
    before = drill.chains()[0].size
    with pytest.raises(ActionRefused, match=r"runs no query \(idle in transaction\).*locks stay"):
        drill.act.cancel_backend(4242)  # refused, as the database's own: nothing would change
    drill.sample(61)
    (chain,) = drill.chains()
    assert chain.session.pid == 4242 and chain.size >= before


def test_cancelling_a_waiter_removes_only_it():
    drill = Drill("db-lock-storm")
    drill.run(until=60)
    (chain,) = drill.chains()
    waiter = chain.waiters[0].session.pid
    assert drill.act.cancel_backend(waiter) == f"cancelled the query of backend {waiter}"
    drill.sample(60)
    (after,) = drill.chains()
    assert after.size == chain.size - 1 and after.session.pid == 4242


def test_a_backlog_past_max_connections_fills_the_server_and_no_more(tmp_path):
    """A scenario file's backlog of 100,000,000 leaked that many sessions at once: the demo
    stopped drawing and grew past 1.5 GB. PostgreSQL holds max_connections, less the
    superuser reserve, as the leak per minute already knew."""
    drill = Drill(
        scenario_file(
            tmp_path,
            '[[faults]]\ntype = "connection_leak"\nat = 0\nservice = "tracklist-service"\n'
            "backlog = 100000000\n",
        )
    )
    drill.run(until=10, every=10)
    db = drill.cluster.db
    assert db.used == db.max_connections - 3
    assert drill.state.database.connections["idle"] > 0


def test_terminate_idle_removes_only_old_idle_sessions(tmp_path):
    drill = Drill(
        scenario_file(
            tmp_path,
            '[[faults]]\ntype = "connection_leak"\nat = 0\nservice = "tracklist-service"\n'
            "per_minute = 6\n",
        )
    )
    drill.run(until=700, every=10)
    idle_before = drill.state.database.connections["idle"]
    leaked = drill.cluster.db.leaked
    old = sum(1 for s in leaked if 700 - s.query_start >= 600)
    assert 0 < old < len(leaked)  # some old enough, some not
    assert drill.act.terminate_idle() == f"terminated {old} idle sessions"
    drill.sample(700)
    assert drill.state.database.connections["idle"] == idle_before - old
    assert drill.act.terminate_idle() == "terminated 0 idle sessions"


def test_terminate_idle_ends_only_the_sessions_shown_still_that_backend(tmp_path):
    """As PostgresActions: the pids listed, each while its backend_start is the one listed."""
    drill = Drill(
        scenario_file(
            tmp_path,
            '[[faults]]\ntype = "connection_leak"\nat = 0\nservice = "tracklist-service"\n'
            "per_minute = 6\n",
        )
    )
    drill.run(until=800, every=10)
    actions = SimulatedActions(drill.cluster)
    listed = asyncio.run(actions.idle_sessions(600.0, drill.cluster.start + timedelta(seconds=800)))
    assert len(listed) >= 4 and all(s.backend_start is not None for s in listed)
    first, second, third, *unshown = listed
    began = [s.backend_start.isoformat() for s in (first, second, third)]  # type: ignore[union-attr]
    began[2] = (third.backend_start + timedelta(seconds=1)).isoformat()  # type: ignore[operator]
    shown = {first.pid: began[0], second.pid: began[1], third.pid: began[2], 99999: None}
    assert drill.act.terminate_idle(600.0, shown) == (
        "terminated 2 idle sessions; 1 no longer idle or already gone; "
        "1 pid now another backend, left alone"
    )
    left = {s.pid for s in drill.cluster.db.leaked}
    assert first.pid not in left and second.pid not in left
    assert {third.pid, *(s.pid for s in unshown)} <= left  # another backend, and not shown


def test_circuit_breaker_stops_an_external_api_failure(tmp_path):
    drill = Drill(
        scenario_file(
            tmp_path,
            '[[faults]]\ntype = "external_api_failure"\nat = 5\nservice = "file-watcher"\n'
            "error_rate = 12\n",
        )
    )
    drill.run(until=30)
    assert drill.error("file-watcher") > 5.0
    drill.act.enable_circuit_breaker()
    drill.run(until=40)
    assert drill.error("file-watcher") < 2.0


# ---- probe outages -----------------------------------------------------------------------------


def test_a_probe_outage_raises_during_its_window_only(tmp_path):
    path = scenario_file(
        tmp_path,
        '[[faults]]\ntype = "probe_outage"\nat = 30\nsource = "postgres"\nduration = 20\n'
        'reason = "connection refused"\n',
    )
    cluster = SimulatedCluster(load(path), 7, T0)

    def postgres(t: float):
        return sample(cluster, "postgres", T0 + timedelta(seconds=t))

    assert isinstance(postgres(29)[0], DatabaseSampled)
    for t in (30, 40, 49):
        with pytest.raises(SimulatedOutage, match=r"^connection refused$"):
            postgres(t)
        for other in SIMULATED_SOURCES:
            if other != "postgres":
                assert sample(cluster, other, T0 + timedelta(seconds=t))  # others answer
    assert isinstance(postgres(50)[0], DatabaseSampled)
    assert isinstance(postgres(90)[0], DatabaseSampled)


async def test_the_simulated_probe_is_a_probe():
    cluster = SimulatedCluster(load("bad-deploy"), 7, T0)
    probe = SimulatedProbe(cluster, "redis")
    assert (probe.source, probe.interval) == ("redis", 2.0)
    (event,) = await probe.sample(T0 + timedelta(seconds=4))
    assert event.kind == "cache_sampled"
    assert 300 < event.used_memory_mb < 500
    await probe.close()


def _story(name: str, seconds: float):
    from datetime import timedelta

    from probes.simulated.cluster import SimulatedCluster
    from probes.simulated.scenario import load

    cluster = SimulatedCluster(load(name), 7, T0)
    cluster.advance_to(T0 + timedelta(seconds=seconds))
    return cluster


def test_connection_pool_exhaustion_story():
    """Idle sessions pile up to max_connections; killing the old idle ones buys time; a
    restart of the leaking service ends it."""
    from datetime import timedelta

    from probes.simulated.actions import SimulatedOperations

    cluster = _story("connection-pool-exhaustion", 240)
    assert cluster.db.exhausted and cluster.db.used <= cluster.db.max_connections
    assert cluster.services["analysis-service"].error_rate > 20
    assert cluster.services["file-watcher"].error_rate < 2  # no database, no trouble
    act = SimulatedOperations(cluster)
    assert act.terminate_idle() == "terminated 45 idle sessions"  # the 30-minute backlog only
    cluster.advance_to(T0 + timedelta(seconds=260))
    assert not cluster.db.exhausted
    act.restart("analysis-service")
    cluster.advance_to(T0 + timedelta(seconds=900))
    assert not cluster.db.exhausted and cluster.services["analysis-service"].error_rate < 2


def test_external_api_failure_story():
    from datetime import timedelta

    from probes.simulated.actions import SimulatedOperations

    cluster = _story("external-api-failure", 60)
    svc = cluster.services["notification-service"]
    assert svc.error_rate > 5 and svc.p95 > 3 * svc.baseline_p95
    SimulatedOperations(cluster).enable_circuit_breaker()
    cluster.advance_to(T0 + timedelta(seconds=70))
    assert svc.error_rate < 2 and svc.p95 < 1.5 * svc.baseline_p95


def test_a_gap_longer_than_a_day_is_skipped_but_for_its_last_day() -> None:
    """A resumed journal whose clock jumped years ahead opens in seconds, not hours."""
    cluster = SimulatedCluster(load("bad-deploy"), 7, T0)
    ticks: list[float] = []
    cluster._tick = lambda: ticks.append(cluster.t)  # type: ignore[method-assign]
    cluster.advance_to(T0 + timedelta(days=3650))
    assert len(ticks) == CATCH_UP
    assert cluster.now() == T0 + timedelta(days=3650)


def test_a_larger_fleet_has_realistic_names_and_a_few_unhealthy_services() -> None:
    from probes.simulated.fleet import fleet

    cluster = SimulatedCluster(load("bad-deploy"), 7, T0, services=300)
    names = list(cluster.services)
    assert len(names) == len(set(names)) == 300
    assert names[:4] == [
        "analysis-service",
        "file-watcher",
        "tracklist-service",
        "notification-service",
    ]
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)+", n) for n in names)
    assert [f.name for f in fleet(7, 296)] == names[4:]  # the same fleet under the same seed
    assert [f.name for f in fleet(8, 296)] != names[4:]
    state = ConsoleState()
    for t in (2.0, 30.0):
        for source in SIMULATED_SOURCES:
            for event in sample(cluster, source, T0 + timedelta(seconds=t)):
                state = fold(state, event)
    extra = names[4:]  # the fleet: the scenario plays on the guide's four
    down = [n for n in extra if service_down(state, n)]
    erroring = [n for n in extra if (state.latest("error_rate", n) or 0) > 5 and n not in down]
    slow = [n for n in extra if (r := latency_ratio(state, n)) is not None and r > 3]
    crashing = [n for n in extra if worst_pod(state.deployments[n])[1] and n not in down]
    assert len(down) == len(erroring) == len(slow) == len(crashing) == 1
    assert len(set(down + erroring + slow + crashing)) == 4  # a few of three hundred


def test_the_guide_four_alone_below_twenty_services_have_nobody_down() -> None:
    cluster = SimulatedCluster(load("bad-deploy"), 7, T0, services=12)
    cluster.advance_to(T0 + timedelta(seconds=30))
    assert len(cluster.services) == 12
    assert all(s.health_up for s in cluster.services.values())


async def test_a_sample_far_behind_lets_the_console_answer_keys_while_it_steps():
    """At --speed 60 among 1,000 services a 2 s refresh is 120 simulated seconds, 5 ms each,
    and far more once it falls behind: stepped at once they held the UI loop, and q went
    unheard for over 20 s. The probe steps a slice at a time and lets the loop run between."""
    cluster = SimulatedCluster(load("bad-deploy"), 7, T0, 1000)
    probe = SimulatedProbe(cluster, "kubernetes")
    answered: list[float] = []

    async def key() -> None:  # a key press handled by the loop meanwhile
        answered.append(cluster.t)

    pressed = asyncio.get_running_loop().create_task(key())
    [sampled] = await probe.sample(T0 + timedelta(seconds=60))
    assert pressed.done() and answered and answered[0] < 60  # answered before the sample
    assert cluster.t == 60  # and the sample is of the time asked for, every step taken
    assert isinstance(sampled, DeploymentsSampled)
