"""The post-incident review export: golden files, hand-computed metrics, hostile text, edge cases.

The golden files under tests/unit/golden/ are the exact bytes of the export of two
deterministic sessions (tests/unit/review_sessions.py: frozen clock, seed 7). After an
intended change to the review, regenerate them and read the diff before committing:

    WARROOM_UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_review.py
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pydantic import BaseModel

from state.console import ConsoleState
from state.events import (
    ActionFinished,
    ActionRequested,
    DatabaseSampled,
    DbSession,
    IncidentAcknowledged,
    IncidentDeclared,
    IncidentResolved,
    MessageSent,
    NoteAdded,
    SessionStarted,
    SeverityChanged,
)
from state.guide.drill import Expectations, score
from state.guide.severity import IncidentStatus, Severity
from state.journal.store import Journal
from state.journal.summary import summarize
from state.locks import LOCK_RULES
from state.review.facts import gather
from state.review.files import ReviewError, review_files, score_card_section
from state.review.format import md
from state.review.items import fold_line, ics_text
from state.review.metrics import parts
from tests.play import START
from tests.unit import review_sessions as play
from tests.unit.helpers import at, error_rate, fold_all
from tui.environment import UPDATE_GOLDEN

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get(UPDATE_GOLDEN) == "1"


def events_of(path: Path) -> list:
    with Journal.open(path, read_only=True) as journal:
        return list(journal.events())


@pytest.fixture(scope="module")
def bad_deploy(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("review") / "bad-deploy.warroom"
    play.bad_deploy(path).recorder.journal.close()
    return path


@pytest.fixture(scope="module")
def quiet(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("review") / "quiet.warroom"
    play.quiet(path).recorder.journal.close()
    return path


def check_golden(files) -> None:
    for f in files:
        golden = GOLDEN / f.name
        if UPDATE:
            GOLDEN.mkdir(exist_ok=True)
            golden.write_bytes(f.data)
        assert golden.exists(), f"no golden {golden.name}: run with WARROOM_UPDATE_GOLDEN=1"
        assert f.data == golden.read_bytes(), f"{f.name} differs from its golden file"


# ---- golden files ------------------------------------------------------------------------------


def test_bad_deploy_export_matches_the_golden_files(bad_deploy) -> None:
    files = review_files(events_of(bad_deploy))
    assert [f.name for f in files] == [
        "INC-20260314-0420_review.md",
        "INC-20260314-0420_action_items.json",
        "INC-20260314-0420_pir_meeting.ics",
    ]
    check_golden(files)


def test_a_session_without_an_incident_gets_a_session_review_only(quiet) -> None:
    files = review_files(events_of(quiet))
    assert [f.name for f in files] == ["session-20260314T092600Z_review.md"]
    text = files[0].data.decode()
    assert "No incident was declared" in text
    assert "14 sessions blocked" in text  # the lock storm's peak
    assert "first flagged a signal at 2026-03-14T09:26:38Z" in text
    check_golden(files)


def test_the_same_journal_gives_the_same_bytes(bad_deploy) -> None:
    first = review_files(events_of(bad_deploy))
    again = review_files(events_of(bad_deploy))
    assert [(f.name, f.data) for f in first] == [(f.name, f.data) for f in again]


# ---- metrics computed by hand from the session's script ----------------------------------------


def test_response_metrics_of_the_bad_deploy(bad_deploy) -> None:
    (part,) = parts(gather(events_of(bad_deploy)))
    assert part.milestones is not None
    got = {m.key: (m.seconds, m.result) for m in part.milestones.measures()}
    # the error rate crossed 5% at 28 s (the first sample after the 20 s rollout to show it)
    assert part.milestones.detected == START + timedelta(seconds=28)
    assert got["declared"] == (play.DECLARED_AT - 28, "met")
    # declared P2, raised to P1 at 90 s: every target is P1's, the severity it reached
    assert part.milestones.held is Severity.P1
    assert got["acknowledged"] == (play.ACKNOWLEDGED_AT - play.DECLARED_AT, "met")
    assert got["first_update"] == (play.FIRST_UPDATE_AT - play.DECLARED_AT, "met")
    # mitigated when tracklist-service's error rate and p95 fell back after the undo at 150 s
    assert got["mitigated"] == (play.MITIGATED_AT + 24 - play.DECLARED_AT, "")
    assert got["resolved"] == (play.RESOLVED_AT - play.DECLARED_AT, "met")
    (service,) = part.impact.services
    assert service.service == "tracklist-service"
    assert service.why == ("error rate > 20%", "p95 > 3x baseline")
    assert part.impact.lock_peak is None


def test_the_failed_action_becomes_an_action_item(bad_deploy) -> None:
    files = {f.name: f.data for f in review_files(events_of(bad_deploy))}
    items = json.loads(files["INC-20260314-0420_action_items.json"])
    assert items["created_date"] == "2026-03-14T09:31:00Z"  # the resolution, not the clock
    listed = items["action_items"]
    assert [i["id"] for i in listed] == [f"AI-INC-20260314-0420-00{n}" for n in (1, 2, 3)]
    # from the incident itself: the failed restart, the L3 escalation the P1 made due and
    # nobody made, then the escalation to L2 that was made; no canned lines
    assert listed[0]["category"] == "remediation" and "no-such-service" in listed[0]["title"]
    assert listed[1]["title"] == (
        "Escalate when the guide's trigger fires: L3 (on-call manager) fell due at "
        "2026-03-14T09:27:30Z (P1 declared: immediately), and the incident was never "
        "escalated to it"
    )
    assert listed[2]["title"].startswith("Review the escalation to L2 at 2026-03-14T09:29:20Z")
    assert all(i["owner"] == "" for i in listed)  # left for the review meeting


# ---- hostile text ----------------------------------------------------------------------------


def test_a_hostile_note_cannot_break_the_table_or_inject_markup(bad_deploy) -> None:
    review = review_files(events_of(bad_deploy))[0].data.decode()
    (row,) = [line for line in review.splitlines() if "Note by alice" in line]
    assert row.endswith("| Note | Note by alice: \\| \\<script> \\[x](http://e) | alice |")
    assert "\x1b" not in review and " <script>" not in review and " [x](" not in review
    # every row of the timeline has exactly its four columns (five unescaped pipes)
    table = review.split("### Timeline\n")[1].split("\n\n")[0].splitlines()
    assert {len(re.findall(r"(?<!\\)\|", line)) for line in table} == {5}


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain words", "plain words"),
        ("a | b", "a \\| b"),
        ("<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert(1)>"),
        ("[click](http://evil) ![i](http://x)", "\\[click](http://evil) !\\[i](http://x)"),
        ("a > b, c < d & e", "a > b, c < d & e"),  # nothing Markdown reads: left alone
        ("SELECT * FROM t WHERE a = b ** 2", "SELECT * FROM t WHERE a = b ** 2"),
        ("# heading", "# heading"),  # a cell never starts a line
        ("rollout_undo _em_ *strong* `code`", "rollout_undo \\_em\\_ \\*strong\\* \\`code\\`"),
        ("a\\|b", "a\\\\\\|b"),  # a backslash cannot un-escape the pipe after it
        ("&lt;", "\\&lt;"),
        ("line\nbreak\x1b[2J\x07", "line break"),
        ("", "—"),
    ],
)
def test_md_escapes_untrusted_text(text, shown) -> None:
    assert md(text) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("# heading", "\\# heading"),
        ("- item", "\\- item"),
        ("> quote", "\\> quote"),
        ("1. item", "1\\. item"),
        ("* item", "\\* item"),
        ("a | b", "a | b"),  # only a table needs its pipe escaped
    ],
)
def test_md_escapes_what_starts_a_line_only_outside_a_table(text, shown) -> None:
    assert md(text, cell=False) == shown


def test_the_invite_is_rfc_5545(bad_deploy) -> None:
    ics = review_files(events_of(bad_deploy))[2].data
    assert ics.count(b"\r\n") == ics.count(b"\n")  # CRLF line endings only
    lines = ics.decode().split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert "DTSTAMP:20260314T093100Z" in lines  # the resolution, not the wall clock
    assert "DTSTART:20260316T140000Z" in lines and "DTEND:20260316T150000Z" in lines
    assert "UID:pir-INC-20260314-0420@tracktion.com" in lines


def test_ics_text_is_escaped_and_long_lines_fold_between_characters() -> None:
    assert ics_text("a, b; c\\d\ne") == "a\\, b\\; c\\\\d e"
    line = "DESCRIPTION:" + "é" * 80
    folded = fold_line(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


# ---- built from events, for the cases a session rarely plays -----------------------------------


def started(t: float = 0):
    return SessionStarted(at=at(t), mode="live", version="0", operator="bob")


def declared(t: float, severity: Severity = Severity.P1, iid: str = "INC-1"):
    return IncidentDeclared(
        at=at(t), incident_id=iid, severity=severity, title="t", reason="r", by="bob"
    )


def metric(events, key):
    """The milestone `key` of the last incident of `events`, as the review measures it."""
    (part,) = [p for p in parts(gather(events)) if p.incident is not None][-1:]
    return next(m for m in part.milestones.measures() if m.key == key)


def test_a_late_acknowledgement_is_missed_and_becomes_an_action_item() -> None:
    events = [started(), declared(10), IncidentAcknowledged(at=at(10 + 6 * 60), by="bob")]
    ack = metric(events, "acknowledged")
    assert (ack.seconds, ack.result) == (360, "missed")
    files = {f.name: f.data for f in review_files(events)}
    titles = [i["title"] for i in json.loads(files["INC-1_action_items.json"])["action_items"]]
    assert "Acknowledge sooner: took 6 min 0 s (P1 target < 5 minutes)" in titles


def test_a_target_not_reached_is_pending_until_its_deadline_passes() -> None:
    early = [started(), declared(10), NoteAdded(at=at(100), text="x", by="bob")]
    assert metric(early, "acknowledged").result == "pending"
    late = [started(), declared(10), NoteAdded(at=at(400), text="x", by="bob")]
    assert metric(late, "acknowledged").result == "missed"
    assert metric(late, "resolved").result == "pending"  # 1 hour not yet gone


def test_the_severity_the_incident_reached_sets_every_target() -> None:
    events = [
        started(),
        declared(0, Severity.P3),
        SeverityChanged(at=at(60), severity=Severity.P1, previous=Severity.P3, by="bob"),
        SeverityChanged(at=at(120), severity=Severity.P2, previous=Severity.P1, by="bob"),
        IncidentAcknowledged(at=at(10 * 60), by="bob"),
    ]
    ack = metric(events, "acknowledged")
    assert (ack.target, ack.result) == ("< 5 minutes", "missed")  # P1, the worst it reached
    review = review_files(events)[0].data.decode()
    assert "Targets: P1, the severity the incident reached." in review


def test_an_escalation_page_is_not_the_first_update_and_a_failed_one_neither() -> None:
    def posted(t, delivered=True):
        return MessageSent(
            at=at(t),
            message_id=f"m{t}",
            channel="#incidents",
            status=IncidentStatus.INVESTIGATING,
            text="x",
            outcome="delivered" if delivered else "failed",
            by="bob",
        )

    events = [started(), declared(0), posted(30, delivered=False), posted(90)]
    assert metric(events, "first_update").seconds == 90


def test_an_unknown_delivery_and_its_resend_are_in_the_updates_table() -> None:
    from state.events import MessageResent
    from state.review.sections import updates

    def posted(t, **outcome):
        return MessageSent(
            at=at(t),
            message_id="m1",
            channel="#incidents",
            status=IncidentStatus.INVESTIGATING,
            text="x",
            by="bob",
            **outcome,
        )

    lost = posted(30, outcome="unknown", detail="no reply")
    again = MessageResent(
        at=at(40),
        message_id="m1",
        channel="#incidents",
        status=IncidentStatus.INVESTIGATING,
        by="ana",
    )
    assert "| delivery unknown: no reply |" in "\n".join(updates((lost,)))
    table = "\n".join(updates((lost, again, posted(41, outcome="delivered"))))
    assert "| delivered (resent by ana) |" in table
    events = [started(), declared(0), lost, again, posted(41, outcome="delivered")]
    assert metric(events, "first_update").seconds == 41  # the unknown one is no first update


def test_detection_is_the_last_raise_before_the_declaration() -> None:
    events = [
        started(),
        error_rate(10, analysis_service=9.0),  # flagged
        error_rate(20, analysis_service=1.0),  # under 80% of 5%: cleared
        error_rate(100, analysis_service=30.0),  # flagged again
        declared(130),
    ]
    (part,) = parts(gather(events))
    assert part.milestones.detected == at(100)
    assert metric(events, "declared").seconds == 30


def test_only_a_real_success_mitigates() -> None:
    def request(t, n, dry_run=False):
        return ActionRequested(
            at=at(t), action_id=n, action="restart", target="ns/a", dry_run=dry_run, by="bob"
        )

    def finish(t, n, ok, dry_run=False):
        return ActionFinished(at=at(t), action_id=n, ok=ok, dry_run=dry_run, result="r")

    events = [
        started(),
        error_rate(0, a=30.0),
        declared(0),
        request(10, "1", dry_run=True),
        finish(11, "1", True, dry_run=True),
        request(20, "2"),
        finish(21, "2", False),
        request(30, "3"),
        finish(31, "3", True),
        error_rate(40, a=0.5),  # the signal that made the incident got better
    ]
    # mitigated when the signals got better after the success, not when it returned
    assert metric(events, "mitigated").seconds == 40
    # a success that changed nothing mitigates nothing
    assert metric(events[:-1], "mitigated").seconds is None


def test_each_incident_of_a_journal_gets_its_own_review() -> None:
    events = [
        started(),
        declared(10, iid="INC-A"),
        IncidentResolved(at=at(100), summary="ok", by="bob"),
        NoteAdded(at=at(150), text="between", by="bob"),
        declared(200, Severity.P2, iid="INC-B"),
    ]
    files = {f.name: f.data.decode() for f in review_files(events)}
    assert sorted(files) == sorted(
        [
            *(
                f"{i}_{suffix}"
                for i in ("INC-A", "INC-B")
                for suffix in ("review.md", "action_items.json")
            ),
            "INC-A_pir_meeting.ics",  # INC-B is open: its meeting is set at its resolution
        ]
    )
    # what happened between the two belongs to both reviews; each has only its own incident
    assert "between" in files["INC-A_review.md"] and "between" in files["INC-B_review.md"]
    assert "INC-B" not in files["INC-A_review.md"]
    assert "still open when the journal ends" in files["INC-B_review.md"]


def test_an_open_incident_is_reviewed_to_the_end_of_the_journal() -> None:
    events = [started(), declared(0), NoteAdded(at=at(3 * 86400), text="x", by="bob")]
    files = {f.name: f.data.decode() for f in review_files(events)}
    assert "Duration:** 4320 minutes" in files["INC-1_review.md"]
    # no invite while it is open: the review says when the meeting will be set
    assert "INC-1_pir_meeting.ics" not in files
    assert "**Review Date:** scheduled at resolution" in files["INC-1_review.md"]
    # P1, three days without an update: the update due 15 minutes after the declaration is
    # missed, and one action item says so (the first update's, not the cadence's again)
    assert (
        "| 2026-03-06T12:00:00Z | 2026-03-06T12:15:00Z | none | missed |"
        in files["INC-1_review.md"]
    )
    items = json.loads(files["INC-1_action_items.json"])["action_items"]
    titles = [i["title"] for i in items]
    assert any(t.startswith("Post the first status update sooner") for t in titles)
    assert not any(t.startswith("Keep the update cadence") for t in titles)


def test_an_empty_journal_has_nothing_to_review() -> None:
    with pytest.raises(ReviewError, match="no events"):
        review_files([])


def test_the_score_card_hook_is_empty_without_a_score_and_lists_one_when_there_is() -> None:
    assert score_card_section([started(), declared(0)]) == ""

    class Scored(BaseModel):  # not an EventBase: the real one is not written yet
        kind: str = "drill_scored"
        at: datetime
        score: int

    card = score_card_section([started(), Scored(at=at(5), score=87)])
    assert card.startswith("### Score Card") and "| score | 87 |" in card


def test_an_incident_id_cannot_escape_the_output_folder_or_overwrite_another() -> None:
    names = [f.name for f in review_files([started(), declared(0, iid="../../etc/x")])]
    assert all("/" not in n and not n.startswith(".") for n in names)
    twice = [
        started(),
        declared(0),
        IncidentResolved(at=at(1), summary="s", by="bob"),
        declared(2),
    ]
    reviews = [f.name for f in review_files(twice) if f.name.endswith("_review.md")]
    assert reviews == ["INC-1_review.md", "INC-1-2_review.md"]


def test_a_drill_score_card_is_part_of_the_review(bad_deploy) -> None:
    events = events_of(bad_deploy)
    expected = Expectations("bad-deploy", Severity.P1, (("rollout_undo", "tracklist-service"),))
    card = score(events, expected)
    review = review_files([*events, card])[0].data.decode()
    section = review.split("### Score Card\n")[1].split("\n## ")[0]
    assert f"**Grade:** {card.grade} ({card.points}/{card.of} points)" in section
    assert "| Acknowledged | 40 s | 5 min 0 s | met | 10/10 | — |" in section
    assert review_files(events)[0].data.decode().count("### Score Card") == 0


# ---- the one-line summary `warroom journals` reads ----------------------------------------------


def test_summary_reads_the_last_incident_without_folding(bad_deploy, quiet) -> None:
    with Journal.open(bad_deploy, read_only=True) as journal:
        s = summarize(journal)
    assert (s.incident_id, s.severity, s.state, s.mode, s.scenario) == (
        "INC-20260314-0420",
        Severity.P1,
        "resolved",
        "demo",
        "bad-deploy",
    )
    assert (s.started, s.seconds) == (START, 320)
    with Journal.open(quiet, read_only=True) as journal:
        assert summarize(journal).state == "no incident"


def test_action_items_come_from_the_incident_each_with_an_owner_left_open() -> None:
    """A missed acknowledgement and first update, a harmful restart, a breach nobody was paged
    for, the P1's escalation to the manager never made: one item each, and no canned line;
    the first update missed is not listed twice."""
    events = [
        started(),
        error_rate(10, analysis_service=9.0),  # breached, and no page goes out
        declared(20),
        ActionRequested(
            at=at(30), action_id="1", action="restart", target="ns/file-watcher", by="bob"
        ),
        ActionFinished(at=at(31), action_id="1", ok=True, result="restarted"),
        NoteAdded(at=at(20 + 16 * 60), text="still looking", by="bob"),
    ]
    files = {f.name: f.data.decode() for f in review_files(events)}
    items = json.loads(files["INC-1_action_items.json"])["action_items"]
    titles = [i["title"] for i in items]
    assert titles == [
        "Acknowledge sooner: not done by the end of the journal (P1 target < 5 minutes)",
        "Post the first status update sooner: not done by the end of the journal (P1 target "
        "15 minutes)",
        "Find out why a harmful action was taken: restart file-watcher, which was healthy, "
        "at 12:00:30",
        "Page on analysis-service error rate > 5%: it breached at 2026-03-06T12:00:10Z and no "
        "page went out",
        "Escalate when the guide's trigger fires: L3 (on-call manager) fell due at "
        "2026-03-06T12:00:20Z (P1 declared: immediately), and the incident was never "
        "escalated to it",
    ]
    assert {i["owner"] for i in items} == {""}
    assert "Owner: [Name] (suggested: engineering)" in files["INC-1_review.md"]


def test_the_actions_table_names_each_thing_acted_on_with_its_pin_not_python_lists() -> None:
    """Seen exporting a demo: '(pod_uids=\\['7b13…', …], pods=\\['api-…', …])', Python's repr
    of two lists an auditor had to pair by position; now each pod with its uid, each backend
    with its start, every one kept."""
    pods = ["api-7f9c-a", "api-7f9c-b"]
    events = [
        started(),
        ActionRequested(
            at=at(30),
            action_id="1",
            action="delete_failing_pods",
            target="ns/api",
            params={"pods": pods, "pod_uids": ["uid-a", None]},
            by="bob",
        ),
        ActionFinished(at=at(31), action_id="1", ok=True, result="deleted 2 pods"),
        ActionRequested(
            at=at(40),
            action_id="2",
            action="terminate_idle",
            target="2 idle sessions",
            params={
                "older_than": 600,
                "pids": [101, 102],
                "backend_starts": ["2026-03-14T09:00:00+00:00", "2026-03-14T09:01:00+00:00"],
            },
            by="bob",
        ),
        ActionFinished(at=at(41), action_id="2", ok=True, result="ended 2"),
    ]
    (review,) = (f.data.decode() for f in review_files(events) if f.name.endswith("review.md"))
    assert "delete failing pods (pods: api-7f9c-a (uid uid-a), api-7f9c-b) |" in review
    assert (
        "terminate (older_than=600; pids: 101 (backend started 2026-03-14T09:00:00+00:00), "
        "102 (backend started 2026-03-14T09:01:00+00:00)) |"
    ) in review
    assert "['" not in review and "pod_uids" not in review and "backend_starts" not in review


# ---- lock chains: each told apart (found live: two blockers read as one chain) -----------------


def locked(t: float, chains: dict[tuple[int, float], int]) -> DatabaseSampled:
    """A sample with, per root blocker (pid, backend started at t seconds), that many waiters."""
    sessions = []
    for n, ((pid, born), waiters) in enumerate(chains.items()):
        sessions.append(
            DbSession(pid=pid, user="batch", state="idle in transaction", backend_start=at(born))
        )
        sessions += [DbSession(pid=1000 * (n + 1) + i, blocked_by=(pid,)) for i in range(waiters)]
    return DatabaseSampled(
        at=at(t), connections={"active": 3}, max_connections=100, sessions=tuple(sessions)
    )


BATCH = "(batch, idle in transaction)"


def lock_lines(events) -> list[str]:
    (review,) = [f.data.decode() for f in review_files(events) if f.name.endswith("review.md")]
    return [line for line in review.splitlines() if line.startswith(("- **Database lock", "  - "))]


def test_two_lock_chains_at_once_are_told_apart_each_with_its_own_peak() -> None:
    start = started().model_copy(update={"lock_rules": LOCK_RULES})
    samples = [
        locked(10, {(41, 0): 2, (77, 0): 1}),
        locked(12, {(41, 0): 3, (77, 0): 2}),  # together 5: no single chain ever had 5
        locked(14, {(41, 0): 1, (77, 0): 4}),
        # pid 41 reused by a new backend: a chain of its own, not the first one's
        locked(20, {(41, 18): 2}),
    ]
    (part,) = parts(gather([start, *samples]))
    assert [(p.blocked, p.root, p.at) for p in part.impact.lock_peaks] == [
        (3, "pid 41 (batch, idle in transaction)", at(12).timestamp()),
        (4, "pid 77 (batch, idle in transaction)", at(14).timestamp()),
        (2, "pid 41 (batch, idle in transaction)", at(20).timestamp()),
    ]
    assert lock_lines([start, *samples]) == [
        "- **Database lock chains:** 3, each at its own peak:",
        f"  - 3 sessions blocked at 2026-03-06T12:00:12Z, behind pid 41 {BATCH}",
        f"  - 4 sessions blocked at 2026-03-06T12:00:14Z, behind pid 77 {BATCH}",
        f"  - 2 sessions blocked at 2026-03-06T12:00:20Z, behind pid 41 {BATCH}",
    ]
    # one chain reads as it always did
    assert lock_lines([start, locked(10, {(41, 0): 2}), locked(12, {(41, 0): 6})]) == [
        "- **Database lock chain peak:** 6 sessions blocked at 2026-03-06T12:00:12Z, "
        "behind pid 41 (batch, idle in transaction)"
    ]


@pytest.mark.parametrize("rules", [1, 2, 3, LOCK_RULES])
def test_the_review_tells_the_lock_chains_as_the_console_showed_them(rules: int) -> None:
    """Journals of lock rules 2 exported without the "grew" lines the console had shown;
    under every rules, the review's lock lines are the console's, in its order."""
    start = started().model_copy(update={"lock_rules": rules})
    sizes = [(1, 0), (2, 0), (3, 1), (4, 1), (3, 2), (7, 2), (8, 0), (8, 0), (0, 0), (2, 0)]
    sizes += [(4, 3), (0, 0)]
    samples = [locked(10 + 2 * i, {(41, 0): a, (77, 0): b}) for i, (a, b) in enumerate(sizes)]
    events = [start, declared(5), *samples]
    shown = [e.text for e in fold_all(ConsoleState(), events).timeline if "Lock chain" in e.text]
    told = [r.text for r in gather(events).rows if "Lock chain" in r.text]
    assert told == shown
    assert len([t for t in told if t.startswith("Lock chain grew")]) >= (3 if rules > 1 else 0)


def test_a_journal_without_lock_rules_keeps_its_one_peak_over_every_chain() -> None:
    """Journals written before chains were told apart export as they did (tests/golden)."""
    samples = [locked(10, {(41, 0): 2, (77, 0): 1}), locked(12, {(41, 0): 3, (77, 0): 2})]
    assert lock_lines([started(), *samples]) == [
        "- **Database lock chain peak:** 5 sessions blocked at 2026-03-06T12:00:12Z, "
        "behind pid 41 (batch, idle in transaction)"
    ]
