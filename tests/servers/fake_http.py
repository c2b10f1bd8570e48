"""A loopback HTTP server that answers every request the same broken way."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeHttp:
    """Serves `status` and `body` (or `routes[path]`) to every GET; with `hang`, nothing."""

    def __init__(self, status: int = 200, body: bytes = b"", hang: bool = False) -> None:
        self.status, self.body, self.hang = status, body, hang
        self.routes: dict[str, bytes] = {}
        self.released = threading.Event()
        self.seen_headers: list[dict[str, str]] = []
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        self.thread = threading.Thread(target=self.http.serve_forever, args=(0.05,), daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.seen_headers.append(dict(self.headers))
                if fake.hang:
                    fake.released.wait(30)  # bounded: a stuck test still ends
                    return
                body = fake.routes.get(self.path.split("?", 1)[0], fake.body)
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def __enter__(self) -> FakeHttp:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.released.set()
        self.http.shutdown()
        self.http.server_close()
