"""[contexts.NAME]: each kubeconfig context with its own rules, chosen by the context used.

Before, one [cluster] served every context: `--context production` ran production with
whatever read_only the file said, so a config written for staging made production writable.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from state import events as ev
from state.console import ConsoleState
from state.guide.signals import suggestion
from tests.tui.test_cli import assert_one_line_error, warroom
from tests.unit.helpers import T0, fold_all
from tui.config import ConfigError, parse
from tui.contexts import select

BASE = {
    "cluster": {"services": ["analysis-service"], "namespace": "tracktion", "read_only": False},
    "contexts": {
        "production": {
            "read_only": True,
            "namespace": "tracktion-prod",
            "services": ["analysis-service", "file-watcher"],
            "prometheus_url": "http://prom-prod:9090",
            "dsn_env": "PROD_DSN",
        },
        "staging": {},
    },
}


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv("PROD_DSN", "host=prod-db")


def kubeconfig(path: Path, current: str) -> Path:
    path.write_text(json.dumps({"apiVersion": "v1", "current-context": current}))
    return path


def test_a_context_table_overrides_what_it_names():
    chosen = select(parse(BASE), context="production")
    c = chosen.config
    assert chosen.context == "production" and chosen.read_only and not chosen.writes_allowed
    assert c.cluster is not None
    assert (c.cluster.context, c.cluster.namespace, c.cluster.read_only) == (
        "production",
        "tracktion-prod",
        True,
    )
    assert c.cluster.services == ["analysis-service", "file-watcher"]
    assert c.prometheus is not None and c.prometheus.url == "http://prom-prod:9090"
    assert c.database is not None and c.database.resolved_dsn() == "host=prod-db"
    staging = select(parse(BASE), context="staging")  # an empty table: the file's own rules
    assert not staging.read_only and staging.config.cluster.namespace == "tracktion"  # type: ignore[union-attr]
    assert staging.config.prometheus is None and staging.config.database is None


def test_an_unknown_context_is_one_line_naming_the_known_ones():
    with pytest.raises(ConfigError) as caught:
        select(parse(BASE), context="prod")
    (line,) = caught.value.problems
    assert line.startswith("--context prod: no [contexts.prod] in the config")
    assert "(it has production, staging)" in line
    # without any [contexts], --context names the context the file was written for, or none
    pinned = parse({"cluster": {"services": ["a"], "context": "staging"}})
    assert select(pinned, context="staging").context == "staging"
    with pytest.raises(ConfigError, match=r"--context production: no \[contexts.production\]"):
        select(pinned, context="production")


def test_a_read_only_context_is_writable_only_with_allow_writes():
    config = parse(BASE)
    lifted = select(config, context="production", allow_writes=True)
    assert not lifted.read_only and lifted.writes_allowed
    assert lifted.config.cluster.read_only is False  # type: ignore[union-attr]
    plain = select(config, context="staging", allow_writes=True)  # nothing to lift: no record
    assert not plain.read_only and not plain.writes_allowed
    assert select(config, context="staging", read_only=True).read_only
    with pytest.raises(ConfigError, match="--read-only and --allow-writes contradict"):
        select(config, context="production", read_only=True, allow_writes=True)


def test_the_kubeconfig_current_context_brings_its_rules(tmp_path):
    """`kubectl config use-context production; warroom` runs under production's rules."""
    data = json.loads(json.dumps(BASE))
    data["cluster"]["kubeconfig"] = str(kubeconfig(tmp_path / "kc", "production"))
    chosen = select(parse(data))
    assert chosen.context == "production" and chosen.read_only
    assert chosen.config.cluster.context == "production"  # type: ignore[union-attr]  # pinned
    kubeconfig(tmp_path / "kc", "somewhere-else")
    other = select(parse(data))
    assert other.context == "somewhere-else" and not other.read_only


def test_context_notify_channels_replace_the_files_routes(monkeypatch):
    data = {
        **BASE,
        "notify": {
            "channels": {"#staging": {"type": "slack", "webhook_env": "STAGING_HOOK"}},
            "updates": ["#staging"],
        },
    }
    data["contexts"] = {
        "production": {
            "notify": {
                "channels": {"#prod": {"type": "slack", "webhook_env": "PROD_HOOK"}},
                "updates": ["#prod"],
                "escalation": {"team": ["#prod"]},
            }
        },
        "broken": {"notify": {"updates": ["#nowhere"]}},
    }
    notify = select(parse(data), context="production").config.notify
    assert notify is not None and set(notify.channels) == {"#staging", "#prod"}
    assert notify.updates == ["#prod"] and notify.escalation == {"team": ["#prod"]}
    with pytest.raises(ConfigError) as caught:
        select(parse(data), context="broken")
    assert caught.value.problems == ["contexts.broken.notify: no such channel: #nowhere"]


def test_cli_unknown_context_exits_2_in_one_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[cluster]\nservices = ["api"]\n[contexts.production]\nread_only = true\n')
    for command in ("live", "check"):
        result = warroom(command, "--config", str(path), "--context", "prod")
        assert_one_line_error(
            result,
            f"{path}: --context prod: no [contexts.prod] in the config (it has production); "
            "add one with its own read_only",
        )
    both = warroom("live", "--config", str(path), "--read-only", "--allow-writes")
    assert_one_line_error(both, "--read-only and --allow-writes contradict each other")


