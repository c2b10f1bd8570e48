"""Shared fixtures: snapshots live in snapshots/ at the top of the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pytest_textual_snapshot import SVGImageExtension
from textual._doc import take_svg_screenshot

ROOT = Path(__file__).resolve().parent.parent


class WarroomSnapshots(SVGImageExtension):
    """SVG snapshots under snapshots/ (or WARROOM_SNAPSHOT_DIR), one file per snapshot."""

    @classmethod
    def dirname(cls, *, test_location) -> str:  # type: ignore[override]
        # one folder per test module, so syrupy can tell which snapshots a module owns
        root = os.environ.get("WARROOM_SNAPSHOT_DIR") or str(ROOT / "snapshots")
        return str(Path(root) / test_location.basename)

    def delete_snapshots(self, snapshot_location: str, snapshot_names) -> None:
        """Never delete: syrupy takes every snapshot a partial run did not touch for unused.

        Snapshots of removed tests are deleted by hand (pytest warns about them).
        """


@pytest.fixture
def snap(snapshot):
    """compare(app, (width, height), run_before=None) -> bool; files in snapshots/<module>/."""
    assertion = snapshot.use_extension(WarroomSnapshots)

    def compare(app, size: tuple[int, int], run_before=None) -> bool:
        svg = take_svg_screenshot(app=app, terminal_size=size, run_before=run_before)
        return assertion == svg

    return compare


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory, monkeypatch):
    """Never write journals into the real user data dir during tests."""
    monkeypatch.setenv("WARROOM_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    monkeypatch.setenv("WARROOM_OPERATOR", "alice")
