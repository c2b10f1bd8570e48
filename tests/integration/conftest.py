"""Fixtures for the integration tests; the servers themselves live in tests/servers/."""

import pytest

from tests.integration.notify_room import new_room
from tests.servers.fixtures import pg_server, prometheus_server, sessions  # noqa: F401


@pytest.fixture
def room(tmp_path):
    """A journaled session with a declared P1 and its outbox (tests/integration/notify_room.py)."""
    opened = new_room(tmp_path / "room.warroom")
    yield opened
    opened.close()


PROXY_NAMES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No proxy variable from the machine the tests run on; set them through it."""
    for name in PROXY_NAMES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch
