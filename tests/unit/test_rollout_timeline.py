"""A rollout told as it truly goes: begun, complete, stalled, paused; and what `v` makes of it.

Samples as the Kubernetes probe reads them (kubectl rollout status's counts), on a frozen
clock; the wording is what the timeline, and so the review, says.
"""

from __future__ import annotations

from state import events as ev
from state.console import ConsoleState
from state.guide.resolution import verify
from state.review.files import review_files
from state.rollouts import ROLLOUT_RULES
from tests.unit.helpers import T0, at, deployments, fold_all, health, pod

NAME = "tracklist-service"


def rs(
    revision: int,
    updated: int,
    replicas: int,
    available: int,
    rollout: str | None = "progressing",
    desired: int = 3,
    paused: bool = False,
    counted: bool = True,
) -> ev.DeploymentStatus:
    """tracklist-service at `revision`, with kubectl's counts (None when `counted` is False:
    a sample as journals before the counts were kept hold it)."""
    return ev.DeploymentStatus(
        name=NAME,
        namespace="tracktion",
        desired=desired,
        ready=min(available, desired),
        updated=updated,
        replicas=replicas if counted else None,
        available=available if counted else None,
        revision=revision,
        paused=paused,
        rollout=rollout,
        pods=tuple(pod(f"{NAME}-{i}") for i in range(replicas)),
    )


DONE_7 = rs(7, 3, 3, 3, None)


START = ev.SessionStarted(
    at=at(-1), mode="live", version="test", operator="alice", rollout_rules=ROLLOUT_RULES
)


def told(
    *samples: ev.DeploymentStatus,
    first: ev.DeploymentStatus | None = DONE_7,
    begun: bool = True,
    start: ev.SessionStarted = START,
) -> list[tuple[str, str, str]]:
    """(time, tone, text) of what the timeline says of the samples after `first`, 2 s apart,
    in a session `start` began (`begun`: this version's), or in a state of a journal kept
    before it knew which rollouts were under way (not `begun`)."""
    state = fold_all(ConsoleState(), [start] if begun else [])
    state = fold_all(state, [deployments(0, first)] if first else [])
    start = len(state.timeline)
    state = fold_all(state, [deployments(2 * (i + 1), s) for i, s in enumerate(samples)])
    return [(f"{e.at:%H:%M:%S}", e.tone, e.text) for e in state.timeline[start:]]


def test_a_crash_loop_that_recovers_is_available_again_not_a_rollout_complete():
    """Found live: a crash loop with no new revision ended in "rollout of revision 7
    complete" with no "rolling out" before it (kubectl calls it not complete, as its updated
    replicas are not all available, but nothing was being rolled out)."""
    crashing = rs(7, 3, 3, 2)  # 2 of 3 updated replicas available
    assert told(crashing, crashing, rs(7, 3, 3, 3, None)) == [
        ("12:00:06", "good", f"{NAME}: 3/3 available again (revision 7)")
    ]  # one line: not "all 3 replicas ready" beside it
    # the last phase of a rollout looks the same, and is still its completion
    assert [t for _, _, t in told(rs(8, 3, 3, 2), rs(8, 3, 3, 3, None))] == [
        f"{NAME}: rolling out revision 8 (was 7)",
        f"{NAME}: rollout of revision 8 complete (3/3 updated and available)",
    ]  # one line: its replicas all ready is what "complete" says
    # found mid-way at a session's first sample: a rollout when more than availability is
    # missing; only availability: a crash loop
    assert told(rs(8, 3, 4, 3, None), first=rs(8, 3, 4, 3)) == [
        ("12:00:02", "good", f"{NAME}: rollout of revision 8 complete (3/3 updated and available)")
    ]
    assert told(rs(8, 3, 3, 3, None), first=rs(8, 3, 3, 1)) == [
        ("12:00:02", "good", f"{NAME}: 3/3 available again (revision 8)")
    ]
    # a state of a journal kept before: as it was told then
    assert told(crashing, rs(7, 3, 3, 3, None), begun=False) == [
        ("12:00:04", "good", f"{NAME}: rollout of revision 7 complete (3/3 updated and available)"),
        ("12:00:04", "good", f"{NAME}: all 3 replicas ready"),
    ]


