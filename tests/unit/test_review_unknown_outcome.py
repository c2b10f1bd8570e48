"""An action a dying console cut off has no outcome journaled. The resumed console says its
outcome is unknown because the console stopped while it ran (state/journal/unsettled.py); the
review says the same, with the resume's time, in every file it writes: the actions table, what
to improve, and an action item to find out what the action did. Never "no outcome" alone.

Before: the actions table said "no outcome journaled" and the action items said nothing."""

from __future__ import annotations

import json

from state.events import (
    ActionFinished,
    ActionRequested,
    IncidentDeclared,
    MessageQueued,
    SessionResumed,
    SessionStarted,
)
from state.guide.severity import IncidentStatus, Severity
from state.review.files import review_files
from tests.unit.helpers import at

UNDO = "undo rollout of shop/api"
TOLD = (
    "outcome unknown: the console stopped while it ran (said on resume at "
    "2026-03-06T12:04:00Z; not run again)"
)


def requested(t: float, action_id: str, action: str = "rollout_undo", **kw) -> ActionRequested:
    return ActionRequested(
        at=at(t), action_id=action_id, action=action, target="shop/api", params={}, by="bob", **kw
    )


def review(events) -> dict[str, str]:
    return {f.name: f.data.decode() for f in review_files(events)}


def journal() -> list:
    return [
        SessionStarted(at=at(0), mode="live", version="0", operator="bob"),
        IncidentDeclared(
            at=at(10), incident_id="INC-1", severity=Severity.P2, title="t", reason="r", by="bob"
        ),
        requested(20, "a1", "restart"),
        ActionFinished(at=at(21), action_id="a1", action="restart", ok=True, result="restarted"),
        requested(30, "a2"),  # the console is killed as it runs
        SessionResumed(
            at=at(240),
            operator="ana",
            version="0",
            unsettled=(("a2", f"{UNDO} (requested 12:00:30Z by bob)"),),
        ),
        requested(300, "a3", "restart"),  # the journal ends as it runs
    ]


def test_the_review_says_the_outcome_is_unknown_because_the_console_stopped() -> None:
    files = review(journal())
    md = files["INC-1_review.md"]
    rows = {line.split(" | ")[0]: line for line in md.splitlines() if "| bob |" in line}
    assert f"| unknown | {TOLD} |" in rows["| 2026-03-06T12:00:30Z"], rows
    assert (
        "| unknown | outcome unknown: none journaled by the end of the journal |"
        in rows["| 2026-03-06T12:05:00Z"]
    )
    assert "| done: restarted |" in rows["| 2026-03-06T12:00:20Z"]
    assert "no outcome journaled" not in md
    assert f"- {UNDO}: {TOLD}" in md  # what to improve
    # the timeline has the resumed console's own line, at the resume's time
    assert "| 2026-03-06T12:04:00Z | " + UNDO in md
    titles = [i["title"] for i in json.loads(files["INC-1_action_items.json"])["action_items"]]
    assert f"Find out what {UNDO} did: {TOLD}" in titles
    assert (
        "Find out what restart shop/api did: outcome unknown: none journaled by the end of the "
        "journal"
    ) in titles
    assert sum(t.startswith("Find out what") for t in titles) == 2  # not the one that finished


def test_a_journal_resumed_before_resumes_told_it_says_unknown_with_the_resume() -> None:
    """A journal kept before the resumed console told such actions (its SessionResumed names
    none): the outcome is still unknown, and the review says when the session resumed."""
    events = journal()
    events[5] = events[5].model_copy(update={"unsettled": ()})
    md = review(events)["INC-1_review.md"]
    assert (
        "| unknown | outcome unknown: none journaled before the session resumed at "
        "2026-03-06T12:04:00Z |"
    ) in md


def test_a_dry_run_cut_off_is_no_action_item_but_stays_unknown_in_the_table() -> None:
    events = [*journal()[:2], requested(30, "d1", dry_run=True)]
    files = review(events)
    md = files["INC-1_review.md"]
    assert "| yes | unknown | outcome unknown: none journaled by the end" in md
    titles = [i["title"] for i in json.loads(files["INC-1_action_items.json"])["action_items"]]
    assert not any(t.startswith("Find out what") for t in titles)


def test_a_message_never_settled_is_of_unknown_delivery() -> None:
    queued = MessageQueued(
        at=at(40),
        message_id="m1",
        channel="#incidents",
        channel_type="slack",
        status=IncidentStatus.INVESTIGATING,
        text="x",
        by="bob",
    )
    md = review([*journal()[:2], queued])["INC-1_review.md"]
    assert "queued; delivery unknown: none journaled by the end of the journal" in md
    assert "no outcome journaled" not in md
