"""Shared fixtures: snapshots live in snapshots/ at the top of the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pytest_textual_snapshot import SVGImageExtension
from syrupy.assertion import SnapshotAssertion

from tui.environment import DATA_DIR, OPERATOR, SNAPSHOT_DIR

ROOT = Path(__file__).resolve().parent.parent


class WarroomSnapshots(SVGImageExtension):
    """SVG snapshots under snapshots/ (or WARROOM_SNAPSHOT_DIR), one file per snapshot."""

    @classmethod
    def dirname(cls, *, test_location) -> str:  # type: ignore[override]
        # one folder per test module, so syrupy can tell which snapshots a module owns
        root = os.environ.get(SNAPSHOT_DIR) or str(ROOT / "snapshots")
        return str(Path(root) / test_location.basename)

    def delete_snapshots(self, snapshot_location: str, snapshot_names) -> None:
        """Never delete: syrupy takes every snapshot a partial run did not touch for unused.

        Snapshots of removed tests are deleted by hand (pytest warns about them).
        """


class WarroomStore(SnapshotAssertion):
    """syrupy's assertion whose files are always `WarroomSnapshots`' (snapshots/<module>/).

    pytest-textual-snapshot's `snap_compare` asks syrupy's `snapshot` fixture for its own
    SVG extension (files in tests/tui/__snapshots__/); this keeps its SVG format and
    comparison, and only moves the files to the repository's store.
    """

    def use_extension(self, extension_class=None) -> SnapshotAssertion:
        return super().use_extension(WarroomSnapshots)


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """syrupy's `snapshot`, as `snap_compare` (pytest-textual-snapshot) uses it: in snapshots/."""
    return WarroomStore(
        session=snapshot.session,
        extension_class=WarroomSnapshots,
        test_location=snapshot.test_location,
        update_snapshots=snapshot.update_snapshots,
    )


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory, monkeypatch):
    """Never write journals into the real user data dir during tests."""
    monkeypatch.setenv(DATA_DIR, str(tmp_path_factory.mktemp("data")))
    monkeypatch.setenv(OPERATOR, "alice")