def test_a_rollout_s_end_is_told_once_and_replicas_ready_only_as_a_fact_of_its_own():
    """Found live: a rollout whose replicas were not all ready before its last sample ended
    in "rollout of revision 8 complete (3/3 updated and available)" and "all 3 replicas
    ready" beside it: one fact told twice. kubectl rollout status says it once ("successfully
    rolled out"); the console says it in the rollout's words. Replicas ready before the
    rollout is complete, or back with no rollout, are facts of their own."""
    # maxUnavailable 1: a replica down while each is replaced, all back at the end
    rolling = (rs(8, 1, 3, 2), rs(8, 2, 3, 2), rs(8, 3, 3, 3, None))
    assert told(*rolling) == [
        ("12:00:02", "warn", f"{NAME}: rolling out revision 8 (was 7)"),
        ("12:00:06", "good", f"{NAME}: rollout of revision 8 complete (3/3 updated and available)"),
    ]
    # begun and done between two refreshes, its replicas not all ready at the one before
    assert told(rs(7, 3, 3, 2, None), rs(8, 3, 3, 3, None)) == [
        (
            "12:00:04",
            "warn",
            f"{NAME}: rolled out revision 8 (was 7); rollout of revision 8 complete (3/3 updated "
            "and available)",
        ),
    ]
    # all ready while an old replica still ends: a fact of its own, then the rollout's end
    assert told(rs(8, 3, 4, 2), rs(8, 3, 4, 3), rs(8, 3, 3, 3, None)) == [
        ("12:00:02", "warn", f"{NAME}: rolling out revision 8 (was 7)"),
        ("12:00:04", "good", f"{NAME}: all 3 replicas ready"),
        ("12:00:06", "good", f"{NAME}: rollout of revision 8 complete (3/3 updated and available)"),
    ]
    # replicas back with nothing rolling out (a scale up): told as ready
    assert told(rs(7, 4, 4, 3, None, desired=4), rs(7, 4, 4, 4, None, desired=4))[-1:] == [
        ("12:00:04", "good", f"{NAME}: all 4 replicas ready")
    ]
    # a session begun before (rollout_rules 1): both, as they were shown then
    old = [t for _, _, t in told(*rolling, start=START.model_copy(update={"rollout_rules": 1}))]
    assert old[-2:] == [
        f"{NAME}: rollout of revision 8 complete (3/3 updated and available)",
        f"{NAME}: all 3 replicas ready",
    ]


def test_a_surge_rollout_is_told_as_begun_then_complete_not_rolled_out_at_its_start():
    # maxSurge 1: ready stays 3/3 throughout, so "all replicas ready" never says its end
    assert told(
        rs(8, 1, 4, 3),  # 1 of 3 new replicas updated
        rs(8, 1, 3, 3),
        rs(8, 2, 4, 3),
        rs(8, 3, 4, 3),  # 1 old replica pending termination
        rs(8, 3, 3, 3, None),
        rs(8, 3, 3, 3, None),
    ) == [
        ("12:00:02", "warn", f"{NAME}: rolling out revision 8 (was 7)"),
        ("12:00:10", "good", f"{NAME}: rollout of revision 8 complete (3/3 updated and available)"),
    ]


def test_a_stalled_rollout_is_bad_and_said_once():
    assert told(
        rs(8, 1, 4, 3),
        rs(8, 1, 4, 3, "ProgressDeadlineExceeded"),
        rs(8, 1, 4, 3, "ProgressDeadlineExceeded"),
    ) == [
        ("12:00:02", "warn", f"{NAME}: rolling out revision 8 (was 7)"),
        (
            "12:00:04",
            "bad",
            f"{NAME}: rollout of revision 8 stalled: ProgressDeadlineExceeded "
            "(1 of 3 new replicas updated)",
        ),
    ]


