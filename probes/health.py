"""The HTTP health probe: GET each service's /health, as the guide's `curl -f` does.

Checks run concurrently, at most CONCURRENCY at once, each within its own timeout: a slow or
hung service is that service's DOWN result, never the whole sample's failure, and the sample
carries each checked service's own result. Up to CHECKS_PER_SECOND x the refresh services (20
at 2 s) every service is checked at every refresh. Beyond that, the first sample checks them
all and each later one the next 20 in turn (`due`), so a few hundred services cost the console
a steady trickle of requests rather than a burst every 2 s: at 300 each is checked every
30 s, at 1,000 every 100 s. A service whose last check failed (or could not reach it) is
checked again at every refresh besides, up to 20 of them: a failure is followed closely, and
its recovery seen at once. The pane's freshness stays the refresh's, since every refresh
samples, and the guide's Service Down runbook (a check failing for more than 2 minutes) sees
a failing service at every refresh once it has failed, at any size. Each check runs in a
daemon worker thread through httpx's blocking transport (`_get`), off the UI's loop: its
async path stepped the loop through anyio's cancel scopes and httpcore's streams, ~0.8 ms of
the loop's CPU a check. In a thread a GET costs ~0.25 ms on loopback, ~0.4-0.75 ms with the
hand-off and the threads' turns at the GIL (README, "Performance"); 20 a refresh keep the
health checks under 1 % of a core.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import time
import urllib.request
from collections.abc import Sequence
from concurrent.futures import Future
from datetime import datetime
from typing import TYPE_CHECKING, Any

from probes.check import CheckResult
from probes.http import (
    INVALID,
    BodyBound,
    blocking_client,
    import_httpx,
    let_go,
    network_reason,
    not_reached,
)
from probes.threads import DaemonThreads
from state.events import EventBase, HealthResult, HealthSampled, Source
from state.text import inert

if TYPE_CHECKING:
    import httpx

DEFAULT_URL = "http://{service}:8000/health"
# the sample as a whole may take a little longer than its slowest wave of requests
OVERALL_MARGIN = 1.0
# requests in flight at once: enough that a few hung services never hold the rest back
CONCURRENCY = 32
# connections per httpx client: httpcore's pool scans its connections for every queued request
# at every event, so one pool of 32 cost 3 ms of CPU a check (measured at 50 services); four
# clients of 8, each service always on the same one, cost 0.8 ms
POOL = 8
# checks a second the probe sends in turn once its first sample is in (see `due`), besides
# those of the services whose last check failed
CHECKS_PER_SECOND = 10.0
# bytes of a reply's body a check reads, as the kubelet's HTTP probe (maxRespBodyLength, 10 KiB):
# the status decides, and a health URL that streams (an event stream, a download) answers
# as soon as its status line does, rather than being held in memory for the whole timeout
BODY_LIMIT = 10 * 1024


# RFC 9112: reason-phrase = *( HTAB / SP / VCHAR / obs-text ). h11 lets most other
# controls through, so a status line with ESC or BEL would read as a healthy 200.
_NOT_IN_STATUS_LINE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


def _shown(line: bytes) -> str:
    """A status line as a person may read it: controls as \\x.. escapes, short."""
    return inert(line.decode("latin-1").encode("unicode_escape").decode("ascii"), limit=60)


def _proxied() -> bool:
    """Whether the environment names a proxy (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, ...), as
    httpx reads it (urllib's getproxies; NO_PROXY alone names none)."""
    return any(scheme != "no" for scheme in urllib.request.getproxies())


def invalid_status_line(response: httpx.Response) -> str | None:
    """Why `response`'s status line is not valid HTTP, or None when it is."""
    phrase = response.extensions.get("reason_phrase", b"")
    if not _NOT_IN_STATUS_LINE.search(phrase):
        return None
    version = response.http_version.encode("ascii", "replace")
    line = b"%s %d %s" % (version, response.status_code, phrase)
    return f"{INVALID}: status line {_shown(line)}"


def _skim(response: httpx.Response, deadline: float) -> None:
    """Read `response`'s body up to BODY_LIMIT bytes and drop it: a body of any size, or
    one that never ends, costs a check neither memory nor its timeout. Past `deadline`
    (time.monotonic()) a body still coming is cut short (TimeoutError): each read is bound
    by the read timeout, the whole body by this."""
    bound = BodyBound(BODY_LIMIT)
    for chunk in response.iter_raw():
        if bound.took(chunk):
            return
        if time.monotonic() > deadline:
            raise TimeoutError


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
        self.request_timeout = timeout  # each check's own
        # only a backstop: each check ends within request_timeout, CONCURRENCY at a time
        waves = math.ceil(len(self.services) / CONCURRENCY) or 1
        self.timeout = timeout * waves + OVERALL_MARGIN
        self.interval = interval
        self.per_sample = max(1, math.ceil(CHECKS_PER_SECOND * interval))
        shards = max(1, min(math.ceil(CONCURRENCY / POOL), len(self.services)))
        self._shard = {s: i % shards for i, s in enumerate(self.services)}
        self._clients: list[httpx.Client] = []
        self._direct: list[httpx.HTTPTransport] = []  # with no proxy: see `_get`
        self._slots = [asyncio.Semaphore(POOL) for _ in range(shards)]
        # a thread per check in flight, as many as the slots let through: none waits for one
        self._workers: DaemonThreads | None = None
        self._next: int | None = None  # where the next slice starts; None: check them all
        self._failing: dict[str, None] = {}  # the services whose last check was not up, in order

    def url(self, service: str) -> str:
        return self.url_template.format(service=service)

    async def _http(self, service: str = "") -> httpx.Client:
        """The client `service` is checked with (each service always with the same one)."""
        if not self._clients:
            await import_httpx()
            if not self._clients:  # another request may have made them meanwhile
                import httpx

                # with no proxy named, each client's transport is one of ours, for `_get`
                limits = httpx.Limits(max_connections=POOL)
                transports: list[httpx.HTTPTransport | None] = [
                    None if _proxied() else httpx.HTTPTransport(limits=limits) for _ in self._slots
                ]
                self._direct = [t for t in transports if t is not None]
                self._clients = [
                    blocking_client(
                        "warroom-health", self.request_timeout, max_connections=POOL, transport=t
                    )
                    for t in transports
                ]
                # a check that outlived its timeout ends soon after it (each phase within
                # the timeout, the body at its deadline): two a service never wait
                most = min(len(self._slots) * POOL, 2 * len(self.services))
                self._workers = DaemonThreads(max(1, most), "warroom-health")
        return self._clients[self._shard.get(service, 0)]

    def _get(
        self, http: httpx.Client, service: str, extensions: dict[str, Any], deadline: float
    ) -> httpx.Response:
        """GET `service`'s health URL, its reply read (its body up to BODY_LIMIT, until
        `deadline`), in a worker thread. With no proxy in the environment, straight through
        the client's transport: the client's layer (the request built from its defaults, the
        URL merged, cookies read from every reply, none of which a health check uses) was a
        fifth of a check's CPU."""
        if not self._direct:
            request = http.build_request("GET", self.url(service), extensions=extensions)
            response = http.send(request, stream=True)
        else:
            import httpx

            timeout = http.timeout.as_dict()
            request = httpx.Request(
                "GET",
                self.url(service),
                headers=http.headers,
                extensions={**extensions, "timeout": timeout},
            )
            shard = self._direct[self._shard.get(service, 0)]
            response = shard.handle_request(request)
        try:
            _skim(response, deadline)
        finally:
            response.close()  # a body left unread closes its connection
        return let_go(response)

    async def prepare(self) -> None:
        """httpx imported (in a worker thread) and the client made, before the first sample."""
        await self._http()

    async def check_one(self, service: str) -> HealthResult:
        """GET one service's health URL within the request timeout; never raises.

        Down: an error reply (>= 400, curl -f's rule), a refusal, a reset, an invalid reply, or
        no reply within the timeout once connected. Unknown from this console (`unknown`):
        the host could not be reached from here at all (no such name, no route, no
        connection within the timeout), which says nothing about the service."""
        result, _ = await self._check(service)
        return result

    async def _check(self, service: str) -> tuple[HealthResult, Future[httpx.Response]]:
        """`check_one`'s result, and the worker's request, which may outlive it: a request
        past its timeout is answered at the timeout, and its thread lets go by itself (each
        phase within the timeout, the body cut at its deadline)."""
        http = await self._http(service)
        assert self._workers is not None
        started = time.perf_counter()
        reached = False

        def trace(name: str, info: dict) -> None:
            nonlocal reached
            # a new connection was opened, or a kept-alive one is carrying this request
            if name.endswith(("connect_tcp.complete", "send_request_headers.started")):
                reached = True

        deadline = time.monotonic() + self.request_timeout
        work = self._workers.submit(self._get, http, service, {"trace": trace}, deadline)
        try:
            # httpx bounds each phase; this bounds the whole request, a slow drip included
            async with asyncio.timeout(self.request_timeout):
                response = await asyncio.wrap_future(work)
        except Exception as exc:
            why = network_reason(exc, self.request_timeout)
            timed_out = isinstance(exc, TimeoutError) or "timed out" in why
            unknown = not_reached(exc) or (timed_out and not reached)
            if unknown and timed_out:
                why = f"no connection within {self.request_timeout:g} s"
            return HealthResult(service=service, up=False, error=why, unknown=unknown), work
        latency = round((time.perf_counter() - started) * 1000, 1)
        return self._judged(service, response, latency), work

    @staticmethod
    def _judged(service: str, response: httpx.Response, latency: float) -> HealthResult:
        """The result of a reply read in `latency` ms: up, or down and why."""
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

    async def _bounded(self, service: str) -> HealthResult:
        """`check_one` within its shard's slots; a slot is held until the request's thread
        is done, past its timeout too, so no more than CONCURRENCY are ever in flight."""
        slot = self._slots[self._shard.get(service, 0)]
        await slot.acquire()
        try:
            result, work = await self._check(service)
        except BaseException:
            slot.release()
            raise
        if work.done():
            slot.release()
        else:
            loop = asyncio.get_running_loop()

            def free(_: Future[httpx.Response]) -> None:
                with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                    loop.call_soon_threadsafe(slot.release)

            work.add_done_callback(free)
        return result

    async def check_all(self, services: Sequence[str] | None = None) -> tuple[HealthResult, ...]:
        """Each of `services`' (all by default) own result, in order; CONCURRENCY at once."""
        chosen = self.services if services is None else services
        return tuple(await asyncio.gather(*(self._bounded(s) for s in chosen)))

    def due(self) -> tuple[str, ...]:
        """The services the next sample checks: all of them the first time, and always when
        they are no more than `per_sample`; else those whose last check failed (the first
        `per_sample` of them) after the next `per_sample` in turn, wrapping."""
        count = len(self.services)
        if self._next is None or count <= self.per_sample:
            self._next = 0
            return self.services
        start = self._next
        self._next = (start + self.per_sample) % count
        turn = [self.services[(start + i) % count] for i in range(self.per_sample)]
        chosen = set(turn)
        again = [s for s in list(self._failing)[: self.per_sample] if s not in chosen]
        return (*turn, *again)

    async def sample(self, now: datetime) -> Sequence[EventBase]:
        results = await self.check_all(self.due())
        for result in results:
            # failing again: to the back of the queue, so that past `per_sample` failing
            # services every one of them is checked again in turn
            self._failing.pop(result.service, None)
            if not result.up:
                self._failing[result.service] = None
        return [HealthSampled(at=now, results=results)]

    async def close(self) -> None:
        clients, self._clients, self._direct = self._clients, [], []
        workers, self._workers = self._workers, None
        if workers is not None:
            workers.shutdown(wait=False)
        for http in clients:
            http.close()  # and its transport


async def check_health(
    services: Sequence[str], url_template: str = DEFAULT_URL, timeout: float = 2.0
) -> CheckResult:
    """`warroom check` for the health endpoints: each service's answer, the slowest latency."""
    probe = HealthProbe(services, url_template, timeout)
    try:
        results = await probe.check_all()
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
