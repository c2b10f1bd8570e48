"""Hostile text from every outside source, through the real servers, onto the real console.

Each source (Prometheus label values and error bodies, PostgreSQL names and query text,
Kubernetes pod names, reasons and events, health status lines, notifier replies) is fed
the corpus of tests/hostile.py; the probes' events are journaled and folded as in live
mode, and the console (Textual Pilot, headless) must show them: no byte of the corpus
reaches the terminal as a sequence, no markup is read and no action can be clicked,
nothing crashes, distinct names keep distinct rows, and every row shows its numbers.
"""

from __future__ import annotations

import asyncio
import json
import re
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from probes.health import HealthProbe
from probes.investigate.base import run_section
from probes.investigate.live import LiveInvestigator
from probes.kubernetes.read import KubernetesProbe
from probes.kubernetes.write import KubernetesActions
from probes.live_actions import LiveActions
from probes.notify.config import parse as parse_notify
from probes.notify.outbox_sender import OutboxSender
from probes.notify.queue import queue_update
from probes.postgres.probe import PostgresProbe
from probes.prometheus.probe import ERROR_RATE_QUERY, LATENCY_P95_QUERY, PrometheusProbe
from probes.scheduler import ProbeScheduler
from state.clock import FrozenClock
from state.events import (
    DatabaseSampled,
    DeploymentsSampled,
    EventBase,
    IncidentAcknowledged,
    IncidentDeclared,
    MessageSent,
    MetricSampled,
    SessionStarted,
)
from state.guide.severity import IncidentStatus, Severity
from state.journal.outbox import Outbox
from state.journal.replay import Replay
from state.journal.store import Journal
from state.recorder import Recorder
from state.text import bounded_key, inert, marked_name, shown_name
from tests.hostile import (
    CORPUS,
    assert_inert,
    assert_screen_inert,
    cell_of,
    pane_lines,
    screen_text,
)
from tests.integration.k8s_emulator import REVIEWS, cluster, status
from tests.integration.k8s_objects import deployment, event, pod, replicaset
from tests.servers.fake_http import FakeHttp
from tests.servers.fixtures import prom_stack
from tests.servers.prometheus import Traffic, wait_for_data
from tests.servers.receivers import PagerDutyReceiver, Reply, SlackReceiver, StatuspageReceiver
from tests.tui.waiting import shown
from tui.app import WarroomApp
from tui.replay import ReplayApp
from widgets.action_dialogs import RemediationMenu
from widgets.modals import ConfirmScreen

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.servers.postgres import PgServer
    from tests.servers.sessions import Sessions

pytestmark = pytest.mark.integration

OPERATOR = "alice"
TALL = (99, 60)  # narrower than 100 columns: one pane at a time, tall enough for every row
BIG = (200, 70)
RATE = r" (5\.0|25\.0)% "
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
    """The visible rows of a metric pane below its heading, blank ones left out: its table's
    rows as the terminal shows them, the scroll bar beside them left out."""
    region = app.query_one(f"#{pane_id}").table.scrollable_content_region
    strips = app.screen._compositor.render_strips()
    lines = [strips[y].crop(region.x, region.right).text for y in range(region.y, region.bottom)]
    return [line for line in lines[1:] if line.strip()]


# ---- Prometheus label values: a real Prometheus scraping an exporter with hostile labels ----

# a 5 % error rate and a p95 of 242.5 ms for every hostile service; 25 % for the clean one
HOSTILE_TRAFFIC = {raw: Traffic(ok=19, errors=1, latency_s=0.2) for raw in CORPUS.values()}
HOSTILE_TRAFFIC["clean-service"] = Traffic(ok=3, errors=1, latency_s=0.03, status="503")
# more values made only of escapes: once they all became one blank row
ONLY_ESCAPES = ("\x1b[31m", "\x1b[32m", "\u202e\u200b")
HOSTILE_TRAFFIC.update({raw: Traffic(ok=19, errors=1, latency_s=0.2) for raw in ONLY_ESCAPES})


