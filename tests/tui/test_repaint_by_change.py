"""A pane whose rows did not change is not drawn again (issue #10, small CPU): a sample that
moves one pane's values repaints that pane's rows only, and the clock's second, with nothing
that shows an age, repaints none of the service panes' rows. Counted in Pilot: the rows each
pane's table renders."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING

from state.console import HISTORY
from state.events import MetricHistoryLoaded, MetricSampled
from tests.tui.live_console import T0, fresh, live_console
from tests.tui.waiting import until
from widgets.metric import MetricPane
from widgets.table import RowsPane

if TYPE_CHECKING:
    from tui.app import WarroomApp

SERVICES = ("analysis-service", "file-watcher")
PANES = ("services", "error-rate", "latency")


async def settled(pilot, counted: Counter[str]) -> None:
    """Wait, boundedly, until the session's first state is drawn whole: `counted` still and
    no refresh being drawn a pane at a time over three frames. The first state takes several
    draws (the tables mounted with their first rows, the panes sized by them); under load one
    pause was not enough, and a CI run counted one of them as a sample's."""
    still, last = 0, None
    for _ in range(100):
        await pilot.pause(0.02)
        now = dict(counted)
        still = still + 1 if now == last and pilot.app._slicing is None else 0
        if still == 3:
            return
        last = now
    raise AssertionError(f"the first state never settled: {counted}")


async def drawn_sample(pilot, app: WarroomApp, event: MetricSampled) -> None:
    """Record `event` and wait until the console's state holds it and its refresh is drawn."""
    before = app.recorder.state.error_rate
    app.record(event)
    await until(pilot, lambda: app.recorder.state.error_rate is not before)
    await until(pilot, lambda: app._slicing is None)
    await pilot.pause()


def counting(app: WarroomApp) -> Counter[str]:
    """{pane id: lines its table rendered since}: each service table's render_line counted."""
    drawn: Counter[str] = Counter()
    for name in PANES:
        table = app.console_screen.query_one(f"#{name}", RowsPane).table
        render = table.render_line

        def counted(y: int, name: str = name, render=render):
            drawn[name] += 1
            return render(y)

        table.render_line = counted  # type: ignore[method-assign]
    return drawn


async def test_only_the_pane_whose_rows_changed_is_drawn_again(tmp_path) -> None:
    rates = {"analysis-service": 0.5, "file-watcher": 0.1}
    p95s = {"analysis-service": 40.0, "file-watcher": 30.0}
    app, clock = live_console(tmp_path, SERVICES, *fresh(T0, SERVICES, SERVICES, rates, p95s))
    async with app.run_test(size=(120, 40)) as pilot:
        drawn = counting(app)
        await settled(pilot, drawn)
        drawn.clear()
        # the error rate moves, under every threshold; nothing else came
        clock.set(T0 + timedelta(seconds=3))
        moved = {"analysis-service": 0.7, "file-watcher": 0.1}
        await drawn_sample(
            pilot,
            app,
            MetricSampled(at=T0 + timedelta(seconds=2), metric="error_rate", values=moved),
        )
        assert drawn["error-rate"] > 0  # its row shows 0.7%
        assert drawn["services"] == 0 and drawn["latency"] == 0
        # the clock's second: no row of these panes shows an age, none is drawn
        drawn.clear()
        for _ in range(3):
            clock.advance(1)
            app._clock_tick()  # what the one-second timer runs
            await pilot.pause()
        assert sum(drawn.values()) == 0, drawn


async def test_a_steady_value_composes_no_row_again(tmp_path, monkeypatch) -> None:
    """A sample at the values of the last one, the history full: a new history of the same
    numbers, the same sparklines. Neither the rows are drawn nor the pane's body composed."""
    rates = {"analysis-service": 0.5, "file-watcher": 0.1}
    p95s = {"analysis-service": 40.0, "file-watcher": 30.0}
    full = {name: (value,) * HISTORY for name, value in rates.items()}
    app, clock = live_console(
        tmp_path,
        SERVICES,
        *fresh(T0, SERVICES, SERVICES, rates, p95s),
        MetricHistoryLoaded(at=T0, metric="error_rate", series=full),
    )
    composed: Counter[str] = Counter()
    body = MetricPane.body

    def counted(pane, *args, **kwargs):
        composed[pane.id] += 1
        return body(pane, *args, **kwargs)

    monkeypatch.setattr(MetricPane, "body", counted)
    async with app.run_test(size=(120, 40)) as pilot:
        drawn = counting(app)
        await settled(pilot, composed)
        composed.clear()
        drawn.clear()
        for second in (2, 4):  # each a new history of the same values, waited for
            clock.set(T0 + timedelta(seconds=second + 1))
            at = T0 + timedelta(seconds=second)
            await drawn_sample(
                pilot, app, MetricSampled(at=at, metric="error_rate", values=dict(rates))
            )
        assert composed["error-rate"] == 0 and drawn["error-rate"] == 0
        # the next value moves: composed and drawn again
        clock.set(T0 + timedelta(seconds=7))
        moved = {**rates, "file-watcher": 0.3}
        await drawn_sample(
            pilot,
            app,
            MetricSampled(at=T0 + timedelta(seconds=6), metric="error_rate", values=moved),
        )
        assert composed["error-rate"] > 0 and drawn["error-rate"] > 0
