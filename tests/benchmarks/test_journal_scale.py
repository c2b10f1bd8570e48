"""A large hour's journal (issue #10): on disk, replay open and seek, export, `warroom journals`,
in today's format beside the old one (whole samples, zlib keyframes) from the same events in
the same run. Two hours (tests/benchmarks/large_hour.py): the demo's simulation at 300
services, where nearly every row changes every refresh, and one shaped like live (3,000 pods,
1,001 sessions, values at Prometheus' scrape cadence, health latencies).

Wall times are on a shared machine: each row gives the CPU time too (time.process_time).
Goals at large, for the live-shaped hour: <= 10 MB, open <= 0.5 s, seek p95 <= 100 ms,
export <= 5 s, `warroom journals` < 1 s.

    make bench PYTEST_ARGS="-k journal_scale"
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from state.journal.replay import Replay
from state.journal.store import Journal
from state.review.files import review_files
from tests.benchmarks import large_hour
from tests.benchmarks.report import p, table
from tui.environment import DATA_DIR

SEEKS = 200
OLD_SEEKS = 20  # the old format takes seconds a seek at large


def timed(run) -> tuple[float, float, object]:
    """(wall s, CPU s, result) of `run()`."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def measure(path: Path, seeks: int) -> dict:
    out: dict = {"mb": path.stat().st_size / 1e6}
    with Journal.open(path, read_only=True) as journal:
        out["open"] = timed(lambda: Replay(journal))
        replay = out["open"][2]
        rng = random.Random(7)
        walls, cpus = [], []
        for _ in range(seeks):
            at = rng.uniform(replay.start, replay.end)
            wall, cpu, _ = timed(lambda at=at: replay.seek(at))
            walls.append(wall)
            cpus.append(cpu)
        out["seek"] = (walls, cpus)
    with Journal.open(path, read_only=True) as journal:
        out["export"] = timed(lambda: review_files(journal.events()))
    data = path.parent / f"data-{path.stem}"
    (data / "journals").mkdir(parents=True)
    os.link(path, data / "journals" / f"20260314T092600Z-{path.stem}.warroom")
    env = {**os.environ, DATA_DIR: str(data)}
    argv = [sys.executable, "-m", "tui", "journals"]
    started = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, env=env, timeout=600)
    out["journals"] = time.perf_counter() - started
    return out


def ms(values: list[float], q: float) -> str:
    return f"{p(values, q) * 1000:.0f}"


@pytest.mark.parametrize("shape", ["live_shaped", "simulated"])
def test_a_large_hour(tmp_path, shape) -> None:
    events = getattr(large_hour, shape)
    new, old = tmp_path / "new.warroom", tmp_path / "old.warroom"
    _, record_new, count = timed(lambda: large_hour.record(events(), new))
    _, record_old, _ = timed(lambda: large_hour.record(events(), old, old_format=True))
    ours, base = measure(new, SEEKS), measure(old, OLD_SEEKS)
    load = os.getloadavg()[0]
    seek, old_seek = ours["seek"], base["seek"]
    table(
        f"A large hour, {shape.replace('_', '-')} ({count:,} events; load average {load:.1f})",
        [
            ("on disk, MB per hour", f"{ours['mb']:.1f}", f"{base['mb']:.1f} (old format)",
             "<= 10"),
            ("recording the hour (journal + fold + keyframes), CPU s", f"{record_new:.1f}",
             f"{record_old:.1f}", ""),
            ("replay open, s (CPU)", f"{ours['open'][0]:.3f} ({ours['open'][1]:.3f})",
             f"{base['open'][0]:.3f} ({base['open'][1]:.3f})", "<= 0.5"),
            ("seek p50 / p95, ms", f"{ms(seek[0], 50)} / {ms(seek[0], 95)}",
             f"{ms(old_seek[0], 50)} / {ms(old_seek[0], 95)}", "p95 <= 100"),
            ("seek p50 / p95, CPU ms", f"{ms(seek[1], 50)} / {ms(seek[1], 95)}",
             f"{ms(old_seek[1], 50)} / {ms(old_seek[1], 95)}", ""),
            ("export of the hour, in process, s (CPU)",
             f"{ours['export'][0]:.1f} ({ours['export'][1]:.1f})",
             f"{base['export'][0]:.1f} ({base['export'][1]:.1f})", "<= 5"),
            ("`warroom journals` with it present, s", f"{ours['journals']:.2f}",
             f"{base['journals']:.2f}", "< 1"),
        ],
    )  # fmt: skip
    if shape == "live_shaped":  # export and seek wait on the fold's CPU too (README)
        assert ours["mb"] <= 10
        assert ours["open"][0] <= 0.5
        assert ours["journals"] < 1