@pytest.fixture(scope="module")
def hostile_prometheus() -> Iterator[str]:
    with prom_stack(HOSTILE_TRAFFIC) as stack:
        for query in (ERROR_RATE_QUERY, LATENCY_P95_QUERY):
            wait_for_data(stack.url, query, set(HOSTILE_TRAFFIC), lag=LAG + 4)
        yield stack.url


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
    for sample in events:
        console.record(sample)
    rates, latencies = (e for e in events if isinstance(e, MetricSampled))
    # one series per label value: none merged, none lost (the 20 kB one is bounded)
    assert len(rates.values) == len(latencies.values) == len(HOSTILE_TRAFFIC)
    rounded = sorted(round(v, 6) for v in rates.values.values() if v is not None)
    assert rounded == [5.0] * (len(HOSTILE_TRAFFIC) - 1) + [25.0]

    app = console.app()
    async with app.run_test(
        size=TALL, notifications=True
    ) as pilot:  # one pane at a time, every row in view
        # each row shows a p95 Prometheus answered (242.5 ms give or take a scrape's timing)
        p95 = "|".join(sorted({f"{v:.0f}" for v in latencies.values.values() if v is not None}))
        for key, pane, value in (("2", "error-rate", RATE), ("4", "latency", rf" ({p95}) ms ")):
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
        for escapes in (
            "\\x1b[2J\\x1b]0;t\\x07\\x9b1m",
            "\\x1b[31m",
            "\\x1b[32m",
            "\\u202e\\u200b",
        ):
            assert escapes in shown  # only escapes: each its escaped form, not one blank row
        # each name the sanitizer changed is marked; the 20 kB one was cut at the probe, and
        # shows its ellipsis
        changed = [key for key in latencies.values if shown_name(key)[1]]
        assert shown.count("⚠") == len(changed) == 14
        assert "long-xxxxxxxx" in shown and "…" in shown

        for size in (BIG, (80, 24)):  # all panes side by side; the smallest terminal
            await pilot.resize_terminal(*size)
            await pilot.press("2")
            await pilot.pause()
            assert_screen_inert(app)
            rows = data_rows(app, "error-rate")
            assert rows and all(re.search(RATE, r) and re.search(VERDICT, r) for r in rows)

    replay = console.replay()  # the journal, read back, shows the same
    async with replay.run_test(size=TALL, notifications=True) as pilot:
        await pilot.press("4")
        await pilot.pause()
        assert_screen_inert(replay)
        assert len(data_rows(replay, "latency")) == len(HOSTILE_TRAFFIC)


async def test_investigate_marks_a_changed_label_value_as_the_panes_do(
    hostile_prometheus: str,
) -> None:
    """Found live: Investigate's 5xx rate named a label value the sanitizer changed without
    the digest and mark the panes and the timeline give it (state/text.py shown_name), so
    "svc\x1b[31m" and "svc\x1b[32m" read as one service there."""
    now = datetime.now(UTC) - timedelta(seconds=LAG)
    investigator = LiveInvestigator([], lambda: now, prometheus_url=hostile_prometheus)
    findings, _ = await run_section(investigator, "errors", None)
    names = [
        f.text[: f.text.rindex(": ", 0, RATE_NOW.search(f.text).start() + 1)] for f in findings
    ]
    assert len(names) == len(set(names)) == len(HOSTILE_TRAFFIC)  # one line each, all apart
    keys = [key for key in map(bounded_key, HOSTILE_TRAFFIC) if shown_name(key)[1]]
    assert sum(name.endswith("⚠") for name in names) == len(keys) == 14
    assert sorted(names) == sorted(marked_name(bounded_key(k)) for k in HOSTILE_TRAFFIC)
    assert all(inert(f.text, 400) == f.text for f in findings)  # inert, as the screen draws it


RATE_NOW = re.compile(r"[\d.]+ % now, ")


# ---- Prometheus error bodies: a loopback Prometheus answering 400 bad_data ------------------


async def test_error_texts_reach_the_border_as_text_and_never_act(tmp_path: Path) -> None:
    now = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    console = Console(tmp_path / "j.warroom", now)
    with FakeHttp(status=400) as prometheus:
        scheduler = ProbeScheduler(
            [PrometheusProbe("error_rate", prometheus.url)], console.clock, console.record
        )
        app = console.app()
        async with app.run_test(
            size=BIG, notifications=True
        ) as pilot:  # wide: the whole reason on the border
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


