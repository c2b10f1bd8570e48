"""Hostile text from every outside source, through the real servers, onto the real console.

Each source (Prometheus label values and error bodies, PostgreSQL names and query text,
Kubernetes pod names, reasons and events, health status lines, notifier replies) is fed
the corpus of tests/hostile.py; the probes' events are journaled and folded as in live
mode, and the console (Textual Pilot, headless) must show them: no byte of the corpus
reaches the terminal as a sequence, no markup is read and no action can be clicked,
nothing crashes, distinct names keep distinct rows, and every row shows its numbers.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from probes.prometheus import ERROR_RATE_QUERY, LATENCY_P95_QUERY, PrometheusProbe
from probes.scheduler import ProbeScheduler
from state.clock import FrozenClock
from state.events import EventBase, MetricSampled, SessionStarted
from state.journal import Journal
from state.recorder import Recorder
from state.replay import Replay
from state.text import shown_name
from tests.hostile import (
    CORPUS,
    assert_inert,
    assert_screen_inert,
    cell_of,
    pane_lines,
    screen_text,
)
from tests.servers.fake_http import FakeHttp
from tests.servers.prometheus import Exporter, PromServer, Traffic, wait_for_data
from tui.app import WarroomApp
from tui.replay import ReplayApp

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration

OPERATOR = "alice"
TALL = (99, 60)  # narrower than 100 columns: one pane at a time, tall enough for every row
BIG = (200, 70)
RATE, P95 = r" (5\.0|25\.0)% ", r" (242|49) ms "
VERDICT = r"(ok|P2 >5%|P1 >20%|no base|\d\.\dx) *$"
LAG = 2.0


class Console:
    """A live session's journal that probe events are recorded into, and the console on it."""

    def __init__(self, path: Path, start: datetime, services: tuple[str, ...] = ()) -> None:
        self.clock = FrozenClock(start)
        self.recorder = Recorder(Journal.create(path, {"mode": "live"}))
        self.record(
            SessionStarted(
                at=start, mode="live", version="test", operator=OPERATOR, services=services
            )
        )

    def record(self, event: EventBase) -> None:
        self.recorder.record(event)

    def app(self, **options) -> WarroomApp:
        return WarroomApp(
            self.recorder, self.clock, operator=OPERATOR, watch_terminal=False, **options
        )

    def replay(self) -> ReplayApp:
        path = self.recorder.journal.path
        return ReplayApp(Replay(Journal.open(path, read_only=True)), self.clock.now())


def data_rows(app, pane_id: str) -> list[str]:
    """The visible rows of a metric pane below its heading, blank ones left out."""
    lines = pane_lines(app, app.query_one(f"#{pane_id}"))
    return [line for line in lines[1:] if line.strip()]


# ---- Prometheus label values: a real Prometheus scraping an exporter with hostile labels ----

# a 5 % error rate and a p95 of 242.5 ms for every hostile service; 25 % for the clean one
HOSTILE_TRAFFIC = {raw: Traffic(ok=19, errors=1, latency_s=0.2) for raw in CORPUS.values()}
HOSTILE_TRAFFIC["clean-service"] = Traffic(ok=3, errors=1, latency_s=0.03, status="503")


@pytest.fixture(scope="module")
def hostile_prometheus() -> Iterator[str]:
    exporter = Exporter(HOSTILE_TRAFFIC).start()
    try:
        server = PromServer(exporter.port).start()
    except BaseException:
        exporter.stop()
        raise
    try:
        for query in (ERROR_RATE_QUERY, LATENCY_P95_QUERY):
            wait_for_data(server.url, query, set(HOSTILE_TRAFFIC), lag=LAG + 4)
        yield server.url
    finally:
        server.stop()
        exporter.stop()


async def sampled(probe: PrometheusProbe, now: datetime) -> list[EventBase]:
    try:
        return list(await probe.sample(now))
    finally:
        await probe.close()


