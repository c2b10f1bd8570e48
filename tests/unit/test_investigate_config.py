"""[investigate] in the config, and the live investigator built from it: every section has
its parts, and a backend left out is "not configured", never an empty all-clear."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from probes.investigate.base import run_section
from tui.config import ConfigError, parse
from tui.live import live_investigator

NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


def test_investigate_lists_are_read_and_default_empty() -> None:
    config = parse(
        {
            "prometheus": {"url": "http://127.0.0.1:1"},
            "investigate": {
                "external_urls": ["https://api.example/health"],
                "dns_hosts": ["db.internal"],
                "tls_endpoints": ["api.example:443"],
            },
        }
    )
    assert config.investigate.tls_endpoints == ["api.example:443"]
    assert parse({"prometheus": {"url": "http://127.0.0.1:1"}}).investigate.external_urls == []
    with pytest.raises(ConfigError, match="investigate"):
        parse({"prometheus": {"url": "http://x:1"}, "investigate": {"urls": []}})


async def test_a_backend_left_out_is_said_in_its_parts() -> None:
    config = parse({"prometheus": {"url": "http://127.0.0.1:1"}})
    investigator = live_investigator(config, lambda: NOW)
    changes, missing = await run_section(investigator, "changes", None)
    assert changes == ()
    assert missing == (
        "Rollouts: not configured, no [cluster] in the config",
        "Events: not configured, no [cluster] in the config",
        "Config: not configured, no [cluster] in the config",
    )
    _, deps = await run_section(investigator, "dependencies", None)
    assert deps == (
        "External APIs: not configured, no external_urls in [investigate]",
        "DNS: not configured, no dns_hosts in [investigate]",
        "TLS: not configured, no tls_endpoints in [investigate]",
    )
    _, db = await run_section(investigator, "database", None)
    assert len(db) == 3
    assert all(line.endswith("not configured, no [database] in the config") for line in db)
    _, errors = await run_section(investigator, "errors", None, timeout=3.0)
    assert errors[0] == "Logs: not configured, no [cluster] in the config"
    assert errors[1].startswith("5xx rate: unavailable, ")  # nothing listens on port 1