# ---- PostgreSQL: a hostile role, application, table, database name and query text ------------

PG_ROLE = "[@click=app.quit]r\x1b]0;t\x07\u202eole"  # names are at most 63 bytes
PG_TABLE = "[link=file:///etc/passwd]x[/link]\x1b[2J"
PG_APPLICATION = "[bold]app[/]\x1b]52;c;eA==\x07"  # PostgreSQL turns non-ASCII into '?'
PG_DATABASE = "db[@click=app.quit]\x1b[2J\u202e"
# a comment of every short class; PostgreSQL refuses NUL in a statement
PG_COMMENT = " ".join(v.replace("\x00", "") for k, v in CORPUS.items() if k != "20 kB")


@pytest.fixture
def pg_names(pg_server: PgServer) -> Iterator[tuple[sql.Identifier, sql.Identifier]]:
    """The hostile role and table, gone again after the test's sessions are."""
    role, table = sql.Identifier(PG_ROLE), sql.Identifier(PG_TABLE)
    with psycopg.connect(pg_server.dsn(), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(role))
        admin.execute(sql.SQL("CREATE TABLE {} (n int)").format(table))
        admin.execute(sql.SQL("INSERT INTO {} VALUES (1)").format(table))
        admin.execute(sql.SQL("GRANT ALL ON {} TO {}").format(table, role))
        try:
            yield role, table
        finally:
            admin.execute(sql.SQL("DROP TABLE {}").format(table))
            admin.execute(sql.SQL("DROP ROLE {}").format(role))


async def test_postgres_names_and_query_text(
    pg_server: PgServer, pg_names, sessions: Sessions, tmp_path: Path
) -> None:
    _, table = pg_names
    blocker = await sessions.open(PG_APPLICATION, make_conninfo(pg_server.dsn(), user=PG_ROLE))
    await blocker.execute("BEGIN")
    update = sql.SQL("UPDATE {} SET n = n + 1").format(table)
    await blocker.execute(update + sql.SQL(f"/* {PG_COMMENT} */"))
    await sessions.wait("waiter", update.as_string(blocker))

    now = datetime.now(UTC)
    console = Console(tmp_path / "j.warroom", now)
    missing = make_conninfo(pg_server.dsn(), dbname=PG_DATABASE)
    probes = [PostgresProbe(pg_server.dsn()), PostgresProbe(missing)]
    for probe in probes:
        await ProbeScheduler([probe], console.clock, console.record).cycle(now)
        await probe.close()

    (db,) = [e for e in console.recorder.journal.events() if isinstance(e, DatabaseSampled)]
    [held] = [s for s in db.sessions if not s.blocked_by]
    for text in (held.user, held.application, held.query, held.relation):
        assert_inert(text or "")
    assert held.user and held.user.endswith("⚠")  # changed by the sanitizer: marked
    assert held.relation and "[link=file:///etc/passwd]x[/link]" in held.relation

    app = console.app()
    async with app.run_test(size=TALL, notifications=True) as pilot:
        await pilot.press("3")
        await pilot.pause()
        assert_screen_inert(app)
        pane = app.query_one("#locks")
        assert pane._border_subtitle.plain.startswith("stale")  # the missing database
        lines = pane_lines(app, pane)
        [row] = [line for line in lines if line.lstrip().startswith(f"▶ {held.pid} ")]
        assert "blocks 1" in row  # the numbers of the row, after the role name
        # the service behind the lock (application_name, cut to 18 cells), shown literally
        assert f"▶ {held.pid} [bold]app[/]?]52;… idle in tx" in row
        assert "[link=file:///etc/passwd]x[/link]" in row  # literal text, the table's name
        # the confirmation names role and query: text too
        app.remediation.action_terminate_backend()
        await shown(pilot, ConfirmScreen)
        await pilot.pause()  # pushed is not yet drawn: let it lay out once
        assert_screen_inert(app)
        assert f"pid {held.pid}" in screen_text(app)
        assert "[@click=app.quit]r" in screen_text(app)  # the role, literal and marked
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running


