"""The HTTP health probe: GET each service's /health at once, as the guide's `curl -f` does."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from probes.check import CheckResult
from probes.http import INVALID, client, import_httpx, network_reason, not_reached
from state.events import EventBase, HealthResult, HealthSampled, Source
from state.text import inert

if TYPE_CHECKING:
    import httpx

DEFAULT_URL = "http://{service}:8000/health"
# the probe as a whole may take a little longer than its slowest request
OVERALL_MARGIN = 1.0


# RFC 9112: reason-phrase = *( HTAB / SP / VCHAR / obs-text ). h11 lets most other
# controls through, so a status line with ESC or BEL would read as a healthy 200.
_NOT_IN_STATUS_LINE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


def _shown(line: bytes) -> str:
    """A status line as a person may read it: controls as \\x.. escapes, short."""
    return inert(line.decode("latin-1").encode("unicode_escape").decode("ascii"), limit=60)


def invalid_status_line(response: httpx.Response) -> str | None:
    """Why `response`'s status line is not valid HTTP, or None when it is."""
    phrase = response.extensions.get("reason_phrase", b"")
    if not _NOT_IN_STATUS_LINE.search(phrase):
        return None
    version = response.http_version.encode("ascii", "replace")
    line = b"%s %d %s" % (version, response.status_code, phrase)
    return f"{INVALID}: status line {_shown(line)}"


class HealthProbe:
    """One GET per service per refresh; a failing endpoint is a DOWN result, not a probe failure."""

    source: Source = "health"

    def __init__(
        self,
        services: Sequence[str],
        url_template: str = DEFAULT_URL,
        timeout: float = 2.0,
        interval: float = 2.0,
    ) -> None:
        self.services = tuple(services)
        self.url_template = url_template
        self.request_timeout = timeout
        self.timeout = timeout + OVERALL_MARGIN
        self.interval = interval
        self._client: httpx.AsyncClient | None = None

    def url(self, service: str) -> str:
        return self.url_template.format(service=service)

    async def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            await import_httpx()
            if self._client is None:  # another request may have made it meanwhile
                self._client = client(
                    "warroom-health",
                    self.request_timeout,
                    max_connections=max(len(self.services), 1) * 2,
                )
        return self._client

    async def check_one(self, service: str) -> HealthResult:
        """GET one service's health URL within the request timeout; never raises.

        Down: an error reply (>= 400, curl -f's rule), a refusal, a reset, an invalid reply, or
        no reply within the timeout once connected. Unknown from this console (`unknown`):
        the host could not be reached from here at all (no such name, no route, no
        connection within the timeout), which says nothing about the service."""
        http = await self._http()
        started = time.perf_counter()
        reached = False

        async def trace(name: str, info: dict) -> None:
            nonlocal reached
            # a new connection was opened, or a kept-alive one is carrying this request
            if name.endswith(("connect_tcp.complete", "send_request_headers.started")):
                reached = True

        try:
            # httpx bounds each phase; this bounds the whole request, a slow drip included
            async with asyncio.timeout(self.request_timeout):
                response = await http.get(self.url(service), extensions={"trace": trace})
        except Exception as exc:
            why = network_reason(exc, self.request_timeout)
            timed_out = isinstance(exc, TimeoutError) or "timed out" in why
            unknown = not_reached(exc) or (timed_out and not reached)
            if unknown and timed_out:
                why = f"no connection within {self.request_timeout:g} s"
            return HealthResult(service=service, up=False, error=why, unknown=unknown)
        latency = round((time.perf_counter() - started) * 1000, 1)
        invalid = invalid_status_line(response)
        if invalid is not None:  # whatever its code says, this is no answer to trust
            return HealthResult(service=service, up=False, latency_ms=latency, error=invalid)
        code = response.status_code
        if code >= 400:  # curl -f's rule
            return HealthResult(
                service=service,
                up=False,
                status_code=code,
                latency_ms=latency,
                error=f"HTTP {code}",
            )
        return HealthResult(service=service, up=True, status_code=code, latency_ms=latency)

    async def sample(self, now: datetime) -> Sequence[EventBase]:
        results = await asyncio.gather(*(self.check_one(s) for s in self.services))
        return [HealthSampled(at=now, results=tuple(results))]

    async def close(self) -> None:
        if self._client is not None:
            http, self._client = self._client, None
            await http.aclose()


async def check_health(
    services: Sequence[str], url_template: str = DEFAULT_URL, timeout: float = 2.0
) -> CheckResult:
    """`warroom check` for the health endpoints: each service's answer, the slowest latency."""
    probe = HealthProbe(services, url_template, timeout)
    try:
        results = await asyncio.gather(*(probe.check_one(s) for s in services))
    finally:
        await probe.close()
    answered = [r for r in results if r.status_code is not None]
    latencies = [r.latency_ms for r in answered if r.latency_ms is not None]
    up = sum(r.up for r in results)
    return CheckResult(
        backend="health",
        target=f"{inert(url_template, limit=120)} ({up} of {len(results)} up)",
        reachable=bool(answered),
        latency_ms=max(latencies) if latencies else None,
        problems=tuple(f"{r.service}: {r.error}" for r in results if not r.up),
    )
