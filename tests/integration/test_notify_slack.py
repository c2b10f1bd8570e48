"""Slack incoming webhooks against a loopback receiver: shapes, retries, failures, secrets,
and a lost reply: delivery unknown, sent again only when a person resends it."""

from __future__ import annotations

import pytest

from probes.notify.queue import resend
from state.guide.severity import IncidentStatus
from tests.integration.notify_room import INCIDENT, config, queued_id, reopen
from tests.servers.receivers import Reply, SlackReceiver

pytestmark = pytest.mark.integration

ENV = "SLACK_WEBHOOK_URL"


@pytest.fixture
def slack():
    with SlackReceiver() as receiver:
        yield receiver


def setup(room, slack, **settings):
    cfg = config({"#incidents": {"type": "slack", "webhook_env": ENV}}, **settings)
    sender = room.sender(cfg, {ENV: slack.webhook_url})
    ids = room.queue_update(cfg, ["#incidents"])
    return sender, ids[0]


async def test_a_status_update_is_posted_as_slack_expects(room, slack):
    sender, message_id = setup(room, slack)
    assert message_id == queued_id("#incidents", 1)

    outcomes = await sender.deliver_due()

    assert [(e.message_id, e.outcome, e.detail) for e in outcomes] == [
        (message_id, "delivered", "")
    ]
    [request] = slack.requests
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/json"
    body = request.json
    assert body["text"].startswith(f"*Incident:* {INCIDENT}\n")
    assert "*Status:* Investigating" in body["text"]
    assert body["blocks"][0] == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": body["text"]},
    }
    assert body["blocks"][1]["elements"][0]["text"] == f"warroom {message_id}"
    assert set(body) == {"text", "blocks"}
    # on the timeline and in the state
    incident = room.state.incident
    assert incident.last_update_at == room.clock.now()
    assert incident.pending_messages == {}
    assert room.state.timeline[-1].text == "Investigating update delivered to #incidents"
    assert room.outbox.get(message_id).state == "delivered"


async def test_429_is_retried_after_retry_after_seconds(room, slack):
    slack.then(Reply(429, "rate_limited", {"Retry-After": "7"}))
    sender, message_id = setup(room, slack)

    assert await sender.deliver_due() == []
    row = room.outbox.get(message_id)
    assert (row.state, row.attempts, row.last_error) == (
        "pending",
        1,
        f"slack webhook ${ENV}: rate limited (HTTP 429)",
    )
    room.clock.advance(6.9)
    assert await sender.deliver_due() == []
    assert len(slack.requests) == 1  # not before Retry-After
    room.clock.advance(0.1)
    [outcome] = await sender.deliver_due()
    assert outcome.outcome == "delivered"
    assert len(slack.requests) == 2
    assert room.outbox.get(message_id).attempts == 2


async def test_5xx_is_retried_with_exponential_backoff(room, slack):
    slack.then(Reply(503, "rollup_error"), Reply(500, "rollup_error"))
    sender, message_id = setup(room, slack, backoff=2.0)

    await sender.deliver_due()  # t=0: 503
    room.clock.advance(1.9)
    await sender.deliver_due()
    assert len(slack.requests) == 1
    room.clock.advance(0.1)  # t=2: 500
    await sender.deliver_due()
    assert len(slack.requests) == 2
    room.clock.advance(3.9)
    await sender.deliver_due()
    assert len(slack.requests) == 2
    room.clock.advance(0.1)  # t=6: 2 s then 4 s of backoff
    [outcome] = await sender.deliver_due()
    assert outcome.outcome == "delivered" and outcome.message_id == message_id
    assert len(slack.answered(200)) == 1
    assert len(room.posted()) == 1  # the retries journal nothing; the outcome once


