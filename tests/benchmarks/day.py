"""A simulated day of the demo at a 2 s refresh: RSS each simulated hour, journal size at the end.

Run as a script (a fresh process, so RSS is the console's own):
    python -m tests.benchmarks.day OUT.json [--hours 24] [--bare]
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

CYCLES_PER_REDRAW = 30  # the screen repaints about once a simulated minute


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def day(journal: Path, hours: float) -> dict:
    from tests.play import Session

    session = Session("db-lock-storm", journal)
    app = session.app()
    rss: list[float] = []
    started = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        cycles = int(hours * 3600 / 2)
        for cycle in range(1, cycles + 1):
            session.clock.advance(2.0)
            await session.scheduler.cycle(session.clock.now())
            if cycle % CYCLES_PER_REDRAW == 0:
                app.redraw()
                await pilot.pause()
            if cycle % 1800 == 0:  # each simulated hour
                rss.append(rss_mb())
    seconds = time.perf_counter() - started
    events = session.recorder.journal.count()
    session.recorder.journal.close()
    size = sum(p.stat().st_size for p in journal.parent.glob(journal.name + "*"))
    return {"rss_mb": rss, "journal_bytes": size, "events": events, "seconds": seconds}


async def bare() -> dict:
    from tests.benchmarks.bare_app import BareApp

    app = BareApp(tick=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        return {"rss_mb": [rss_mb()]}


if __name__ == "__main__":
    out = Path(sys.argv[1])
    hours = float(sys.argv[sys.argv.index("--hours") + 1]) if "--hours" in sys.argv else 24.0
    if "--bare" in sys.argv:
        result = asyncio.run(bare())
    else:
        result = asyncio.run(day(out.with_suffix(".warroom"), hours))
    out.write_text(json.dumps(result))
