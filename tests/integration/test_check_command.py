"""`warroom check` against an API server and health endpoints on loopback."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.integration.http_health import DOWN, closed_port, health_server
from tests.integration.k8s_emulator import TOKEN, cluster, write_kubeconfig
from tests.integration.k8s_objects import healthy
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
        k8s.api.allowed -= {"list pods", "delete pods"}
        result = await check(config(tmp_path, k8s.kubeconfig, health.template()))
    out = " ".join(result.stdout.split())  # the table may wrap long lines
    assert result.exit_code == 1, out
    assert "list pods: no" in out and "delete pods: no" in out and "list events: yes" in out
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
