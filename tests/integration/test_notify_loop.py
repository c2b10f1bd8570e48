"""The delivery loop as the console runs it: the sink, queueing, waking, several channels."""

from __future__ import annotations

import asyncio
import json

import pytest

from probes.notify.config import demo_config
from state.events import Escalated, MessageQueued, MessageSent
from state.guide.severity import IncidentStatus
from tests.integration.notify_room import config, queued_id
from tests.servers.receivers import Reply, SlackReceiver

pytestmark = pytest.mark.integration


def update(room, cfg, channels, status=IncidentStatus.INVESTIGATING) -> list[str]:
    return room.queue_update(cfg, channels, status)


async def in_flight(room, slack: SlackReceiver):
    """An update queued to a Slack #incidents and the loop started, until `slack` has the
    request: the channel config, the running sender, the message id."""
    cfg = config({"#incidents": {"type": "slack", "webhook_env": "HOOK"}})
    sender = room.sender(cfg, {"HOOK": slack.webhook_url})
    [message_id] = update(room, cfg, ["#incidents"])
    sender.start()
    await asyncio.to_thread(slack.wait_for, 1)
    return cfg, sender, message_id


async def test_the_demo_sink_delivers_to_its_file_and_the_timeline(room, tmp_path):
    sink = tmp_path / "sent.jsonl"
    cfg = demo_config(sink)
    sender = room.sender(cfg, {})
    ids = update(room, cfg, cfg.updates)
    assert ids == [queued_id("#incidents", 1), queued_id("status-page", 1)]

    outcomes = await sender.deliver_due()

    assert [(o.channel, o.outcome) for o in outcomes] == [
        ("#incidents", "delivered"),
        ("status-page", "delivered"),
    ]
    lines = [json.loads(line) for line in sink.read_text().splitlines()]
    assert [line["message_id"] for line in lines] == ids
    assert lines[0]["text"].startswith("**Incident:**")  # internal: the internal update
    assert lines[1]["text"].startswith("We are investigating")  # public: the status page
    assert [e.text for e in room.state.timeline[-4:]] == [
        "Investigating update queued for #incidents by ana",
        "Investigating update queued for status-page by ana",
        "Investigating update delivered to #incidents",
        "Investigating update delivered to status-page",
    ]


async def test_an_escalation_goes_to_its_audiences_channels(room):
    cfg = demo_config()
    sender = room.sender(cfg, {})
    ids = room.queue_escalation(cfg, 4, "P1 open 1 h")
    assert ids == [queued_id("#executive", 1), queued_id("pagerduty", 1)]
    events = list(room.journal.events())
    escalated = next(e for e in events if isinstance(e, Escalated))
    assert (escalated.level, escalated.contacts, escalated.channels) == (
        4,
        ("VP engineering", "CTO"),
        ("#executive", "pagerduty"),
    )
    assert [e.purpose for e in events if isinstance(e, MessageQueued)] == ["escalation"] * 2
    await sender.deliver_due()
    assert room.state.incident.escalation_level == 4
    assert room.state.timeline[-1].text == "L4 escalation page delivered to pagerduty"


async def test_queueing_refuses_unknown_channels_and_levels(room):
    cfg = demo_config()
    with pytest.raises(ValueError, match="no such notify channel: #nope"):
        update(room, cfg, ["#nope"])
    with pytest.raises(ValueError, match="1-5"):
        room.queue_escalation(cfg, 6, "x")
    with pytest.raises(ValueError, match="status-page is public"):
        room.queue_escalation(cfg, 1, "x", channels=["status-page"])
    assert room.outbox.rows() == []


async def test_message_numbers_keep_counting_per_channel(room):
    cfg = demo_config()
    update(room, cfg, ["#incidents"])
    assert update(room, cfg, ["#incidents", "#incidents", "pagerduty"]) == [
        queued_id("#incidents", 2),
        queued_id("pagerduty", 1),
    ]


async def test_one_slow_channel_does_not_hold_up_another(room, tmp_path):
    with SlackReceiver() as slack:
        slack.then(Reply(503, "rollup_error"))
        cfg = config(
            {
                "#incidents": {"type": "slack", "webhook_env": "HOOK"},
                "log": {"type": "sink", "path": str(tmp_path / "log.jsonl")},
            }
        )
        sender = room.sender(cfg, {"HOOK": slack.webhook_url})
        update(room, cfg, ["#incidents", "log"])
        [outcome] = await sender.deliver_due()
        assert outcome.channel == "log"
        room.clock.advance(2)
        [outcome] = await sender.deliver_due()
        assert outcome.channel == "#incidents" and outcome.outcome == "delivered"
        await sender.stop()


async def test_the_background_loop_delivers_what_is_queued_and_resumes_on_start(room):
    cfg = demo_config()
    update(room, cfg, ["#incidents"])
    room.outbox.claim(queued_id("#incidents", 1))  # as a console that died mid-request left it
    sender = room.sender(cfg, {})
    sender.start()
    try:
        for _ in range(200):
            if not room.outbox.open_rows():
                break
            await asyncio.sleep(0.01)
        assert room.outbox.open_rows() == []
        update(room, cfg, ["pagerduty"])
        sender.wake()
        for _ in range(200):
            if not room.outbox.open_rows():
                break
            await asyncio.sleep(0.01)
    finally:
        await sender.stop()
    delivered = [e for e in room.journal.events() if isinstance(e, MessageSent)]
    assert [(e.channel, e.outcome) for e in delivered] == [
        ("#incidents", "delivered"),
        ("pagerduty", "delivered"),
    ]


async def test_a_sink_that_cannot_write_fails_with_the_reason(room, tmp_path):
    cfg = config({"log": {"type": "sink", "path": str(tmp_path / "no" / "such" / "dir.jsonl")}})
    sender = room.sender(cfg, {})
    update(room, cfg, ["log"])
    [outcome] = await sender.deliver_due()
    assert outcome.outcome != "delivered"
    assert outcome.detail.endswith("no such file or directory")


async def test_stopping_lets_a_request_in_flight_finish_within_the_grace(room):
    with SlackReceiver() as slack:
        _, sender, message_id = await in_flight(room, slack)
        await sender.stop(grace=5)
    assert room.outbox.get(message_id).state == "delivered"


async def test_stopping_past_the_grace_leaves_a_slack_post_unknown_to_the_next_start(room):
    """The quit-while-in-flight path of the fault sweep's third copy: not posted again."""
    with SlackReceiver() as slack:
        slack.then(Reply(hold=True, apply=True))
        cfg, sender, message_id = await in_flight(room, slack)
        await sender.stop(grace=0.1)
        assert room.outbox.get(message_id).state == "sending"
        again = room.sender(cfg, {"HOOK": slack.webhook_url})
        assert again.resume() == []  # what start() does first, then the loop's step
        assert await again.deliver_due() == []
        await again.stop()
        assert len(slack.requests) == 1 == len(slack.channel)
    assert room.outbox.get(message_id).state == "unknown"
    assert room.state.timeline[-1].text.startswith(
        "Investigating update to #incidents: delivery UNKNOWN, not sent again "
        "(#incidents: the console stopped while the request was in flight)"
    )
