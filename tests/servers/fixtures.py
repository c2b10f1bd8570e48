"""pytest fixtures for the private PostgreSQL and Prometheus servers (imported by conftest)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from tests.servers.postgres import PgServer, remove_server, start_server
from tests.servers.prometheus import TRAFFIC, Exporter, PromServer, Traffic
from tests.servers.sessions import Sessions


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One private PostgreSQL for the whole run; a test that stops it starts it again."""
    server = start_server()
    try:
        yield server
    finally:
        remove_server(server)


@pytest.fixture
async def sessions(pg_server: PgServer) -> AsyncIterator[Sessions]:
    """Client sessions for one test, all closed (and gone from the server) afterwards."""
    if not pg_server.running():
        pg_server.start()
    opened = Sessions(pg_server.dsn())
    try:
        yield opened
    finally:
        await opened.close()


@dataclass
class PromStack:
    exporter: Exporter
    server: PromServer

    @property
    def url(self) -> str:
        return self.server.url


@contextmanager
def prom_stack(traffic: Mapping[str, Traffic] = TRAFFIC, tick: float = 0.1) -> Iterator[PromStack]:
    """A private Prometheus scraping an exporter driven with `traffic` every `tick` seconds,
    stopped at the end."""
    exporter = Exporter(dict(traffic), tick).start()
    try:
        server = PromServer(exporter.port).start()
    except BaseException:
        exporter.stop()
        raise
    try:
        yield PromStack(exporter, server)
    finally:
        server.stop()
        exporter.stop()


@pytest.fixture(scope="session")
def prometheus_server() -> Iterator[PromStack]:
    """A private Prometheus scraping a driven exporter every second."""
    with prom_stack() as stack:
        yield stack