# ---- any subset of backends ------------------------------------------------------------------


def test_each_backend_section_is_optional_but_one_is_needed():
    assert parse({"database": {}}).cluster is None
    assert parse({"prometheus": {"url": "http://prom:9090"}}).cluster is None
    with pytest.raises(ConfigError) as caught:
        parse({"refresh": 5})
    assert caught.value.problems == [
        "config: nothing to watch: add [cluster], [prometheus] or [database]"
    ]


def live_without(*sources: str) -> ConsoleState:
    """The state a live session begins with when `sources` have no backend configured."""
    started = ev.SessionStarted(
        at=T0, mode="live", version="0", operator="alice", unconfigured=sources
    )
    return fold_all(ConsoleState(), [started])


def test_a_backend_not_configured_is_unknown_never_healthy_nor_down():
    hint = suggestion(live_without("kubernetes", "health", "postgres"))
    assert not hint.alerting and hint.severity.label.startswith("P3")
    assert hint.unknown == ("services: not configured", "database: not configured")
    assert "unknown: services, database (not configured)" in hint.summary
    assert "no services down" not in hint.summary
    full = suggestion(live_without())
    assert full.unknown == () and full.summary == "no services down and no threshold crossed"


def test_the_templates_commented_contexts_example_is_valid(monkeypatch):
    """`warroom config init`'s example, uncommented from [notify] on, reads as documented."""
    from tui.config import TEMPLATE

    monkeypatch.setenv("PRODUCTION_DSN", "host=prod-db")
    head, _, tail = TEMPLATE.partition("# [notify]")
    tail = "\n".join(line.removeprefix("# ") for line in f"# [notify]{tail}".splitlines())
    config = parse(tomllib.loads(head + tail))
    chosen = select(config, context="production")
    assert chosen.read_only and chosen.config.cluster.namespace == "tracktion"  # type: ignore[union-attr]
    assert chosen.config.prometheus.url == "http://prometheus.production:9090"  # type: ignore[union-attr]
    assert chosen.config.notify.escalation == {"team": ["#incidents", "pagerduty"]}  # type: ignore[union-attr]


def test_verification_says_what_it_has_nothing_to_verify_with():
    """`v` never passes on what it cannot see, and says why once, not once per service."""
    from state.guide.resolution import verify

    verdict = verify(live_without("kubernetes", "health", "error_rate", "latency"))
    assert not verdict.ok
    assert verdict.reasons == (
        "health checks not configured: nothing to verify the services with",
        "error rate not configured: nothing to verify it with",
        "p95 not configured: nothing to verify it with",
    )


def test_a_contexts_dsn_variable_need_be_set_only_when_it_is_used(monkeypatch):
    monkeypatch.delenv("PROD_DSN")
    config = parse(BASE)  # loads: staging's operator has no production DSN
    assert select(config, context="staging").config.database is None
    with pytest.raises(ConfigError) as caught:
        select(config, context="production")
    assert caught.value.problems == [
        "contexts.production.dsn_env: environment variable PROD_DSN is not set"
    ]
    with pytest.raises(ConfigError, match=r"contexts\.x\.dsn_env: name the environment variable"):
        parse({**BASE, "contexts": {"x": {"dsn_env": "host=db password=x"}}})


def test_the_error_writes_the_table_as_toml_would_need_it():
    arn = "arn:aws:eks:eu-west-1:123456789012:cluster/prod"
    with pytest.raises(ConfigError) as caught:
        select(parse(BASE), context=arn)
    assert f'no [contexts."{arn}"] in the config' in caught.value.problems[0]


def test_a_context_named_by_a_variable_keeps_its_case(monkeypatch):
    """Before: WARROOM_CONTEXTS__PROD__READ_ONLY was stored as context `prod`, so
    `--context PROD` failed with "(it has prod)"."""
    monkeypatch.setenv("WARROOM_CONTEXTS__PROD__READ_ONLY", "true")
    config = parse({"cluster": {"services": ["analysis-service"]}})
    assert list(config.contexts) == ["PROD"]
    chosen = select(config, context="PROD")
    assert chosen.context == "PROD" and chosen.read_only


def test_a_variable_overrides_the_files_table_whatever_its_case(monkeypatch):
    """The variable is written in capitals by habit; it overrides `[contexts.production]`,
    and a kubeconfig's `production` gets those rules, never a writable default."""
    monkeypatch.setenv("WARROOM_CONTEXTS__PRODUCTION__READ_ONLY", "true")
    data = {**BASE, "contexts": {**BASE["contexts"], "production": {"read_only": False}}}
    config = parse(data)
    assert set(config.contexts) == {"production", "staging"}
    assert select(config, context="production").read_only
    monkeypatch.setenv("WARROOM_CONTEXTS__QA__READ_ONLY", "true")
    config = parse(BASE)
    assert select(config, context="qa").read_only  # matched ignoring case: QA


def test_two_tables_differing_only_in_case_are_each_exact():
    data = {**BASE, "contexts": {"prod": {"read_only": True}, "PROD": {"read_only": False}}}
    config = parse(data)
    assert select(config, context="prod").read_only
    assert not select(config, context="PROD").read_only
    with pytest.raises(ConfigError):  # ambiguous: neither is chosen by a guess
        select(config, context="Prod")
