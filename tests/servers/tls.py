"""TLS for a loopback test server: a self-signed certificate for 127.0.0.1, made by openssl."""

from __future__ import annotations

import ssl
import subprocess
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from tests.servers.loopback import Loopback


def self_signed(folder: Path) -> tuple[Path, Path]:
    """(certificate, key) for IP 127.0.0.1, valid a day; the certificate is its own CA."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


def serve_tls(server: Loopback, cert: Path, key: Path) -> None:
    """Make `server` (not yet started) speak https with `cert`; its url says https."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.http.socket = context.wrap_socket(server.http.socket, server_side=True)
    server.url = server.url.replace("http://", "https://")
