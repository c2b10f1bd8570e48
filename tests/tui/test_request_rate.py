"""REQ/S beside the error rate where there is a source, and no column where there is none.

Before: live showed a REQ/S column always '—' (nothing read a request rate), which hid that
the console had none. Now live reads it in the error rate's own query (the guide's), and a
console with no request rate (a query of the config's own, a journal from before) shows no
such column.
"""

from __future__ import annotations

from state.events import MetricSampled
from tests.tui.live_console import T0, fresh, live_console
from tests.tui.test_no_series import rows as lines_of
from widgets.error_rate import ErrorRatePane

SERVICES = ("api", "billing", "search")


def rows(app) -> list[str]:
    """The Error rate pane's heading, then its lines, as drawn."""
    table = app.query_one(ErrorRatePane).table
    heading = table.columns[table.ordered_columns[0].key].label.plain
    return [heading, *lines_of(app, ErrorRatePane)]


RATED = {"api": 1.0, "billing": 2.0, "search": 30.0}
TIMED = dict.fromkeys(SERVICES, 50.0)


async def test_no_request_rate_no_column(tmp_path) -> None:
    app, _ = live_console(tmp_path, SERVICES, *fresh(T0, SERVICES, SERVICES, RATED, TIMED))
    async with app.run_test(size=(140, 44)) as pilot:
        await pilot.pause()
        heading, *lines = rows(app)
        assert heading.split()[:2] == ["SERVICE", "5XX"]
        assert "REQ/S" not in heading and not any("—" in line for line in lines)


async def test_a_request_rate_is_a_column_beside_the_error_rate(tmp_path) -> None:
    events = fresh(T0, SERVICES, SERVICES, RATED, TIMED)
    rates = {"api": 1250.0, "billing": 3.0, "search": 0.0}
    events[2] = MetricSampled(at=T0, metric="error_rate", values=RATED, request_rate=rates)
    app, _ = live_console(tmp_path, SERVICES, *events)
    async with app.run_test(size=(140, 44)) as pilot:
        await pilot.pause()
        heading, *lines = rows(app)
        assert heading.split()[:3] == ["SERVICE", "5XX", "REQ/S"]
        by_name = {line.split()[0]: line.split() for line in lines}
        assert by_name["api"][1:3] == ["1.0%", "1250"]
        assert by_name["search"][1:3] == ["30.0%", "0"]
