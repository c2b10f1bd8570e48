"""A threaded HTTP server on a free loopback port: the base of the tests' fake backends."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def reply(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Answer the request `handler` holds: status, type, length, `headers`, then `body`."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


class Loopback:
    """Serves each request whose method is in `METHODS` through `handle`, without logging.

    `with` starts it and stops it; `released` is set on the way out, so a handler that is
    holding a request back (waiting on it, bounded) lets go.
    """

    METHODS: tuple[str, ...] = ("GET",)

    def __init__(self) -> None:
        self.released = threading.Event()
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.http.daemon_threads = True
        self.port = self.http.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.http.serve_forever, args=(0.05,), daemon=True)

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        def serve(handler: BaseHTTPRequestHandler) -> None:
            server.handle(handler)

        def quiet(handler: BaseHTTPRequestHandler, *args: object) -> None:
            pass

        methods = {f"do_{method}": serve for method in self.METHODS}
        return type("Handler", (BaseHTTPRequestHandler,), {**methods, "log_message": quiet})

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.released.set()
        self.http.shutdown()
        self.http.server_close()
