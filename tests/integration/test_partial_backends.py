"""Any subset of backends, and several clusters each with its own rules, against real servers:
PostgreSQL, and kmock for Kubernetes.

Before: a config without [cluster] was refused ("cluster: required"); a pane whose backend
was not configured said "waiting for first sample" forever while the header said "all guide
thresholds clear"; `--context` ran any context under the file's one read_only, and the
header did not say which context it was.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

from state.journal.replay import Replay
from state.journal.store import Journal
from tests.integration.http_health import health_server
from tests.integration.k8s_emulator import TOKEN, cluster
from tests.integration.k8s_objects import healthy
from tests.opening import open_live
from tui.app import WarroomApp
from tui.cli import main
from tui.config import parse
from tui.contexts import label, select
from tui.live import live_wiring
from tui.opening import session_start
from widgets.header import IncidentHeader

if TYPE_CHECKING:
    from tests.servers.postgres import PgServer

pytestmark = pytest.mark.integration
SERVICES = ["analysis-service", "file-watcher"]


def text(app: WarroomApp, pane: str) -> str:
    return app.query_one(f"#{pane}")._body.plain  # type: ignore[attr-defined]


async def until(condition, tries: int = 200) -> None:
    for _ in range(tries):
        if condition():
            return
        await asyncio.sleep(0.05)


async def test_a_database_alone_gets_its_pane_and_the_others_say_what_to_add(
    tmp_path, pg_server: PgServer, monkeypatch
):
    monkeypatch.setenv("ONLY_DB_DSN", pg_server.dsn())
    config = parse({"database": {"dsn_env": "ONLY_DB_DSN"}})
    session = open_live(config, tmp_path / "db-only.warroom", "alice")
    assert [p.source for p in session.probes] == ["postgres"]
    app = WarroomApp(
        session.recorder,
        session.clock,
        operator="alice",
        probes=session.probes,
        watch_terminal=False,
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: session.recorder.state.database is not None)
        await pilot.pause(1.2)  # the next repaint on the clock
        panes = {p: app.query_one(f"#{p}") for p in ("services", "error-rate", "latency", "locks")}
        assert text(app, "services").startswith("not configured: add [cluster] to config.toml")
        for metric in ("error-rate", "latency"):
            assert text(app, metric).startswith("not configured: add [prometheus] to config.toml")
            assert panes[metric].border_subtitle == "not configured"
        assert "not configured" not in text(app, "locks")  # the real server's sample
        assert not panes["locks"].border_subtitle
        header = app.query_one("#header")._text.plain  # type: ignore[attr-defined]
        assert "all guide thresholds clear" not in header
        assert "unknown: services, error rate, p95 (not configured)" in header
        timeline = text(app, "timeline")
        assert "Not configured, so not watched: Kubernetes, Health checks, Prometheus" in timeline
    session.recorder.journal.close()


async def test_check_names_exactly_what_is_configured(tmp_path, pg_server: PgServer):
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\ndsn = "{pg_server.dsn()}"\n')
    result = await asyncio.to_thread(CliRunner().invoke, main, ["check", "--config", str(path)])
    out = " ".join(result.stdout.split())
    assert result.exit_code == 0, out
    assert "configured: [database] · not configured: [cluster], [prometheus]" in out
    assert "all backends ready" in out
    rows = re.findall(r"^ ?([a-z]+) ", result.stdout, re.MULTILINE)  # the table's first column
    assert "postgres" in rows
    assert not {"kubernetes", "health", "prometheus"} & set(rows)


async def test_check_warns_of_a_blind_monitor_role_and_exits_3(
    tmp_path, pg_server: PgServer, monkeypatch
):
    """Before: `pg_stat_activity: own sessions only (grant pg_monitor)` beside "all backends
    ready", exit 0; the Database pane of that role reads the database as unknown."""
    from tests.servers.postgres import WATCHER, WATCHER_PASSWORD

    monkeypatch.setenv("BLIND_DSN", pg_server.dsn(WATCHER, password=WATCHER_PASSWORD))
    path = tmp_path / "config.toml"
    path.write_text('[database]\ndsn_env = "BLIND_DSN"\n')
    result = await asyncio.to_thread(CliRunner().invoke, main, ["check", "--config", str(path)])
    out = " ".join(result.stdout.split())
    assert result.exit_code == 3, out
    assert "pg_stat_activity: own sessions only (grant pg_monitor)" in out
    assert "postgres: warning: the role sees only its own sessions" in out
    assert result.stdout.splitlines()[-1] == "ready with warnings: postgres"
    assert "all backends ready" not in out
    assert WATCHER_PASSWORD not in result.output


