"""Run the PostgreSQL probe alone on the wall clock, as the console would: for CPU benchmarks.

python -m tests.benchmarks.run_postgres_probe DSN SECONDS [INTERVAL]
"""

from __future__ import annotations

import asyncio
import sys

from probes.postgres.probe import PostgresProbe
from probes.scheduler import ProbeScheduler
from state.clock import WallClock


async def main(dsn: str, seconds: float, interval: float) -> None:
    failures = []
    probe = PostgresProbe(dsn, interval=interval)
    scheduler = ProbeScheduler(
        [probe], WallClock(), lambda e: failures.append(e) if e.kind == "probe_failed" else None
    )
    scheduler.start()
    await asyncio.sleep(seconds)
    await scheduler.stop()
    if failures:
        raise SystemExit(f"probe failed: {failures}")


if __name__ == "__main__":
    interval = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
    asyncio.run(main(sys.argv[1], float(sys.argv[2]), interval))
