"""The health checks and the environment's proxy: with one named, every check goes through it,
as curl's do; with none, straight to the service (probes/health.py sends those through
httpx's transport, without the client's layer). Loopback servers answer as the proxy and as
the service."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from probes.health import HealthProbe
from tests.servers.loopback import Loopback, reply

if TYPE_CHECKING:
    from http.server import BaseHTTPRequestHandler

pytestmark = pytest.mark.integration


class Answering(Loopback):
    """Answers every GET with `status`, and keeps the request lines and Host headers."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.seen: list[tuple[str, str]] = []
        super().__init__()

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        self.seen.append((handler.path, handler.headers.get("Host", "")))
        reply(handler, self.status, b"ok", "text/plain")


async def test_a_named_proxy_carries_every_check(environment: pytest.MonkeyPatch) -> None:
    """HTTP_PROXY names a loopback proxy: a service whose name resolves nowhere is checked
    through it, and its answer (503) is that service's result."""
    with Answering(503) as proxy:
        environment.setenv("HTTP_PROXY", proxy.url)
        probe = HealthProbe(["checkout"], "http://{service}.invalid:8000/health", timeout=2.0)
        try:
            (result,) = await probe.check_all()
        finally:
            await probe.close()
    assert (result.up, result.status_code, result.error) == (False, 503, "HTTP 503")
    assert proxy.seen == [("http://checkout.invalid:8000/health", "checkout.invalid:8000")]


async def test_with_no_proxy_each_check_is_its_own_get(environment: pytest.MonkeyPatch) -> None:
    """No proxy: the service itself answers each check, with the Host and path of its URL,
    one request per check and per refresh."""
    with Answering(200) as service:
        template = f"{service.url}/{{service}}/health"
        probe = HealthProbe(["checkout", "search"], template, timeout=2.0)
        try:
            first = await probe.check_all()
            second = await probe.check_all()
        finally:
            await probe.close()
    assert [(r.service, r.up, r.status_code) for r in (*first, *second)] == [
        ("checkout", True, 200),
        ("search", True, 200),
    ] * 2
    host = f"127.0.0.1:{service.port}"
    assert sorted(service.seen) == sorted(
        [("/checkout/health", host), ("/search/health", host)] * 2
    )