def two_contexts(path: Path, server: str) -> Path:
    """A kubeconfig with `staging` (current) and `production`, both at `server`."""
    contexts = [
        {"name": n, "context": {"cluster": "c", "user": "u", "namespace": "tracktion"}}
        for n in ("staging", "production")
    ]
    path.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "staging",
                "clusters": [{"name": "c", "cluster": {"server": server}}],
                "users": [{"name": "u", "user": {"token": TOKEN}}],
                "contexts": contexts,
            }
        )
    )
    return path


def contexts_config(kubeconfig: Path, health: str) -> dict:
    return {
        "cluster": {
            "kubeconfig": str(kubeconfig),
            "services": SERVICES,
            "health_url": health,
            "read_only": False,
        },
        "contexts": {"production": {"read_only": True, "services": ["analysis-service"]}},
    }


async def test_a_read_only_context_names_itself_and_allow_writes_is_journaled(tmp_path):
    async with (
        cluster(tmp_path, *(healthy(s) for s in SERVICES)) as k8s,
        health_server() as web,
    ):
        kubeconfig = two_contexts(tmp_path / "kubeconfig", k8s.url)
        config = parse(contexts_config(kubeconfig, web.template()))

        chosen = select(config, context="production")
        session = live_wiring(session_start("live", tmp_path / "ro.warroom", "alice"), chosen)
        app = WarroomApp(
            session.recorder,
            session.clock,
            operator="alice",
            probes=session.probes,
            actions=session.actions,
            read_only=chosen.read_only,
            watch_terminal=False,
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await until(lambda: bool(session.recorder.state.deployments))
            await pilot.pause(1.2)
            header = app.query_one("#header")._text.plain  # type: ignore[attr-defined]
            assert header.startswith(" READ-ONLY  context production │ ")
            assert app.actions is None
            assert set(session.recorder.state.deployments) == {"analysis-service"}
        session.recorder.journal.close()

        lifted = select(config, context="production", allow_writes=True)
        path = tmp_path / "rw.warroom"
        session = live_wiring(session_start("live", path, "alice", label=label(lifted)), lifted)
        assert session.actions is not None
        state = session.recorder.state
        header = IncidentHeader().compose_text(state, state.now, "LIVE").plain  # type: ignore[arg-type]
        assert header.startswith(" LIVE  context production read-only lifted │ ")
        session.recorder.journal.close()
    with Journal.open(path, read_only=True) as journal:
        first = journal.first()
        assert first.context == "production" and first.writes_allowed  # type: ignore[union-attr]
        replayed = Replay(journal).seek(Replay(journal).end)
    said = [e.text for e in replayed.timeline]
    assert "Session started (live, live deployment, context production) by alice" in said
    assert "Writes allowed on read-only context production by alice (--allow-writes)" in said
    out = tmp_path / "review"
    result = await asyncio.to_thread(
        CliRunner().invoke, main, ["export", str(path), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    review = next(out.glob("*_review.md")).read_text()
    assert "Writes allowed on read-only context production by alice (--allow-writes)" in review


async def test_check_context_checks_that_context(tmp_path):
    async with (
        cluster(tmp_path, *(healthy(s) for s in SERVICES)) as k8s,
        health_server() as web,
    ):
        kubeconfig = two_contexts(tmp_path / "kubeconfig", k8s.url)
        path = tmp_path / "config.toml"
        path.write_text(
            f'[cluster]\nkubeconfig = "{kubeconfig}"\nservices = {json.dumps(SERVICES)}\n'
            f'health_url = "{web.template()}"\n'
            '[contexts.production]\nread_only = true\nservices = ["analysis-service"]\n'
        )

        def check(*args: str) -> Result:
            return CliRunner().invoke(main, ["check", "--config", str(path), *args])

        production = await asyncio.to_thread(check, "--context", "production")
        current = await asyncio.to_thread(check)
    out = " ".join(production.stdout.split())
    assert production.exit_code == 0, out
    assert out.startswith("context production (read-only) · configured: [cluster]")
    assert "(context production, namespace tracktion)" in out and "(1 of 1 up)" in out
    out = " ".join(current.stdout.split())
    assert current.exit_code == 0, out
    assert out.startswith("context staging (writable)") and "(2 of 2 up)" in out