async def test_an_archived_channel_fails_at_once_with_slacks_reason(room, slack):
    slack.then(*[Reply(410, "channel_is_archived")] * 3)
    sender, _ = setup(room, slack)

    [outcome] = await sender.deliver_due()

    assert outcome.outcome != "delivered"
    assert outcome.detail == (
        f"slack webhook ${ENV}: HTTP 410 channel_is_archived "
        "(the webhook's channel is archived; unarchive it or make a new webhook)"
    )
    assert slack.webhook_url not in outcome.detail
    room.clock.advance(3600)
    assert await sender.deliver_due() == []
    assert len(slack.requests) == 1  # permanent: never retried
    entry = room.state.timeline[-1]
    assert entry.tone == "bad"
    assert entry.text.startswith("Investigating update FAILED to #incidents: slack webhook $")
    assert room.state.incident.last_update_at is None


@pytest.mark.parametrize(
    ("status", "word"),
    [
        (400, "invalid_payload"),
        (403, "action_prohibited"),
        (403, "invalid_token"),
        (404, "channel_not_found"),
        (404, "no_service"),
    ],
)
async def test_slacks_client_errors_are_permanent(room, slack, status, word):
    slack.then(Reply(status, word))
    sender, _ = setup(room, slack)
    [outcome] = await sender.deliver_due()
    assert outcome.outcome != "delivered"
    assert f"HTTP {status} {word}" in outcome.detail


async def test_retrying_stops_after_max_attempts_and_says_so(room, slack):
    slack.then(*[Reply(503, "rollup_error")] * 10)
    sender, _ = setup(room, slack, max_attempts=3, backoff=1.0)
    outcomes = []
    for _ in range(10):
        outcomes += await sender.deliver_due()
        room.clock.advance(10)
    assert len(slack.requests) == 3
    [outcome] = outcomes
    assert (
        outcome.detail == f"gave up after 3 attempts: slack webhook ${ENV}: HTTP 503 rollup_error"
    )


async def test_a_retry_after_past_the_max_age_fails_now(room, slack):
    slack.then(Reply(429, "rate_limited", {"Retry-After": "4000"}))
    sender, _ = setup(room, slack, max_age=1800)
    [outcome] = await sender.deliver_due()
    assert outcome.outcome != "delivered"
    assert outcome.detail.startswith("not delivered within 30 min: slack webhook")


@pytest.mark.parametrize("after", ["99999999999999999999", "1" + "0" * 400])
async def test_a_retry_after_no_clock_can_hold_is_past_the_max_age(room, slack, after):
    """A receiver's Retry-After past what a date can hold raised OverflowError out of the
    delivery step: the message's outcome was never journaled, and the loop tried it again at
    once, each time."""
    slack.then(Reply(429, "rate_limited", {"Retry-After": after}))
    sender, _ = setup(room, slack, max_age=1800)
    [outcome] = await sender.deliver_due()
    assert outcome.outcome == "failed"
    assert outcome.detail.startswith("not delivered within 30 min: slack webhook")


@pytest.mark.parametrize("after", ["²", "³"])
async def test_a_retry_after_of_other_digits_is_no_retry_after(room, slack, after):
    """str.isdigit() holds for '²', which float() refuses: the reply's reason was lost to
    'ValueError'. RFC 9110's delay-seconds are ASCII digits; anything else is no Retry-After."""
    slack.then(Reply(429, "rate_limited", {"Retry-After": after}))
    sender, message_id = setup(room, slack)
    assert await sender.deliver_due() == []
    row = room.outbox.get(message_id)
    assert row.last_error == f"slack webhook ${ENV}: rate limited (HTTP 429)"


async def test_a_message_due_past_its_max_age_is_failed_without_sending(room, slack):
    sender, _ = setup(room, slack, max_age=60)
    room.clock.advance(61)  # e.g. the console was stopped for a while
    [outcome] = await sender.deliver_due()
    assert (outcome.outcome, outcome.detail) == ("failed", "not delivered within 1 min")
    assert slack.requests == []


