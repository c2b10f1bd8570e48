"""The timeline: people's acts, and samples only when they change what a person concludes."""

from __future__ import annotations

import math

import pytest

from state import events as ev
from state.console import ConsoleState, TimelineEntry
from state.fold import fold
from state.guide.severity import IncidentStatus, Role, Severity
from state.locks import LOCK_RULES
from tests.unit.helpers import (
    T0,
    at,
    deployment,
    deployments,
    error_rate,
    fold_all,
    health,
    latency,
    pod,
)


def added(state: ConsoleState, *events) -> list[TimelineEntry]:
    """The entries `events` add to the timeline of `state`."""
    after = fold_all(state, events)
    return list(after.timeline[len(state.timeline) :])


def texts(state: ConsoleState, *events) -> list[str]:
    return [e.text for e in added(state, *events)]


def base(*events) -> ConsoleState:
    return fold_all(ConsoleState(), events)


# ---- samples alone add nothing ------------------------------------------------------------


def test_steady_samples_add_nothing():
    state = base()
    events = []
    for i in range(30):
        events += [
            deployments(2 * i, deployment("api", revision=3)),
            health(2 * i, api=True),
            error_rate(2 * i, api=0.4 + (i % 3) * 0.1),
            latency(2 * i, baseline={"api": 100.0}, api=100.0 + i),
            ev.DatabaseSampled(at=at(2 * i), connections={"active": 3}, max_connections=100),
        ]
    assert added(state, *events) == []


# ---- error rate ---------------------------------------------------------------------------


def test_error_rate_crossing_5_and_20_percent():
    state = base(error_rate(0, api=0.5))
    assert texts(state, error_rate(2, api=5.0)) == []  # exactly 5 is not above
    assert texts(state, error_rate(2, api=7.25)) == ["api error rate 7.2% crossed 5%"]
    assert texts(state, error_rate(2, api=7.0), error_rate(4, api=24.0)) == [
        "api error rate 7.0% crossed 5%",
        "api error rate 24.0% crossed 20%",
    ]
    assert texts(state, error_rate(2, api=35.0)) == ["api error rate 35.0% crossed 20%"]


def test_error_rate_crossing_has_a_bad_tone():
    (entry,) = added(base(error_rate(0, api=0.5)), error_rate(2, api=35.0))
    assert entry.tone == "bad"
    assert entry.kind == "metric_sampled"
    assert entry.at == at(2)


def test_error_rate_back_under_5_only_below_4_percent():
    state = base(error_rate(0, api=0.5), error_rate(2, api=8.0))
    assert texts(state, error_rate(4, api=4.5), error_rate(6, api=4.0)) == []  # noise
    assert texts(state, error_rate(4, api=3.9)) == ["api error rate back under 5% (3.9%)"]


def test_noise_around_a_threshold_gives_one_entry():
    state = base(error_rate(0, api=0.5))
    noisy = [error_rate(2 + i, api=v) for i, v in enumerate([5.2, 4.8, 5.3, 4.4, 5.1, 4.9, 6.0])]
    assert texts(state, *noisy) == ["api error rate 5.2% crossed 5%"]


def test_error_rate_falling_from_p1_to_p2_band():
    state = base(error_rate(0, api=30.0))
    assert texts(state, error_rate(2, api=17.0)) == []  # within 80% of 20
    assert texts(state, error_rate(2, api=12.0)) == ["api error rate down to 12.0%, under 20%"]


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_error_rate_crosses_nothing(bad):
    state = base(error_rate(0, api=0.5))
    assert texts(state, error_rate(2, api=bad), error_rate(4, api=None)) == []
    raised = base(error_rate(0, api=30.0))
    assert texts(raised, error_rate(2, api=bad), error_rate(4, api=None)) == []  # no recovery


# ---- latency ----------------------------------------------------------------------------------


def test_p95_crossing_three_times_baseline_and_back():
    state = base(latency(0, baseline={"api": 200.0}, api=210.0))
    assert texts(state, latency(2, api=600.0)) == []  # exactly 3x is not above
    assert texts(state, latency(2, api=800.0)) == ["api p95 800 ms, 4.0x baseline"]
    raised = fold(state, latency(2, api=800.0))
    assert texts(raised, latency(4, api=500.0)) == []  # 2.5x: still within hysteresis
    assert texts(raised, latency(4, api=300.0)) == ["api p95 back to 300 ms (1.5x baseline)"]


