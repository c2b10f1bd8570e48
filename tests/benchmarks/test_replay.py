"""Opening and seeking a 24 h journal, against folding it from the start (same run).

Targets: open <= 0.5 s; a seek anywhere <= 50 ms (p50/p95 over 1,000 random seeks).
"""

from __future__ import annotations

import random
import time

from state.journal.replay import Replay
from state.journal.store import Journal
from tests.benchmarks.report import p, table
from tests.unit.helpers import fold_until

SEEKS = 1000
BASELINE_SEEKS = 10  # folding from the start takes seconds each


def test_open_and_seek_a_day(day) -> None:
    started = time.perf_counter()
    journal = Journal.open(day["journal"], read_only=True)
    replay = Replay(journal)
    opened = time.perf_counter() - started
    rng = random.Random(7)
    seeks = []
    for _ in range(SEEKS):
        at = rng.uniform(replay.start, replay.end)
        t = time.perf_counter()
        replay.seek(at)
        seeks.append(time.perf_counter() - t)
    baseline = []
    for _ in range(BASELINE_SEEKS):
        at = rng.uniform(replay.start, replay.end)
        t = time.perf_counter()
        fold_until(journal, at)
        baseline.append(time.perf_counter() - t)
    journal.close()
    ms = 1000
    table(
        f"Replay of a 24 h journal ({day['events']:,} events, "
        f"{len(replay.index.frames)} keyframes)",
        [
            ("open, s", f"{opened:.3f}", "", "<= 0.5"),
            (
                "seek p50, ms",
                f"{p(seeks, 50) * ms:.1f}",
                f"{p(baseline, 50) * ms:.0f} (fold from start)",
                "<= 50",
            ),
            (
                "seek p95, ms",
                f"{p(seeks, 95) * ms:.1f}",
                f"{p(baseline, 95) * ms:.0f} (fold from start)",
                "<= 50",
            ),
        ],
    )
    assert opened <= 0.5
    assert p(seeks, 95) <= 0.050
