"""A receiver (or a proxy before it) answering with a huge or endless body: the reply is read
up to REPLY_LIMIT and no further, the message's outcome follows the status as the real API's
would, and the one line says the reply was cut."""

from __future__ import annotations

import tracemalloc

import pytest

from probes.notify.result import REPLY_LIMIT
from tests.integration.notify_room import config
from tests.servers.receivers import PagerDutyReceiver, Reply, SlackReceiver, StatuspageReceiver

pytestmark = pytest.mark.integration

ENDLESS = -1
CUT = "reply cut at 1 MiB"
# an escape sequence, a bell and a newline at the head of the body: drawn as text, never acted on
HOSTILE = "\x1b[2J\x1b]0;owned\x07rollup_error\n"


def slack_setup(room, slack):
    cfg = config({"#incidents": {"type": "slack", "webhook_env": "HOOK"}}, timeout=5.0)
    sender = room.sender(cfg, {"HOOK": slack.webhook_url})
    [message_id] = room.queue_update(cfg, ["#incidents"])
    return sender, message_id


@pytest.mark.parametrize(
    ("status", "outcome", "state", "detail"),
    [
        (200, "delivered", "delivered", CUT),
        (500, "retry", "pending", "slack webhook $HOOK: HTTP 500 rollup_error xxx"),
        (404, "failed", "failed", "slack webhook $HOOK: HTTP 404 rollup_error xxx"),
    ],
)
async def test_an_endless_slack_reply_is_cut_and_its_status_decides(
    room, status, outcome, state, detail
):
    with SlackReceiver() as slack:
        slack.then(Reply(status, HOSTILE, stream=ENDLESS))
        sender, message_id = slack_setup(room, slack)

        outcomes = await sender.deliver_due()

    row = room.outbox.get(message_id)
    assert row.state == state
    line = row.last_error if outcome == "retry" else outcomes[0].detail
    if outcome == "retry":
        assert outcomes == []  # a retry journals nothing yet
    else:
        assert [o.outcome for o in outcomes] == [outcome]
    assert line.startswith(detail) and line.endswith(f"({CUT})" if status != 200 else CUT)
    assert line.isprintable()  # the escapes and the bell are gone, one line
    assert len(slack.requests) == 1  # read, not timed out and sent again


async def test_a_huge_reply_costs_no_more_memory_than_the_bound(room):
    """50 MiB of body: the sender's peak allocation stays near the bound (read whole, it was
    the body twice: the bytes and their text)."""
    with SlackReceiver() as slack:
        slack.then(Reply(200, "ok", stream=50 * 1024 * 1024))
        sender, _ = slack_setup(room, slack)
        tracemalloc.start()
        try:
            [outcome] = await sender.deliver_due()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert (outcome.outcome, outcome.detail) == ("delivered", CUT)
    assert peak < 4 * REPLY_LIMIT  # the kept bytes, their text and a read chunk or two
    assert slack.streamed < 50 * 1024 * 1024  # the rest was never read


@pytest.mark.parametrize(
    ("status", "state", "detail"),
    [
        (202, "delivered", CUT),
        (500, "pending", f"pagerduty $KEY: HTTP 500 ({CUT})"),
    ],
)
async def test_an_endless_pagerduty_reply_is_cut_and_its_status_decides(
    room, status, state, detail
):
    with PagerDutyReceiver() as pd:
        pd.then(Reply(status, HOSTILE, stream=ENDLESS))
        cfg = config(
            {
                "pagerduty": {
                    "type": "pagerduty",
                    "routing_key_env": "KEY",
                    "events_url": pd.events_url,
                }
            },
            timeout=5.0,
        )
        sender = room.sender(cfg, {"KEY": PagerDutyReceiver.ROUTING_KEY})
        [message_id] = room.queue_update(cfg, ["pagerduty"])

        outcomes = await sender.deliver_due()

    row = room.outbox.get(message_id)
    assert row.state == state
    assert (outcomes[0].detail if outcomes else row.last_error) == detail
    assert len(pd.requests) == 1


async def test_an_endless_statuspage_reply_is_unreadable_and_retried(room):
    with StatuspageReceiver() as page:
        page.then(Reply(200, "[", stream=ENDLESS))  # the unresolved list, never ending
        channel = {
            "type": "statuspage",
            "page_id": StatuspageReceiver.PAGE_ID,
            "api_key_env": "SP",
            "api_url": page.url,
        }
        cfg = config({"status-page": channel}, timeout=5.0)
        sender = room.sender(cfg, {"SP": StatuspageReceiver.API_KEY})
        [message_id] = room.queue_update(cfg, ["status-page"])

        assert await sender.deliver_due() == []

    row = room.outbox.get(message_id)
    assert row.state == "pending"
    assert row.last_error.endswith(f": unreadable reply ({CUT})")
    assert len(page.requests) == 1  # no incident created on a list it could not read
