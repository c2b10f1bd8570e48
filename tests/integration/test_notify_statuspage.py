"""Atlassian Statuspage against a loopback receiver: create once, then update the same one."""

from __future__ import annotations

import pytest

from state.guide.severity import IncidentStatus
from tests.integration.notify_room import INCIDENT, config, new_room, reopen
from tests.servers.receivers import Reply, StatuspageReceiver

pytestmark = pytest.mark.integration

ENV = "STATUSPAGE_API_KEY"
SECRETS = {ENV: StatuspageReceiver.API_KEY}
COMPONENTS = {"tracklist-service": "cmp-tracklist", "analysis-service": "cmp-analysis"}


@pytest.fixture
def page():
    with StatuspageReceiver() as receiver:
        yield receiver


@pytest.fixture
def path(tmp_path):
    return tmp_path / "sp.warroom"


@pytest.fixture
def room(path):
    opened = new_room(path)
    yield opened
    opened.close()


def settings(page, **more):
    channel = {
        "type": "statuspage",
        "page_id": StatuspageReceiver.PAGE_ID,
        "api_key_env": ENV,
        "api_url": page.url,
        "components": COMPONENTS,
    }
    return config({"status-page": channel}, **more)


def update(room, cfg, status, **texts) -> str:
    [message_id] = room.queue_update(cfg, ["status-page"], status, **texts)
    return message_id


async def test_the_first_update_creates_the_incident_with_its_components(room, page):
    cfg = settings(page)
    sender = room.sender(cfg, SECRETS)
    update(room, cfg, IncidentStatus.INVESTIGATING)

    [outcome] = await sender.deliver_due()

    assert outcome.outcome == "delivered"
    assert outcome.detail == "Statuspage incident p31zjtct2001 created"
    lookup, create = page.requests
    assert (lookup.method, lookup.path) == (
        "GET",
        f"/v1/pages/{StatuspageReceiver.PAGE_ID}/incidents/unresolved",
    )
    assert (create.method, create.path) == (
        "POST",
        f"/v1/pages/{StatuspageReceiver.PAGE_ID}/incidents",
    )
    for request in (lookup, create):
        assert request.headers["authorization"] == f"OAuth {StatuspageReceiver.API_KEY}"
    assert create.json == {
        "incident": {
            "name": "tracklist-service 5xx",
            "status": "investigating",
            "body": (
                "We are investigating reports of issues with analysis-service and "
                "tracklist-service. We will provide updates as we learn more."
            ),
            "components": {"cmp-analysis": "degraded_performance", "cmp-tracklist": "major_outage"},
            "component_ids": ["cmp-analysis", "cmp-tracklist"],
            "metadata": {"warroom": {"incident_id": INCIDENT}},
        }
    }
    assert room.state.timeline[-1].text == (
        "Investigating update delivered to status-page: Statuspage incident p31zjtct2001 created"
    )


async def test_later_updates_patch_the_same_incident_even_after_a_restart(room, page, path):
    cfg = settings(page)
    sender = room.sender(cfg, SECRETS)
    update(room, cfg, IncidentStatus.INVESTIGATING)
    await sender.deliver_due()
    update(room, cfg, IncidentStatus.IDENTIFIED, public_text="Bad deploy; rolling back.")
    await sender.deliver_due()
    room.close()

    again = reopen(path, room.clock)  # a new console on the same journal
    resumed = again.sender(cfg, SECRETS)
    update(again, cfg, IncidentStatus.RESOLVED)
    [outcome] = await resumed.deliver_due()
    again.close()

    assert outcome.detail == "Statuspage incident p31zjtct2001 updated"
    methods = [(r.method, r.path.rsplit("/", 1)[-1]) for r in page.requests]
    assert methods == [
        ("GET", "unresolved"),
        ("POST", "incidents"),
        ("PATCH", "p31zjtct2001"),
        ("PATCH", "p31zjtct2001"),
    ]
    assert page.requests[2].json == {
        "incident": {
            "status": "identified",
            "body": "Bad deploy; rolling back.",
            "components": {"cmp-analysis": "degraded_performance", "cmp-tracklist": "major_outage"},
            "component_ids": ["cmp-analysis", "cmp-tracklist"],
        }
    }
    resolved = page.requests[3].json["incident"]
    assert resolved["status"] == "resolved"
    assert resolved["components"] == {"cmp-analysis": "operational", "cmp-tracklist": "operational"}
    assert len(page.incidents) == 1