async def test_an_unset_webhook_variable_fails_naming_the_variable(room, slack):
    cfg = config({"#incidents": {"type": "slack", "webhook_env": ENV}})
    sender = room.sender(cfg, {})
    room.queue_update(cfg, ["#incidents"])
    [outcome] = await sender.deliver_due()
    assert outcome.detail == f"slack webhook ${ENV}: environment variable {ENV} is not set"


async def test_a_refused_connection_is_retried_without_the_url(room, slack):
    cfg = config({"#incidents": {"type": "slack", "webhook_env": ENV}})
    dead = "http://127.0.0.1:9/services/T0/B0/secrettoken123"  # port 9: discard, closed
    sender = room.sender(cfg, {ENV: dead})
    [message_id] = room.queue_update(cfg, ["#incidents"])
    assert await sender.deliver_due() == []
    row = room.outbox.get(message_id)
    assert row.last_error == f"slack webhook ${ENV}: connection refused"
    await sender.stop()


async def test_the_webhook_url_never_reaches_the_journal(room, slack, tmp_path):
    # a receiver that echoes the token: the reason says $SLACK_WEBHOOK_URL instead
    slack.then(Reply(500, SlackReceiver.TOKEN), Reply(410, SlackReceiver.TOKEN))
    sender, message_id = setup(room, slack)
    await sender.deliver_due()
    assert room.outbox.get(message_id).last_error == f"slack webhook ${ENV}: HTTP 500 ${ENV}"
    room.clock.advance(60)
    [outcome] = await sender.deliver_due()
    assert outcome.detail == f"slack webhook ${ENV}: HTTP 410 ${ENV}"
    room.journal.close()
    raw = room.journal.path.read_bytes()
    assert SlackReceiver.TOKEN.encode() not in raw
    assert slack.webhook_url.encode() not in raw
    room.journal = type(room.journal).open(room.journal.path)
    for event in room.journal.events():
        assert SlackReceiver.TOKEN not in event.model_dump_json()
    for row in type(room.outbox)(room.journal).rows():
        assert SlackReceiver.TOKEN not in row.model_dump_json()
    for entry in room.state.timeline:
        assert SlackReceiver.TOKEN not in entry.text


async def test_text_from_outside_cannot_ping_the_channel(room, slack):
    cfg = config({"#incidents": {"type": "slack", "webhook_env": ENV}})
    sender = room.sender(cfg, {ENV: slack.webhook_url})
    room.queue_update(
        cfg,
        ["#incidents"],
        IncidentStatus.IDENTIFIED,
        internal_text="pod <!channel> & <https://evil|click>",
    )
    await sender.deliver_due()
    assert slack.posted()[0]["text"] == "pod &lt;!channel&gt; &amp; &lt;https://evil|click&gt;"


# ---- a request whose reply was lost: delivery unknown, never sent again by itself ----------------

HELD_PAST_TIMEOUT = 0.5  # the client's timeout; the receiver answers 2 s late


def unknown_outcome(room, slack):
    """A sender with a short timeout and one queued update: (config, sender, message id)."""
    cfg = config({"#incidents": {"type": "slack", "webhook_env": ENV}}, timeout=HELD_PAST_TIMEOUT)
    [message_id] = room.queue_update(cfg, ["#incidents"])
    return cfg, room.sender(cfg, {ENV: slack.webhook_url}), message_id


