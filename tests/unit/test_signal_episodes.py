"""Signals fire with a hold and clear with hysteresis (state/guide/episodes.py): a flapping
error rate is one episode on the timeline, and detection counts from its first sustained
breach (state/guide/signals.py `detection`), for the drill's card and the review alike."""

from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from state import events as ev
from state.console import ConsoleState
from state.guide.drill import Expectations, score
from state.guide.episodes import CLEAR_HOLD, RULES, SIGNAL_RULES
from state.guide.severity import Severity
from state.guide.signals import detection, suggestion
from state.review.facts import gather
from state.review.metrics import parts
from tests.unit.helpers import at, error_rate, fold_all, health

EXPECTED = Expectations("connection-pool-exhaustion", Severity.P1, (("restart", None),))


def started(rules: int = SIGNAL_RULES) -> ev.SessionStarted:
    return ev.SessionStarted(
        at=at(0),
        mode="drill",
        version="0",
        operator="bob",
        services=("api",),
        signal_rules=rules,
    )


def declared(t: float) -> ev.IncidentDeclared:
    return ev.IncidentDeclared(
        at=at(t), incident_id="INC-1", severity=Severity.P1, title="t", reason="r", by="bob"
    )


def flapping(start: float, until: float, high: float = 28.4) -> list[ev.EventBase]:
    """An error rate over the line (by default 20%, as the pool scenario's) and back under
    5% every few seconds."""
    out: list[ev.EventBase] = []
    t, gaps, over = start, (2, 4, 6, 2, 4), True
    while t < until:
        out.append(error_rate(t, api=high if over else 0.6))
        t += gaps[len(out) % len(gaps)]
        over = not over
    return out


def signal_entries(state: ConsoleState) -> list[str]:
    return [e.text for e in state.timeline if "error rate" in e.text]


def test_a_flapping_error_rate_is_one_entry_and_detected_from_its_first_crossing():
    events = [started(), error_rate(2, api=0.5), *flapping(20, 260), declared(262)]
    state = fold_all(ConsoleState(), events)
    [entry] = signal_entries(state)  # not 22 'crossed' / 'back under' pairs
    # over 20% it fires at once: "Error rate >20% (immediate P1 escalation)"
    assert (
        entry == "api error rate over 5%, peak 28.4% (over 20%) at 12:00:20: FIRING since 12:00:20"
    )
    assert detection(state).began == at(20)  # the first crossing, not the last flap
    [part] = parts(gather(events))  # the review, by the milestones' one definition
    declare = {m.key: m for m in part.milestones.measures()}["declared"]
    assert (declare.since, declare.seconds) == (at(20), 242.0)
    card = {m.name: m for m in score(events, EXPECTED).milestones}
    assert card["Declared"].took == 242.0


def test_over_5_percent_the_episode_fires_after_its_hold_updated_in_place():
    pending = fold_all(ConsoleState(), [started(), *flapping(20, 290, high=9.0)])
    [entry] = [e for e in pending.timeline if "error rate" in e.text]
    assert entry.at == at(20) and entry.tone == "warn"
    assert entry.text.endswith("pending, fires at 12:05:20 unless it clears")  # 20 s + 5 min
    assert pending.breach is not None and not pending.breach.sustained
    state = fold_all(pending, flapping(290, 400, high=9.0))
    [entry] = [e for e in state.timeline if "error rate" in e.text]
    assert entry.at == at(20) and entry.tone == "bad"
    assert "FIRING since 12:05:20" in entry.text
    assert state.breach is not None and state.breach.sustained
    assert state.breach.began == at(20)


def test_a_fired_episode_ends_once_held_under_the_clear_line():
    events = [started(), *flapping(20, 400), error_rate(400, api=4.5)]  # between the lines
    clear_from = 402
    events += [error_rate(t, api=0.4) for t in range(clear_from, 402 + 330, 10)]
    state = fold_all(ConsoleState(), events)
    [entry] = [e for e in state.timeline if "error rate" in e.text]
    assert entry.tone == "good"
    assert (
        "until 12:06:42 (6 min 22 s)" in entry.text and ": ended, under 4% for 5 min" in entry.text
    )
    assert state.episodes == {}
    assert state.breach is not None and state.breach.ended == at(clear_from)


def test_between_the_lines_the_episode_stays_open():
    samples = [error_rate(10, api=9.0)] + [error_rate(t, api=4.5) for t in range(12, 700, 10)]
    state = fold_all(ConsoleState(), [started(), *samples])
    assert "error_rate:api" in state.episodes  # 4.5% is under 5% but not under 4%
    assert state.episodes["error_rate:api"].fired_at == at(10) + RULES["error_rate"].hold