def test_p95_without_a_baseline_crosses_nothing():
    assert texts(base(latency(0, api=100.0)), latency(2, api=10_000.0)) == []


# ---- deployments, health, locks, probes ------------------------------------------------------


def test_pods_crash_looping_is_noted_once():
    healthy = base(deployments(0, deployment("api")))
    crashing = deployment(
        "api", ready=2, pods=(pod("a", reason="CrashLoopBackOff", ready=False), pod("b"), pod("c"))
    )
    assert texts(healthy, deployments(2, crashing), deployments(4, crashing)) == [
        "api: pods CrashLoopBackOff"
    ]


def test_pods_starting_are_not_news_but_all_ready_is():
    healthy = base(deployments(0, deployment("api")))
    starting = deployment(
        "api",
        ready=2,
        pods=(
            pod("a", phase="Pending", reason="ContainerCreating", ready=False),
            pod("b"),
            pod("c"),
        ),
    )
    assert texts(healthy, deployments(2, starting)) == []
    assert texts(healthy, deployments(2, starting), deployments(12, deployment("api"))) == [
        "api: all 3 replicas ready"
    ]


def test_revision_change_is_noted():
    state = base(deployments(0, deployment("tracklist-service", revision=7)))
    entries = added(state, deployments(2, deployment("tracklist-service", revision=8)))
    assert [e.text for e in entries] == ["tracklist-service rolled out revision 8 (was 7)"]
    assert entries[0].tone == "warn"


def test_health_down_and_up():
    state = base(health(0, api=True, web=True))
    assert texts(state, health(2, api=False, web=True)) == ["api /health failing: HTTP 503"]
    down = fold(state, health(2, api=False))
    assert texts(down, health(4, api=False)) == []
    assert texts(down, health(4, api=True)) == ["api /health OK again"]


def chain(t: float, waiters: int) -> ev.DatabaseSampled:
    sessions = [ev.DbSession(pid=4242, state="idle in transaction")] if waiters else []
    sessions += [ev.DbSession(pid=5000 + i, blocked_by=(4242,)) for i in range(waiters)]
    return ev.DatabaseSampled(
        at=at(t), connections={"active": 3}, max_connections=100, sessions=tuple(sessions)
    )


def test_lock_chain_appears_and_clears():
    state = base(chain(0, 0))
    assert texts(state, chain(2, 1)) == ["Lock chain: 1 session blocked"]
    assert texts(state, chain(2, 3)) == ["Lock chain: 3 sessions blocked"]
    locked = fold(state, chain(2, 1))
    assert texts(locked, chain(4, 0)) == ["Lock chain cleared"]


def test_lock_chain_told_as_it_doubles_not_at_every_sample():
    """Found live: the line still read "1 session blocked" when the chain had 14."""
    recorded = base(chain(0, 0)).model_copy(update={"lock_rules": LOCK_RULES})
    locked = fold(recorded, chain(2, 1))
    grown = [chain(4 + 2 * i, n) for i, n in enumerate((1, 2, 3, 4, 3, 4, 3, 7, 8, 14, 9, 15))]
    assert texts(locked, *grown) == [
        "Lock chain grew: 2 sessions blocked",
        "Lock chain grew: 4 sessions blocked",  # wavering 3-4 afterwards is not told again
        "Lock chain grew: 8 sessions blocked",
    ]
    assert texts(locked, *grown, chain(30, 16))[-1] == "Lock chain grew: 16 sessions blocked"
    big = fold(recorded, chain(2, 5))
    assert texts(big, chain(4, 9)) == []  # 9 < 2 x 5
    assert texts(big, chain(4, 10)) == ["Lock chain grew: 10 sessions blocked"]


def chains(t: float, **behind: int) -> ev.DatabaseSampled:
    """A sample of one chain per root pid ("b4242": 3 sessions waiting on pid 4242)."""
    sessions = []
    for root, waiters in behind.items():
        pid = int(root[1:])
        sessions.append(ev.DbSession(pid=pid, state="idle in transaction", relation=f"t{pid}"))
        sessions += [ev.DbSession(pid=pid * 10 + i, blocked_by=(pid,)) for i in range(waiters)]
    return ev.DatabaseSampled(
        at=at(t), connections={"active": 3}, max_connections=100, sessions=tuple(sessions)
    )


