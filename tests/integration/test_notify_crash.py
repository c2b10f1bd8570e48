"""kill -9 between "written to the outbox" and "delivered": the restarted console never posts
twice. PagerDuty and Statuspage are sent again and recognise the copy; Slack cannot, so
there the message is delivery unknown until the commander resends it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from state.events import MessageQueued, MessageSent
from state.journal.outbox import Outbox
from state.journal.store import Journal
from tests.integration.notify_room import INCIDENT, queued_id
from tests.servers.receivers import (
    PagerDutyReceiver,
    Reply,
    SlackReceiver,
    StatuspageReceiver,
)

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def child(path: Path, mode: str, settings: dict, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.notify_child",
            str(path),
            mode,
            json.dumps(settings),
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    assert process.returncode == -signal.SIGKILL


def restart(path: Path, settings: dict, env: dict[str, str]) -> dict:
    done = child(path, "resume", settings, env)
    out, err = done.communicate(timeout=60)
    assert done.returncode == 0, err
    return json.loads(out.splitlines()[-1])


def journaled(path: Path) -> tuple[list, list]:
    with Journal.open(path, read_only=True) as journal:
        events = list(journal.events())
        rows = Outbox(journal).rows()
    return events, rows


def outcomes(events: list, message_id: str) -> list[MessageSent]:
    return [e for e in events if isinstance(e, MessageSent) and e.message_id == message_id]


@pytest.mark.parametrize("posted", [False, True], ids=["not-posted", "posted-reply-lost"])
def test_slack_killed_mid_request_is_delivery_unknown_and_not_sent_again(tmp_path, posted):
    """Slack may or may not have taken it; a restart cannot tell and does not post blind."""
    path = tmp_path / "crash.warroom"
    settings = {"channels": {"#incidents": {"type": "slack", "webhook_env": "SLACK_WEBHOOK_URL"}}}
    with SlackReceiver() as slack:
        env = {"SLACK_WEBHOOK_URL": slack.webhook_url}
        slack.then(Reply(hold=True, apply=posted))  # in flight when the console dies
        first = child(path, "first", settings, env)
        assert first.stdout.readline().strip() == "queued"
        assert slack.wait_for(1)
        kill(first)

        events, [row] = journaled(path)
        message_id = queued_id("#incidents", 1)
        assert (row.message_id, row.state, row.attempts) == (message_id, "sending", 1)
        assert [e.message_id for e in events if isinstance(e, MessageQueued)] == [message_id]
        assert outcomes(events, message_id) == []

        summary = restart(path, settings, env)

    assert summary["resumed"] == [] and summary["outcomes"] == []
    assert len(slack.requests) == 1  # never a second request
    assert len(slack.channel) == (1 if posted else 0)
    events, [row] = journaled(path)
    [outcome] = outcomes(events, message_id)
    assert outcome.outcome == "unknown"
    assert outcome.detail == "#incidents: the console stopped while the request was in flight"
    assert (row.state, row.attempts) == ("unknown", 1)


def test_killed_after_queueing_before_sending_sends_once(tmp_path):
    path = tmp_path / "crash.warroom"
    settings = {"channels": {"#incidents": {"type": "slack", "webhook_env": "SLACK_WEBHOOK_URL"}}}
    with SlackReceiver() as slack:
        env = {"SLACK_WEBHOOK_URL": slack.webhook_url}
        first = child(path, "hang", settings, env)
        assert first.stdout.readline().strip() == "queued"
        kill(first)
        assert slack.requests == []
        summary = restart(path, settings, env)
    assert summary["resumed"] == []  # nothing was in flight: it was simply due
    assert len(slack.answered(200)) == 1 == len(slack.requests)
    events, [row] = journaled(path)
    assert len(outcomes(events, row.message_id)) == 1
    assert row.attempts == 1


def test_pagerduty_killed_after_it_took_the_event_keeps_one_alert(tmp_path):
    path = tmp_path / "crash.warroom"
    settings = {
        "channels": {
            "pagerduty": {
                "type": "pagerduty",
                "routing_key_env": "PAGERDUTY_ROUTING_KEY",
                "events_url": "",
            }
        }
    }
    with PagerDutyReceiver() as pd:
        settings["channels"]["pagerduty"]["events_url"] = pd.events_url
        env = {"PAGERDUTY_ROUTING_KEY": PagerDutyReceiver.ROUTING_KEY}
        pd.then(Reply(hold=True, apply=True))  # PagerDuty processed it; the 202 is lost
        first = child(path, "first", settings, env)
        assert pd.wait_for(1)
        kill(first)
        restart(path, settings, env)

    assert len(pd.requests) == 2
    assert {r.json["dedup_key"] for r in pd.requests} == {INCIDENT}
    first_try, second_try = (r.json for r in pd.requests)
    assert first_try == second_try  # the same event, byte for byte in meaning
    assert len(pd.answered(202)) == 1
    assert len(pd.alerts) == 1  # one alert, one page
    events, [row] = journaled(path)
    [outcome] = outcomes(events, row.message_id)
    assert outcome.outcome == "delivered" and row.state == "delivered"


def test_statuspage_killed_between_created_and_recorded_keeps_one_incident(tmp_path):
    path = tmp_path / "crash.warroom"
    settings = {
        "channels": {
            "status-page": {
                "type": "statuspage",
                "page_id": StatuspageReceiver.PAGE_ID,
                "api_key_env": "STATUSPAGE_API_KEY",
                "api_url": "",
            }
        }
    }
    with StatuspageReceiver() as page:
        settings["channels"]["status-page"]["api_url"] = page.url
        env = {"STATUSPAGE_API_KEY": StatuspageReceiver.API_KEY}
        page.then(Reply(), Reply(hold=True, apply=True))  # lookup; create, reply lost
        first = child(path, "first", settings, env)
        assert page.wait_for(2)
        kill(first)
        summary = restart(path, settings, env)

    assert [r.method for r in page.requests] == ["GET", "POST", "GET", "PATCH"]
    assert len(page.incidents) == 1
    [outcome] = summary["outcomes"]
    assert outcome["detail"] == "Statuspage incident p31zjtct2001 updated"
    events, [row] = journaled(path)
    assert row.remote_id == "p31zjtct2001"
    assert len(outcomes(events, row.message_id)) == 1
