"""Fixtures for the integration tests; the servers themselves live in tests/servers/."""

from tests.servers.fixtures import pg_server, prometheus_server, sessions  # noqa: F401
