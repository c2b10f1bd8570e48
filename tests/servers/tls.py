"""A loopback HTTPS server presenting a short-lived self-signed certificate, made with the
`openssl` command (tests/servers/install.sh installs it where missing)."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

from tests.servers.fake_http import FakeHttp


def short_lived_certificate(folder: Path, days: int) -> tuple[Path, Path]:
    """(certificate, key) for 127.0.0.1 and localhost, valid for `days` days from now."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
            "-out", str(cert), "-days", str(days), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


class TlsServer(FakeHttp):
    """FakeHttp over TLS with `cert`: `endpoint` is its host:port, `url` its https URL."""

    def __init__(self, cert: Path, key: Path, status: int = 200) -> None:
        super().__init__(status, b"{}")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.http.socket = context.wrap_socket(self.http.socket, server_side=True)
        self.endpoint = f"127.0.0.1:{self.port}"
        self.url = f"https://127.0.0.1:{self.port}"
