"""A key is answered while a probe's reply is being parsed (issue #10): parsing stays off the
UI's path.

The Prometheus probe reads its reply (300 services' series at large) in a worker thread
(probes/prometheus/client.py). Here that read, against a real Prometheus on loopback, is held
on an Event the test controls, so `?` is pressed while the sample is mid-parse, every time:
the help is drawn before the parse is let go, and the sample arrives once it is. Were the
parse on the console's loop, the key would wait for it, and the help would come only after
the sample.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime

from probes.prometheus import probe as prometheus
from probes.prometheus.probe import PrometheusProbe
from state.clock import FrozenClock
from state.journal.store import Journal
from state.recorder import Recorder
from tests.servers.fixtures import prom_stack
from tests.tui.waiting import pressed, shown
from tui.app import WarroomApp
from widgets.help import HelpScreen

NOW = datetime(2026, 3, 2, 14, 1, tzinfo=UTC)
HOLD = 60.0  # seconds: a bound on the held parse, so a broken test fails instead of hanging


async def test_a_key_is_answered_while_a_sample_is_parsed(tmp_path, monkeypatch) -> None:
    parsing, release = threading.Event(), threading.Event()
    read = prometheus.instant_parts  # the sample's parse: its values and request rates

    def held(data, label=prometheus.DEFAULT_LABEL):
        parsing.set()
        release.wait(HOLD)
        return read(data, label)

    monkeypatch.setattr(prometheus, "instant_parts", held)
    recorder = Recorder(Journal.create(tmp_path / "j.warroom"))
    try:
        with prom_stack() as server:
            probe = PrometheusProbe("error_rate", server.url, timeout=HOLD + 10)
            app = WarroomApp(
                recorder, FrozenClock(NOW), operator="alice", probes=[probe], watch_terminal=False
            )
            await _key_mid_parse(app, recorder, parsing, release)
    finally:
        release.set()
        recorder.journal.close()


async def _key_mid_parse(
    app: WarroomApp, recorder: Recorder, parsing: threading.Event, release: threading.Event
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        assert await asyncio.to_thread(parsing.wait, HOLD), "the probe never sampled"
        await pressed(pilot, "question_mark")
        await shown(pilot, HelpScreen)
        assert isinstance(app.screen, HelpScreen)  # answered, with the parse still held
        assert recorder.state.probe("error_rate").last_ok is None  # no sample folded yet
        await pressed(pilot, "escape")
        release.set()
        for _ in range(500):  # the parse let go: the sample reaches the state
            if recorder.state.probe("error_rate").last_ok is not None:
                break
            await pilot.pause(0.02)
        assert recorder.state.probe("error_rate").last_ok == NOW
        assert not isinstance(app.screen, HelpScreen)