async def test_label_values_keep_one_row_each_with_its_numbers(
    hostile_prometheus: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC) - timedelta(seconds=LAG)
    console = Console(tmp_path / "j.warroom", now)
    events = [
        *await sampled(PrometheusProbe("error_rate", hostile_prometheus), now),
        *await sampled(PrometheusProbe("latency", hostile_prometheus), now),
    ]
    for event in events:
        console.record(event)
    rates, latencies = (e for e in events if isinstance(e, MetricSampled))
    # one series per label value: none merged, none lost (the 20 kB one is bounded)
    assert len(rates.values) == len(latencies.values) == len(HOSTILE_TRAFFIC)
    assert sorted(round(v, 6) for v in rates.values.values() if v is not None) == [5.0] * 17 + [
        25.0
    ]

    app = console.app()
    async with app.run_test(size=TALL) as pilot:  # one pane at a time, every row in view
        for key, pane, value in (("2", "error-rate", RATE), ("4", "latency", P95)):
            await pilot.press(key)
            await pilot.pause()
            assert_screen_inert(app)
            rows = data_rows(app, pane)
            assert len(rows) == len(HOSTILE_TRAFFIC), rows  # distinct names, distinct rows
            for row in rows:
                assert re.search(value, row), row  # the value, not pushed out by the name
                assert re.search(VERDICT, row), row  # and the verdict at the end
        shown = "\n".join(rows)
        for kind in ("rich markup", "rich link", "textual click", "wide cjk and emoji"):
            assert CORPUS[kind] in shown, kind  # drawn as the literal text it is
        assert "\\x1b[2J\\x1b]0;t\\x07\\x9b1m" in shown  # only escapes: escaped, not blank
        # each name the sanitizer changed is marked; the 20 kB one was cut at the probe, and
        # shows its ellipsis
        changed = [key for key in latencies.values if shown_name(key)[1]]
        assert shown.count("⚠") == len(changed) == 11
        assert "long-xxxxxxxx" in shown and "…" in shown

        for size in (BIG, (80, 24)):  # all panes side by side; the smallest terminal
            await pilot.resize_terminal(*size)
            await pilot.press("2")
            await pilot.pause()
            assert_screen_inert(app)
            rows = data_rows(app, "error-rate")
            assert rows and all(re.search(RATE, r) and re.search(VERDICT, r) for r in rows)

    replay = console.replay()  # the journal, read back, shows the same
    async with replay.run_test(size=TALL) as pilot:
        await pilot.press("4")
        await pilot.pause()
        assert_screen_inert(replay)
        assert len(data_rows(replay, "latency")) == len(HOSTILE_TRAFFIC)


# ---- Prometheus error bodies: a loopback Prometheus answering 400 bad_data ------------------


async def test_error_texts_reach_the_border_as_text_and_never_act(tmp_path: Path) -> None:
    now = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    console = Console(tmp_path / "j.warroom", now)
    with FakeHttp(status=400) as prometheus:
        scheduler = ProbeScheduler(
            [PrometheusProbe("error_rate", prometheus.url)], console.clock, console.record
        )
        app = console.app()
        async with app.run_test(size=BIG) as pilot:  # wide: the whole reason on the border
            pane = app.query_one("#error-rate")
            for kind, text in CORPUS.items():
                prometheus.body = json.dumps(
                    {"status": "error", "errorType": "bad_data", "error": text}
                ).encode()
                await scheduler.cycle(console.clock.now())
                app.redraw()
                await pilot.pause()
                subtitle = pane._border_subtitle.plain
                assert subtitle.startswith("stale never sampled: Prometheus bad_data"), kind
                assert_inert(subtitle)
                assert_screen_inert(app)
                border = pane.region.bottom - 1
                x = cell_of(app, border, "quit")
                if kind == "textual click":
                    assert x is not None  # drawn as text...
                if x is not None:
                    await pilot.click(offset=(x, border))  # ...and a click on it does nothing
                    await pilot.pause()
                    assert app.is_running and app.return_code is None, kind
            await pilot.press("n")  # the console still answers its keys
            await pilot.pause()
            assert "Add a note" in screen_text(app)
