"""`warroom live` from its start to its first complete frame, beside the bare Textual app
(issue #10: "`warroom live` draws first and opens just after ... its first complete frame is
<= 1.3x the bare app's").

Per size (WARROOM_BENCH_SIZES, default small,medium: the servers of scale_servers.py), STARTS
starts of each, interleaved so both see the same load, on a 120x40 pseudo-terminal:
  - wall seconds from the process's start until the key bar is drawn ("Declare"; the bare
    app's Footer: "Quit"), as test_scale.py measures it;
  - CPU seconds by then, from /proc as soon as the frame is read: the console's own, and its
    config check's (tui/aside.py: a forked child, counted in the parent's cutime and cstime
    once reaped, else read from its own /proc entry while it still runs).
On the shared 2-core machine the wall clock follows the load (printed): the check runs on the
other core only if one is free. CPU seconds are the steadier figure.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from tests.benchmarks.report import median, table
from tests.benchmarks.test_scale import BARE, servers
from tests.pty_console import PtyProgram, warroom
from tui.environment import BENCH_BEFORE, BENCH_DSN, BENCH_SIZES, BENCH_STARTS, DATA_DIR

CHOSEN = os.environ.get(BENCH_SIZES, "small,medium").split(",")
# another tree of warroom's code (e.g. main's worktree), started in turn with this one against
# the same servers: a change's figures beside the code before it, under the same load
BEFORE = os.environ.get(BENCH_BEFORE, "")
STARTS = int(os.environ.get(BENCH_STARTS, "9"))


def cpu_split(pid: int) -> tuple[float, float]:
    """(the process's own CPU seconds, its reaped children's), from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks, (int(fields[13]) + int(fields[14])) / ticks


def children_cpu(pid: int) -> float:
    """CPU seconds of `pid`'s children still running (its reaped ones are in `cpu_split`)."""
    total = 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            # one that ended between the two reads is reaped, and counted by its parent
            with contextlib.suppress(OSError, ValueError):
                total += cpu_split(int(child))[0]
    return total


def start(argv: list[str], drawn: bytes, env: dict[str, str]) -> tuple[float, float, float]:
    """(wall seconds until `drawn`, own CPU seconds, children's CPU seconds) then. Raises if
    it is never drawn (PtyProgram.wait_for)."""
    program = PtyProgram(argv, (120, 40), env)
    try:
        wall = program.wait_for(drawn, 60)
        own, children = cpu_split(program.proc.pid)
        children += children_cpu(program.proc.pid)
    finally:
        program.close()
    return wall, own, children


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


@pytest.mark.parametrize("size", CHOSEN)
def test_live_start_beside_the_bare_app(size: str, tmp_path: Path) -> None:
    folder = tmp_path / "servers"
    folder.mkdir()
    with servers(size, folder) as where:
        env = {DATA_DIR: str(tmp_path / "data"), BENCH_DSN: where["dsn"]}
        loads = [load()]
        live: list[tuple[float, float, float]] = []
        before: list[tuple[float, float, float]] = []
        bare: list[tuple[float, float, float]] = []
        for i in range(STARTS):
            config = where["config"]
            argv = warroom("live", "--config", config, "--journal", f"{tmp_path}/{i}.j")
            live.append(start(argv, b"Declare", env))
            if BEFORE:
                argv = warroom("live", "--config", config, "--journal", f"{tmp_path}/b{i}.j")
                argv.insert(1, "-P")  # that tree's code, not the one in the current folder
                before.append(start(argv, b"Declare", {**env, "PYTHONPATH": BEFORE}))
            bare.append(start(BARE, b"Quit", env))
        loads.append(load())

    def med(runs: list[tuple[float, float, float]], i: int) -> float:
        return median([r[i] for r in runs])

    bare_wall, bare_cpu = med(bare, 0), med(bare, 1)
    rows = [("bare app", bare_wall, bare_cpu, 0.0)]
    rows.append(("live", med(live, 0), med(live, 1), med(live, 2)))
    if before:
        rows.append((f"live, {BEFORE}", med(before, 0), med(before, 1), med(before, 2)))
    table(
        f"warroom live at {size}: start to the first complete frame, median of {STARTS} "
        f"(load average {loads[0]} -> {loads[1]}); goal <= 1.30x the bare app",
        [
            (
                name,
                f"{wall:.3f} s, {wall / bare_wall:.2f}x",
                f"{own:.3f} s, {own / bare_cpu:.2f}x",
                f"{check:.3f} s" if name != "bare app" else "",
            )
            for name, wall, own, check in rows
        ],
        ("", "wall", "CPU, the console", "CPU, its config check (aside)"),
    )
