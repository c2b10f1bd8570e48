"""A loopback HTTP server that answers every request the same broken way."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.servers.loopback import Loopback, reply

if TYPE_CHECKING:
    from http.server import BaseHTTPRequestHandler


class FakeHttp(Loopback):
    """Serves `status` and `body` (or `routes[path]`) to every GET; with `hang`, nothing."""

    def __init__(self, status: int = 200, body: bytes = b"", hang: bool = False) -> None:
        self.status, self.body, self.hang = status, body, hang
        self.routes: dict[str, bytes] = {}
        self.seen_headers: list[dict[str, str]] = []
        super().__init__()

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        self.seen_headers.append(dict(handler.headers))
        if self.hang:
            self.released.wait(30)  # bounded: a stuck test still ends
            return
        body = self.routes.get(handler.path.split("?", 1)[0], self.body)
        reply(handler, self.status, body, "application/json")
