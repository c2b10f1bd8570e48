"""The investigation's external dependencies: each configured URL's status and latency, DNS
resolution of configured hosts, and the days left on configured endpoints' TLS certificates
(the guide's `curl -f --max-time 10`, `nslookup` and `openssl s_client | x509 -dates`)."""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from probes.http import client, network_reason, public_url
from state.events import Finding
from state.guide.investigation import TLS_WARN_DAYS
from state.text import inert


async def external(urls: Sequence[str], timeout: float) -> list[Finding]:
    async with client("warroom-investigate", timeout) as http:

        async def one(url: str) -> Finding:
            shown = inert(public_url(url), 160)
            started = time.perf_counter()
            try:
                resp = await http.get(url)
            except Exception as exc:
                return Finding(
                    part="External APIs",
                    text=f"{shown}: {inert(network_reason(exc, timeout), 160)}",
                    tone="bad",
                )
            took = (time.perf_counter() - started) * 1000
            ok = resp.status_code < 400
            return Finding(
                part="External APIs",
                text=f"{shown}: {resp.status_code} in {took:.0f} ms",
                tone="good" if ok else "bad",
            )

        return list(await asyncio.gather(*(one(u) for u in urls)))


async def dns(hosts: Sequence[str], timeout: float) -> list[Finding]:
    loop = asyncio.get_running_loop()

    async def one(host: str) -> Finding:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except TimeoutError:
            return Finding(
                part="DNS", text=f"{inert(host)}: no answer in {timeout:g} s", tone="bad"
            )
        except OSError as exc:
            return Finding(part="DNS", text=f"{inert(host)}: {inert(str(exc), 120)}", tone="bad")
        took = (time.perf_counter() - started) * 1000
        addresses = ", ".join(dict.fromkeys(str(i[4][0]) for i in infos))
        return Finding(part="DNS", text=f"{inert(host)} -> {inert(addresses, 160)} ({took:.0f} ms)")

    return list(await asyncio.gather(*(one(h) for h in hosts)))


def split_endpoint(endpoint: str) -> tuple[str, int]:
    """'host:port' (or 'host', port 443) -> (host, port)."""
    host, _, port = endpoint.rpartition(":")
    if not host or not port.isdigit():
        return endpoint, 443
    return host, int(port)


async def tls(
    endpoints: Sequence[str], timeout: float, now: datetime, ca_file: Path | None = None
) -> list[Finding]:
    """Days left on each endpoint's certificate, verified as a client would verify it; a
    certificate the client refuses (expired, wrong name, unknown CA) is said as refused."""
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)

    async def one(endpoint: str) -> Finding:
        host, port = split_endpoint(endpoint)
        shown = f"{inert(host)}:{port}"
        try:
            async with asyncio.timeout(timeout):
                _, writer = await asyncio.open_connection(host, port, ssl=context)
        except TimeoutError:
            return Finding(part="TLS", text=f"{shown}: no answer in {timeout:g} s", tone="bad")
        except ssl.SSLCertVerificationError as exc:
            why = inert(exc.verify_message or str(exc), 120)
            return Finding(part="TLS", text=f"{shown}: certificate refused: {why}", tone="bad")
        except OSError as exc:
            return Finding(
                part="TLS", text=f"{shown}: {inert(network_reason(exc, timeout), 120)}", tone="bad"
            )
        try:
            cert = writer.get_extra_info("peercert") or {}
        finally:
            writer.close()
        not_after = cert.get("notAfter")
        if not not_after:
            return Finding(part="TLS", text=f"{shown}: no certificate expiry read", tone="warn")
        expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(not_after), UTC)
        days = (expires - now).total_seconds() / 86400
        warn = days < TLS_WARN_DAYS
        return Finding(
            part="TLS",
            text=f"{shown} certificate expires in {days:.0f} days ({expires:%Y-%m-%d %H:%M} UTC)"
            + (f": under {TLS_WARN_DAYS} days" if warn else ""),
            tone="bad" if warn else "good",
        )

    return list(await asyncio.gather(*(one(e) for e in endpoints)))
