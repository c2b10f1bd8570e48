"""A large lock storm for the Database locks pane: 1,001 sessions, a 200-deep chain and a
500-wide one, and what it costs the console to apply a sample and to move the cursor.

`python -m tests.benchmarks.lock_storm OUT.json [SAMPLES] [PRESSES] [whole]` runs the
console headless (Textual's Pilot, 120x40) on such a session and writes the figures;
`OUT.json typed PRESSES` types arrows into `warroom replay` of it on a pseudo-terminal and
times each until its line is drawn. The benchmark
(test_lock_tree.py) runs it in a process of its own, so one run's imports and caches do not
flatter another's.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import timedelta
from pathlib import Path
from statistics import median
from tempfile import TemporaryDirectory

from state.events import DatabaseSampled, DbSession
from tests.play import Session

DEEP, WIDE, SESSIONS = 200, 500, 1001


def storm(session: Session, tick: int) -> DatabaseSampled:
    """1,001 sessions: 1000 blocks a chain 200 deep (each waits on the one before), 2000
    blocks 500 waiters at once, and the rest are idle; from `tick` on, one more waiter has
    joined the wide chain per sample and every waiter's clock has moved on."""
    now = session.clock.now()
    start = now - timedelta(minutes=5)

    def waiter(pid: int, on: int, age: int) -> DbSession:
        return DbSession(
            pid=pid, user="app", application=f"svc-{pid % 40:02d}", state="active",
            query=f"UPDATE ledger SET balance = balance - 1 WHERE id = {pid}",
            query_start=now - timedelta(seconds=age), wait_event_type="Lock",
            blocked_by=(on,), relation="ledger", lock_mode="RowExclusiveLock",
            backend_start=start,
        )  # fmt: skip

    def holder(pid: int, name: str, table: str) -> DbSession:
        return DbSession(
            pid=pid, user="batch", application=name, state="idle in transaction",
            query=f"UPDATE {table} SET state = 'x'", xact_start=now - timedelta(minutes=3),
            relation=table, lock_mode="RowExclusiveLock", backend_start=start,
        )  # fmt: skip

    holders = [holder(1000, "reindex", "orders"), holder(2000, "exports", "ledger")]
    deep = [waiter(1001 + i, 1000 + i, DEEP - i) for i in range(DEEP)]
    wide_count = WIDE - 1 + min(tick, 1)  # the sample after the first: one more waits
    wide = [waiter(2001 + i, 2000, WIDE - i) for i in range(wide_count)]
    rest = SESSIONS - len(holders) - len(deep) - len(wide)
    idle = [
        DbSession(pid=5000 + i, user="app", state="idle", backend_start=start) for i in range(rest)
    ]
    return DatabaseSampled(
        at=now,
        connections={"active": 700, "idle": 300, "idle in transaction": 2, "waiting": 700},
        max_connections=2000,
        sessions=(*holders, *deep, *wide, *idle),
    )


async def open_every_chain(pilot) -> None:
    """Enter on each "… N more waiting" line, as the commander would, then back to live."""
    from widgets.lock_plan import CUT
    from widgets.locks import LocksPane

    pane = pilot.app.query_one(LocksPane)
    tree = pane.lock_tree
    while True:
        cuts = [y for y in range(tree.last_line + 1) if pane._line_kind(y) == CUT]
        if not cuts:
            break
        tree.place(cuts[0])
        await pilot.press("enter")
        await pilot.pause()
    await pilot.press("home", "escape")
    await pilot.pause()
    assert tree.last_line >= 702, tree.last_line  # 701 sessions in chains, 2 statements


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def measure(samples: int, presses: int, whole: bool = False) -> dict:
    """Apply `samples` samples, then press down `presses` times, each until its frame is
    drawn; `whole`: with every chain opened first (enter on its "… N more waiting" line),
    so the tree holds every one of the 1,001 sessions' lines."""
    with TemporaryDirectory() as folder:
        session = await Session("db-lock-storm", Path(folder) / "j.warroom").arun(4)
        session.record(storm(session, 0))
        app = session.app()
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await pilot.press("3")  # the locks pane has the keys
            await pilot.pause()
            if whole:
                await open_every_chain(pilot)
            apply_cpu, apply_wall = [], []
            for tick in range(1, samples + 1):
                session.clock.advance(2)
                event = storm(session, tick)
                wall, cpu = time.perf_counter(), time.process_time()
                session.record(event)
                app.redraw()
                await pilot.pause()
                apply_cpu.append((time.process_time() - cpu) * 1000)
                apply_wall.append((time.perf_counter() - wall) * 1000)
            key_cpu, key_wall = [], []
            for _ in range(presses):
                wall, cpu = time.perf_counter(), time.process_time()
                await pilot.press("down")
                await pilot.pause()
                key_cpu.append((time.process_time() - cpu) * 1000)
                key_wall.append((time.perf_counter() - wall) * 1000)
    return {
        "apply_cpu_ms": [median(apply_cpu), pct(apply_cpu, 99)],
        "apply_wall_ms": [median(apply_wall), pct(apply_wall, 99)],
        "key_cpu_ms": [median(key_cpu), pct(key_cpu, 99)],
        "key_wall_ms": [median(key_wall), pct(key_wall, 99)],
        "samples": samples,
        "presses": presses,
    }


def journal(path: Path) -> None:
    """A journal whose last sample is the storm: `warroom replay` it to see the storm."""

    async def write() -> None:
        session = await Session("db-lock-storm", path).arun(4)
        session.record(storm(session, 0))
        session.recorder.journal.close()

    asyncio.run(write())


def typed(path: Path, presses: int) -> list[float]:
    """Milliseconds from each of `presses` arrows typed into `warroom replay` of `path` (a
    real pseudo-terminal, 120x40) until the session it moves the cursor to is drawn: down
    and up among the wide chain's first eight waiters (2001-2008, under 2000)."""
    import os

    from tests.pty_console import PtyProgram, warroom

    program = PtyProgram(warroom("replay", str(path)), (120, 40), {})
    try:
        program.wait_for(b"Database locks", 60)
        program.send(b"\x1b[F")  # end: the journal's last sample, the storm
        program.wait_for(b"blocks 499", 30)
        program.send(b"3")
        program.pump(1.0)
        at, took = 0, []
        for i in range(presses):
            step = 1 if (i // 8) % 2 == 0 else -1
            at += step
            expected = f"{2000 + at} ".encode()
            program.pump(0.05)
            program.output.clear()
            started = time.perf_counter()
            os.write(program.master, b"\x1b[B" if step > 0 else b"\x1b[A")
            deadline = started + 10
            while expected not in program.output and time.perf_counter() < deadline:
                program.read(0.002)
            took.append((time.perf_counter() - started) * 1000)
        return took
    finally:
        program.close()


def main() -> None:
    out = Path(sys.argv[1])
    if len(sys.argv) > 2 and sys.argv[2] == "typed":  # OUT typed PRESSES: in a terminal
        with TemporaryDirectory() as folder:
            path = Path(folder) / "storm.warroom"
            journal(path)
            out.write_text(json.dumps({"key_ms": typed(path, int(sys.argv[3]))}))
        return
    samples = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    presses = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    whole = len(sys.argv) > 4 and sys.argv[4] == "whole"
    out.write_text(json.dumps(asyncio.run(measure(samples, presses, whole))))


if __name__ == "__main__":
    main()