async def test_a_create_whose_reply_was_lost_is_found_not_created_again(room, page):
    # the incident is created but the reply never comes: the attempt times out
    page.then(Reply(), Reply(hold=True, apply=True))
    cfg = settings(page, timeout=0.2)
    sender = room.sender(cfg, SECRETS)
    update(room, cfg, IncidentStatus.INVESTIGATING)

    assert await sender.deliver_due() == []
    room.clock.advance(2)
    [outcome] = await sender.deliver_due()

    assert outcome.detail == "Statuspage incident p31zjtct2001 updated"
    assert [r.method for r in page.requests] == ["GET", "POST", "GET", "PATCH"]
    assert len(page.incidents) == 1


async def test_without_metadata_in_replies_the_incident_is_matched_by_name(room, page):
    page.echo_metadata = False
    page.then(Reply(), Reply(hold=True, apply=True))
    cfg = settings(page, timeout=0.2)
    sender = room.sender(cfg, SECRETS)
    update(room, cfg, IncidentStatus.INVESTIGATING)
    await sender.deliver_due()
    room.clock.advance(2)
    [outcome] = await sender.deliver_due()
    assert outcome.outcome == "delivered" and len(page.incidents) == 1


@pytest.mark.parametrize("throttle", [420, 429])
async def test_throttling_is_retried_after_retry_after(room, page, throttle):
    page.then(Reply(throttle, {"error": "Rate limit exceeded"}, {"Retry-After": "30"}))
    cfg = settings(page)
    sender = room.sender(cfg, SECRETS)
    message_id = update(room, cfg, IncidentStatus.INVESTIGATING)

    assert await sender.deliver_due() == []
    assert room.outbox.get(message_id).last_error == (
        f"statuspage {StatuspageReceiver.PAGE_ID} ${ENV}: throttled (HTTP {throttle})"
    )
    room.clock.advance(29)
    await sender.deliver_due()
    assert len(page.requests) == 1
    room.clock.advance(1)
    [outcome] = await sender.deliver_due()
    assert outcome.outcome == "delivered"


@pytest.mark.parametrize(
    ("status", "body", "said"),
    [
        (401, {"error": "Could not authenticate"}, "HTTP 401 Could not authenticate"),
        (403, {"error": "You are not authorized"}, "HTTP 403 You are not authorized"),
        (404, {"error": "Not found"}, "HTTP 404 Not found"),
        (422, {"error": ["Name can't be blank"]}, "HTTP 422 Name can't be blank"),
    ],
)
async def test_client_errors_are_permanent(room, page, status, body, said):
    page.then(Reply(status, body))
    cfg = settings(page)
    sender = room.sender(cfg, SECRETS)
    update(room, cfg, IncidentStatus.INVESTIGATING)
    [outcome] = await sender.deliver_due()
    assert (outcome.outcome, outcome.detail) == (
        "failed",
        f"statuspage {StatuspageReceiver.PAGE_ID} ${ENV}: {said}",
    )
    room.clock.advance(3600)
    assert await sender.deliver_due() == []
    assert len(page.requests) == 1


async def test_updates_to_one_channel_go_in_order(room, page):
    page.then(Reply(503, {"error": "down"}))
    cfg = settings(page)
    sender = room.sender(cfg, SECRETS)
    first = update(room, cfg, IncidentStatus.INVESTIGATING)
    second = update(room, cfg, IncidentStatus.IDENTIFIED)
    await sender.deliver_due()  # the first fails for now; the second waits behind it
    assert room.outbox.get(second).attempts == 0
    room.clock.advance(2)
    [one] = await sender.deliver_due()
    [two] = await sender.deliver_due()
    assert (one.message_id, two.message_id) == (first, second)
    assert [s for s in (page.incidents["p31zjtct2001"]["status"],)] == ["identified"]


async def test_an_id_that_is_not_an_id_never_reaches_a_url(room, page):
    page.then(Reply(), Reply(201, {"id": "../../../pages/other/incidents/x"}))
    cfg = settings(page)
    sender = room.sender(cfg, SECRETS)
    message_id = update(room, cfg, IncidentStatus.INVESTIGATING)
    assert await sender.deliver_due() == []
    assert room.outbox.get(message_id).last_error.endswith(": unreadable reply")