def test_a_blip_that_clears_before_its_hold_is_no_detection():
    events = [started(), error_rate(10, api=8.0)]
    events += [error_rate(t, api=0.5) for t in range(12, 12 + 310, 10)]
    state = fold_all(ConsoleState(), [*events, declared(330)])
    [entry] = signal_entries(state)
    assert entry.startswith("api error rate over 5% for 2 s, peak 8.0%")
    assert entry.endswith("cleared within its 5 min hold, never fired")
    assert state.episodes == {} and detection(state) is None
    [part] = parts(gather([*events, declared(330)]))
    assert part.milestones.detected is None


def test_a_service_down_is_detected_from_its_first_failing_check():
    events = [started(), health(0, api=True)] + [health(t, api=False) for t in range(10, 200, 10)]
    state = fold_all(ConsoleState(), events)
    assert detection(state).why == "api down" and detection(state).began == at(10)
    assert state.episodes["down:api"].fired_at == at(10) + timedelta(minutes=2)


def test_journals_without_signal_rules_read_as_before():
    """A journal from before the rules were versioned: pairs, and the last raise."""
    events = [started(rules=1), *flapping(20, 60), declared(62)]
    state = fold_all(ConsoleState(), events)
    assert len(signal_entries(state)) > 6
    assert signal_entries(state)[:2] == [
        "api error rate 28.4% crossed 20%",
        "api error rate back under 5% (0.6%)",
    ]
    assert detection(state).began == max(e.at for e in events[1:-1] if e.values["api"] > 5)


# ---- property: one entry per episode, detection at the episode's first crossing ----------


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 200), st.sampled_from([0.3, 3.0, 4.5, 6.0, 12.0, 35.0])),
        min_size=1,
        max_size=60,
    )
)
def test_each_episode_has_one_entry_and_detection_is_its_first_crossing(samples):
    t, events = 0.0, [started()]
    for gap, value in samples:
        t += gap
        events.append(error_rate(t, api=value))
    state = fold_all(ConsoleState(), events)
    keys = [e.key for e in state.timeline if e.key]
    assert len(keys) == len(set(keys))  # never a second entry for the same episode
    # the episode open now began at the first crossing after the last 5 minutes under 4%
    open_ = state.episodes.get("error_rate:api")
    if open_ is not None:
        crossings = [e.at for e in events[1:] if e.values["api"] > 5.0]
        assert open_.began in crossings
        quiet = [
            (a.at, b.at)
            for a, b in itertools.pairwise(events[1:])
            if a.at >= open_.began and b.at - a.at >= CLEAR_HOLD and a.values["api"] < 4.0
        ]
        assert quiet == []  # it never held clear since it began
        assert detection(state) is not None and detection(state).began <= open_.began


def test_the_suggestion_holds_through_the_flaps_until_the_signal_is_clear():
    """The header's suggestion does not flip P1 / clear every few seconds: a flap under the
    line leaves the episode's band standing, said as such, until it has held clear."""
    flaps = flapping(20, 120)
    low = [e for e in flaps if e.values["api"] < 5][-1]  # end on a sample under 5%
    state = fold_all(ConsoleState(), [started(), *flaps[: flaps.index(low) + 1]])
    hint = suggestion(state)
    assert hint.severity is Severity.P1 and hint.summary == "api error rate > 20%"
    assert hint.reasons == ("api error rate > 20% on and off (peak 28.4%), not yet clear",)
    cleared = fold_all(state, [error_rate(t, api=0.4) for t in range(130, 130 + 310, 10)])
    assert suggestion(cleared).severity is Severity.P3 and not suggestion(cleared).alerting
    before = fold_all(ConsoleState(), [started(rules=1), *flaps[: flaps.index(low) + 1]])
    assert suggestion(before).severity is Severity.P3  # rules 1: as it was read then


def test_a_session_without_a_declaration_is_flagged_from_its_breach_not_its_blips():
    """What the session review and an undeclared drill say was flagged: a breach, from its
    first crossing, however it flapped; a blip that held clear before its hold is not."""
    blip = [started(), error_rate(10, api=8.0)]
    blip += [error_rate(t, api=0.5) for t in range(12, 12 + 310, 10)]
    assert gather(blip).flagged == []
    flaps = gather([started(), *flapping(20, 260)])
    [raised] = flaps.flagged
    assert (raised.value, raised.at, raised.why) == (1, at(20), "api error rate > 5%")
    card = {m.name: m for m in score([started(), *flapping(20, 260)], EXPECTED).milestones}
    assert card["Declared"].detail == "the guide's rules flagged api error rate > 5%"
