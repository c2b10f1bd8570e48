"""The threshold bands by change (state/fold.py `_bands`): a sample holding the very values
of the one before, against the very baseline and bands, is not gone through again; the
bands, and the timeline they write, are exactly those of a fold that remembers nothing."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from state import events as ev
from state import fold as fold_module
from state.console import ConsoleState
from state.fold import fold
from tests.unit.helpers import at, health

SERVICES = ("api", "web", "db")


def forgetting(state: ConsoleState, event: ev.EventBase) -> ConsoleState:
    """The fold with its memory of the last bands taken wiped first: every band taken anew."""
    fold_module._BANDS_TAKEN.clear()
    fold_module._BANDS_STILL.clear()
    return fold(state, event)


def sample(metric: str, n: int, values: dict, baseline: dict | None = None) -> ev.MetricSampled:
    """A sample holding the very objects it is given, as the journal's reader and probes do."""
    made = ev.MetricSampled(at=at(2 * n), metric=metric, values={})  # type: ignore[arg-type]
    return made.model_copy(update={"values": values, "baseline": baseline or {}})


def test_a_service_shown_since_is_judged_on_the_very_value_it_had():
    started = ev.SessionStarted(
        at=at(0), mode="drill", version="0", operator="b", services=("api",)
    )
    values = {"api": 1.0, "web": 30.0}  # web is not shown yet: a service not configured
    state = fold(fold(ConsoleState(), started), sample("error_rate", 1, values))
    assert state.bands == {"error_rate:api": 0}
    state = fold(state, health(3, api=True, web=True))  # now web is a service shown
    state = fold(state, sample("error_rate", 2, dict(values)))  # the very same values
    assert state.bands == {"error_rate:api": 0, "error_rate:web": 2}
    assert "web error rate 30.0% crossed 20%" in [e.text for e in state.timeline]


def test_bands_moved_by_another_fold_are_taken_again():
    values = {"api": 30.0}
    first = fold(ConsoleState(), sample("error_rate", 1, values))
    assert first.bands == {"error_rate:api": 2}
    fold(first, sample("error_rate", 2, dict(values)))  # still: the last bands taken moved none
    # a seek folds the same objects on from a state before the crossing
    again = fold(ConsoleState(), sample("error_rate", 3, dict(values)))
    assert again.bands == {"error_rate:api": 2}


def test_a_baseline_said_again_is_the_very_baseline_and_a_new_one_is_taken():
    base = {"api": 100.0, "web": 50.0}
    state = fold(ConsoleState(), sample("latency", 1, {"api": 120.0}, base))
    kept = state.latency_baseline
    state = fold(state, sample("latency", 2, {"api": 120.0}, dict(base)))  # the same objects
    assert state.latency_baseline is kept  # what is drawn from it is known unchanged
    again = {**base, "api": float("100")}  # an equal value read anew: another object
    state = fold(state, sample("latency", 3, {"api": 400.0}, again))
    assert state.latency_baseline == {"api": 100.0, "web": 50.0}
    assert state.latency_baseline is not kept
    state = fold(state, sample("latency", 4, {"api": 400.0}, {"db": 10.0, "web": -1.0}))
    assert state.latency_baseline == {"api": 100.0, "web": 50.0, "db": 10.0}
    assert state.bands == {"latency:api": 1}


STEP = st.one_of(
    st.tuples(st.just("copy"), st.sampled_from(("error_rate", "latency"))),
    st.tuples(
        st.just("set"),
        st.sampled_from(("error_rate", "latency")),
        st.sampled_from(SERVICES),
        st.sampled_from((None, math.nan, 0.5, 6.0, 18.0, 25.0, 45.0, 200.0)),
    ),
    st.tuples(st.just("baseline"), st.sampled_from(SERVICES), st.sampled_from((0.0, 10.0, 60.0))),
    st.tuples(st.just("health"), st.sampled_from(SERVICES)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(STEP, max_size=50))
def test_bands_by_change_are_those_taken_anew_every_sample(steps):
    events: list[ev.EventBase] = [
        ev.SessionStarted(at=at(0), mode="drill", version="0", operator="b", services=("api",))
    ]
    last = {m: dict.fromkeys(SERVICES, 1.0) for m in ("error_rate", "latency")}
    for n, step in enumerate(steps, start=1):
        match step:
            case ("copy", metric):
                events.append(sample(metric, n, dict(last[metric])))
            case ("set", metric, service, value):
                last[metric] = {**last[metric], service: value if value is None else float(value)}
                events.append(sample(metric, n, dict(last[metric])))
            case ("baseline", service, value):
                events.append(sample("latency", n, dict(last["latency"]), {service: value}))
            case ("health", service):
                events.append(health(2 * n, **{service: True}))
    fold_module._BANDS_TAKEN.clear()
    fold_module._BANDS_STILL.clear()
    remembering, forgot = ConsoleState(), ConsoleState()
    for event in events:
        remembering = fold(remembering, event)
        memory = dict(fold_module._BANDS_TAKEN), dict(fold_module._BANDS_STILL)
        forgot = forgetting(forgot, event)
        fold_module._BANDS_TAKEN.clear()  # the remembering fold's memory back
        fold_module._BANDS_STILL.clear()
        fold_module._BANDS_TAKEN.update(memory[0])
        fold_module._BANDS_STILL.update(memory[1])
        assert remembering.bands == forgot.bands
        assert remembering.timeline == forgot.timeline
