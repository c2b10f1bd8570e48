"""A loopback HTTP server whose /<service>/health answers up, 503, late, hangs, resets,
drips, or garbles.

A service's behaviour may also be raw status lines (bytes), sent in turn, one per request,
as written: a server whose status line holds control characters.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

UP, DOWN, HANG, RESET, SLOW = "up", "down", "hang", "reset", "slow"
ENDLESS = "endless"  # a 200 whose body never ends: an event stream, a download
DRIP = "drip"  # a 200 whose body comes a byte at a time, never long enough for a read timeout
DRIP_SECONDS = 0.05
SLOW_SECONDS = 0.1


@dataclass
class HealthServer:
    port: int
    # service -> UP, DOWN, HANG, RESET, or raw status lines to answer with in turn
    behaviour: dict[str, str | tuple[bytes, ...]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    connections: dict[asyncio.Task, asyncio.StreamWriter] = field(default_factory=dict)
    in_flight: int = 0  # requests read and not yet answered
    dripping: int = 0  # DRIP bodies still being sent
    most_in_flight: int = 0

    def template(self) -> str:
        return f"http://127.0.0.1:{self.port}/{{service}}/health"


async def _serve(server: HealthServer, closing: asyncio.Event, reader, writer) -> None:
    task = asyncio.current_task()
    assert task is not None
    server.connections[task] = writer
    try:
        while True:  # keep-alive: one connection may carry many requests
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode()
            server.requests.append(path)
            service = path.strip("/").split("/")[0]
            match server.behaviour.get(service, UP):
                case "hang":
                    await closing.wait()
                    return
                case "slow":  # answers, a little late: counted while it is being held
                    server.in_flight += 1
                    server.most_in_flight = max(server.most_in_flight, server.in_flight)
                    await asyncio.sleep(SLOW_SECONDS)
                    server.in_flight -= 1
                    status, body = b"HTTP/1.1 200 OK", b'{"status": "ok"}'
                case "endless":
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n")
                    chunk = b"data: " + b"x" * 65536 + b"\n\n"
                    while not closing.is_set():
                        writer.write(chunk)
                        await writer.drain()
                    return
                case "drip":
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
                    server.dripping += 1
                    try:
                        while not closing.is_set():
                            writer.write(b".")
                            await writer.drain()
                            await asyncio.sleep(DRIP_SECONDS)
                    finally:
                        server.dripping -= 1
                    return
                case "reset":
                    sock = writer.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    writer.transport.abort()
                    return
                case "down":
                    status, body = b"HTTP/1.1 503 Service Unavailable", b'{"status": "down"}'
                case tuple(lines):
                    status, body = lines[(server.requests.count(path) - 1) % len(lines)], b"{}"
                case _:
                    status, body = b"HTTP/1.1 200 OK", b'{"status": "ok"}'
            writer.write(
                status + b"\r\nContent-Type: application/json\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        server.connections.pop(task, None)
        with contextlib.suppress(Exception):
            writer.close()


@asynccontextmanager
async def health_server(
    behaviour: Mapping[str, str | tuple[bytes, ...]] | None = None,
) -> AsyncIterator[HealthServer]:
    """A server on a free loopback port; hanging requests are released when it stops."""
    closing = asyncio.Event()
    state = HealthServer(port=0, behaviour=dict(behaviour or {}))
    server = await asyncio.start_server(lambda r, w: _serve(state, closing, r, w), "127.0.0.1", 0)
    state.port = server.sockets[0].getsockname()[1]
    try:
        yield state
    finally:
        closing.set()
        server.close()
        # idle keep-alive connections end here, not when the event loop is torn down
        for writer in list(state.connections.values()):
            writer.close()
        await asyncio.gather(*state.connections, return_exceptions=True)
        await server.wait_closed()


@contextlib.contextmanager
def unanswered_port():
    """A loopback port whose listen queue is full: a new connection is never opened (the
    kernel drops its SYN), as a host dropped by a firewall or with no route looks."""
    listener = socket.socket()
    waiting = socket.socket()
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        waiting.connect(("127.0.0.1", port))  # fills the queue; nobody accepts it
        yield port
    finally:
        waiting.close()
        listener.close()


def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