def test_each_lock_chain_is_told_as_it_grows_by_its_root_blocker():
    """Found live: "grew" counted every chain together: a chain of 3 beside one of 1 read
    "grew: 4" though neither had doubled, and a chain that doubled beside a big one was
    never told. Under lock rules 3 (journals of round 8), as shown then."""
    recorded = base(chain(0, 0)).model_copy(update={"lock_rules": 3})
    locked = fold(recorded, chains(2, b4242=8))
    assert texts(
        locked,
        chains(4, b4242=8, b777=1),  # a second blocker appears
        chains(6, b4242=8, b777=2),  # it doubles: 10 in all, not twice the 8 told
        chains(8, b4242=9, b777=3),
        chains(10, b4242=16, b777=3),  # the first doubles
        chains(12, b4242=16),  # the second ends: one chain, read as before
        chains(14, b4242=32),
    ) == [
        "Lock chain: 1 session blocked behind pid 777 on t777",
        "Lock chain grew: 2 sessions blocked behind pid 777 on t777",
        "Lock chain grew: 16 sessions blocked behind pid 4242 on t4242",
        "Lock chain grew: 32 sessions blocked",
    ]
    # under the rules before (2), the chains counted together, as shown then
    older = fold(recorded.model_copy(update={"lock_rules": 2}), chains(2, b4242=8))
    assert texts(older, chains(4, b4242=8, b777=1), chains(6, b4242=8, b777=8)) == [
        "Lock chain grew: 16 sessions blocked"
    ]


def rooted(t: float, **behind: int) -> ev.DatabaseSampled:
    """As `chains`, each root blocker a batch job's backend, named by role and application."""
    sample = chains(t, **behind)
    named = {"role": "batch", "application": "nightly-billing"}
    sessions = tuple(
        s.model_copy(update={"user": named["role"], "application": named["application"]})
        if not s.blocked_by
        else s
        for s in sample.sessions
    )
    return sample.model_copy(update={"sessions": sessions})


def test_each_lock_chain_clearing_is_told_by_its_blocker_how_long_it_stood_and_how_many_stand():
    """Found live: a chain that cleared while another stood had no line of its own; the IC
    learnt it only when every chain had cleared ("Lock chain cleared")."""
    recorded = base(chain(0, 0)).model_copy(update={"lock_rules": LOCK_RULES})
    locked = fold(recorded, rooted(2, b4242=8))
    assert texts(
        locked,
        rooted(4, b4242=8, b777=1),
        rooted(6, b4242=8, b777=2, b55=1),
        rooted(70, b4242=8, b55=1),  # 777's chain ends after 66 s, two stand
        rooted(200, b4242=8),  # 55's after 194 s
        rooted(500, b4242=8, b777=1),  # a chain behind 777 again: a new one
        rooted(530, b4242=8),
        rooted(532),  # the last: after 530 s
    ) == [
        "Lock chain: 1 session blocked behind pid 777 on t777",
        "Lock chain grew: 2 sessions blocked behind pid 777 on t777",
        "Lock chain: 1 session blocked behind pid 55 on t55",
        "Lock chain cleared after 1 min 6 s, behind pid 777 (role batch, application "
        "nightly-billing) on t777; 2 chains still standing",
        "Lock chain cleared after 3 min 14 s, behind pid 55 (role batch, application "
        "nightly-billing) on t55; 1 chain still standing",
        "Lock chain: 1 session blocked behind pid 777 on t777",
        "Lock chain cleared after 30 s, behind pid 777 (role batch, application "
        "nightly-billing) on t777; 1 chain still standing",
        "Lock chain cleared after 8 min 50 s, behind pid 4242 (role batch, application "
        "nightly-billing) on t4242; none still standing",
    ]
    unkept = locked.model_copy(update={"lock_standing": {}})  # nothing to name: said as before
    assert texts(unkept, rooted(4)) == ["Lock chain cleared"]


