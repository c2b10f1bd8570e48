"""`warroom live` at small, medium and large against real servers on loopback (issue #10).

Per size (tests/benchmarks/scale_servers.py: kmock with versioned watches, the health
endpoints, Prometheus scraping an exporter, PostgreSQL with the size's sessions):
  - one cycle of every live probe, p50 / p95, and whether every probe sampled every cycle;
  - start-up to the first complete frame and to the first sample of every probe (from the
    journal), beside the bare Textual app's first frame in the same run;
  - over WARROOM_BENCH_SECONDS (60) at the default 2 s refresh at 120x40, from the session's
    first keyframe on (it is whole; one in 32 after it is, added at that cadence): CPU % of a core,
    bytes/s to the terminal, RSS, the journal's growth (per hour), beside pg_activity on the
    same PostgreSQL and the bare app updating a pane every 2 s, all running at once;
  - key -> frame (`?` until its dialog is drawn), p50 / p99, with every backend answering
    and with the Kubernetes API and health endpoints hanging (their server SIGSTOPped).

WARROOM_BENCH_SIZES picks sizes (default small,medium,large): the large one needs a few
minutes and a quiet machine. The figures are printed as tables for the README.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from probes.scheduler import ProbeScheduler
from state.clock import FrozenClock
from state.journal.keyframes import WHOLE_EVERY
from state.journal.store import Journal
from tests.benchmarks.report import median, p, table
from tests.benchmarks.scale_servers import SIZES
from tests.pty_console import PtyProgram, warroom
from tui.config import load
from tui.environment import BENCH_DSN, BENCH_SECONDS, BENCH_SIZES, DATA_DIR
from tui.live import live_probes

CHOSEN = os.environ.get(BENCH_SIZES, "small,medium,large").split(",")
SECONDS = float(os.environ.get(BENCH_SECONDS, "60"))
BARE = [sys.executable, str(Path(__file__).with_name("bare_app.py"))]
CYCLES = 20
PRESSES = 30
SOURCES = ("kubernetes", "health", "error_rate", "latency", "postgres")


@contextmanager
def servers(size: str, folder: Path) -> Iterator[dict]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.benchmarks.scale_servers", size, str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, f"the {size} servers did not start"
        yield json.loads(line)
    finally:
        os.kill(proc.pid, signal.SIGCONT)
        proc.communicate(timeout=120)  # closing its stdin stops it


async def probe_cycles(config_path: str) -> tuple[list[float], int, int]:
    """Seconds per cycle of every live probe, after a warm-up; (cycles, samples, failures)."""
    probes = live_probes(load(Path(config_path)))
    emitted: list = []
    scheduler = ProbeScheduler(probes, FrozenClock(datetime.now(UTC)), emitted.append)
    for _ in range(3):  # imports, connections, the first lists, the history loads
        await scheduler.cycle()
    emitted.clear()
    out = []
    for _ in range(CYCLES):
        started = time.perf_counter()
        await scheduler.cycle()
        out.append(time.perf_counter() - started)
    await scheduler.stop()
    failed = sum(e.kind == "probe_failed" for e in emitted)
    sampled = sum(e.kind.endswith("_sampled") for e in emitted)
    return out, sampled, failed


def first_samples(journal: Path, started: float) -> dict[str, float]:
    """Seconds from the process's start to each probe's first sample in the journal."""
    kinds = {
        "deployments_sampled": "kubernetes",
        "health_sampled": "health",
        "database_sampled": "postgres",
    }
    out: dict[str, float] = {}
    with Journal.open(journal, read_only=True) as read:
        for event in read.events():
            source = kinds.get(event.kind)
            if event.kind == "metric_sampled":
                source = event.metric  # type: ignore[attr-defined]
            if source and source not in out:
                out[source] = event.at.timestamp() - started
    return out


def press(program: PtyProgram, key: bytes, drawn: bytes, timeout: float = 30) -> float:
    """Seconds from typing `key` until `drawn` is on the terminal."""
    program.pump(0.3)
    program.output.clear()
    started = time.perf_counter()
    os.write(program.master, key)
    deadline = started + timeout
    while drawn not in program.output and time.perf_counter() < deadline:
        program.read(0.005)
    took = time.perf_counter() - started
    os.write(program.master, b"\x1b")  # close the dialog
    program.pump(0.3)
    return took


def keys(program: PtyProgram, key: bytes = b"?", drawn: bytes = b"warroom keys") -> list[float]:
    """Milliseconds from each of PRESSES presses of `key` until `drawn` is on the terminal."""
    return [press(program, key, drawn) * 1000 for _ in range(PRESSES)]


PALETTE = (b"\x10", b"Search for commands")  # ctrl+p: Textual's own, in both apps


def cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def live_run(where: dict, env: dict[str, str], journal: Path) -> dict:
    """warroom live on a 120x40 pty: start-up, the steady state beside pg_activity and the
    bare app, and key -> frame answering and hanging."""
    out: dict = {}
    argv = warroom("live", "--config", where["config"], "--journal", str(journal))
    wall_start = time.time()
    program = PtyProgram(argv, (120, 40), env)
    try:
        out["frame"] = program.wait_for(b"Declare", 120)
        program.pump(15)  # the first samples, the history loads
        out["firsts"] = first_samples(journal, wall_start)
        # the steady state begins after the session's first keyframe: it is whole (the
        # sparklines' history of every series: ~140 KB at large), as is one in WHOLE_EVERY
        # after it; in a 60 s window it would be counted 60 times an hour
        deadline = time.monotonic() + 120
        while not _used(journal)[1] and time.monotonic() < deadline:
            program.pump(1)
        bare = PtyProgram([*BARE, "--tick"], (120, 40), env)
        pg_activity = PtyProgram([_pg_activity(), "--refresh", "2", where["dsn"]], (120, 40), env)
        others = {"bare": bare.proc.pid, "pg_activity": pg_activity.proc.pid}
        try:
            bare.pump(3)
            pg_activity.pump(3)
            size0, frames0 = _used(journal)
            cpu0 = {"warroom": cpu_of(program.proc.pid)}
            cpu0 |= {name: cpu_of(pid) for name, pid in others.items()}
            out["drawn"] = _pump_all([program, bare, pg_activity], SECONDS)
            spent = {"warroom": cpu_of(program.proc.pid) - cpu0["warroom"]}
            spent |= {name: cpu_of(pid) - cpu0[name] for name, pid in others.items()}
            out["cpu"] = {name: value / SECONDS * 100 for name, value in spent.items()}
            size1, frames1 = _used(journal)
            out["journal"] = (size1 - size0, frames0[:1], len(frames1) - len(frames0))
            out["rss"] = {"warroom": program.rss_mb(), "bare": bare.rss_mb()}
            out["bare_palette"] = keys(bare, *PALETTE)
        finally:
            bare.close()
            pg_activity.close()
        out["answering"] = keys(program)
        out["palette"] = keys(program, *PALETTE)
        os.kill(where["pid"], signal.SIGSTOP)  # the Kubernetes API and health endpoints hang
        try:
            program.pump(8)  # past their timeouts: the panes say they are late
            out["hanging"] = keys(program)
        finally:
            os.kill(where["pid"], signal.SIGCONT)
    finally:
        program.close()
    return out


@pytest.mark.parametrize("size", CHOSEN)
def test_live_at_size(size: str, tmp_path: Path) -> None:
    shape = SIZES[size]
    folder = tmp_path / "servers"
    folder.mkdir()
    with servers(size, folder) as where:
        env = {DATA_DIR: str(tmp_path / "data"), BENCH_DSN: where["dsn"]}
        os.environ[BENCH_DSN] = where["dsn"]
        cycles, sampled, failed = asyncio.run(probe_cycles(where["config"]))
        bare_frame = PtyProgram(BARE, (120, 40), env)
        try:
            bare_first = bare_frame.wait_for(b"Quit", 60)
        finally:
            bare_frame.close()
        run = live_run(where, env, tmp_path / "live.warroom")

    cycle_ms = [c * 1000 for c in cycles]
    firsts, cpu, rss, drawn = run["firsts"], run["cpu"], run["rss"], run["drawn"]
    everyone = max(firsts.values()) if len(firsts) == len(SOURCES) else float("nan")
    answering, hanging = run["answering"], run["hanging"]
    rows = [
        ("probe cycle p50", f"{median(cycle_ms):.1f} ms", "", ""),
        ("probe cycle p95", f"{p(cycle_ms, 95):.1f} ms", "", "<= 250 ms at large"),
        ("samples in the cycles / expected", f"{sampled} / {CYCLES * len(SOURCES)}", "", "all"),
        ("failed samples", f"{failed}", "", "0"),
        ("first complete frame", f"{run['frame']:.2f} s", f"{bare_first:.2f} s (bare)", ""),
        ("first frame ratio", f"{run['frame'] / bare_first:.2f}x", "1.00x", "<= 1.30x"),
        ("first sample in every pane", f"{everyone:.2f} s", "", ""),
        *((f"  first {s} sample", f"{firsts.get(s, float('nan')):.2f} s", "", "") for s in SOURCES),
        (
            f"CPU over {SECONDS:g} s, % of a core",
            f"{cpu['warroom']:.1f}",
            f"{cpu['pg_activity']:.1f} (pg_activity), {cpu['bare']:.1f} (bare)",
            "<= 5 at large; <= 1x pg_activity at small",
        ),
        (
            "bytes/s to the 120x40 terminal",
            f"{drawn[0] / SECONDS:.0f}",
            f"{drawn[1] / SECONDS:.0f} (bare)",
            "<= 4096",
        ),
        ("RSS", f"{rss['warroom']:.0f} MB", f"{rss['bare']:.0f} MB (bare)", "<= 150 MB"),
        ("journal per hour (whole keyframes)", _per_hour(*run["journal"]), "", "<= 10 MB"),
        ("key -> frame p50, all answering", f"{median(answering):.0f} ms", "", ""),
        ("key -> frame p99, all answering", f"{p(answering, 99):.0f} ms", "", "<= 50 ms"),
        (
            "ctrl+p -> palette p50 / p99",
            f"{median(run['palette']):.0f} / {p(run['palette'], 99):.0f} ms",
            f"{median(run['bare_palette']):.0f} / {p(run['bare_palette'], 99):.0f} ms (bare)",
            "",
        ),
        ("key -> frame p50, k8s + health hanging", f"{median(hanging):.0f} ms", "", ""),
        ("key -> frame p99, k8s + health hanging", f"{p(hanging, 99):.0f} ms", "", "<= 50 ms"),
    ]
    table(
        f"warroom live at {size}: {shape.services} services, {shape.services * shape.pods} pods, "
        f"{shape.sessions} sessions",
        rows,
    )


def _per_hour(grown: int, first: list[int], keyframes: int) -> str:
    """The journal's growth in the window, per hour, with the whole keyframes an hour holds
    (one in WHOLE_EVERY, each the size of the session's first): "N MB (whole keyframes M)"."""
    whole = first[0] * max(keyframes, 1) * 3600 / SECONDS / WHOLE_EVERY if first else 0.0
    total = grown * 3600 / SECONDS + whole
    return f"{total / 1e6:.1f} MB ({whole / 1e6:.2f})"


def _used(journal: Path) -> tuple[int, list[int]]:
    """(the bytes the journal holds: its pages in use once the -wal is checkpointed into it,
    the bytes of each keyframe it holds, oldest first).

    The file and its -wal as they lie on disk would count SQLite's write-ahead log, which
    takes a 4 KB page or more per commit and is reused after each checkpoint (the -wal stays
    under ~4 MB): over a 60 s window it grows ~10 KB a refresh whatever the events hold. So
    a copy is checkpointed and its used pages counted, which is what an hour leaves behind.
    """
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / journal.name
        shutil.copyfile(journal, copy)
        wal = journal.with_name(journal.name + "-wal")
        if wal.exists():
            shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
        db = sqlite3.connect(copy)
        try:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            free = db.execute("PRAGMA freelist_count").fetchone()[0]
            size = db.execute("PRAGMA page_size").fetchone()[0]
            try:
                frames = db.execute("SELECT length(state) FROM keyframes ORDER BY seq").fetchall()
            except sqlite3.OperationalError:  # no keyframe table yet
                frames = []
        finally:
            db.close()
    return int((pages - free) * size), [n for (n,) in frames]


def _pg_activity() -> str:
    bindir = Path(sys.executable).parent
    return shutil.which("pg_activity", path=str(bindir)) or "pg_activity"


def _pump_all(programs: list[PtyProgram], seconds: float) -> list[int]:
    """Read every program's terminal for `seconds`; the bytes each drew."""
    drawn = [0] * len(programs)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for i, program in enumerate(programs):
            drawn[i] += program.read(0.02)
    return drawn
