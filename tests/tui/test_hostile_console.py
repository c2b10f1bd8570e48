"""Property: whatever text a journal holds, the console draws it inert and keeps every number.

The probes make outside text inert before they journal it; a journal written by another
version, edited, or damaged need not be. So events carrying arbitrary hostile text (from
tests/hostile.py's pieces) in every field the console draws are folded here straight from
the journal, the way a resumed session or a replay reads them, and the console must show
them: no escape or control reaches the terminal, no markup acts, nothing crashes, two
names that differ stay two rows, and each row keeps its value. One text per example also
comes back from a loopback Prometheus as its 400 reply, through the real probe.
"""

from __future__ import annotations

import json
import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings

from probes.prometheus.probe import PrometheusProbe
from probes.scheduler import ProbeScheduler
from state.clock import FrozenClock
from state.events import (
    DatabaseSampled,
    DbSession,
    DeploymentsSampled,
    DeploymentStatus,
    HealthResult,
    HealthSampled,
    IncidentAcknowledged,
    IncidentDeclared,
    MessageSent,
    MetricSampled,
    NoteAdded,
    PodStatus,
    SessionStarted,
)
from state.guide.severity import IncidentStatus, Severity
from state.journal.store import Journal
from state.recorder import Recorder
from tests.hostile import assert_screen_inert, hostile_text, pane_lines
from tests.servers.fake_http import FakeHttp
from tui.app import WarroomApp

T0 = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
SERVICE = "checkout"
OTHER = "\x1b[31m"  # a second series whose label differs from the first only by an escape


def events(text: str) -> list:
    """A session where `text` is every outside value the console draws."""
    later = T0 + timedelta(seconds=2)
    pod = PodStatus(name=text, phase="Running", reason=text, restarts=4)
    deployment = DeploymentStatus(name=SERVICE, desired=2, ready=1, revision=3, pods=(pod,))
    blocker = DbSession(
        pid=4242,
        user=text,
        application=text,
        state="idle in transaction",
        query=text,
        xact_start=T0,
        relation=text,
    )
    waiter = DbSession(pid=4243, user=text, state="active", query=text, blocked_by=(4242,))
    return [
        # the metric panes show the configured services: here two named by hostile text
        SessionStarted(
            at=T0, mode="live", version="test", operator="alice", services=(text, text + OTHER)
        ),
        MetricSampled(at=T0, metric="latency", values={text: 242.0, text + OTHER: 49.0}),
        DeploymentsSampled(at=T0, deployments=(deployment,)),
        HealthSampled(at=T0, results=(HealthResult(service=SERVICE, up=True, status_code=200),)),
        HealthSampled(at=later, results=(HealthResult(service=SERVICE, up=False, error=text),)),
        DatabaseSampled(
            at=later, connections={"active": 1}, max_connections=100, sessions=(blocker, waiter)
        ),
        IncidentDeclared(
            at=later, incident_id="INC-1", severity=Severity.P2, title=text, reason=text, by=text
        ),
        IncidentAcknowledged(at=later, by=text),
        NoteAdded(at=later, text=text, by=text),
        MessageSent(
            at=later,
            message_id=text,
            channel=text,
            status=IncidentStatus.INVESTIGATING,
            text=text,
            outcome="failed",
            detail=text,
            by=text,
        ),
    ]


@settings(max_examples=30, deadline=None, derandomize=True)
@given(text=hostile_text())
async def test_any_journaled_text_is_drawn_inert_and_keeps_every_number(text: str) -> None:
    folder = Path(tempfile.mkdtemp(prefix="warroom-hostile-"))
    clock = FrozenClock(T0 + timedelta(seconds=2))
    recorder = Recorder(Journal.create(folder / "j.warroom"))
    for event in events(text):
        recorder.record(event)
    body = json.dumps({"status": "error", "errorType": "bad_data", "error": text}).encode()
    with FakeHttp(status=400, body=body) as prometheus:
        probe = PrometheusProbe("error_rate", prometheus.url)
        await ProbeScheduler([probe], clock, recorder.record).cycle(clock.now())
        await probe.close()
    app = WarroomApp(recorder, clock, operator="alice", watch_terminal=False)
    try:
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await pilot.pause()  # all five panes side by side
            assert_screen_inert(app)
            rows = [r for r in pane_lines(app, app.query_one("#latency"))[1:] if r.strip()]
            assert len(rows) == 2, rows  # two labels, two rows, never merged
            assert all(re.search(r" (242|49) ms ", row) for row in rows), rows
            services = pane_lines(app, app.query_one("#services"))
            assert any(re.search(r"^checkout +1/2 .* DOWN +4 *$", r) for r in services), services
            await pilot.press("a")  # already acknowledged: a toast with the journal's name
            await pilot.pause()
            assert_screen_inert(app)
            assert app.is_running
    finally:
        recorder.journal.close()