def test_a_chain_clearing_as_another_grows_by_as_many_is_told_at_once():
    """The count of blocked sessions stays at 3: the chains are read again all the same."""
    recorded = base(chain(0, 0)).model_copy(update={"lock_rules": LOCK_RULES})
    locked = fold_all(recorded, [rooted(2, b4242=1), rooted(4, b4242=1, b777=2)])
    assert texts(locked, rooted(6, b4242=3)) == [
        "Lock chain cleared after 2 s, behind pid 777 (role batch, application "
        "nightly-billing) on t777; 1 chain still standing",
        "Lock chain grew: 3 sessions blocked",
    ]


def test_a_journal_of_lock_rules_2_tells_the_chains_as_the_console_did_without_its_timeline():
    """Journals of lock rules 2 exported without the "grew" lines the console showed: the
    review folds with its timeline kept empty, and rules 2 read the count last told back
    from the timeline. A state with no count kept (a keyframe of then) reads its timeline."""
    older = base(chain(0, 0)).model_copy(update={"lock_rules": 2})
    samples = [chain(2 + 2 * i, n) for i, n in enumerate((1, 2, 3, 4, 3, 7, 8, 0, 2, 3, 4))]
    shown = [
        "Lock chain: 1 session blocked",
        "Lock chain grew: 2 sessions blocked",
        "Lock chain grew: 4 sessions blocked",
        "Lock chain grew: 8 sessions blocked",
        "Lock chain cleared",
        "Lock chain: 2 sessions blocked",
        "Lock chain grew: 4 sessions blocked",
    ]
    assert texts(older, *samples) == shown
    state, blind = older, []  # as the review folds: each event's entries, then none kept
    for sample in samples:
        state = fold(state, sample)
        blind += [e.text for e in state.timeline]
        state = state.model_copy(update={"timeline": ()})
    assert blind == shown
    at_keyframe = fold_all(older, samples[:3])  # 3 blocked, 2 told, and no count kept
    at_keyframe = at_keyframe.model_copy(update={"lock_told": {}})
    assert texts(at_keyframe, *samples[3:5]) == ["Lock chain grew: 4 sessions blocked"]


def test_a_journal_without_lock_rules_tells_a_chain_once_as_it_was_shown():
    locked = fold(base(chain(0, 0)), chain(2, 1))
    assert texts(locked, chain(4, 2), chain(6, 5), chain(8, 14)) == []


def test_probe_failed_and_recovered():
    state = base()
    assert texts(
        state,
        ev.ProbeFailed(at=at(1), source="postgres", reason="connection refused"),
        ev.ProbeRecovered(at=at(9), source="postgres"),
    ) == ["PostgreSQL unreachable: connection refused", "PostgreSQL reachable again"]


# ---- people ---------------------------------------------------------------------------------

PERSON_EVENTS = [
    ev.SessionStarted(at=T0, mode="demo", version="0", operator="ana", scenario="bad-deploy"),
    ev.SessionResumed(at=at(1), operator="ana", version="0"),
    ev.IncidentDeclared(
        at=at(2),
        incident_id="INC-20260306-8402",
        severity=Severity.P1,
        title="5xx",
        reason="error rate",
        by="ana",
    ),
    ev.IncidentAcknowledged(at=at(3), by="ana"),
    ev.SeverityChanged(at=at(4), severity=Severity.P2, previous=Severity.P1, by="ana"),
    ev.StatusChanged(at=at(5), status=IncidentStatus.IDENTIFIED, by="ana"),
    ev.RoleAssigned(at=at(6), role=Role.TL, person="bob", by="ana"),
    ev.NoteAdded(at=at(7), text="rollback?", by="ana"),
    ev.ActionRequested(
        at=at(8), action_id="a1", action="rollout_undo", target="tracklist-service", by="ana"
    ),
    ev.ActionFinished(at=at(9), action_id="a1", ok=True, result="rolled back"),
    ev.MessageSent(
        at=at(10),
        message_id="m1",
        channel="#incidents",
        status=IncidentStatus.IDENTIFIED,
        text="x",
        outcome="failed",
        detail="timeout",
        by="ana",
    ),
    ev.IncidentResolved(at=at(11), summary="rolled back", by="ana"),
]