async def test_a_reply_held_past_the_timeout_is_posted_once_and_delivery_unknown(
    room, slack, tmp_path
):
    slack.then(Reply(delay=2.0))
    cfg, sender, message_id = unknown_outcome(room, slack)

    [outcome] = await sender.deliver_due()

    assert outcome.outcome == "unknown"
    assert outcome.detail == f"slack webhook ${ENV}: sent, but no reply within the timeout"
    assert len(slack.requests) == 1 and len(slack.channel) == 1  # Slack did post it
    row = room.outbox.get(message_id)
    assert (row.state, row.last_error) == ("unknown", outcome.detail)
    assert room.outbox.open_rows() == []  # nothing waits to be sent
    entry = room.state.timeline[-1]
    assert entry.tone == "warn"
    assert entry.text == (
        "Investigating update to #incidents: delivery UNKNOWN, not sent again "
        f"(slack webhook ${ENV}: sent, but no reply within the timeout); "
        "if it did not arrive, resend it from the command palette"
    )
    assert room.state.incident.pending_messages == {}
    assert room.state.incident.last_update_at is None  # not known to be delivered

    room.clock.advance(3600)  # no retry, however long the console runs
    assert await sender.deliver_due() == []
    await sender.stop()

    # a restarted console does not send it either
    room.close()
    again = reopen(room.journal.path, room.clock)
    restarted = again.sender(cfg, {ENV: slack.webhook_url})
    assert restarted.resume() == []
    assert await restarted.deliver_due() == []
    assert len(slack.requests) == 1

    # the commander resends it: exactly one more post, marked with the same id
    resend(again.outbox, again.recorder.record, again.clock.now(), message_id, "ana")
    assert again.state.incident.pending_messages[message_id].channel == "#incidents"
    [second] = await restarted.deliver_due()
    await restarted.stop()
    assert second.outcome == "delivered"
    assert len(slack.requests) == 2
    ids = [post["blocks"][1]["elements"][0]["text"] for post in slack.channel]
    assert ids == [f"warroom {message_id}"] * 2
    texts = [e.text for e in again.state.timeline[-2:]]
    assert texts == [
        "Investigating update resent to #incidents by ana "
        "(its first delivery was unknown: it may post a duplicate)",
        "Investigating update delivered to #incidents",
    ]
    assert again.state.incident.last_update_at == again.clock.now()
    assert again.outbox.get(message_id).state == "delivered"
    with pytest.raises(KeyError):  # delivered now: nothing of unknown delivery to resend
        resend(again.outbox, again.recorder.record, again.clock.now(), message_id, "ana")
    room.journal = again.journal  # closed by the fixture


async def test_a_connection_dropped_after_the_post_is_delivery_unknown(room, slack):
    slack.then(Reply(drop=True))
    _, sender, message_id = unknown_outcome(room, slack)
    [outcome] = await sender.deliver_due()
    assert outcome.outcome == "unknown" and outcome.message_id == message_id
    assert outcome.detail == (
        f"slack webhook ${ENV}: sent, but the connection ended before the reply (connection reset)"
    )
    room.clock.advance(60)
    assert await sender.deliver_due() == []
    assert len(slack.requests) == 1 == len(slack.channel)


async def test_only_refusals_429_and_5xx_are_retried(room, slack):
    """Nothing was sent, or Slack said to try again: retried. The reply lost: not."""
    channels = {"#incidents": {"type": "slack", "webhook_env": ENV}}
    cfg = config(channels, timeout=HELD_PAST_TIMEOUT, backoff=1.0)
    slack.then(Reply(503, "rollup_error"), Reply(429, "rate_limited", {"Retry-After": "1"}))
    dead = "http://127.0.0.1:9/services/T0/B0/secrettoken123"  # refused: nothing left
    env = {ENV: dead}
    sender = room.sender(cfg, env)
    [message_id] = room.queue_update(cfg, ["#incidents"])
    assert await sender.deliver_due() == []
    assert room.outbox.get(message_id).last_error == f"slack webhook ${ENV}: connection refused"
    env[ENV] = slack.webhook_url
    for _ in range(2):  # 503, then 429: each retried
        room.clock.advance(5)
        assert await sender.deliver_due() == []
    room.clock.advance(5)
    [outcome] = await sender.deliver_due()
    assert outcome.outcome == "delivered"
    assert [r.answered for r in slack.requests] == [503, 429, 200]
    await sender.stop()
