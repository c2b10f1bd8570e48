"""PagerDuty Events API v2 and REST escalation against a loopback receiver."""

from __future__ import annotations

import httpx
import pytest

from probes.notify.pagerduty import escalate
from state.guide.severity import IncidentStatus
from tests.integration.notify_room import INCIDENT, config
from tests.servers.receivers import PagerDutyReceiver, Reply

pytestmark = pytest.mark.integration

KEY_ENV, TOKEN_ENV = "PAGERDUTY_ROUTING_KEY", "PAGERDUTY_API_TOKEN"
SECRETS = {KEY_ENV: PagerDutyReceiver.ROUTING_KEY, TOKEN_ENV: PagerDutyReceiver.API_TOKEN}


@pytest.fixture
def pd():
    with PagerDutyReceiver() as receiver:
        yield receiver


def channel(pd: PagerDutyReceiver, rest: bool = False) -> dict:
    settings = {"type": "pagerduty", "routing_key_env": KEY_ENV, "events_url": pd.events_url}
    if rest:
        settings |= {"api_token_env": TOKEN_ENV, "from_email": "ic@example.com", "api_url": pd.url}
    return settings


def update(room, cfg, status=IncidentStatus.INVESTIGATING) -> str:
    [message_id] = room.queue_update(cfg, ["pagerduty"], status)
    return message_id


async def test_a_trigger_carries_the_incident_as_dedup_key(room, pd):
    cfg = config({"pagerduty": channel(pd)})
    sender = room.sender(cfg, SECRETS)
    message_id = update(room, cfg)

    [outcome] = await sender.deliver_due()

    assert outcome.outcome == "delivered"
    [request] = pd.requests
    assert (request.method, request.path) == ("POST", "/v2/enqueue")
    assert request.headers["content-type"] == "application/json"
    body = request.json
    assert body["routing_key"] == PagerDutyReceiver.ROUTING_KEY
    assert body["event_action"] == "trigger"
    assert body["dedup_key"] == INCIDENT
    assert body["client"] == "warroom"
    payload = body["payload"]
    assert payload["summary"] == f"{INCIDENT} P1 CRITICAL Investigating: tracklist-service 5xx"
    assert (payload["source"], payload["severity"]) == ("warroom", "critical")
    assert payload["custom_details"]["message_id"] == message_id
    assert payload["custom_details"]["message"].startswith(f"**Incident:** {INCIDENT}")
    assert pd.answered(202) == [request]


async def test_a_resolved_update_resolves_the_same_alert(room, pd):
    cfg = config({"pagerduty": channel(pd)})
    sender = room.sender(cfg, SECRETS)
    update(room, cfg)
    await sender.deliver_due()
    update(room, cfg, IncidentStatus.RESOLVED)
    await sender.deliver_due()
    trigger, resolve = (r.json for r in pd.requests)
    assert resolve == {
        "routing_key": PagerDutyReceiver.ROUTING_KEY,
        "event_action": "resolve",
        "dedup_key": INCIDENT,
    }
    assert trigger["dedup_key"] == resolve["dedup_key"]
    assert pd.alerts[INCIDENT]["status"] == "resolved"


async def test_acknowledging_the_incident_acknowledges_the_same_alert(room, pd):
    from probes.notify.queue import queue_acknowledgement

    cfg = config({"pagerduty": channel(pd)})
    sender = room.sender(cfg, SECRETS)
    update(room, cfg)
    await sender.deliver_due()
    queue_acknowledgement(
        room.outbox, room.recorder.record, room.state, room.clock.now(), cfg, "ana"
    )
    [outcome] = await sender.deliver_due()
    assert outcome.outcome == "delivered"
    _trigger, acknowledge = (r.json for r in pd.requests)
    assert acknowledge == {
        "routing_key": PagerDutyReceiver.ROUTING_KEY,
        "event_action": "acknowledge",
        "dedup_key": INCIDENT,
    }
    assert pd.alerts[INCIDENT]["status"] == "acknowledged"
    # neither the page nor the acknowledge is a status update that reached people
    assert room.state.incident.last_update_at is None


async def test_an_invalid_event_is_not_retried_and_names_pagerdutys_errors(room, pd):
    cfg = config({"pagerduty": channel(pd)})
    sender = room.sender(cfg, {KEY_ENV: "too-short", TOKEN_ENV: "x"})
    update(room, cfg)

    [outcome] = await sender.deliver_due()
    room.clock.advance(600)
    assert await sender.deliver_due() == []

    assert len(pd.requests) == 1
    assert pd.requests[0].answered == 400
    assert outcome.detail == (
        f"pagerduty ${KEY_ENV}: invalid event: Event object is invalid; "
        "Length of 'routing_key' is incorrect (should be 32 characters)"
    )


async def test_429_and_5xx_are_retried_with_the_same_dedup_key(room, pd):
    pd.then(
        Reply(
            429,
            {
                "status": "throttle event",
                "message": "Requests for this service are arriving too quickly.",
            },
        )
    )
    pd.then(Reply(502, "Bad Gateway"))
    cfg = config({"pagerduty": channel(pd)}, backoff=2.0)
    sender = room.sender(cfg, SECRETS)
    update(room, cfg)

    await sender.deliver_due()  # 429 without Retry-After: a minute, as PagerDuty asks
    room.clock.advance(59)
    await sender.deliver_due()
    assert len(pd.requests) == 1
    room.clock.advance(1)
    await sender.deliver_due()  # 502: our backoff, 2 s * 2^(2-1)
    room.clock.advance(3.9)
    await sender.deliver_due()
    assert len(pd.requests) == 2
    room.clock.advance(0.1)
    [outcome] = await sender.deliver_due()

    assert outcome.outcome == "delivered"
    assert [r.answered for r in pd.requests] == [429, 502, 202]
    assert {r.json["dedup_key"] for r in pd.requests} == {INCIDENT}
    assert len(pd.alerts) == 1