@pytest.mark.parametrize("index", range(len(PERSON_EVENTS)))
def test_every_person_event_adds_exactly_one_entry(index):
    state = fold_all(ConsoleState(), PERSON_EVENTS[:index])
    event = PERSON_EVENTS[index]
    entries = added(state, event)
    assert len(entries) == 1
    assert entries[0].kind == event.kind
    assert entries[0].at == event.at


def test_person_entries_read_as_a_story():
    lines = texts(ConsoleState(), *PERSON_EVENTS)
    assert lines[2] == "Incident INC-20260306-8402 declared P1 CRITICAL by ana: 5xx (error rate)"
    assert lines[4] == "Severity P1 CRITICAL -> P2 HIGH by ana"
    assert lines[6] == "TL Technical Lead: bob (assigned by ana)"
    assert lines[8] == "ana requested undo rollout of tracklist-service"
    assert lines[10] == "Identified update FAILED to #incidents: timeout"


# ---- untrusted text ----------------------------------------------------------------------------

HOSTILE = "\x1b[2J\x1b]8;;https://evil.example/\x1b\\[bold red]x[/]\x1b]8;;\x1b\\\x07\r\nend\u202e"


def assert_inert(text: str) -> None:
    assert "\x1b" not in text
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text)
    assert "\u202e" not in text


@pytest.mark.parametrize(
    "event",
    [
        ev.NoteAdded(at=T0, text=HOSTILE, by=HOSTILE),
        ev.IncidentDeclared(
            at=T0,
            incident_id="INC-1",
            severity=Severity.P2,
            title=HOSTILE,
            reason=HOSTILE + "!",
            by=HOSTILE,
        ),
        ev.SessionStarted(at=T0, mode="live", version="0", operator=HOSTILE),
        ev.IncidentAcknowledged(at=T0, by=HOSTILE),
        ev.RoleAssigned(at=T0, role=Role.IC, person=HOSTILE, by=HOSTILE),
        ev.IncidentResolved(at=T0, summary=HOSTILE, by=HOSTILE),
        ev.ActionRequested(
            at=T0, action_id="1", action="scale", target=HOSTILE, params={"n": HOSTILE}, by="a"
        ),
        ev.ActionFinished(at=T0, action_id="1", ok=False, result=HOSTILE),
        # a journal is outside text too: the action's name and its parameters' keys
        ev.ActionRequested(
            at=T0, action_id="2", action=HOSTILE, target="t", params={HOSTILE: 1}, by="a"
        ),
        ev.ActionFinished(at=T0, action_id="2", action=HOSTILE, ok=True, result="done"),
        ev.ProbeFailed(at=T0, source="health", reason=HOSTILE),
    ],
    ids=lambda e: e.kind,
)
def test_untrusted_text_reaches_the_timeline_inert(event):
    (entry,) = added(ConsoleState(), event)
    assert_inert(entry.text)
    # markup stays literal: the widgets render plain Text, so it shows as typed
    assert "[bold red]x[/]" in entry.text
    assert "end" in entry.text


def test_service_names_from_outside_reach_the_timeline_inert():
    # Prometheus label values and Kubernetes reasons are free text too
    evil = "api\x1b]0;owned\x07\x1b[31m"
    state = base(
        error_rate(0, **{evil: 0.5}),
        latency(0, baseline={evil: 100.0}, **{evil: 100.0}),
        health(0, **{evil: True}),
        deployments(0, deployment(evil)),
    )
    crash = deployment(evil, ready=0, pods=(pod("a", reason="Boom\x1b[5m", ready=False),))
    entries = added(
        state,
        error_rate(2, **{evil: 50.0}),
        latency(2, **{evil: 900.0}),
        health(2, **{evil: False}),
        deployments(2, crash),
    )
    assert len(entries) == 4
    for entry in entries:
        assert_inert(entry.text)
        assert entry.text.startswith("api")


# ---- metric panes: one set of services, and the parts that could not be read ----------------


def started(*services: str) -> ev.SessionStarted:
    return ev.SessionStarted(at=T0, mode="live", version="t", operator="ic", services=services)


