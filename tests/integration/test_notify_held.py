"""The outbox while the journal's file refuses writes (SQLITE_FULL through max_page_count):
what a restart could send a second time waits, everything else goes, and it is all written
once the file takes it again. Loopback Slack and PagerDuty receivers answer as the real APIs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.notify_room import INCIDENT, T0, config, queued_id, reopen
from tests.servers.receivers import PagerDutyReceiver, SlackReceiver
from tests.unit.test_journal_held import fill, free

pytestmark = pytest.mark.integration

SLACK_ENV, PD_ENV = "SLACK_WEBHOOK_URL", "PAGERDUTY_ROUTING_KEY"


@pytest.fixture
def receivers():
    with SlackReceiver() as slack, PagerDutyReceiver() as pd:
        yield slack, pd


def setup(room, receivers):
    slack, pd = receivers
    channels = {
        "#incidents": {"type": "slack", "webhook_env": SLACK_ENV},
        "pagerduty": {"type": "pagerduty", "routing_key_env": PD_ENV, "events_url": pd.events_url},
    }
    cfg = config(channels)
    env = {SLACK_ENV: slack.webhook_url, PD_ENV: PagerDutyReceiver.ROUTING_KEY}
    return cfg, room.sender(cfg, env)


def hold(room) -> None:
    """The file takes no page more; notes recorded until the journal holds."""
    from state.events import NoteAdded

    fill(room.journal)
    while room.journal.holding is None:
        room.recorder.record(NoteAdded(at=room.clock.now(), text="filling", by="ana"))


async def test_a_slack_post_in_the_file_waits_a_page_goes_and_all_is_written_later(
    room, receivers, tmp_path
):
    slack, pd = receivers
    cfg, sender = setup(room, receivers)
    in_file = room.queue_update(cfg, ["#incidents", "pagerduty"])  # in the file, pending
    hold(room)
    outcomes = await sender.deliver_due()
    # PagerDuty folds a second copy into one alert by dedup_key: it goes. Slack would post a
    # restart's copy again (its claim cannot be committed): it waits.
    assert [(e.channel, e.outcome) for e in outcomes] == [("pagerduty", "delivered")]
    assert slack.requests == [] and len(pd.requests) == 1
    assert room.outbox.get(in_file[0]).state == "pending"

    later = room.queue_update(cfg, ["#incidents"])  # queued now: in memory alone
    outcomes = await sender.deliver_due()
    assert outcomes == []  # Slack's channel is one message at a time, oldest first: it waits
    assert room.outbox.get(later[0]).state == "pending"

    free(room.journal)
    assert room.recorder.retry(room.clock.now()) is not None
    outcomes = await sender.deliver_due()
    assert [(e.message_id, e.outcome) for e in outcomes] == [(in_file[0], "delivered")]
    outcomes = await sender.deliver_due()
    assert [(e.message_id, e.outcome) for e in outcomes] == [(later[0], "delivered")]
    assert len(slack.requests) == 2

    room.close()  # a restart finds every message settled: nothing is sent twice
    again = reopen(tmp_path / "room.warroom", room.clock)
    try:
        assert {r.message_id: r.state for r in again.outbox.rows()} == {
            in_file[0]: "delivered",
            in_file[1]: "delivered",
            later[0]: "delivered",
        }
    finally:
        again.close()


async def test_a_message_queued_while_holding_is_sent_and_a_lost_one_is_never_sent_twice(
    room, receivers, tmp_path
):
    slack, _ = receivers
    cfg, sender = setup(room, receivers)
    hold(room)
    [message_id] = room.queue_update(cfg, ["#incidents"])
    row = room.outbox.get(message_id)
    assert row is not None and not room.outbox.in_file(row)
    outcomes = await sender.deliver_due()
    assert [(e.message_id, e.outcome) for e in outcomes] == [(message_id, "delivered")]
    assert len(slack.requests) == 1
    room.close()  # the console ends while the file still refuses: the record is lost...
    again = reopen(tmp_path / "room.warroom", room.clock)
    try:  # ...and no restart sends it again (at most once, never twice)
        assert again.outbox.get(message_id) is None
        sender = again.sender(cfg, {SLACK_ENV: slack.webhook_url})
        sender.resume()
        assert await sender.deliver_due() == []
        assert len(slack.requests) == 1
    finally:
        again.close()


async def test_the_message_after_a_lost_one_has_an_id_of_its_own(room, receivers, tmp_path):
    """A message queued and sent while holding, then lost with the console: the next
    console counts the same number on that channel, and yet its message's id is new. The
    receivers carry the id (Slack's "warroom …" line, PagerDuty's custom_details), so each
    names one message there too."""
    slack, pd = receivers
    cfg, sender = setup(room, receivers)
    hold(room)
    lost = room.queue_update(cfg, ["#incidents", "pagerduty"])
    outcomes = await sender.deliver_due()
    assert sorted(e.outcome for e in outcomes) == ["delivered", "delivered"]
    room.close()  # the console ends while the file still refuses: both are lost
    room.clock.advance(90)  # a console started again on the journal
    again = reopen(tmp_path / "room.warroom", room.clock)
    try:
        assert [again.outbox.get(i) for i in lost] == [None, None]
        assert again.outbox.next_number(INCIDENT, "#incidents") == 1  # the count repeats
        env = {SLACK_ENV: slack.webhook_url, PD_ENV: PagerDutyReceiver.ROUTING_KEY}
        sender = again.sender(cfg, env)
        later = again.queue_update(cfg, ["#incidents", "pagerduty"])
        outcomes = await sender.deliver_due()
        assert sorted(e.outcome for e in outcomes) == ["delivered", "delivered"]
    finally:
        again.close()
    assert set(later).isdisjoint(lost)
    assert later == [
        queued_id("#incidents", 1, T0 + timedelta(seconds=90)),
        queued_id("pagerduty", 1, T0 + timedelta(seconds=90)),
    ]
    posted = [r.json["blocks"][1]["elements"][0]["text"] for r in slack.requests]
    assert posted == [f"warroom {lost[0]}", f"warroom {later[0]}"]
    paged = [r.json["payload"]["custom_details"]["message_id"] for r in pd.requests]
    assert paged == [lost[1], later[1]]
