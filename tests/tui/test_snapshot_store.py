"""Updating one snapshot rewrites that file only: the others stay byte for byte."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tui.environment import SNAPSHOT_DIR

ROOT = Path(__file__).resolve().parents[2]
TARGET = "test_bad_deploy_before_120x40.svg"


def test_updating_one_snapshot_leaves_the_others_intact(tmp_path) -> None:
    store = tmp_path / "snapshots"
    shutil.copytree(ROOT / "snapshots", store)
    folder = store / "test_snapshots"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    (folder / TARGET).write_text("<svg>stale</svg>")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--snapshot-update",
            "tests/tui/test_snapshots.py::test_bad_deploy_before_120x40",
        ],
        cwd=ROOT,
        env={**os.environ, SNAPSHOT_DIR: str(store)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    after = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert after == before  # the stale one was rewritten as it was; nothing else moved