def test_a_series_of_a_service_not_configured_never_alerts():
    """Prometheus answers for every service it knows; the panes show the configured ones, and
    the timeline, the flags and the severity read those same ones only."""
    from state.guide.milestones import flags
    from state.guide.signals import suggestion

    state = base(started("api", "web"))
    assert texts(state, error_rate(1, api=1.0, web=2.0, batch=60.0)) == []
    after = fold_all(state, [error_rate(1, api=1.0, web=2.0, batch=60.0)])
    assert after.metric_rows("error_rate") == ("api", "web")
    assert after.bands == {"error_rate:api": 0, "error_rate:web": 0}
    assert flags(after) == () and not suggestion(after).alerting
    assert texts(after, error_rate(2, api=30.0, batch=60.0)) == ["api error rate 30.0% crossed 20%"]
    # with no service configured, every series is a row and counts
    assert texts(base(), error_rate(1, batch=60.0)) == ["batch error rate 60.0% crossed 20%"]
    assert base(error_rate(1, b=1.0, a=2.0)).metric_rows("error_rate") == ("a", "b")


def test_a_missing_part_is_marked_until_it_is_read():
    refused = "Prometheus execution: query processing would load too many samples"
    missing = ev.MetricPartMissing(at=at(1), metric="latency", part="history", reason=refused)
    no_base = ev.MetricPartMissing(at=at(1), metric="latency", part="baseline", reason="none")
    state = base(started("api"), missing, no_base)
    assert state.metric_missing == {"latency:history": refused, "latency:baseline": "none"}
    assert texts(base(started("api")), missing) == [
        f"Prometheus (p95 latency) sparkline history missing: {refused}"
    ]
    assert texts(state, missing) == []  # the same reason again: said once
    loaded = ev.MetricHistoryLoaded(at=at(2), metric="latency", series={"api": (1.0,)})
    assert texts(state, loaded) == ["Prometheus (p95 latency) sparkline history loaded"]
    state = fold_all(state, [loaded, latency(3, baseline={"api": 100.0}, api=120.0)])
    assert state.metric_missing == {}


def test_with_no_service_configured_every_series_counts_for_the_severity():
    from state.guide.signals import suggestion

    state = base(error_rate(1, batch=60.0))
    assert state.metric_rows("error_rate") == ("batch",)
    assert suggestion(state).reasons == ("batch error rate 60.0% > 20%",)


def test_actions_read_in_the_fields_words_with_the_undone_revisions():
    """No action id on the timeline: 'undo rollout of …' naming the revisions it moved
    between, 'terminate backend pid 4242'."""
    deployment = ev.DeploymentStatus(name="api", namespace="tracktion", desired=2, ready=2)
    sampled = ev.DeploymentsSampled(
        at=at(0), deployments=(deployment.model_copy(update={"revision": 8}),)
    )
    undo = ev.ActionRequested(
        at=at(1), action_id="1", action="rollout_undo", target="tracktion/api", by="ana"
    )
    undone = ev.ActionFinished(
        at=at(2),
        action_id="1",
        action="rollout_undo",
        target="tracktion/api",
        ok=True,
        result="deployment.apps/api rolled back to revision 7",
    )
    kill = ev.ActionRequested(
        at=at(3),
        action_id="2",
        action="terminate_backend",
        target="pid 4242",
        params={"pid": 4242, "user": "app"},
        by="ana",
    )
    killed = ev.ActionFinished(
        at=at(4), action_id="2", action="terminate_backend", target="pid 4242", ok=True
    )
    lines = texts(ConsoleState(), sampled, undo, undone, kill, killed)
    assert "ana requested undo rollout of tracktion/api (from revision 8)" in lines
    assert (
        "undo rollout of tracktion/api (revision 8 → 7) done: "
        "deployment.apps/api rolled back to revision 7"
    ) in lines
    assert "ana requested terminate backend pid 4242 (user=app)" in lines
    assert "terminate backend pid 4242 done" in lines
    assert not any("rollout_undo" in line or "terminate_backend" in line for line in lines)


def test_a_duration_reads_in_whole_minutes_with_their_grammar():
    from state.review.format import minutes

    assert [minutes(s) for s in (19, 60, 61, 150)] == [
        "under a minute",
        "1 minute",
        "1 minute",
        "2 minutes",
    ]
