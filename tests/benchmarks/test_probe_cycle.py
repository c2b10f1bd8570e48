"""A full Kubernetes + health probe cycle against loopback servers, p95 over 100 cycles.

Target: one cycle of all the probes <= 100 ms at p95 (Postgres and Prometheus are measured
beside their own probes). The servers (kmock's API emulator, the health endpoints) run in
a process of their own, as a real API server would. The Kubernetes probe lists once and
then watches (probes/kubernetes/watch.py): after the warm-up, a cycle reads its informers.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from datetime import UTC, datetime

from probes.health import HealthProbe
from probes.kubernetes.client import call
from probes.kubernetes.read import KubernetesProbe
from probes.scheduler import ProbeScheduler
from state.clock import FrozenClock
from tests.benchmarks.loopback_servers import SERVICES
from tests.benchmarks.report import median, p, table

CYCLES = 100
WARMUP = 5
TARGET_MS = 100.0


def ms(seconds: list[float]) -> list[float]:
    return [s * 1000 for s in seconds]


async def timed(coro_factory, n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        await coro_factory()
        out.append(time.perf_counter() - started)
    return out


async def test_kubernetes_and_health_cycle(tmp_path):
    servers = subprocess.Popen(
        [sys.executable, "-m", "tests.benchmarks.loopback_servers", str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert servers.stdout is not None
        where = json.loads(await asyncio.to_thread(servers.stdout.readline))
        emitted: list = []
        kube = KubernetesProbe(SERVICES, kubeconfig=where["kubeconfig"])
        health = HealthProbe(SERVICES, where["health"])
        clock = FrozenClock(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))
        scheduler = ProbeScheduler([kube, health], clock, emitted.append)
        now = clock.now()
        await timed(scheduler.cycle, WARMUP)  # imports, connections, the kubeconfig
        cycle = await timed(scheduler.cycle, CYCLES)
        kube_only = await timed(lambda: kube.sample(now), CYCLES)
        health_only = await timed(lambda: health.sample(now), CYCLES)
        conn = await kube.connection()
        from kubernetes import client

        version = client.VersionApi(conn.api).get_code
        one = await timed(lambda: asyncio.to_thread(call, conn, "get", version, 3.0), CYCLES)
        await scheduler.stop()
    finally:
        servers.communicate(timeout=10)  # closing its stdin stops it
    assert not [e for e in emitted if e.kind == "probe_failed"]
    rows = []
    for name, values in (
        ("kubernetes + health cycle", cycle),
        ("kubernetes probe (from its watches)", kube_only),
        ("health probe (4 GETs)", health_only),
        ("one API request (floor)", one),
    ):
        v = ms(values)
        rows.append((f"{name} p50", f"{median(v):.1f} ms", "", ""))
        rows.append((f"{name} p95", f"{p(v, 95):.1f} ms", "", f"<= {TARGET_MS:.0f} ms"))
    table(f"Probe cycle over {CYCLES} cycles, 4 deployments x 3 pods, servers in a process", rows)
    assert p(ms(cycle), 95) <= TARGET_MS