def test_a_rollout_found_stalled_at_its_first_sample_is_told_begun_and_stalled():
    texts = [t for _, _, t in told(rs(8, 0, 3, 3, "ProgressDeadlineExceeded"))]
    assert texts == [
        f"{NAME}: rolling out revision 8 (was 7)",
        f"{NAME}: rollout of revision 8 stalled: ProgressDeadlineExceeded "
        "(0 of 3 new replicas updated)",
    ]


def test_a_pause_is_said_once_and_so_is_going_on_again():
    assert [
        t
        for _, _, t in told(
            rs(8, 1, 4, 3),
            rs(8, 1, 4, 3, "paused", paused=True),
            rs(8, 1, 4, 3, "paused", paused=True),
            rs(8, 1, 4, 3, "paused", paused=True),
            rs(8, 2, 4, 3),
            rs(8, 3, 3, 3, None),
        )
    ] == [
        f"{NAME}: rolling out revision 8 (was 7)",
        f"{NAME}: rollout of revision 8 paused (1 of 3 new replicas updated)",
        f"{NAME}: rollout of revision 8 going again (2 of 3 new replicas updated)",
        f"{NAME}: rollout of revision 8 complete (3/3 updated and available)",
    ]


def test_an_undo_while_stalled_is_a_new_rollout_not_a_recovery():
    assert (
        [
            t
            for _, _, t in told(
                rs(8, 1, 4, 3, "ProgressDeadlineExceeded"),
                rs(9, 0, 4, 3),  # the undo: revision 7's template as revision 9
                rs(9, 3, 3, 3, None),
            )
        ][2:]
        == [
            f"{NAME}: rolling out revision 9 (was 8)",
            f"{NAME}: rollout of revision 9 complete (3/3 updated and available)",
        ]
    )


def test_a_rollout_begun_and_done_between_two_refreshes_is_said_in_one_entry():
    assert told(rs(8, 3, 3, 3, None)) == [
        (
            "12:00:02",
            "warn",
            f"{NAME}: rolled out revision 8 (was 7); "
            "rollout of revision 8 complete (3/3 updated and available)",
        )
    ]


def test_a_spec_change_the_controller_only_had_to_observe_is_no_rollout():
    # a scale or a label: generation ahead of observedGeneration for one refresh, no new pods
    assert told(rs(7, 3, 3, 3, "progressing"), rs(7, 3, 3, 3, None)) == []


def test_samples_without_the_counts_keep_the_old_wording():
    """Journals kept before the counts were read (tests/golden) replay as they were told."""
    old = {"counted": False}
    assert [t for _, _, t in told(rs(8, 1, 4, 3, **old), rs(8, 3, 3, 3, None, **old))] == [
        f"{NAME} rolled out revision 8 (was 7)"
    ]


# ---- `v`: a rollout not complete is never verified -------------------------------------------

SERVICES = ("analysis-service", "file-watcher", "notification-service", NAME)


def good_world(deployment: ev.DeploymentStatus) -> ConsoleState:
    """Every number the guide checks is good; only the rollout differs."""
    return fold_all(
        ConsoleState(services=SERVICES),
        [
            health(0, **{s.replace("-", "_"): True for s in SERVICES}),
            ev.MetricSampled(at=T0, metric="error_rate", values=dict.fromkeys(SERVICES, 0.4)),
            ev.MetricSampled(at=T0, metric="latency", values=dict.fromkeys(SERVICES, 120.0)),
            deployments(0, deployment),
        ],
    )


def test_verify_does_not_pass_a_rollout_still_going():
    verdict = verify(good_world(rs(9, 3, 4, 3)))
    assert not verdict.ok
    assert verdict.reasons == (
        f"{NAME} rollout of revision 9 not complete (1 old replica pending termination)",
    )


def test_verify_does_not_pass_a_stalled_or_paused_rollout():
    stalled = verify(good_world(rs(9, 1, 4, 3, "ProgressDeadlineExceeded")))
    assert stalled.reasons == (
        f"{NAME} rollout of revision 9 stalled: ProgressDeadlineExceeded "
        "(1 of 3 new replicas updated)",
    )
    paused = verify(good_world(rs(9, 2, 4, 3, "paused", paused=True)))
    assert paused.reasons == (f"{NAME} rollout of revision 9 paused (2 of 3 new replicas updated)",)


