"""Where warroom keeps its files by default."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import platformdirs

from tui.environment import DATA_DIR


def data_dir() -> Path:
    path = Path(os.environ.get(DATA_DIR) or platformdirs.user_data_dir("warroom"))
    return path


def config_file() -> Path:
    """The config file live mode reads, and whose [keys] every console uses."""
    return Path(platformdirs.user_config_dir("warroom")) / "config.toml"


def journal_dir() -> Path:
    """The journals folder, created private (0700) if missing. One that cannot be (the data
    folder is a file, or not writable) is bad input: one line naming the variable, exit 2."""
    path = data_dir() / "journals"
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        from tui.errors import fail

        reason = (exc.strerror or str(exc)).lower()
        fail(f"cannot make the journals folder {path}: {reason}; set {DATA_DIR} to a folder")
    return path


def new_journal_path(started: datetime, mode: str, label: str) -> Path:
    return journal_dir() / f"{started:%Y%m%dT%H%M%SZ}-{mode}-{label}.warroom"
