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
from state.review.format import md
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
    lacks = _lacks(journal_path)
    if lacks:  # the review is what gets passed on: it says so itself, not only the terminal
        files = [_saying(f, lacks) for f in files]
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
    for line in lacks:
        click.echo(f"warroom: {line}", err=True)
    return [path for path, _ in targets]


def _lacks(journal: Path) -> list[str]:
    """What the note beside the journal says a console ended without writing, or a console
    writing it holds now (state/journal/note.py), as lines 'the review lacks …': the review
    cannot hold it, and its writer and readers should know."""
    from state.journal.writer import writer_of
    from tui.unrecorded import hold_said, holds, lost_said

    now, lost = holds(journal, writer := writer_of(journal))
    lines = [f"the review lacks {lost_said(line, day=True)}" for line in lost]
    if now is not None:  # a console writing it holds events in memory: not lost yet
        lines.append(
            f"the review lacks what the console (pid {writer}) writing the journal holds: "
            f"{hold_said(now, day=True)}"
        )
    return lines


def _saying(f: ReviewFile, lacks: list[str]) -> ReviewFile:
    """`f` with `lacks` as a quote under its title when it is a review (Markdown)."""
    if not f.name.endswith("_review.md"):
        return f
    title, _, rest = f.data.decode().partition("\n")
    said = "".join(
        f"> **Incomplete:** {md(line[0].upper() + line[1:], cell=False)}.\n" for line in lacks
    )
    return ReviewFile(f.name, f"{title}\n\n{said}{rest}".encode())


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
