"""A configured service Prometheus answers without (no traffic yet, a wrong label, an exporter
gone from the start): the Error rate and p95 panes show it as 'no series', toned as unknown and
sorted with the unknowns, their border counts it, and the header says it cannot see it.

Seen live against real servers: such a service simply did not appear in either pane, nothing
said it was missing, and the header read 'all guide thresholds clear'.
"""

from __future__ import annotations

from tests.tui.live_console import T0, fresh, header, live_console
from widgets.error_rate import ErrorRatePane
from widgets.latency import LatencyPane

SERVICES = ("api", "billing", "search")
CLEAR = "all guide thresholds clear"


def sampled(rated: dict[str, float], timed: dict[str, float]) -> list:
    """Every backend fresh at T0, all healthy; Prometheus with the series given."""
    return fresh(T0, SERVICES, SERVICES, rated, timed, namespace="shop")


def rows(app, pane: type) -> list[str]:
    """The pane's lines as drawn, its heading first."""
    found = app.query_one(pane)
    return [found.table._looked(k).plain for k in found.table.keys]


async def test_every_series_there_reads_all_clear(tmp_path) -> None:
    """The baseline the tests below differ from."""
    every = dict.fromkeys(SERVICES, 1.0)
    app, _ = live_console(tmp_path, SERVICES, *sampled(every, dict.fromkeys(SERVICES, 50.0)))
    async with app.run_test(size=(140, 44)) as pilot:
        await pilot.pause()
        assert CLEAR in header(app)
        assert not any("no series" in r for r in rows(app, ErrorRatePane))
        assert str(app.query_one(ErrorRatePane).border_subtitle) == ""


async def test_a_service_with_no_series_is_a_row_saying_so_and_unknown(tmp_path) -> None:
    rated = {"api": 1.0, "search": 30.0}  # search past P1: worst first, then the unknown
    timed = {"api": 50.0, "search": 50.0}
    app, _ = live_console(tmp_path, SERVICES, *sampled(rated, timed))
    async with app.run_test(size=(140, 44)) as pilot:
        await pilot.pause()
        for pane in (ErrorRatePane, LatencyPane):
            lines = rows(app, pane)
            billing = next(line for line in lines if line.startswith("billing"))
            assert billing.rstrip().endswith("no series")
            assert "no data" not in billing and "0.0" not in billing
            assert str(app.query_one(pane).border_subtitle) == "1 of 3 services: no series"
        assert [line.split()[0] for line in rows(app, ErrorRatePane)] == [
            "search",
            "billing",
            "api",
        ]
        # the unknowns before the clear, as the panes sort a 'no data'
        assert [line.split()[0] for line in rows(app, LatencyPane)] == ["billing", "api", "search"]


async def test_the_header_never_reads_all_clear_past_a_service_with_no_series(tmp_path) -> None:
    every = {"api": 1.0, "search": 1.0}
    app, _ = live_console(tmp_path, SERVICES, *sampled(every, {"api": 50.0, "search": 50.0}))
    async with app.run_test(size=(140, 44)) as pilot:
        await pilot.pause()
        text = header(app)
        assert CLEAR not in text
        assert "unknown: billing (no Prometheus series)" in text
        assert text.endswith("no threshold crossed in what is watched")


async def test_a_service_missing_one_series_names_which(tmp_path) -> None:
    every = dict.fromkeys(SERVICES, 1.0)
    app, _ = live_console(tmp_path, SERVICES, *sampled(every, {"api": 50.0, "search": 50.0}))
    async with app.run_test(size=(140, 44)) as pilot:
        await pilot.pause()
        assert "unknown: billing (no p95 series)" in header(app)
        assert str(app.query_one(ErrorRatePane).border_subtitle) == ""
        assert str(app.query_one(LatencyPane).border_subtitle) == "1 of 3 services: no series"
