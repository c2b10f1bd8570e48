"""The [notify] config: channels, their secrets' variable names, and what each dialog offers."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from probes.http import redact
from probes.notify.config import (
    channel_of,
    demo_config,
    missing_secrets,
    parse,
    secret_names,
    target_of,
)
from probes.notify.queue import ChannelInfo, configured_channels
from probes.notify.result import retry_after

FULL = {
    "channels": {
        "#incidents": {"type": "slack", "webhook_env": "SLACK_WEBHOOK_URL"},
        "#management": {"type": "slack", "webhook_env": "MGMT_SLACK_WEBHOOK"},
        "pagerduty": {
            "type": "pagerduty",
            "routing_key_env": "PAGERDUTY_ROUTING_KEY",
            "api_token_env": "PAGERDUTY_API_KEY",
            "from_email": "ic@example.com",
        },
        "status-page": {
            "type": "statuspage",
            "page_id": "kctbh9vrtdwd",
            "api_key_env": "STATUSPAGE_API_KEY",
            "components": {"tracklist-service": "cmp1"},
        },
    },
    "updates": ["#incidents", "status-page"],
    "escalation": {"team": ["#incidents", "pagerduty"], "management": ["#management"]},
}


def test_a_full_config_parses_with_the_apis_defaults():
    config = parse(FULL)
    pd = config.channels["pagerduty"]
    assert pd.events_url == "https://events.pagerduty.com/v2/enqueue"
    assert pd.api_url == "https://api.pagerduty.com"
    assert config.channels["status-page"].api_url == "https://api.statuspage.io"
    assert config.channels["status-page"].audience == "public"
    assert config.escalation_channels("executive") == []
    assert (config.max_attempts, config.max_age, config.backoff, config.backoff_cap) == (
        8,
        1800.0,
        2.0,
        300.0,
    )


def one(channel: dict) -> dict:
    return {"channels": {"x": channel}}


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (
            one({"type": "slack", "webhook_env": "https://hooks.slack.com/services/T/B/x"}),
            "name the environment variable",
        ),
        ({"channels": {"a:b": {"type": "sink"}}}, "channel names"),
        ({**FULL, "updates": ["nope"]}, "no such channel: nope"),
        ({**FULL, "escalation": {"team": ["status-page"]}}, "escalations are internal"),
        (one({"type": "carrier-pigeon"}), "does not match any of the expected tags"),
        (
            one({"type": "pagerduty", "routing_key_env": "K", "api_token_env": "T"}),
            "needs from_email",
        ),
        (
            one(
                {
                    "type": "statuspage",
                    "page_id": "p",
                    "api_key_env": "K",
                    "api_url": "https://user:pw@api.statuspage.io",
                }
            ),
            "without credentials",
        ),
        # no upper bound: timeout = inf waited on a hung receiver for ever, and a backoff
        # past what a date holds raised OverflowError out of every delivery step
        ({**FULL, "timeout": float("inf")}, "less than or equal to 60"),
        ({**FULL, "backoff": 1e300}, "less than or equal to 3600"),
        ({**FULL, "backoff_cap": float("inf")}, "less than or equal to 3600"),
        ({**FULL, "max_age": 1e20}, "less than or equal to 86400"),
        ({**FULL, "max_age": float("nan")}, "max_age"),
    ],
)
def test_bad_configs_say_what_is_wrong(data, words):
    with pytest.raises(ValidationError, match=words):
        parse(data)


def test_a_targets_round_trip_holds_names_not_values():
    for channel in parse(FULL).channels.values():
        target = target_of(channel)
        assert channel_of(target) == channel
        for name in secret_names(channel):
            assert name in target.values()


def test_missing_secrets_and_the_dialogs_channel_list():
    env = {"SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/x"}
    assert missing_secrets(parse(FULL), env) == [
        "notify.channels.#management.webhook_env: "
        "environment variable MGMT_SLACK_WEBHOOK is not set",
        "notify.channels.pagerduty.routing_key_env: "
        "environment variable PAGERDUTY_ROUTING_KEY is not set",
        "notify.channels.pagerduty.api_token_env: "
        "environment variable PAGERDUTY_API_KEY is not set",
        "notify.channels.status-page.api_key_env: "
        "environment variable STATUSPAGE_API_KEY is not set",
    ]
    listed = configured_channels(FULL, env)
    assert listed[0] == ChannelInfo("#incidents", "slack", "internal", True, True)
    assert listed[3] == ChannelInfo(
        "status-page",
        "statuspage",
        "public",
        True,
        False,
        "environment variable STATUSPAGE_API_KEY is not set",
    )


def test_the_demo_config_needs_no_secret():
    config = demo_config()
    assert missing_secrets(config, {}) == []
    assert {c.type for c in config.channels.values()} == {"sink"}


def test_redact_replaces_a_secret_and_a_url_secrets_token():
    secrets = {"HOOK": "https://hooks.slack.com/services/T0/B0/tok3n5ecret", "KEY": "abcd1234"}
    text = "failed https://hooks.slack.com/services/T0/B0/tok3n5ecret: tok3n5ecret abcd1234\nx"
    assert redact(text, secrets) == "failed $HOOK: $HOOK $KEY x"


def test_retry_after_in_seconds_or_as_a_date():
    assert retry_after({"retry-after": "30"}) == 30.0
    assert (
        retry_after(
            {
                "retry-after": "Fri, 06 Mar 2026 12:01:00 GMT",
                "date": "Fri, 06 Mar 2026 12:00:15 GMT",
            }
        )
        == 45.0
    )
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({}) is None


async def test_check_of_a_sink_is_about_its_folder(tmp_path):
    from probes.notify.check import check_channel

    good = parse({"channels": {"log": {"type": "sink", "path": str(tmp_path / "sent.jsonl")}}})
    bad = parse({"channels": {"log": {"type": "sink", "path": str(tmp_path / "no" / "x.jsonl")}}})
    journal_only = parse({"channels": {"log": {"type": "sink"}}})
    ok = await check_channel("log", good.channels["log"], {})
    assert ok.ok and ok.backend == "notify log" and ok.target == str(tmp_path / "sent.jsonl")
    failed = await check_channel("log", bad.channels["log"], {})
    assert failed.problems == (f"cannot write in {tmp_path / 'no'}",)
    assert (await check_channel("log", journal_only.channels["log"], {})).ok
