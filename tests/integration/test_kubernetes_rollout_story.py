"""A rollout read from an API server on loopback (kmock), told on the timeline as it goes.

The Deployment's status moves as the controller would move it during a maxSurge 1 rolling
update; the probe reads it through list+watch, the fold tells it, `v` judges it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from probes.kubernetes.read import KubernetesProbe
from state.console import ConsoleState
from state.events import DeploymentsSampled, SessionStarted
from state.fold import fold
from state.guide.resolution import verify
from state.rollouts import ROLLOUT_RULES
from tests.integration.k8s_emulator import cluster
from tests.integration.k8s_objects import deployment, healthy, replicaset
from tests.servers.sessions import eventually

pytestmark = pytest.mark.integration
NAME = "tracklist-service"
T0 = datetime(2026, 3, 2, 14, 1, tzinfo=UTC)


class Console:
    """The probe's samples folded as the console folds them, on a clock 2 s a refresh."""

    def __init__(self, probe: KubernetesProbe, begun: SessionStarted | None = None) -> None:
        self.probe, self.state, self.refreshes = probe, ConsoleState(services=(NAME,)), 0
        if begun is not None:  # a session this version began: its rules
            self.state = fold(self.state, begun)

    async def refresh(self):
        self.refreshes += 1
        (sample,) = await self.probe.sample(T0 + timedelta(seconds=2 * self.refreshes))
        assert isinstance(sample, DeploymentsSampled)
        self.state = fold(self.state, sample)
        return self.state.deployments[NAME]

    async def until(self, revision: int, updated: int, replicas: int, rollout: str | None):
        """Refresh until the watch brought the Deployment's status there."""

        def there(d) -> bool:
            return (d.revision, d.updated, d.replicas, d.rollout) == (
                revision,
                updated,
                replicas,
                rollout,
            )

        seen = await eventually(self.refresh, there)
        assert there(seen), seen

    @property
    def told(self) -> list[tuple[str, str]]:
        return [(e.tone, e.text) for e in self.state.timeline]


def rolling(revision: int, updated: int, total: int, **status) -> dict:
    """The Deployment mid-rollout: 3 wanted, all 3 ready (the surge keeps them), `updated` of
    them new, `total` pods across its ReplicaSets."""
    return deployment(
        NAME,
        replicas=3,
        ready=3,
        updated=updated,
        total=total,
        revision=revision,
        **({"progressing": "ReplicaSetUpdated"} | status),
    )


async def begun(k8s, console: Console) -> None:
    """Revision 7 rolled out, then revision 8 begun: 1 of 3 new replicas, 4 pods in all."""
    await console.until(7, 3, 3, None)
    k8s.add(rolling(8, 1, 4), replicaset(NAME, 8, 1))
    await console.until(8, 1, 4, "progressing")


async def test_a_rollout_that_progresses_and_completes(tmp_path):
    async with cluster(tmp_path, healthy(NAME, 3, 7)) as k8s:
        console = Console(KubernetesProbe((NAME,), context=k8s.context, kubeconfig=k8s.kubeconfig))
        try:
            await begun(k8s, console)
            assert console.told == [("warn", f"{NAME}: rolling out revision 8 (was 7)")]
            k8s.add(rolling(8, 3, 4))
            await console.until(8, 3, 4, "progressing")
            # ready is 3/3 and the numbers may look fine: an old replica still serves
            assert (
                f"{NAME} rollout of revision 8 not complete (1 old replica pending termination)"
                in verify(console.state).reasons
            )
            k8s.add(deployment(NAME, replicas=3, revision=8), replicaset(NAME, 8, 3))
            await console.until(8, 3, 3, None)
        finally:
            await console.probe.close()
    assert console.told == [
        ("warn", f"{NAME}: rolling out revision 8 (was 7)"),
        ("good", f"{NAME}: rollout of revision 8 complete (3/3 updated and available)"),
    ]
    assert not any("rollout" in r for r in verify(console.state).reasons)


async def test_a_rollout_that_stalls(tmp_path):
    async with cluster(tmp_path, healthy(NAME, 3, 7)) as k8s:
        console = Console(KubernetesProbe((NAME,), context=k8s.context, kubeconfig=k8s.kubeconfig))
        try:
            await begun(k8s, console)
            k8s.add(rolling(8, 1, 4, progressing="ProgressDeadlineExceeded"))
            await console.until(8, 1, 4, "ProgressDeadlineExceeded")
            for _ in range(3):  # still stalled: said once
                await console.refresh()
        finally:
            await console.probe.close()
    stalled = (
        f"{NAME}: rollout of revision 8 stalled: ProgressDeadlineExceeded "
        "(1 of 3 new replicas updated)"
    )
    assert console.told == [
        ("warn", f"{NAME}: rolling out revision 8 (was 7)"),
        ("bad", stalled),
    ]
    assert verify(console.state).reasons[-1] == f"{NAME} {stalled.split(': ', 1)[1]}"


async def test_a_rollout_that_takes_replicas_down_ends_in_one_line(tmp_path):
    """maxUnavailable: a replica down while each is replaced. Its end was told twice: the
    rollout complete, and "all 3 replicas ready" beside it; now once, as kubectl says it."""
    begun = SessionStarted(
        at=T0, mode="live", version="test", operator="alice", rollout_rules=ROLLOUT_RULES
    )
    async with cluster(tmp_path, healthy(NAME, 3, 7)) as k8s:
        probe = KubernetesProbe((NAME,), context=k8s.context, kubeconfig=k8s.kubeconfig)
        console = Console(probe, begun)
        try:
            await console.until(7, 3, 3, None)
            down = {"progressing": "ReplicaSetUpdated", "ready": 2}
            k8s.add(deployment(NAME, replicas=3, updated=1, revision=8, **down))
            await console.until(8, 1, 3, "progressing")
            k8s.add(deployment(NAME, replicas=3, updated=2, revision=8, **down))
            await console.until(8, 2, 3, "progressing")
            k8s.add(deployment(NAME, replicas=3, revision=8), replicaset(NAME, 8, 3))
            await console.until(8, 3, 3, None)
        finally:
            await console.probe.close()
    assert console.told[-2:] == [
        ("warn", f"{NAME}: rolling out revision 8 (was 7)"),
        ("good", f"{NAME}: rollout of revision 8 complete (3/3 updated and available)"),
    ]
