"""`warroom export JOURNAL`: a journal's post-incident review, action items and invite, as files.

The journal is opened read-only and never changed. `--out` is created when missing, as
the guide's script does `mkdir -p` for its review folder. A file already there with the
same bytes is left alone; one with other bytes (a review someone has started filling in)
is not overwritten unless `--force`, and then nothing is written at all.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import click

from state.journal.store import Journal, nothing_recorded
from state.review.files import ReviewError, ReviewFile, review_files
from tui.errors import fail


def export(journal_path: Path, out: Path, force: bool = False) -> list[Path]:
    """Write the review files of `journal_path` into `out`; print and return their paths."""
    with Journal.open(journal_path, read_only=True) as journal:
        if journal.count() == 0:
            fail(str(nothing_recorded(journal_path)))
        try:
            files = review_files(journal.events())
        except ReviewError as exc:
            fail(f"{journal_path}: {exc}")
    _make_folder(out)
    targets = [(out / f.name, f) for f in files]
    if not force:
        for path, f in targets:
            if path.exists() and _content(path) != f.data:
                fail(f"{path} exists and differs (edited?): move it away, or pass --force")
    for path, f in targets:
        if not (path.exists() and _content(path) == f.data):
            _write(path, f)
        click.echo(str(path))
    _ends_short(journal_path)
    return [path for path, _ in targets]


def _ends_short(journal: Path) -> None:
    """Say on stderr what the note beside the journal says a console ended without writing
    (state/journal/note.py): the review cannot hold it, and its writer should know."""
    from state.journal.writer import writer_of
    from tui.unrecorded import hold_said, holds, lost_said

    now, lost = holds(journal, writer := writer_of(journal))
    for line in lost:
        click.echo(f"warroom: the review lacks {lost_said(line, day=True)}", err=True)
    if now is not None:  # a console writing it holds events in memory: not lost yet
        click.echo(
            f"warroom: the review lacks what the console (pid {writer}) writing the "
            f"journal holds: {hold_said(now)}",
            err=True,
        )


def _make_folder(out: Path) -> None:
    if out.exists() and not out.is_dir():
        fail(f"--out {out} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot create folder {out}: {(exc.strerror or str(exc)).lower()}")


def _content(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _write(path: Path, f: ReviewFile) -> None:
    """Write beside the target, then rename: a reader never sees half a review."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(f.data)
        os.replace(partial, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        fail(f"cannot write {path}: {(exc.strerror or str(exc)).lower()}")
