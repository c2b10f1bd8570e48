"""RSS after a simulated day and the journal a day writes, against a bare Textual app.

Targets: RSS <= 120 MB after 24 h and flat over the last 12 h; a day at 2 s <= 30 MB on disk.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.benchmarks.report import table

ROOT_ARGS = [sys.executable, "-m", "tests.benchmarks.day"]


def run(out, *args: str) -> dict:
    subprocess.run([*ROOT_ARGS, str(out), *args], check=True, timeout=3600)
    return json.loads(out.read_text())


def test_a_simulated_day(tmp_path, day) -> None:
    bare = run(tmp_path / "bare.json", "--bare")
    rss = day["rss_mb"]
    last_half = rss[len(rss) // 2 :]
    growth = max(last_half) - min(last_half)
    mb = day["journal_bytes"] / 1e6
    table(
        f"A simulated day (24 h at 2 s, {day['events']:,} events, took {day['seconds']:.0f} s)",
        [
            (
                "RSS after 24 h, MB",
                f"{rss[-1]:.1f}",
                f"{bare['rss_mb'][0]:.1f} (bare app)",
                "<= 120",
            ),
            ("RSS spread over the last 12 h, MB", f"{growth:.1f}", "", "flat (<= 5)"),
            ("RSS at 1 h / 12 h / 24 h", f"{rss[0]:.1f} / {rss[11]:.1f} / {rss[-1]:.1f}", "", ""),
            ("journal on disk, MB", f"{mb:.1f}", "", "<= 30"),
            ("bytes per event", f"{day['journal_bytes'] / day['events']:.0f}", "", ""),
        ],
    )
    assert rss[-1] <= 120
    assert growth <= 5
    assert mb <= 30
