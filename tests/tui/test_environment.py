"""A `WARROOM_*` variable warroom does not read is a typo, refused in one line naming it and
the nearest name warroom reads, exit 2, before anything is contacted.

Before: `WARROOM_PG_DNS` (for the config's `WARROOM_PG_DSN`), `WARROOM_DATA_DRI` or
`WARROOM_PROMETHEUSS__URL` were ignored silently, and live ran without what was meant.
"""

from __future__ import annotations

import socket
import threading

from tests.tui.test_cli import assert_one_line_error, warroom
from tui.config import Config, config_reads
from tui.environment import CONFIG_KEYS


class Listener:
    """A loopback port that counts the connections made to it: nothing may be contacted."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()


def config(tmp_path, port: int) -> str:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[prometheus]\nurl = "http://127.0.0.1:{port}"\n'
        '[contexts.prod]\ndsn_env = "WARROOM_PG_DSN"\n'
    )
    return str(path)


def test_a_mistyped_secret_variable_is_refused_naming_the_one_meant(tmp_path):
    listener = Listener()
    path = config(tmp_path, listener.port)
    for command in ("check", "live"):
        result = warroom(command, "--config", path, env={"WARROOM_PG_DNS": "host=db"})
        assert_one_line_error(
            result, "WARROOM_PG_DNS: not a variable warroom reads", "did you mean WARROOM_PG_DSN?"
        )
        assert "host=db" not in result.stderr  # a value is never echoed: it may be a secret
    assert listener.accepted == 0


def test_a_mistyped_config_key_is_refused_as_the_variable_it_is(tmp_path):
    path = config(tmp_path, 9)
    cases = {
        "WARROOM_PROMETHEUSS__URL": "WARROOM_PROMETHEUS__URL",
        "WARROOM_PROMETHEUS__URLL": "WARROOM_PROMETHEUS__URL",
        "WARROOM_REFRESHH": "WARROOM_REFRESH",
        "WARROOM_CONTEXTS__prod__READ_ONLYY": "WARROOM_CONTEXTS__PROD__READ_ONLY",
        "WARROOM_DATA_DRI": "WARROOM_DATA_DIR",
    }
    for typo, meant in cases.items():
        result = warroom("check", "--config", path, env={typo: "x"})
        assert_one_line_error(result, f"{typo}: not a", f"did you mean {meant}?")
        assert str(tmp_path) not in result.stderr  # not said to be a key of the file


def test_the_variables_warroom_reads_are_taken(tmp_path):
    path = config(tmp_path, closed_port := 9)
    env = {
        "WARROOM_PG_DSN": "host=127.0.0.1 port=9",  # the config names it
        "WARROOM_REFRESH": "4",
        "warroom_prometheus__timeout": "1",  # pydantic-settings reads keys in any case
        "WARROOM_CONTEXTS__prod__READ_ONLY": "true",
        "WARROOM_OPERATOR": "alice",
        "WARROOM_STALL_LOG": "",
        "WARROOM_BENCH_SECONDS": "5",
    }
    result = warroom("check", "--config", path, env=env)
    assert result.returncode == 1, result  # checked: Prometheus is not there
    assert f"127.0.0.1:{closed_port}" in result.stdout
    assert "not a variable" not in result.stderr


def test_a_command_without_config_refuses_only_a_near_miss(tmp_path):
    """demo cannot tell a variable another config names from a typo: a name near one it
    reads is refused, any other is left to live and check."""
    result = warroom("demo", env={"WARROOM_DATA_DRI": str(tmp_path)})
    assert_one_line_error(result, "WARROOM_DATA_DRI", "did you mean WARROOM_DATA_DIR?")
    result = warroom("journals", env={"WARROOM_OPERATR": "bob"})
    assert_one_line_error(result, "WARROOM_OPERATR", "did you mean WARROOM_OPERATOR?")
    result = warroom("demo", env={"WARROOM_PG_DSN": "host=db"})  # a secret live's config names
    assert_one_line_error(result, "needs a terminal")


def test_a_variable_near_one_that_is_set_is_another_configs_and_taken(tmp_path):
    """A name is refused only as a typo of a name that is not set: another config's secret
    left in the shell (as near the one this config names as a typo can be) never stops the
    console, nor do other tools' WARROOM_ names a command without config does not read."""
    listener = Listener()
    path = config(tmp_path, listener.port)
    others = {"WARROOM_DR_DSN": "host=dr", "WARROOM_STAGING_DSN": "host=staging"}
    env = {"WARROOM_PG_DSN": "host=127.0.0.1 port=9", **others}
    result = warroom("check", "--config", path, env=env)
    assert "not a variable" not in result.stderr
    assert f"127.0.0.1:{listener.port}" in result.stdout  # it went on to check the servers
    env = {"WARROOM_DB_DSN": "x", "WARROOM_NOTIFY_TOKEN": "x", "WARROOM_PD_KEY": "x"}
    result = warroom("demo", env=env)
    assert_one_line_error(result, "needs a terminal")  # refused for no variable
    # a name is a typo when what it misses is not set
    staging = {"WARROOM_STAGING_DSN": "host=staging"}
    result = warroom("check", "--config", path, env={"WARROOM_PG_DNS": "db", **staging})
    assert_one_line_error(result, "WARROOM_PG_DNS: not a", "did you mean WARROOM_PG_DSN?")


def test_the_known_top_level_keys_are_the_configs():
    assert set(CONFIG_KEYS) == set(Config.model_fields)
    assert config_reads("WARROOM_NOTIFY__CHANNELS__#incidents__WEBHOOK_ENV")
    assert config_reads("WARROOM_PROMETHEUS__HEADERS__Authorization")
    assert not config_reads("WARROOM_PROMETHEUS__URL__X")
    assert not config_reads("WARROOM_CLUSTER____SERVICES")
