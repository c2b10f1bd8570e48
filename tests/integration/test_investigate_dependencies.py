"""The investigation's external dependencies against loopback servers: a URL's status and
latency, a hung one timing out, DNS resolution, and a TLS endpoint whose short-lived
certificate has days left under the guide's 14 (or is refused without its CA)."""

from __future__ import annotations

from datetime import UTC, datetime

from probes.investigate.dependencies import dns, external, tls
from tests.servers.fake_http import FakeHttp
from tests.servers.tls import TlsServer, short_lived_certificate


async def test_a_short_lived_certificate_is_a_finding(tmp_path) -> None:
    cert, key = short_lived_certificate(tmp_path, days=3)
    with TlsServer(cert, key) as server:
        now = datetime.now(UTC)
        verified = await tls([server.endpoint], 5.0, now, ca_file=cert)
        unknown_ca = await tls([server.endpoint], 5.0, now)
    assert len(verified) == 1 and verified[0].tone == "bad"
    assert verified[0].text.startswith(f"{server.endpoint} certificate expires in 3 days (")
    assert verified[0].text.endswith(": under 14 days")
    assert unknown_ca[0].tone == "bad"
    assert unknown_ca[0].text == f"{server.endpoint}: certificate refused: self-signed certificate"


async def test_a_long_lived_certificate_is_fine_and_a_closed_port_is_said(tmp_path) -> None:
    cert, key = short_lived_certificate(tmp_path, days=90)
    with TlsServer(cert, key) as server:
        found = await tls([server.endpoint, "127.0.0.1:1"], 5.0, datetime.now(UTC), cert)
    assert found[0].tone == "good" and "expires in 90 days" in found[0].text
    assert found[1].tone == "bad" and found[1].text.startswith("127.0.0.1:1: connection refused")


async def test_external_urls_status_latency_and_a_hung_one() -> None:
    with FakeHttp(200, b"ok") as up, FakeHttp(503) as down, FakeHttp(hang=True) as hung:
        found = await external([f"{up.url}/health", f"{down.url}/status", hung.url], 0.5)
    assert found[0].tone == "good" and found[0].text.startswith(f"{up.url}/health: 200 in ")
    assert found[1].tone == "bad" and found[1].text.startswith(f"{down.url}/status: 503 in ")
    assert found[2].tone == "bad" and "0.5 s" in found[2].text, found[2].text


async def test_dns_resolves_configured_hosts_and_says_when_it_cannot() -> None:
    found = await dns(["localhost", "no-such-host.invalid"], 5.0)
    assert found[0].text.startswith("localhost -> ") and "127.0.0.1" in found[0].text
    assert found[1].tone == "bad" and found[1].text.startswith("no-such-host.invalid: ")
