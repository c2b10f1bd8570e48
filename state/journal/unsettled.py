"""The actions a stopped console left without an outcome, for the session that resumes it.

An action is journaled as requested before it runs and as finished when it returns; a console
killed (kill -9, a hang-up) between the two leaves no outcome: the action may have been done,
half done or never sent. The resumed session says so once (SessionResumed `unsettled`), as an
in-flight Slack post is settled as delivery unknown; nothing is run again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from state.action_words import action_words
from state.events import ActionFinished, ActionRequested, SessionResumed
from state.text import inert

if TYPE_CHECKING:
    from state.journal.store import Journal


def unsettled_actions(journal: Journal) -> tuple[tuple[str, str], ...]:
    """(action id, words) of each action requested in `journal` with no outcome journaled and
    not already told by an earlier resume, in request order: words such as "undo rollout of
    shop/api (requested 09:26:04Z by alice)". Reads only the actions' and resumes' rows;
    JournalError when one is damaged."""
    requested: dict[str, ActionRequested] = {}
    for event in journal.of_kinds("action_requested", "action_finished", "session_resumed"):
        if isinstance(event, ActionRequested):
            requested[event.action_id] = event
        elif isinstance(event, ActionFinished):
            requested.pop(event.action_id, None)
        elif isinstance(event, SessionResumed):
            for action_id, _ in event.unsettled:
                requested.pop(action_id, None)
    return tuple((action_id, _words(e)) for action_id, e in requested.items())


def _words(event: ActionRequested) -> str:
    dry = " (dry run)" if event.dry_run else ""
    when = event.at.strftime("%H:%M:%SZ")
    return (
        f"{action_words(event.action, event.target, event.params)}{dry} "
        f"(requested {when} by {inert(event.by, 40)})"
    )
