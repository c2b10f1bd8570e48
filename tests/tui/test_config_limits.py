"""Configs past any sane size: refused at load, in one line naming the key and the limit.

`warroom check` with 20,000 services printed nothing for 150 s (issue 10): validation was
quadratic in the list, and every service was then checked. Now such a list is refused
before anything reads it, and a list at the limit is checked and answered in a few lines.
"""

from __future__ import annotations

from tests.integration.http_health import closed_port
from tests.integration.k8s_emulator import write_kubeconfig
from tests.tui.test_cli import assert_one_line_error, warroom
from tui.config import MAX_ENTRIES, MAX_FILE, MAX_STRING


def services(n: int) -> str:
    return ", ".join(f'"svc-{i}"' for i in range(n))


def test_twenty_thousand_services_are_refused_naming_the_limit(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(f"[cluster]\nservices = [{services(20_000)}]\n")
    for command in ("check", "live"):
        result = warroom(command, "--config", str(path))
        assert_one_line_error(result, "cluster.services", "20,000 entries", f"{MAX_ENTRIES:,}")


def test_a_five_megabyte_value_is_refused_naming_its_key(tmp_path):
    huge = "x" * 5_000_000
    path = tmp_path / "config.toml"
    path.write_text(
        '[cluster]\nservices = ["analysis-service"]\n'
        f'[prometheus]\nurl = "http://prometheus:9090"\nerror_rate_query = "{huge}"\n'
    )
    result = warroom("check", "--config", str(path))
    assert_one_line_error(
        result, "prometheus.error_rate_query", "5,000,000 characters", f"{MAX_STRING:,}"
    )
    assert len(result.stderr) < 300  # the value is never echoed back


def test_a_huge_name_in_a_list_is_named_by_its_place(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(f'[cluster]\nservices = ["ok", "{"a" * 5_000_000}"]\n')
    result = warroom("check", "--config", str(path))
    assert_one_line_error(result, "cluster.services[1]", "5,000,000 characters")
    assert len(result.stderr) < 300


def test_a_huge_environment_override_is_named(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[cluster]\nservices = ["analysis-service"]\n')
    result = warroom(
        "check", "--config", str(path), env={"WARROOM_PROMETHEUS__URL": "http://" + "p" * 100_000}
    )
    assert_one_line_error(result, "WARROOM_PROMETHEUS__URL", "100,007 characters")
    assert len(result.stderr) < 300


def test_an_environment_value_has_the_files_per_value_limit(tmp_path):
    """Before: a 20,000-character WARROOM_PROMETHEUS__URL was accepted (only 32,768 per
    variable was checked), though the same value in the file is refused past 8,192."""
    path = tmp_path / "config.toml"
    path.write_text('[cluster]\nservices = ["analysis-service"]\n')
    url = "http://" + "p" * 19_993
    result = warroom("check", "--config", str(path), env={"WARROOM_PROMETHEUS__URL": url})
    assert_one_line_error(result, "WARROOM_PROMETHEUS__URL", "20,000 characters", f"{MAX_STRING:,}")
    assert len(result.stderr) < 300
    # a JSON list: each value has the same limit, named by its place in the variable
    names = '["ok", "' + "s" * 9_000 + '"]'
    result = warroom("check", "--config", str(path), env={"WARROOM_CLUSTER__SERVICES": names})
    assert_one_line_error(result, "WARROOM_CLUSTER__SERVICES[1]", "9,000 characters")


def test_a_file_past_the_limit_is_not_read(tmp_path):
    path = tmp_path / "config.toml"
    with path.open("wb") as f:
        f.truncate(MAX_FILE + 1)  # sparse: nothing to read but its size
    result = warroom("check", "--config", str(path))
    assert_one_line_error(result, str(path), f"at most {MAX_FILE // 2**20} MiB")


def test_check_at_the_limit_answers_in_a_screenful(tmp_path):
    """1,000 services that all fail: the table, ten problem lines per backend and a count."""
    port = closed_port()
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", f"http://127.0.0.1:{port}")
    path = tmp_path / "config.toml"
    path.write_text(
        f'[cluster]\nkubeconfig = "{kubeconfig}"\n'
        f'health_url = "http://127.0.0.1:{port}/{{service}}"\n'
        f"services = [{services(MAX_ENTRIES)}]\n"
    )
    result = warroom("check", "--config", str(path))
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert f"(0 of {MAX_ENTRIES} up)" in out
    assert "health: svc-0: " in out  # refused, or timed out on a busy machine
    assert f"health: … and {MAX_ENTRIES - 10:,} more" in out
    assert "svc-999" not in out
    assert "not ready: kubernetes, health" in out
    assert len(out.splitlines()) < 30
