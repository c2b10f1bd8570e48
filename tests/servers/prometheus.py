"""A private Prometheus on loopback scraping a prometheus-client exporter the tests drive.

The exporter ticks every 0.1 s and is scraped under the same lock as the tick, so every
scrape sees counters in exact proportion: the error ratio and the p95 come out exact.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from tests.servers.loopback import Loopback, reply
from tests.servers.postgres import free_port

if TYPE_CHECKING:
    from http.server import BaseHTTPRequestHandler


@dataclass(frozen=True)
class Traffic:
    """Requests per tick for one service, and the one latency every request has."""

    ok: int
    errors: int
    latency_s: float
    status: str = "500"

    @property
    def error_rate(self) -> float:
        total = self.ok + self.errors
        return float("nan") if total == 0 else 100.0 * self.errors / total


# 5 % and 25 % errors; latencies inside one default bucket each, so histogram_quantile
# interpolates to 0.1 + 0.95 * 0.15 s and 0.025 + 0.95 * 0.025 s; "idle" never sees a request.
TRAFFIC = {
    "checkout": Traffic(ok=19, errors=1, latency_s=0.2),
    "search": Traffic(ok=3, errors=1, latency_s=0.03, status="503"),
    "idle": Traffic(ok=0, errors=0, latency_s=0.0),
}
EXPECTED_P95_MS = {"checkout": 242.5, "search": 48.75}


class Exporter(Loopback):
    """http_requests_total{service,status} and http_request_duration_seconds{service}."""

    def __init__(self, traffic: dict[str, Traffic] = TRAFFIC, tick: float = 0.1) -> None:
        self.traffic = traffic
        self.tick = tick
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests", "Requests", ["service", "status"], registry=self.registry
        )
        self.duration = Histogram(
            "http_request_duration_seconds", "Latency", ["service"], registry=self.registry
        )
        for service, t in traffic.items():  # every series exists from the first scrape
            self.requests.labels(service, "200")
            self.requests.labels(service, t.status)
            self.duration.labels(service)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.driver = threading.Thread(target=self._drive, daemon=True)
        super().__init__()

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        with self.lock:
            body = generate_latest(self.registry)
        reply(handler, 200, body, "text/plain; version=0.0.4")

    def _drive(self) -> None:
        while not self.stopping.wait(self.tick):
            with self.lock:
                for service, t in self.traffic.items():
                    if t.ok:
                        self.requests.labels(service, "200").inc(t.ok)
                    if t.errors:
                        self.requests.labels(service, t.status).inc(t.errors)
                    for _ in range(t.ok + t.errors):
                        self.duration.labels(service).observe(t.latency_s)

    def start(self) -> Exporter:
        self.__enter__()
        self.driver.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.__exit__()


_CONFIG = """\
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: app
    static_configs:
      - targets: ["127.0.0.1:{port}"]
"""


class PromServer:
    """`prometheus` from Debian's package, private config and storage in a temp dir."""

    def __init__(self, exporter_port: int) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="warroom-prom-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (self.root / "prometheus.yml").write_text(_CONFIG.format(port=exporter_port))
        self.log = (self.root / "prometheus.log").open("wb")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> PromServer:
        binary = shutil.which("prometheus")
        if binary is None:
            raise RuntimeError("prometheus is not installed: run tests/servers/install.sh")
        self.proc = subprocess.Popen(
            [
                binary,
                f"--config.file={self.root / 'prometheus.yml'}",
                f"--storage.tsdb.path={self.root / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prometheus exited: {self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"prometheus not ready after {timeout:g} s: {self.log_tail()}")

    def log_tail(self) -> str:
        self.log.flush()
        return (self.root / "prometheus.log").read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.root, ignore_errors=True)


def query(url: str, promql: str, at: float) -> dict:
    """What Prometheus itself answers for `promql` at unix time `at` (the `data` part)."""
    resp = httpx.get(f"{url}/api/v1/query", params={"query": promql, "time": f"{at:.3f}"})
    resp.raise_for_status()
    return resp.json()["data"]


def wait_for_data(
    url: str, promql: str, services: set[str], lag: float = 2.0, timeout: float = 60.0
) -> None:
    """Poll until `promql` at `lag` s ago returns every service (rate() needs two scrapes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = query(url, promql, time.time() - lag)["result"]
        if {r["metric"].get("service") for r in got} >= services:
            return
        time.sleep(0.2)
    raise AssertionError(f"Prometheus had no data for {services} after {timeout:g} s")
