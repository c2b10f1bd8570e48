"""Scenario files: the built-ins load, a broken file says which field in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from probes.simulated.scenario import (
    BadDeploy,
    CrashLoop,
    LockStorm,
    ScenarioError,
    available,
    load,
)
from state.guide.severity import Severity

HEAD = 'name = "t"\ntitle = "test"\nexpected_severity = "P2"\n'


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def error(tmp_path: Path, body: str) -> str:
    with pytest.raises(ScenarioError) as err:
        load(write(tmp_path, body))
    message = str(err.value)
    assert "\n" not in message
    return message


def test_the_built_in_scenarios():
    assert available() == [
        "bad-deploy",
        "certificate-expiry",
        "connection-pool-exhaustion",
        "db-lock-storm",
        "external-api-failure",
        "service-down",
    ]


@pytest.mark.parametrize(
    "name",
    [
        "bad-deploy",
        "certificate-expiry",
        "connection-pool-exhaustion",
        "db-lock-storm",
        "external-api-failure",
        "service-down",
    ],
)
def test_every_built_in_loads_by_name(name):
    scenario = load(name)
    assert scenario.name == name
    assert scenario.title
    assert scenario.faults
    assert scenario.accepted_remediations


def test_the_built_ins_say_what_they_are():
    bad = load("bad-deploy")
    assert bad.expected_severity is Severity.P1
    assert isinstance(bad.faults[0], BadDeploy)
    assert bad.faults[0].service == "tracklist-service"
    storm = load("db-lock-storm")
    assert storm.expected_severity is Severity.P2
    assert isinstance(storm.faults[0], LockStorm)
    down = load("service-down")
    assert down.expected_severity is Severity.P1
    assert isinstance(down.faults[0], CrashLoop)
    assert down.faults[0].service == "analysis-service"


def test_a_scenario_file_by_path(tmp_path):
    path = write(tmp_path, '[[faults]]\ntype = "lock_storm"\nat = 3\nevery = 2\nmax_waiters = 4\n')
    scenario = load(path)
    assert scenario.faults == (LockStorm(type="lock_storm", at=3, every=2, max_waiters=4),)


def test_a_bad_value_names_the_field_as_written_in_the_file(tmp_path):
    message = error(
        tmp_path,
        '[[faults]]\ntype = "bad_deploy"\nat = 1\nservice = "tracklist-service"\n'
        "error_rate = 500\n",
    )
    assert message.startswith("scenario mine.toml: field faults.0.error_rate: ")
    assert "100" in message  # what the limit is


def test_an_unknown_service_names_the_field(tmp_path):
    message = error(
        tmp_path, '[[faults]]\ntype = "crash_loop"\nat = 1\nservice = "payment-service"\n'
    )
    assert message.startswith("scenario mine.toml: field faults.0.service: ")
    assert "analysis-service" in message


def test_the_second_fault_is_named_by_its_index(tmp_path):
    message = error(
        tmp_path,
        '[[faults]]\ntype = "lock_storm"\nat = 1\n'
        '[[faults]]\ntype = "probe_outage"\nat = 2\nsource = "mysql"\nduration = 5\n',
    )
    assert message.startswith("scenario mine.toml: field faults.1.source: ")


def test_an_unknown_key_is_refused(tmp_path):
    message = error(tmp_path, '[[faults]]\ntype = "lock_storm"\nat = 1\nevry = 2\n')
    assert message.startswith("scenario mine.toml: field faults.0.evry: ")


def test_an_unknown_fault_type(tmp_path):
    message = error(tmp_path, '[[faults]]\ntype = "meteor"\nat = 1\n')
    assert message.startswith("scenario mine.toml: field faults.0: ")
    assert "meteor" in message and "bad_deploy" in message


def test_no_faults(tmp_path):
    assert error(tmp_path, "faults = []\n").startswith("scenario mine.toml: field faults: ")


def test_a_bad_severity(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        'name = "t"\ntitle = "t"\nexpected_severity = "P0"\n'
        '[[faults]]\ntype = "lock_storm"\nat = 1\n'
    )
    with pytest.raises(ScenarioError, match=r"^scenario mine.toml: field expected_severity: "):
        load(path)


def test_not_toml(tmp_path):
    message = error(tmp_path, 'title = "unterminated\n')
    assert message.startswith("scenario mine.toml: not valid TOML")


def test_an_unknown_name_lists_the_known_ones():
    with pytest.raises(ScenarioError) as err:
        load("meteor-strike")
    assert str(err.value) == (
        "unknown scenario 'meteor-strike' (known: bad-deploy, certificate-expiry, "
        "connection-pool-exhaustion, db-lock-storm, external-api-failure, service-down)"
    )


def test_a_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read scenario"):
        load(tmp_path / "missing.toml")