# ---- Kubernetes (kmock) pods, reasons and events, and health status lines ---------------------

SERVICES = tuple(f"svc-{i:02d}" for i in range(len(CORPUS)))
HOSTILE_OF = dict(zip(SERVICES, CORPUS.values(), strict=True))
DENIED = CORPUS["rich link"] + CORPUS["textual click"] + CORPUS["osc 52 clipboard"]


def crashing(name: str, hostile: str) -> list[dict]:
    """A deployment whose one pod waits with a hostile reason, named and evented hostilely."""
    bad = pod(name, hostile[:40], ready=False, waiting=hostile, restarts=3)
    bad["metadata"]["name"] = f"{name}-{hostile[:200]}"  # names as kmock keeps them: any text
    return [
        deployment(name, replicas=1, ready=0, available=0),
        replicaset(name, 3, 1),
        bad,
        event("Pod", bad["metadata"]["name"], hostile[:60] or "x", hostile, at=30),
    ]


@asynccontextmanager
async def health_server(hostile: dict[str, str]):
    """/<service>/health answers 200 until `hostile` is filled, then its status line and body."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            service = head.split(b" ")[1].decode().strip("/").split("/")[0]
            text = hostile.get(service)
            status = b"200 OK" if text is None else b"503 " + text.encode("utf-8", "replace")
            body = (text or "ok").encode("utf-8", "replace")
            writer.write(
                b"HTTP/1.1 "
                + status
                + b"\r\nContent-Length: %d\r\n" % len(body)
                + b"Connection: close\r\n\r\n"
                + body
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/{{service}}/health"
    finally:
        server.close()
        await server.wait_closed()


async def test_kubernetes_and_health_texts(tmp_path: Path) -> None:
    now = datetime(2026, 3, 2, 14, 1, tzinfo=UTC)
    console = Console(tmp_path / "j.warroom", now, SERVICES)
    objects = [crashing(name, hostile) for name, hostile in HOSTILE_OF.items()]
    hostile: dict[str, str] = {}
    async with cluster(tmp_path, *objects) as k8s, health_server(hostile) as health_url:
        probes = [
            KubernetesProbe(SERVICES, context=k8s.context, kubeconfig=k8s.kubeconfig),
            HealthProbe(SERVICES, health_url),
        ]
        scheduler = ProbeScheduler(probes, console.clock, console.record)
        await scheduler.cycle(now)  # every /health up: the next sample is a change, on the timeline
        hostile.update(HOSTILE_OF)
        console.clock.advance(2)
        await scheduler.cycle(console.clock.now())
        for probe in probes:
            await probe.close()  # type: ignore[attr-defined]

        # the RBAC check fails with a hostile Status: the menu says why each action is refused
        k8s.fail("create", REVIEWS, *[status(500, "InternalError", DENIED)] * 20)
        kubernetes = KubernetesActions(context=k8s.context, kubeconfig=k8s.kubeconfig)
        app = console.app(actions=LiveActions(kubernetes))
        try:
            async with app.run_test(size=TALL, notifications=True) as pilot:
                await pilot.pause()
                assert_screen_inert(app)
                rows = [r for r in pane_lines(app, app.query_one("#services"))[1:] if r.strip()]
                assert len(rows) == len(SERVICES)
                for row in rows:  # name, READY 0/1, the pods' reason and count, health, restarts
                    assert re.match(r"svc-\d\d +0/1 +\S.* ×1 +(503|DOWN) +3 *$", row), row
                assert "⚠" in "".join(rows)  # the changed reasons are marked

                await pilot.press("5")  # the timeline: each /health failure, inert
                await pilot.pause()
                assert_screen_inert(app)
                assert "/health failing" in screen_text(app)

                await pilot.press("1", "r")
                await shown(pilot, RemediationMenu)
                assert_screen_inert(app)
                assert "permissions unknown" in screen_text(app)
                assert "[link=file:///etc/passwd]x[/link]" in screen_text(app)  # as text
                await pilot.press("escape")
                await pilot.pause()
                assert app.is_running
        finally:
            await kubernetes.close()
    events = list(console.recorder.journal.events())
    (sampled, *_) = [e for e in events if isinstance(e, DeploymentsSampled)]
    for d in sampled.deployments:
        for text in (*(p.name for p in d.pods), *(p.reason or "" for p in d.pods), *d.warnings):
            assert_inert(text)


# ---- notifier replies: Slack, PagerDuty and Statuspage answering with hostile text -----------

SLACK_ENV, PD_ENV, SP_ENV = "SLACK_WEBHOOK_URL", "PAGERDUTY_ROUTING_KEY", "STATUSPAGE_API_KEY"
ACKER = "[@click=app.quit]ana\x1b]0;t\x07\u202e"


async def test_notifier_replies_and_names_from_the_journal(tmp_path: Path) -> None:
    now = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
    console = Console(tmp_path / "j.warroom", now, ("analysis-service",))
    console.record(
        IncidentDeclared(
            at=now,
            incident_id="INC-20260306-8400",
            severity=Severity.P1,
            title=CORPUS["rich link"],
            reason=CORPUS["textual click"],
            by=OPERATOR,
        )
    )
    console.record(IncidentAcknowledged(at=now, by=ACKER))
    with SlackReceiver() as slack, PagerDutyReceiver() as pd, StatuspageReceiver() as page:
        channels = {
            "#incidents": {"type": "slack", "webhook_env": SLACK_ENV},
            "pagerduty": {
                "type": "pagerduty",
                "routing_key_env": PD_ENV,
                "events_url": pd.events_url,
            },
            "status-page": {
                "type": "statuspage",
                "page_id": StatuspageReceiver.PAGE_ID,
                "api_key_env": SP_ENV,
                "api_url": page.url,
                "components": {"analysis-service": "cmp-analysis"},
            },
        }
        cfg = parse_notify({"channels": channels})
        secrets = {
            SLACK_ENV: slack.webhook_url,
            PD_ENV: PagerDutyReceiver.ROUTING_KEY,
            SP_ENV: StatuspageReceiver.API_KEY,
        }
        outbox = Outbox(console.recorder.journal)
        sender = OutboxSender(outbox, console.clock, cfg, console.record, environ=secrets)
        joined = " ".join(v for k, v in CORPUS.items() if k != "20 kB")
        pd.then(Reply(400, {"status": joined, "message": joined, "errors": [joined, joined]}))
        page.then(Reply(422, {"error": [joined]}))
        for index, text in enumerate(CORPUS.values()):  # each class as Slack's answer
            slack.then(Reply(400, text))
            queue_update(
                outbox,
                console.record,
                console.recorder.state,
                console.clock.now(),
                cfg,
                ["#incidents", "pagerduty", "status-page"] if index == 0 else ["#incidents"],
                IncidentStatus.INVESTIGATING,
                OPERATOR,
            )
            await sender.deliver_due()
            console.clock.advance(1)
        await sender.deliver_due()
        await sender.stop()
    posted = [e for e in console.recorder.journal.events() if isinstance(e, MessageSent)]
    assert len(posted) >= len(CORPUS) and not any(p.outcome == "delivered" for p in posted)

    app = console.app()
    async with app.run_test(size=TALL, notifications=True) as pilot:
        await pilot.press("5")
        await pilot.pause()
        assert_screen_inert(app)
        shown = app.query_one("#timeline")._body.plain  # as drawn, before it wraps
        assert "update FAILED to #incidents" in shown
        assert "HTTP 400 [link=file:///etc/passwd]x[/link]" in shown  # the reply, as text
        assert "pagerduty $PAGERDUTY_ROUTING_KEY: invalid event: svc" in shown
        await pilot.press("a")  # acknowledged already, by a name from the journal: a toast
        await pilot.pause()
        assert_screen_inert(app)
        toast = screen_text(app)  # a toast wraps its lines
        assert "Already acknowledged by" in toast and "[@click=app.quit]ana" in toast
        await pilot.press("d")  # the declare dialog is refused: an incident is open
        await pilot.pause()
        assert_screen_inert(app)
        assert app.is_running
