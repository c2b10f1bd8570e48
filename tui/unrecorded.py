"""What the commander is told about events held in memory while the journal cannot be written:
the question before quitting, and the line left on the terminal if they are lost after all;
and what others reading the journal are told of it, from the note beside it (state/journal/
note.py): replay following it, `warroom journals`. And what quitting leaves unsent in the
outbox."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from state.clock import from_epoch
from state.journal.note import Unrecorded, read
from state.journal.store import wal_path
from state.text import inert

if TYPE_CHECKING:
    from pathlib import Path

    from state.journal.holding import Holding
    from state.journal.outbox import Outbox, OutboxMessage

# wall seconds with nothing written to a journal a console writes before replay says so: a
# console's probes write every refresh (2 s by default), whatever changed
SILENT = 10


def unsent(outbox: Outbox | None) -> int:
    """Messages queued while the journal could not be written and not sent yet: they live in
    memory alone, and go with the console."""
    if outbox is None:
        return 0
    return sum(1 for row in outbox.open_rows() if not outbox.in_file(row))


def not_sent_yet(outbox: Outbox | None) -> str:
    """What quitting leaves unsent in the journal's outbox (a message waiting for a retry,
    a rate limit's Retry-After, or its turn on the channel), as a paragraph of the question
    before quitting; "" when nothing waits. Nobody sends them until the journal is opened
    again: an update the commander saw queued has not reached anyone yet."""
    rows = [row for row in outbox.open_rows() if outbox.in_file(row)] if outbox else []
    if not rows:
        return ""
    named = [
        f"{_message_word(row.message)} to {inert(row.message.channel, 60)}"
        + (" (being sent now)" if row.state == "sending" else "")
        + (f" ({inert(row.last_error, 120)})" if row.last_error else "")
        for row in rows[:3]
    ]
    more = f", and {len(rows) - 3} more" if len(rows) > 3 else ""
    return (
        f"{len(rows)} message(s) not sent yet: {'; '.join(named)}{more}. Quitting leaves "
        "them unsent until the journal is opened again."
    )


def _message_word(message: OutboxMessage) -> str:
    if message.purpose == "escalation":
        return f"L{message.level} escalation page"
    if message.purpose == "acknowledge":
        return "PagerDuty acknowledge"
    return f"{message.status.word} update"


def quit_question(holding: Holding, path: object, unsent: int, retry: float) -> tuple[str, str]:
    """(title, message) of the confirmation before quitting with events held: what is lost."""
    n, others, since = len(holding.events), holding.others(), holding.since_said()
    lines = [
        f"The journal {inert(path)} cannot be written since {since}: {inert(holding.reason)}.",
        "",
        f"If you quit now, the {n:,} events held in memory since then are lost, "
        + (
            f"{others:,} of them not probe samples (what was done, messages, notes, probe "
            "failures). "
            if others
            else "all of them probe samples. "
        )
        + f"Replay and the review will end at {since}.",
    ]
    if unsent:
        lines.append(f"{unsent} queued message(s) not sent yet will not be sent.")
    lines += [
        "",
        "To keep them: free space on the disk (or make the file writable again), then wait "
        f"for the header's NOT RECORDED line to go; warroom tries every {retry:g} s.",
    ]
    return f"Quit and lose {n:,} events not recorded?", "\n".join(lines)


def written_question(path: object, incident_id: str | None) -> tuple[str, str, str]:
    """(title, message, yes) of the question before quitting once the events it was about are
    written after all (space freed while it was open): nothing is lost any more."""
    message = (
        f"The journal {inert(path)} is written again: the events held in memory are in it, "
        "in their order. Nothing is lost by quitting now."
    )
    if incident_id is not None:
        message += f" {inert(incident_id)} is still open; opening the journal again resumes it."
    return "Quit warroom?", message, "Quit"


def ends_at(holding: Holding, path: object) -> str:
    """What a journal whose console ended with events held keeps, in the words of the line
    a crash leaves (tui/crash.py), which says it instead of "keeps the session"."""
    since = holding.since_said()
    return (
        f"the journal {inert(path)} ends at {since}: {len(holding.events):,} events since "
        f"then were NOT recorded ({inert(holding.reason)})"
    )


def lost_line(holding: Holding, path: object) -> str:
    """The one line left on the terminal when the console ended with events still held."""
    since = holding.since_said()
    return (
        f"warroom: {len(holding.events):,} events since {since} were NOT recorded: "
        f"the journal {inert(path)} could not be written ({inert(holding.reason)}); "
        f"it ends at {since}"
    )


def holds(path: Path, writer: int | None) -> tuple[Unrecorded | None, list[Unrecorded]]:
    """From the note beside the journal at `path`: the hold of the console writing it now
    (pid `writer`), if it holds events; and the holds lost, of consoles that ended with
    events held (or were killed holding them: their pid no longer writes the journal)."""
    now, lost = None, []
    for line in read(path):
        if line.pid == writer and not line.ended:
            now = line
        elif line.held:
            lost.append(line)
    return now, lost


def _since(line: Unrecorded, day: bool) -> str:
    """The time of the hold's first unwritten event, UTC: '10:47:52', or with its date."""
    at = from_epoch(line.since)
    return f"{at:%Y-%m-%dT%H:%M:%SZ}" if day else f"{at:%H:%M:%S}"


def hold_said(line: Unrecorded, day: bool = False) -> str:
    """'NOT RECORDING since 10:47:52 (disk full (/mnt/t)), 1,234 events held': the hold of
    a console writing the journal now; `day`: the time with its date (ISO 8601)."""
    return (
        f"NOT RECORDING since {_since(line, day)} ({inert(line.reason, 60)}), "
        f"{line.held:,} events held"
    )


def lost_said(line: Unrecorded, day: bool = False) -> str:
    """'1,234 events after 10:47:52 NOT RECORDED (disk full (/mnt/t)): the console ended
    with them': a hold lost; `day`: the time with its date (ISO 8601)."""
    return (
        f"{line.held:,} events after {_since(line, day)} NOT RECORDED "
        f"({inert(line.reason, 60)}): the console ended with them"
    )


def live_said(path: Path, writer: int | None, now: float) -> str:
    """What replay says of the end of the journal at `path` while following it as a console
    (pid `writer`) writes it: "live", or what is true instead: that the console holds what
    it sees in memory (the note beside the journal says since when and why), or that
    nothing was written for SILENT seconds or more (a console hung, or one with no note).
    `now`: the wall clock's time, epoch seconds, as the file times it is compared with."""
    if writer is None:
        return ""
    held, _ = holds(path, writer)
    if held is not None:
        return f"live · {hold_said(held)}"
    written = last_written(path)
    quiet = 0.0 if written is None else now - written
    if quiet >= SILENT:
        return f"live · nothing written for {_quiet(quiet)}"
    return "live"


def last_written(path: Path) -> float | None:
    """When the journal at `path` was last written (epoch seconds): its -wal's time, or its
    own, whichever is later; None if neither can be read."""
    times = []
    for file in (path, wal_path(path)):
        try:
            times.append(os.stat(file).st_mtime)
        except OSError:
            continue
    return max(times, default=None)


def _quiet(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds}s" if seconds < 60 else f"{seconds // 60}m{seconds % 60:02d}s"


def lost_lines(path: Path) -> tuple[str, ...]:
    """What a journal being resumed lacks, from the note beside it: each hold a console
    ended with unwritten, with its day ('347 events after 2026-11-30T14:42:02Z NOT RECORDED
    (disk full (/mnt/t)): the console ended with them'); () when it lacks nothing."""
    return tuple(lost_said(line, day=True) for line in holds(path, None)[1])
