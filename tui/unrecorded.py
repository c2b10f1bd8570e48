"""What the commander is told about events held in memory while the journal cannot be written:
the question before quitting, and the line left on the terminal if they are lost after all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from state.text import inert

if TYPE_CHECKING:
    from state.journal.holding import Holding
    from state.journal.outbox import Outbox


def unsent(outbox: Outbox | None) -> int:
    """Messages queued while the journal could not be written and not sent yet: they live in
    memory alone, and go with the console."""
    if outbox is None:
        return 0
    return sum(1 for row in outbox.open_rows() if not outbox.in_file(row))


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
