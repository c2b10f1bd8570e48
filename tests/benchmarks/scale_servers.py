"""Every backend of `warroom live` on loopback at one size, for the benchmarks at scale.

Run as `python -m tests.benchmarks.scale_servers SIZE DIR` (SIZE: small, medium, large): it
starts a Kubernetes API (kmock, with the test Emulator's versioned watches) holding SIZE's
deployments and pods, their health endpoints, a real Prometheus scraping an exporter with
SIZE's services, and a real PostgreSQL with SIZE's client sessions (idle ones, a few idle in
a transaction, a three-session lock chain). It writes DIR/config.toml for `warroom live`,
prints one JSON line {"config": ..., "dsn": ..., "pid": ...} and serves until its standard
input closes. kmock and the health endpoints run in this process: stopping it (SIGSTOP)
leaves Kubernetes and health hanging, as an API server that stopped answering would.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tests.integration.http_health import health_server
from tests.integration.k8s_emulator import cluster
from tests.integration.k8s_objects import NS, event, healthy, pod, rs_hash
from tests.servers.fixtures import prom_stack
from tests.servers.postgres import PgServer, free_port, remove_server
from tests.servers.prometheus import Traffic
from tui.environment import BENCH_DSN


@dataclass(frozen=True)
class Size:
    services: int  # deployments, health endpoints and Prometheus services alike
    pods: int  # per deployment
    sessions: int  # PostgreSQL client sessions


SIZES = {
    "small": Size(4, 3, 20),
    "medium": Size(50, 10, 300),
    "large": Size(300, 10, 1001),
}
GUIDE = ("analysis-service", "file-watcher", "tracklist-service", "notification-service")


def names(count: int) -> list[str]:
    """The guide's four services first, then svc-0004, svc-0005, ..."""
    return [*GUIDE, *(f"svc-{i:04}" for i in range(len(GUIDE), count))][:count]


def objects(services: list[str], pods: int) -> list[dict]:
    out: list[dict] = []
    for i, name in enumerate(services):
        out.extend(healthy(name, replicas=pods))
        if i % 25 == 3:  # a few unhealthy among them, with their warnings
            crashed = pod(name, "crash", ready=False, restarts=9, waiting="CrashLoopBackOff")
            out.append(crashed)
            pod_name = f"{name}-{rs_hash(3)}-crash"
            out.append(event("Pod", pod_name, "BackOff", "Back-off restarting", at=i))
    return out


def traffic(services: list[str]) -> dict[str, Traffic]:
    """One request a tick each, one service in 25 failing half of them."""
    return {
        s: Traffic(ok=1, errors=1 if i % 25 == 3 else 0, latency_s=0.03 * (1 + i % 3))
        for i, s in enumerate(services)
    }


@contextmanager
def postgres(sessions: int) -> Iterator[PgServer]:
    root = Path(tempfile.mkdtemp(prefix="warroom-pg-scale-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    server = PgServer(root, free_port(), max_connections=sessions + 60)
    try:
        server.init()
        server.start()
        yield server
    finally:
        remove_server(server)


@contextmanager
def clients(dsn: str, count: int) -> Iterator[None]:
    """`count` sessions: a lock chain of three, five idle in a transaction, the rest idle."""
    conns = [psycopg.connect(dsn, application_name=f"client-{i}") for i in range(count)]
    try:
        conns[0].autocommit = True
        conns[0].execute("CREATE TABLE IF NOT EXISTS bench (id int PRIMARY KEY, n int)")
        conns[0].execute("INSERT INTO bench VALUES (1, 0) ON CONFLICT DO NOTHING")
        for conn in conns[1:6]:
            conn.execute("SELECT n FROM bench WHERE id = 1")  # idle in transaction
        conns[6].execute("UPDATE bench SET n = n + 1 WHERE id = 1")  # the blocker, held
        for conn in conns[7:9]:  # blocked behind it, each waiting in a thread of libpq's
            conn.autocommit = True
            conn.pgconn.send_query(b"UPDATE bench SET n = n + 1 WHERE id = 1")
        yield
    finally:
        for conn in conns:
            conn.close()


def config(folder: Path, kubeconfig: Path, health: str, prom: str, services: list[str]) -> Path:
    path = folder / "config.toml"
    path.write_text(
        "refresh = 2\n"
        "[cluster]\n"
        f"kubeconfig = {json.dumps(str(kubeconfig))}\n"
        f'namespace = "{NS}"\n'
        f"services = {json.dumps(services)}\n"
        f"health_url = {json.dumps(health)}\n"
        "read_only = true\n"
        "[prometheus]\n"
        f"url = {json.dumps(prom)}\n"
        "[database]\n"
        f'dsn_env = "{BENCH_DSN}"\n'
    )
    return path


async def serve(size: Size, folder: Path) -> None:
    services = names(size.services)
    with postgres(size.sessions) as pg, prom_stack(traffic(services), tick=1.0) as prom:
        dsn = pg.dsn()
        with clients(dsn, size.sessions):
            async with (
                cluster(folder, *objects(services, size.pods)) as k8s,
                health_server() as web,
            ):
                k8s.api.keep_requests = False
                path = config(folder, k8s.kubeconfig, web.template(), prom.url, services)
                reply = {"config": str(path), "dsn": dsn, "prom": prom.url, "pid": os.getpid()}
                print(json.dumps(reply), flush=True)
                await asyncio.to_thread(sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(serve(SIZES[sys.argv[1]], Path(sys.argv[2])))
