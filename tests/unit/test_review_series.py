"""The review's metric series kept by run (state/review/facts.py): every sample a service had,
made whole again, is exactly what appending each value in turn gave, so no peak moves.

The reader hands a sample's unchanged values over as the very objects of the sample before
(state/journal/rows.py); the samples here are made the same way, with whole re-reads (equal
values, new objects), gaps, no data, NaN, inf, -0.0 and baselines that change between.
"""

from __future__ import annotations

import math
from array import array

from hypothesis import given, settings
from hypothesis import strategies as st

from state import events as ev
from state.console import ConsoleState
from state.fold import fold
from state.review.facts import gather
from tests.unit.helpers import at

SERVICES = ("api", "web", "db")
VALUES = (0.0, -0.0, 1.5, 2.5, 30.0, 900.0, math.nan, math.inf, None)


def reference(events: list[ev.EventBase]) -> dict[tuple[str, str], tuple[bytes, bytes, bytes]]:
    """Every finite value appended in turn, with its time and its ratio to the baseline."""
    out: dict[tuple[str, str], tuple[array, array, array]] = {}
    state = ConsoleState()
    for event in events:
        state = fold(state, event, history=1)
        if not isinstance(event, ev.MetricSampled):
            continue
        for service, value in event.values.items():
            if value is None or not math.isfinite(value):
                continue
            times, values, ratios = out.setdefault(
                (event.metric, service), (array("d"), array("d"), array("d"))
            )
            times.append(event.at.timestamp())
            values.append(value)
            if event.metric == "latency":
                base = state.latency_baseline.get(service)
                ratios.append(value / base if base else math.nan)
    return {k: (t.tobytes(), v.tobytes(), r.tobytes()) for k, (t, v, r) in out.items()}


# one step of a stream: copy the sample before (the same objects), change some values, drop
# a service, read the whole sample again (equal values, new objects), or a new p95 baseline
STEP = st.one_of(
    st.just(("copy",)),
    st.tuples(st.just("set"), st.sampled_from(SERVICES), st.sampled_from(VALUES)),
    st.tuples(st.just("drop"), st.sampled_from(SERVICES)),
    st.just(("reread",)),
    st.tuples(st.just("baseline"), st.sampled_from(SERVICES), st.sampled_from((0.0, 10.0, 40.0))),
)


def samples(steps: list[tuple[str, tuple]]) -> list[ev.EventBase]:
    events: list[ev.EventBase] = [
        ev.SessionStarted(at=at(0), mode="drill", version="0", operator="bob", services=SERVICES)
    ]
    last: dict[str, dict] = {}
    for n, (metric, step) in enumerate(steps, start=1):
        values = dict(last.get(metric, dict.fromkeys(SERVICES, 1.5)))
        baseline: dict[str, float] = {}
        match step:
            case ("set", service, value):
                values[service] = value if value is None else float(value)  # a new object
            case ("drop", service):
                values.pop(service, None)
            case ("reread",):
                values = {k: v if v is None else float(str(v)) for k, v in values.items()}
            case ("baseline", service, value) if metric == "latency":
                baseline = {service: float(value)}
        last[metric] = values
        # as the reader makes them: a model_copy that keeps the very objects it is given
        made = ev.MetricSampled(at=at(2 * n), metric=metric, values={})
        events.append(made.model_copy(update={"values": values, "baseline": baseline}))
    return events


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(("latency", "error_rate")), STEP), max_size=60))
def test_the_series_kept_by_run_are_every_value_appended_in_turn(steps):
    events = samples(steps)
    facts = gather(events)
    made = {
        k: (s.times.tobytes(), s.values.tobytes(), s.ratios.tobytes())
        for k, s in facts.series.items()
    }
    expected = reference(events)
    assert list(made) == list(expected)  # the same series, first sampled first
    assert made == expected


def test_a_value_held_between_scrapes_is_one_run_and_a_window_inside_it_finds_its_peak():
    events = samples([("error_rate", ("set", "api", 30.0))] + [("error_rate", ("copy",))] * 7)
    facts = gather(events)
    runs = facts.series.runs[("error_rate", "api")]
    assert list(runs.values) == [30.0]  # eight samples, one run
    series = facts.series[("error_rate", "api")]
    assert list(series.values) == [30.0] * 8
    assert list(series.times) == [at(2 * n).timestamp() for n in range(1, 9)]
