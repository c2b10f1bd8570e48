"""The config file: every problem at once, each naming its key; secrets only by env var name."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from tui.cli import main
from tui.config import ConfigError, default_path, load, parse, write_template
from tui.contexts import select
from tui.environment import DATA_DIR, OPERATOR

MINIMAL = {"cluster": {"services": ["analysis-service"]}}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(text))
    return path


def problems(data: dict) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse(data)
    return caught.value.problems


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    monkeypatch.delenv(OPERATOR, raising=False)


def test_minimal_config_and_its_defaults():
    config = parse(MINIMAL)
    assert config.cluster.services == ["analysis-service"]
    assert config.cluster.health_url == "http://{service}:8000/health"
    assert (config.cluster.context, config.cluster.namespace, config.cluster.read_only) == (
        None,
        None,
        False,
    )
    assert (config.prometheus, config.database, config.refresh, config.operator) == (
        None,
        None,
        2.0,
        None,
    )


def test_a_full_file(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_AUTH", "Bearer s3cret")
    monkeypatch.setenv("TRACKTION_DSN", "postgresql://warroom:pw@db/tracktion")
    path = write(
        tmp_path,
        """
        refresh = 5
        operator = "alice"
        [cluster]
        context = "production"
        namespace = "tracktion"
        services = ["analysis-service", "file-watcher"]
        health_url = "https://{service}.tracktion.internal/health"
        read_only = true
        [prometheus]
        url = "http://prometheus:9090"
        latency_baseline_query = "histogram_quantile(0.95, rate(x[5m] offset 1d))"
        headers = { Authorization = "PROMETHEUS_AUTH" }
        [database]
        dsn_env = "TRACKTION_DSN"
        """,
    )
    config = load(path)
    assert config.refresh == 5 and config.operator == "alice"
    assert config.cluster.read_only and config.cluster.namespace == "tracktion"
    assert config.prometheus is not None and config.database is not None
    assert config.prometheus.headers == {"Authorization": "PROMETHEUS_AUTH"}
    assert config.prometheus.header_values() == {"Authorization": "Bearer s3cret"}
    assert config.prometheus.error_rate_query is None  # the probe's guide query
    assert config.database.resolved_dsn() == "postgresql://warroom:pw@db/tracktion"
    # the secrets are read at use, never kept in the config or its repr
    assert "s3cret" not in repr(config) and "pw@" not in repr(config)


def test_an_empty_database_section_means_libpq_environment():
    config = parse({**MINIMAL, "database": {}})
    assert config.database is not None and config.database.resolved_dsn() is None
    config = parse({**MINIMAL, "database": {"dsn": "host=db dbname=tracktion user=warroom"}})
    assert config.database.resolved_dsn() == "host=db dbname=tracktion user=warroom"


def test_every_problem_at_once_each_with_its_key(tmp_path, monkeypatch):
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    path = write(
        tmp_path,
        """
        refresh = 1
        colour = "red"
        [cluster]
        services = []
        namespace = "Bad_NS"
        read_only = "maybe"
        [prometheus]
        url = "prometheus:9090"
        headers = { Authorization = "Bearer abc.def", X-Scope = "NOT_SET_ANYWHERE" }
        [database]
        dsn = "postgresql://warroom:hunter2@db/tracktion"
        """,
    )
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert caught.value.problems == [
        "cluster.namespace: 'Bad_NS' is not a Kubernetes namespace name",
        "cluster.services: at least one service",
        "cluster.read_only: must be true or false",
        "prometheus.url: not a URL (expected http://host:port or https://...)",
        "prometheus.headers.Authorization: name the environment variable that holds the value, "
        "not the value",
        "prometheus.headers.X-Scope: environment variable NOT_SET_ANYWHERE is not set",
        "database.dsn: contains a password: put the DSN in an environment variable and name it in "
        "database.dsn_env, or use PGPASSWORD or ~/.pgpass",
        "refresh: must be at least 2 seconds (the Kubernetes API is not polled faster)",
        "colour: unknown key",
    ]
    lines = caught.value.lines()
    assert all(line.startswith(f"{path}: ") for line in lines)
    text = "\n".join(lines)
    assert "hunter2" not in text and "abc.def" not in text  # secrets are never echoed


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, "config: nothing to watch: add [cluster], [prometheus] or [database]"),
        ({"cluster": {}}, "cluster.services: required"),
        ({"cluster": "prod"}, "cluster: must be a table (a [section])"),
        (
            {"cluster": {"services": "api"}},
            'cluster.services: must be a list, e.g. ["analysis-service"',
        ),
        (
            {"cluster": {"services": ["Analysis_Service"]}},
            "cluster.services: not Kubernetes deployment",
        ),
        ({"cluster": {"services": ["a", "b", "a"]}}, "cluster.services: listed twice: a"),
        ({"cluster": {"services": ["a", 3]}}, "cluster.services[1]: must be a string (in quotes)"),
        ({**MINIMAL, "refresh": "soon"}, "refresh: must be a number"),
        ({**MINIMAL, "refresh": 900}, "refresh: must be at most 300"),
        ({**MINIMAL, "prometheus": {}}, "prometheus.url: required"),
        (
            {**MINIMAL, "prometheus": {"url": "http://u:pw@prom:9090"}},
            "prometheus.url: contains a password",
        ),
        ({**MINIMAL, "prometheus": {"url": "ftp://prom"}}, "prometheus.url: not a URL"),
        (
            {**MINIMAL, "database": {"dsn": "host=db password=x"}},
            "database.dsn: contains a password",
        ),
        (
            {**MINIMAL, "database": {"dsn": "postgresql://db/x?password=x"}},
            "database.dsn: contains a",
        ),
        (
            {**MINIMAL, "database": {"dsn_env": "has space"}},
            "database.dsn_env: name the environment",
        ),
        ({**MINIMAL, "database": {"password": "x"}}, "database.password: unknown key"),
        # NaN compares false with every bound: it was refused as "must be at most 300"
        ({**MINIMAL, "refresh": float("nan")}, "refresh: must be a number"),
        ({**MINIMAL, "refresh": True}, "refresh: must be a number"),
        (
            {**MINIMAL, "prometheus": {"url": "http://p:1", "timeout": float("inf")}},
            "prometheus.timeout: must be a number",
        ),
    ],
)
def test_each_message(data, expected):
    (found,) = problems(data)
    assert found.startswith(expected), found


@pytest.mark.parametrize("port", ["99999", "0", "9o90"])
def test_a_port_no_connection_can_use(port):
    """Taken, every sample then failed saying only "InvalidURL"; refused at load instead."""
    (found,) = problems({**MINIMAL, "prometheus": {"url": f"http://prom:{port}"}})
    assert found == f"prometheus.url: port {port} is not a TCP port (1-65535)"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://analysis-service:8000/health", "cluster.health_url: must contain {service}"),
        (
            "http://{service}:8000/{path}",
            "cluster.health_url: the only placeholder allowed is {service}",
        ),
        ("{service}:8000/health", "cluster.health_url: not an http(s) URL"),
        ("https://me:pw@{service}/health", "cluster.health_url: contains a password"),
        ("http://{service}:80000/health", "cluster.health_url: port 80000 is not a TCP port"),
    ],
)
def test_health_url_messages(url, expected):
    (found,) = problems({"cluster": {"services": ["api"], "health_url": url}})
    assert found.startswith(expected), found


def test_both_dsn_and_dsn_env_is_ambiguous(monkeypatch):
    monkeypatch.setenv("DSN", "x")
    (found,) = problems({**MINIMAL, "database": {"dsn": "host=db", "dsn_env": "DSN"}})
    assert found == "database: set dsn_env or dsn, not both"


def test_environment_overrides_the_file(tmp_path, monkeypatch):
    path = write(
        tmp_path,
        """
        [cluster]
        services = ["analysis-service"]
        [prometheus]
        url = "http://file:9090"
        latency_query = "from_file"
        """,
    )
    monkeypatch.setenv("WARROOM_PROMETHEUS__URL", "http://env:9090")
    monkeypatch.setenv("WARROOM_CLUSTER__SERVICES", '["a", "b"]')
    monkeypatch.setenv("WARROOM_CLUSTER__READ_ONLY", "true")
    monkeypatch.setenv("WARROOM_REFRESH", "10")
    monkeypatch.setenv(OPERATOR, "bob")
    monkeypatch.setenv(DATA_DIR, "/elsewhere")  # not a config key: ignored
    config = load(path)
    assert config.prometheus is not None
    assert config.prometheus.url == "http://env:9090"
    assert config.prometheus.latency_query == "from_file"  # merged, not replaced
    assert config.cluster.services == ["a", "b"] and config.cluster.read_only
    assert (config.refresh, config.operator) == (10, "bob")


def test_a_refresh_of_nan_from_the_environment_is_no_number(monkeypatch):
    monkeypatch.setenv("WARROOM_REFRESH", "nan")
    assert problems(MINIMAL) == ["refresh: must be a number"]


def test_a_bad_environment_value_is_reported_like_a_file_one(monkeypatch):
    monkeypatch.setenv("WARROOM_PROMETHEUS__URL", "nope")
    assert problems(MINIMAL) == [
        "prometheus.url: not a URL (expected http://host:port or https://...)"
    ]


def test_file_problems(tmp_path):
    with pytest.raises(ConfigError, match=r"no config file at .*missing\.toml"):
        load(tmp_path / "missing.toml")
    bad = write(tmp_path, "[cluster\nservices = 1")
    with pytest.raises(ConfigError) as caught:
        load(bad)
    (line,) = caught.value.lines()
    assert line.startswith(f"{bad}: not valid TOML: ") and "line 1" in line


def test_missing_default_file_says_how_to_create_one(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_path() == tmp_path / "warroom" / "config.toml"
    with pytest.raises(ConfigError) as caught:
        load()
    assert caught.value.lines() == [
        f"no config at {default_path()}: "
        "create one with `warroom config init`, or pass --config PATH"
    ]


def test_the_template_is_a_valid_config(tmp_path):
    path = tmp_path / "sub" / "config.toml"
    write_template(path)
    assert load(path).cluster.services[0] == "analysis-service"
    with pytest.raises(FileExistsError):
        write_template(path)


def test_the_template_writes_every_prometheus_key_with_the_guides_promql(monkeypatch, tmp_path):
    """Uncommented, the template's [prometheus] is a valid section whose every key is the
    default the probes use (the CA bundle's example path aside: it names no real file)."""
    from probes.prometheus.probe import configured_queries
    from tui.config import TEMPLATE, PrometheusConfig

    block = TEMPLATE.split("# [prometheus]\n", 1)[1].split("\n\n", 1)[0]
    keys = [line[2:] for line in block.splitlines() if re.match(r"# [a-z_]+ = ", line)]
    names = {key.split(" = ", 1)[0] for key in keys}
    assert names == set(PrometheusConfig.model_fields)  # every key, none left out
    monkeypatch.setenv("PROMETHEUS_AUTH", "Bearer x")
    path = tmp_path / "config.toml"
    path.write_text(
        '[cluster]\nservices = ["api"]\n[prometheus]\n'
        + "\n".join(k for k in keys if not k.startswith("ca_file"))
    )
    p = load(path).prometheus
    assert p is not None and p.label == "service" and p.timeout == 2.0 and p.verify_tls
    written = configured_queries(p.label, p.error_rate_query, p.latency_query,
                                 p.latency_baseline_query)  # fmt: skip
    assert written == configured_queries()  # the guide's PromQL, as the probes default to
    assert 'status=~"5.."' in written["error_rate"] and "offset 1d" in written["latency_baseline"]


@pytest.mark.parametrize(
    ("prometheus", "problem"),
    [
        ({"label": "app.name"}, "prometheus.label: 'app.name' is not a Prometheus label name"),
        ({"timeout": 0.1}, "prometheus.timeout: must be at least 0.5"),
        ({"ca_file": "/nonexistent/ca.pem"}, "prometheus.ca_file: no CA bundle at /nonexistent"),
        ({"latency_query": " "}, "prometheus.latency_query: empty: leave the key out"),
    ],
)  # fmt: skip
def test_prometheus_keys_are_checked(prometheus: dict, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse({**MINIMAL, "prometheus": {"url": "http://prom:9090", **prometheus}})
    (line,) = caught.value.lines()
    assert line.startswith(problem)


def test_prometheus_label_and_tls_reach_the_probes(tmp_path) -> None:
    from tui.live import live_probes

    ca = tmp_path / "ca.pem"
    ca.write_text("-")
    prometheus = {"url": "https://prom:9090", "label": "app", "ca_file": str(ca), "timeout": 5}
    probes = live_probes(
        parse({**MINIMAL, "prometheus": {**prometheus, "latency_baseline_query": ""}})
    )
    rate, latency = (p for p in probes if p.source in ("error_rate", "latency"))
    assert "sum by (app)" in rate.query and rate.label == latency.label == "app"
    assert rate.prometheus.verify == str(ca) and rate.timeout == 5
    assert latency.baseline_query is None
    insecure = parse({**MINIMAL, "prometheus": {**prometheus, "verify_tls": False}})
    assert insecure.prometheus is not None and insecure.prometheus.tls_verify() is False


def test_command_line_overrides_win_and_are_validated():
    config = parse({"cluster": {"services": ["analysis-service"], "context": "staging"}})
    assert select(config).config == config
    changed = select(config, context="staging", namespace="tracktion", read_only=True).config
    assert changed.cluster is not None
    assert (changed.cluster.context, changed.cluster.namespace, changed.cluster.read_only) == (
        "staging",
        "tracktion",
        True,
    )
    with pytest.raises(ConfigError) as caught:
        select(config, namespace="Not OK")
    assert caught.value.problems == [
        "cluster.namespace: 'Not OK' is not a Kubernetes namespace name"
    ]


# ---- the command line with a bad config: every problem on stderr, exit 2 -------------------------


@pytest.mark.parametrize("command", ["check", "live"])
def test_bad_config_exits_2_with_one_line_per_problem(tmp_path, command):
    path = write(tmp_path, '[cluster]\nservices = []\n[prometheus]\nurl = "x"\n')
    result = CliRunner().invoke(main, [command, "--config", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"warroom: {path}: cluster.services: at least one service",
        f"warroom: {path}: prometheus.url: not a URL (expected http://host:port or https://...)",
    ]
    assert result.stdout == "" and "Traceback" not in result.output


def test_live_refuses_a_notify_channel_whose_secret_is_not_set(tmp_path, monkeypatch):
    for name in ("NO_HOOK_HERE", "NO_PD_KEY_HERE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MGMT_HOOK_SET", "https://hooks.slack.com/services/T/B/secret-token")
    path = write(
        tmp_path,
        """
        [cluster]
        services = ["api"]
        [notify.channels."#incidents"]
        type = "slack"
        webhook_env = "NO_HOOK_HERE"
        [notify.channels."#management"]
        type = "slack"
        webhook_env = "MGMT_HOOK_SET"
        [notify.channels.pagerduty]
        type = "pagerduty"
        routing_key_env = "NO_PD_KEY_HERE"
        """,
    )
    result = CliRunner().invoke(main, ["live", "--config", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"warroom: {path}: notify.channels.#incidents.webhook_env: "
        "environment variable NO_HOOK_HERE is not set",
        f"warroom: {path}: notify.channels.pagerduty.routing_key_env: "
        "environment variable NO_PD_KEY_HERE is not set",
    ]
    assert result.stdout == "" and "secret-token" not in result.output


def test_bare_warroom_without_a_config_says_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    result = CliRunner().invoke(main, [])
    assert result.exit_code == 2
    assert result.stderr == (
        f"warroom: no config at {tmp_path}/warroom/config.toml: create one with "
        "`warroom config init`, or pass --config PATH\n"
    )


def test_live_flags_are_validated_like_the_file(tmp_path):
    path = write(tmp_path, '[cluster]\nservices = ["api"]\n')
    result = CliRunner().invoke(main, ["live", "--config", str(path), "--namespace", "NO"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"warroom: {path}: cluster.namespace: 'NO' is not a Kubernetes namespace name\n"
    )


def test_config_init_and_path(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(main, ["config", "path"]).stdout == f"{tmp_path}/warroom/config.toml\n"
    made = runner.invoke(main, ["config", "init"])
    assert made.exit_code == 0 and "wrote" in made.stdout
    again = runner.invoke(main, ["config", "init"])
    assert again.exit_code == 2
    assert again.stderr.startswith("warroom: ") and "already exists" in again.stderr


def test_help_and_version_still_work():
    runner = CliRunner()
    assert runner.invoke(main, ["--version"]).stdout.startswith("warroom, version ")
    helped = runner.invoke(main, ["--help"])
    assert helped.exit_code == 0
    assert all(word in helped.stdout for word in ("demo", "live", "check", "config"))


# ---- yes/no keys: TOML booleans only -------------------------------------------------------

FLAGS = {
    "cluster.read_only": {"cluster": {"services": ["analysis-service"], "read_only": None}},
    "prometheus.verify_tls": {"prometheus": {"url": "https://p:9090", "verify_tls": None}},
    "contexts.prod.read_only": {**MINIMAL, "contexts": {"prod": {"read_only": None}}},
}


def _with(key: str, value: object) -> dict:
    import copy

    data = copy.deepcopy(FLAGS[key])
    table = data
    *path, leaf = key.split(".")
    for part in path:
        table = table[part]
    table[leaf] = value
    return data


@pytest.mark.parametrize("key", FLAGS)
@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("no", "must be true or false"),  # pydantic's lax bool read it as false: writable
        ("off", "must be true or false"),
        ("", "must be true or false"),
        ("false", "must be true or false, unquoted"),
        ("true", "must be true or false, unquoted"),
        (0, "must be true or false"),
        (1, "must be true or false"),
    ],
)
def test_a_yes_no_key_takes_only_a_toml_boolean(key, value, said):
    assert problems(_with(key, value)) == [f"{key}: {said}"]


@pytest.mark.parametrize("key", FLAGS)
def test_a_yes_no_key_takes_true_and_false(key):
    parse(_with(key, True))
    parse(_with(key, False))


def test_every_yes_no_key_of_the_config_is_checked_the_same_way():
    """A bool field added later without the rule would take "no" as false again."""
    from typing import get_args

    from pydantic import BaseModel

    from tui.config import Config, Flag, _key_types

    unchecked = []

    def walk(model: type[BaseModel], where: str) -> None:
        for name, field in model.model_fields.items():
            kinds = _key_types(field.annotation)
            flagged = (
                Flag in get_args(field.annotation)
                or (  # Flag | None, or Flag itself
                    field.annotation is bool and field.metadata == list(get_args(Flag)[1:])
                )
            )
            if bool in kinds and not flagged:
                unchecked.append(f"{where}{name}")
            for kind in kinds:
                for inner in (kind, *get_args(kind)):
                    if isinstance(inner, type) and issubclass(inner, BaseModel):
                        walk(inner, f"{where}{name}.")

    walk(Config, "")
    assert unchecked == []


@pytest.mark.parametrize(("word", "read_only"), [("true", True), ("FALSE", False)])
def test_a_yes_no_variable_reads_true_and_false(monkeypatch, word, read_only):
    monkeypatch.setenv("WARROOM_CLUSTER__READ_ONLY", word)
    assert parse(MINIMAL).cluster.read_only is read_only


def test_a_yes_no_variable_of_another_word_is_refused(monkeypatch):
    monkeypatch.setenv("WARROOM_CLUSTER__READ_ONLY", "no")
    assert problems(MINIMAL) == ["cluster.read_only: must be true or false"]


# ---- the operator's name, journaled in every event -----------------------------------------


def test_an_operator_name_past_the_bound_is_refused_naming_the_key():
    assert problems({**MINIMAL, "operator": "o" * 65}) == [
        "operator: 65 characters; the operator's name, journaled in every event, is at most 64"
    ]
    assert parse({**MINIMAL, "operator": "o" * 64}).operator == "o" * 64


def test_an_operator_variable_past_the_bound_is_refused_naming_the_variable(monkeypatch):
    monkeypatch.setenv(OPERATOR, "o" * 100_000)
    assert problems(MINIMAL) == [
        "WARROOM_OPERATOR: 100,000 characters; the operator's name, journaled in every event, "
        "is at most 64"
    ]