async def test_an_escalation_pages_and_sets_the_escalation_level(room, pd):
    cfg = config({"pagerduty": channel(pd, rest=True)}, escalation={"team": ["pagerduty"]})
    sender = room.sender(cfg, SECRETS)
    [message_id] = room.queue_escalation(cfg, 2, "need the team lead")

    [outcome] = await sender.deliver_due()

    assert outcome.outcome == "delivered", outcome.detail
    assert outcome.detail == "PagerDuty incident PINC001 at escalation level 2"
    trigger, lookup, put = pd.requests
    details = trigger.json["payload"]["custom_details"]
    assert details["escalation_level"] == 2
    assert details["message"] == (
        f"🚨 Incident Escalated to L2\nIncident: {INCIDENT}\nReason: need the team lead"
    )
    assert (lookup.method, lookup.path) == ("GET", "/incidents")
    assert lookup.query == {"incident_key": [INCIDENT], "statuses[]": ["triggered", "acknowledged"]}
    for rest in (lookup, put):
        assert rest.headers["authorization"] == f"Token token={PagerDutyReceiver.API_TOKEN}"
        assert rest.headers["accept"] == "application/vnd.pagerduty+json;version=2"
        assert rest.headers["from"] == "ic@example.com"
    assert (put.method, put.path) == ("PUT", "/incidents/PINC001")
    assert put.json == {"incident": {"type": "incident_reference", "escalation_level": 2}}
    assert pd.alerts[INCIDENT]["escalation_level"] == 2
    # the timeline: the escalation, then its page
    state = room.state
    assert state.incident.escalation_level == 2
    assert [e.text for e in state.timeline[-2:]] == [
        "Escalated to L2 (team lead, senior engineer) by ana: need the team lead; paging pagerduty",
        "L2 escalation page delivered to pagerduty: PagerDuty incident PINC001 at escalation "
        "level 2",
    ]
    assert state.incident.last_update_at is None  # a page is not a status update
    assert room.outbox.get(message_id).state == "delivered"


async def test_an_incident_not_there_yet_is_looked_up_again(room, pd):
    pd.hidden_lookups = 1  # the Events API is asynchronous
    cfg = config({"pagerduty": channel(pd, rest=True)})
    sender = room.sender(cfg, SECRETS)
    room.queue_escalation(cfg, 3, "P1 15 min", channels=["pagerduty"])
    assert await sender.deliver_due() == []
    room.clock.advance(2)
    [outcome] = await sender.deliver_due()
    assert outcome.outcome == "delivered"
    assert [r.method for r in pd.requests] == ["POST", "GET", "POST", "GET", "PUT"]
    assert {r.json["dedup_key"] for r in pd.requests if r.method == "POST"} == {INCIDENT}
    assert pd.alerts[INCIDENT]["triggers"] == 2 and len(pd.alerts) == 1


async def test_an_escalation_level_out_of_bounds_fails_with_pagerdutys_words(room, pd):
    cfg = config({"pagerduty": channel(pd, rest=True)})
    sender = room.sender(cfg, SECRETS)
    room.queue_escalation(cfg, 4, "1 h open", channels=["pagerduty"])
    [outcome] = await sender.deliver_due()
    assert outcome.outcome != "delivered"
    assert outcome.detail == (
        f"pagerduty REST ${TOKEN_ENV}: HTTP 400 Invalid Input Provided; "
        "Escalation level is out of bounds"
    )


async def test_escalate_alone_against_the_rest_api(pd):
    pd.alerts["INC-1"] = {
        "id": "PX1",
        "incident_key": "INC-1",
        "status": "acknowledged",
        "escalation_level": 1,
        "triggers": 1,
    }
    async with httpx.AsyncClient() as client:
        ok = await escalate(
            client, pd.url, PagerDutyReceiver.API_TOKEN, "ic@example.com", "INC-1", 3
        )
        bad_token = await escalate(client, pd.url, "wrong", "ic@example.com", "INC-1", 3)
        missing = await escalate(
            client, pd.url, PagerDutyReceiver.API_TOKEN, "ic@example.com", "INC-2", 3
        )
    assert (ok.outcome, ok.detail) == ("delivered", "PagerDuty incident PX1 at escalation level 3")
    assert (bad_token.outcome, bad_token.detail) == (
        "failed",
        "pagerduty REST API: HTTP 401 Unauthorized",
    )
    assert missing.outcome == "retry"
    assert pd.alerts["INC-1"]["escalation_level"] == 3


async def test_the_routing_key_and_token_never_reach_the_journal(room, pd, tmp_path):
    pd.then(
        Reply(
            400, {"status": "invalid event", "message": PagerDutyReceiver.ROUTING_KEY, "errors": []}
        )
    )
    cfg = config({"pagerduty": channel(pd, rest=True)})
    sender = room.sender(cfg, SECRETS)
    update(room, cfg)
    [outcome] = await sender.deliver_due()
    assert outcome.detail == f"pagerduty ${KEY_ENV}: invalid event: ${KEY_ENV}"
    room.journal.close()
    raw = room.journal.path.read_bytes()
    for secret in SECRETS.values():
        assert secret.encode() not in raw
