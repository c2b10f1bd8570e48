"""The benchmark's servers in a process of their own, as a real API server would be.

Run as `python -m tests.benchmarks.loopback_servers DIR`: it writes DIR/kubeconfig, prints one
JSON line {"kubeconfig": ..., "health": ...} and serves until its standard input closes.
Every request is forgotten once served, so kmock's request log never grows.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from tests.integration.http_health import health_server
from tests.integration.k8s_emulator import cluster
from tests.integration.k8s_objects import event, healthy, rs_hash

SERVICES = ("analysis-service", "file-watcher", "tracklist-service", "notification-service")


async def serve(folder: Path) -> None:
    objects = [healthy(s, replicas=3) for s in SERVICES]
    warnings = [
        event("Pod", f"{s}-{rs_hash(3)}-p0x3", "BackOff", "Back-off restarting", at=i)
        for i, s in enumerate(SERVICES * 3)
    ]
    async with cluster(folder, *objects, warnings) as k8s, health_server() as web:
        k8s.api.keep_requests = False
        print(json.dumps({"kubeconfig": str(k8s.kubeconfig), "health": web.template()}), flush=True)
        await asyncio.to_thread(sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(serve(Path(sys.argv[1])))
