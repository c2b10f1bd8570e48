"""One simulated day, generated once per benchmark run and shared by the benchmarks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.fixture(scope="session")
def day(tmp_path_factory) -> dict:
    """A 24 h lock storm at 2 s: {'rss_mb': [...], 'journal': path, 'events': n, ...}."""
    out = tmp_path_factory.mktemp("day") / "day.json"
    subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.day", str(out)], check=True, timeout=3600
    )
    result = json.loads(out.read_text())
    result["journal"] = out.with_suffix(".warroom")
    return result