def test_verify_passes_once_the_rollout_is_complete():
    assert verify(good_world(rs(9, 3, 3, 3, None))).ok


def test_verify_does_not_pass_what_a_failing_kubernetes_probe_hides():
    state = fold_all(
        good_world(rs(9, 3, 3, 3, None)),
        [ev.ProbeFailed(at=at(2), source="kubernetes", reason="connection refused")],
    )
    assert verify(state).reasons == ("kubernetes probe failing: connection refused",)


# ---- the review tells it as the timeline did --------------------------------------------------


def review_of(*samples: tuple[float, ev.DeploymentStatus], resolved_at: float = 700) -> str:
    """The review of an incident declared at 30 s and resolved at `resolved_at`, with the
    samples of tracklist-service at their times (seconds from T0)."""
    declared = ev.IncidentDeclared(
        at=at(30),
        incident_id="INC-20260306-1200",
        severity="P2",
        title="tracklist-service 5xx",
        reason="error rate 7% > 5%",
        by="ana",
    )
    events = sorted(
        [declared, *(deployments(t, s) for t, s in samples)], key=lambda e: e.at
    )  # stable: a sample at the declaration's time stays before it
    events = [
        ev.SessionStarted(at=T0, mode="live", version="test", operator="ana", services=(NAME,)),
        deployments(0, DONE_7),
        *events,
        ev.IncidentResolved(at=at(resolved_at), summary="rolled back", by="ana"),
    ]
    (review,) = [f for f in review_files(events) if f.name.endswith("_review.md")]
    return review.data.decode()


def test_the_review_timeline_tells_the_rollout_begun_stalled_and_undone():
    review = review_of(
        (20, rs(8, 1, 4, 3)),
        (620, rs(8, 1, 4, 3, "ProgressDeadlineExceeded")),
        (650, rs(9, 0, 4, 3)),
        (680, rs(9, 3, 3, 3, None)),
    )
    rows = [line for line in review.splitlines() if NAME + ":" in line]
    assert [row.split(" | ")[:2] for row in rows] == [
        ["| 2026-03-06T12:00:20Z", f"{NAME}: rolling out revision 8 (was 7)"],
        [
            "| 2026-03-06T12:10:20Z",
            f"{NAME}: rollout of revision 8 stalled: ProgressDeadlineExceeded "
            "(1 of 3 new replicas updated)",
        ],
        ["| 2026-03-06T12:10:50Z", f"{NAME}: rolling out revision 9 (was 8)"],
        [
            "| 2026-03-06T12:11:20Z",
            f"{NAME}: rollout of revision 9 complete (3/3 updated and available)",
        ],
    ]
    assert "while a rollout was not complete" not in review


def test_the_review_says_when_an_incident_was_resolved_before_its_rollout_completed():
    early = review_of((650, rs(9, 3, 4, 3)))
    assert (
        "Resolved at 2026-03-06T12:11:40Z while a rollout was not complete: "
        f"{NAME} rollout of revision 9 not complete (1 old replica pending termination)"
    ) in early
    assert "while a rollout was not complete" not in review_of(
        (650, rs(9, 3, 4, 3)), (680, rs(9, 3, 3, 3, None))
    )


# ---- the Services pane: a stalled rollout's mark is bad, not the warn of one going ---------------


def test_the_services_pane_marks_a_stalled_rollout_bad():
    from widgets.services import ServicesPane
    from widgets.theme import BAD, WARN

    def mark_style(deployment: ev.DeploymentStatus) -> str:
        state = fold_all(ConsoleState(services=(NAME,)), [deployments(0, deployment)])
        text = ServicesPane(id="services").body(state, at(2), 80, 10)
        where = text.plain.index("↻")
        return next(str(s.style) for s in text.spans if s.start <= where < s.end)

    assert mark_style(rs(8, 1, 4, 3)) == str(WARN)
    assert mark_style(rs(8, 1, 4, 3, "paused", paused=True)) == str(WARN)
    assert mark_style(rs(8, 1, 4, 3, "ProgressDeadlineExceeded")) == str(BAD)
