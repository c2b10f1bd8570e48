"""`warroom check` against an API server, health endpoints and notify receivers on loopback."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.integration.http_health import DOWN, closed_port, health_server
from tests.integration.k8s_emulator import TOKEN, cluster, write_kubeconfig
from tests.integration.k8s_objects import healthy
from tests.servers.receivers import PagerDutyReceiver, SlackReceiver, StatuspageReceiver
from tui.cli import main

pytestmark = pytest.mark.integration
SERVICES = ("analysis-service", "file-watcher")


def config(tmp_path: Path, kubeconfig: Path, health_url: str, extra: str = "") -> Path:
    path = tmp_path / "warroom.toml"
    services = ", ".join(f'"{s}"' for s in SERVICES)
    path.write_text(
        f'[cluster]\nkubeconfig = "{kubeconfig}"\nservices = [{services}]\n'
        f'health_url = "{health_url}"\n{extra}'
    )
    return path


async def check(path: Path) -> Result:
    # the command runs its own event loop; the servers keep answering on this one
    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, main, ["check", "--config", str(path)])


async def test_everything_ready_prints_the_table_and_exits_0(tmp_path):
    objects = [healthy(s) for s in SERVICES]
    async with cluster(tmp_path, *objects) as k8s, health_server() as health:
        result = await check(config(tmp_path, k8s.kubeconfig, health.template()))
    out = " ".join(result.stdout.split())  # the table may wrap long lines
    assert result.exit_code == 0, out
    for words in (
        "kubernetes",
        "127.0.0.1",
        "context kmock, namespace tracktion",
        "v1.30.4",
        "get deployments: yes",
        "patch deployments/scale: yes",
        "patch configmaps: yes",
        "health",
        "(2 of 2 up)",
        "all backends ready",
    ):
        assert words in out, words
    assert TOKEN not in result.output and "Traceback" not in result.output


async def test_a_failing_backend_exits_1_and_says_why(tmp_path):
    async with (
        cluster(tmp_path, healthy("analysis-service")) as k8s,
        health_server({"file-watcher": DOWN}) as health,
    ):
        k8s.api.allowed -= {"list pods", "delete pods", "get pods/log"}
        result = await check(config(tmp_path, k8s.kubeconfig, health.template()))
    out = " ".join(result.stdout.split())  # the table may wrap long lines
    assert result.exit_code == 1, out
    assert "list pods: no" in out and "delete pods: no" in out and "list events: yes" in out
    # a read only Investigate sends is reported, and is no reason the console is not ready
    assert "get pods/log: no (Investigate shows it disabled)" in out
    assert "pods/log" not in out.split("kubernetes: ", 1)[1]
    assert "kubernetes: forbidden: cannot list pods in namespace tracktion (RBAC)" in out
    assert "kubernetes: deployment file-watcher not found in namespace tracktion" in out
    assert "health: file-watcher: HTTP 503" in out
    assert "delete pods" not in out.split("kubernetes: ", 1)[1]  # a write verb is no problem
    assert "not ready: kubernetes, health" in out


async def test_unreachable_backends_exit_1(tmp_path, monkeypatch):
    monkeypatch.setenv("PROM_TOKEN", "Bearer never-shown")
    port = closed_port()
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", f"http://127.0.0.1:{port}")
    extra = (
        f'[prometheus]\nurl = "http://127.0.0.1:{port}"\n'
        'headers = { Authorization = "PROM_TOKEN" }\n'
        f'[database]\ndsn = "host=127.0.0.1 port={port} dbname=tracktion user=warroom"\n'
    )
    path = config(tmp_path, kubeconfig, f"http://127.0.0.1:{port}/{{service}}", extra)
    result = await check(path)
    out = " ".join(result.stdout.split())
    assert result.exit_code == 1, out
    assert f"kubernetes: connection refused by 127.0.0.1:{port}" in out
    assert "health: analysis-service: connection refused" in out
    for backend in ("kubernetes", "health", "prometheus", "postgres"):
        assert f"{backend} " in out
    assert "not ready: kubernetes, health, prometheus, postgres" in out
    assert "never-shown" not in result.output and TOKEN not in result.output


def notify_section(slack_env: str, pd_url: str, page_url: str) -> str:
    return (
        '[notify.channels."#incidents"]\ntype = "slack"\n'
        f'webhook_env = "{slack_env}"\n'
        '[notify.channels.pagerduty]\ntype = "pagerduty"\nrouting_key_env = "CHECK_PD_KEY"\n'
        f'events_url = "{pd_url}"\napi_token_env = "CHECK_PD_TOKEN"\n'
        'from_email = "ic@example.com"\n'
        f'api_url = "{pd_url.removesuffix("/v2/enqueue")}"\n'
        '[notify.channels.status-page]\ntype = "statuspage"\n'
        f'page_id = "{StatuspageReceiver.PAGE_ID}"\napi_key_env = "CHECK_SP_KEY"\n'
        f'api_url = "{page_url}"\n'
    )


@pytest.fixture
def receivers():
    with SlackReceiver() as slack, PagerDutyReceiver() as pd, StatuspageReceiver() as page:
        yield slack, pd, page


async def test_notify_channels_are_checked_without_posting(tmp_path, monkeypatch, receivers):
    slack, pd, page = receivers
    monkeypatch.setenv("CHECK_SLACK_HOOK", slack.webhook_url)
    monkeypatch.setenv("CHECK_PD_KEY", PagerDutyReceiver.ROUTING_KEY)
    monkeypatch.setenv("CHECK_PD_TOKEN", PagerDutyReceiver.API_TOKEN)
    monkeypatch.setenv("CHECK_SP_KEY", StatuspageReceiver.API_KEY)
    extra = notify_section("CHECK_SLACK_HOOK", pd.events_url, page.url)
    async with cluster(tmp_path, *[healthy(s) for s in SERVICES]) as k8s, health_server() as h:
        result = await check(config(tmp_path, k8s.kubeconfig, h.template(), extra))
    out = " ".join(result.stdout.split())
    assert result.exit_code == 0, out
    for words in (
        f"notify #incidents slack 127.0.0.1:{slack.port}",
        "$CHECK_SLACK_HOOK: set",
        f"notify pagerduty pagerduty 127.0.0.1:{pd.port}",
        "$CHECK_PD_KEY: set",
        "$CHECK_PD_TOKEN: set",
        f"notify status-page statuspage 127.0.0.1:{page.port}",
        "$CHECK_SP_KEY: set",
        "all backends ready",
    ):
        assert words in out, words
    assert (slack.requests, pd.requests, page.requests) == ([], [], [])  # nothing was posted
    assert SlackReceiver.TOKEN not in result.output
    for secret in (PagerDutyReceiver.ROUTING_KEY, PagerDutyReceiver.API_TOKEN):
        assert secret not in result.output
    assert StatuspageReceiver.API_KEY not in result.output


async def test_a_missing_secret_and_an_unreachable_host_fail_the_check(
    tmp_path, monkeypatch, receivers
):
    slack, pd, page = receivers
    port = closed_port()
    monkeypatch.delenv("CHECK_SLACK_HOOK", raising=False)
    monkeypatch.setenv("CHECK_PD_KEY", PagerDutyReceiver.ROUTING_KEY)
    monkeypatch.delenv("CHECK_PD_TOKEN", raising=False)
    monkeypatch.setenv("CHECK_SP_KEY", StatuspageReceiver.API_KEY)
    extra = notify_section("CHECK_SLACK_HOOK", pd.events_url, f"http://127.0.0.1:{port}")
    async with cluster(tmp_path, *[healthy(s) for s in SERVICES]) as k8s, health_server() as h:
        result = await check(config(tmp_path, k8s.kubeconfig, h.template(), extra))
    out = " ".join(result.stdout.split())
    assert result.exit_code == 1, out
    problems = [line for line in result.stdout.splitlines() if line.startswith("notify ")]
    assert problems == [
        "notify #incidents: environment variable CHECK_SLACK_HOOK is not set",
        "notify pagerduty: environment variable CHECK_PD_TOKEN is not set",
        f"notify status-page: cannot reach 127.0.0.1:{port} (api_url): connection refused",
    ]
    assert "not ready: notify #incidents, notify pagerduty, notify status-page" in out
    assert (slack.requests, pd.requests, page.requests) == ([], [], [])
