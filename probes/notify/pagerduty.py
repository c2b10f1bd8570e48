"""PagerDuty: Events API v2 for pages and updates, the REST API for escalation levels.

Every event carries dedup_key = the incident id, so a trigger sent twice (a retry, or a
resend after a crash) lands on the same alert. Events API: 202 accepted; 400 invalid event
(not retried); 429 and 5xx retried. The REST escalation finds the incident by that key
and PUTs its escalation_level, which is idempotent too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from probes.notify.result import (
    Answer,
    Delivery,
    ask,
    remote_id,
    reply,
    request_failed,
    retry_after,
)
from state.guide.severity import IncidentStatus, Severity

if TYPE_CHECKING:
    import httpx

    from probes.notify.config import PagerDutyChannel
    from state.journal.outbox import OutboxMessage

SEVERITY: dict[Severity, str] = {
    Severity.P1: "critical",
    Severity.P2: "error",
    Severity.P3: "warning",
    Severity.P4: "info",
}
SUMMARY_LIMIT = 1024
RATE_LIMIT_WAIT = 60.0  # PagerDuty: "retry on a 429 ... preferably with a backoff of a few minutes"
REST_ACCEPT = "application/vnd.pagerduty+json;version=2"


def event_action(message: OutboxMessage) -> Literal["trigger", "acknowledge", "resolve"]:
    if message.purpose == "acknowledge":
        return "acknowledge"
    resolved = message.purpose == "update" and message.status is IncidentStatus.RESOLVED
    return "resolve" if resolved else "trigger"


def event_body(message: OutboxMessage, routing_key: str, source: str) -> dict[str, Any]:
    """The Events API v2 body for this message."""
    action = event_action(message)
    body: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": action,
        "dedup_key": message.incident_id,
    }
    if action == "trigger":
        details: dict[str, Any] = {
            "incident_id": message.incident_id,
            "status": message.status.value,
            "severity": message.severity.value,
            "message": message.text,
            "message_id": message.message_id,
        }
        if message.purpose == "escalation":
            details["escalation_level"] = message.level
        body["payload"] = {
            "summary": (message.summary or message.title)[:SUMMARY_LIMIT],
            "source": source,
            "severity": SEVERITY[message.severity],
            "custom_details": details,
        }
        body["client"] = "warroom"
    return body


def _errors(body: str, *path: str) -> str:
    """The reply's message and errors list, inert, as one line."""
    try:
        data: Any = json.loads(body)
        for key in path:
            data = data.get(key, {})
        words = [str(data.get("message", ""))] + [str(e) for e in data.get("errors") or []]
    except (ValueError, AttributeError, TypeError):
        return reply(body)
    return reply("; ".join(w for w in words if w), 160)


def interpret_event(status: int, body: str, headers: Mapping[str, str], where: str) -> Delivery:
    if status == 202:
        return Delivery.delivered()
    if status == 400:
        return Delivery.failed(f"{where}: invalid event: {_errors(body)}")
    if status == 429:
        return Delivery.retry(
            f"{where}: rate limited (HTTP 429)", after=retry_after(headers) or RATE_LIMIT_WAIT
        )
    if status >= 500:
        return Delivery.retry(f"{where}: HTTP {status}")
    return Delivery.failed(f"{where}: HTTP {status} {reply(body, 60)}".rstrip())


def _rest_failure(response: Answer, where: str) -> Delivery:
    status = response.status_code
    if status == 429:
        return Delivery.retry(
            f"{where}: rate limited (HTTP 429)",
            after=retry_after(response.headers) or RATE_LIMIT_WAIT,
        )
    if status >= 500:
        return Delivery.retry(f"{where}: HTTP {status}")
    detail = f"{where}: HTTP {status} {_errors(response.text, 'error')}".rstrip()
    return Delivery.failed(detail)


async def escalate(
    client: httpx.AsyncClient,
    api_url: str,
    token: str,
    from_email: str,
    incident_key: str,
    level: int,
    where: str = "pagerduty REST API",
) -> Delivery:
    """Set the escalation level of the open incident whose key is `incident_key`."""
    headers = {
        "Authorization": f"Token token={token}",
        "Accept": REST_ACCEPT,
        "Content-Type": "application/json",
        "From": from_email,
    }
    try:
        cut = ""
        found = await ask(
            client,
            "GET",
            f"{api_url}/incidents",
            params={"incident_key": incident_key, "statuses[]": ["triggered", "acknowledged"]},
            headers=headers,
        )
        if found.status_code != 200:
            return found.noted(_rest_failure(found, where))
        cut = found.cut  # a list cut short is no JSON
        incidents = found.json().get("incidents") or []
        if not incidents:
            # the Events API is asynchronous: the trigger may not have made the incident yet
            return Delivery.retry(f"{where}: no open incident with key {incident_key} yet")
        pd_id = remote_id(incidents[0]["id"])
        updated = await ask(
            client,
            "PUT",
            f"{api_url}/incidents/{pd_id}",
            json={"incident": {"type": "incident_reference", "escalation_level": level}},
            headers=headers,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return Delivery.retry(f"{where}: unreadable reply" + (f" ({cut})" if cut else ""))
    except Exception as exc:
        return request_failed(exc, where)
    if updated.status_code != 200:
        return updated.noted(_rest_failure(updated, where))
    return Delivery.delivered(f"PagerDuty incident {pd_id} at escalation level {level}")


async def send(
    client: httpx.AsyncClient,
    message: OutboxMessage,
    channel: PagerDutyChannel,
    env: Mapping[str, str],
) -> Delivery:
    where = f"pagerduty ${channel.routing_key_env}"
    routing_key = env.get(channel.routing_key_env)
    if not routing_key:
        return Delivery.failed(
            f"{where}: environment variable {channel.routing_key_env} is not set"
        )
    body = event_body(message, routing_key, channel.source)
    try:
        answer = await ask(client, "POST", channel.events_url, json=body)
    except Exception as exc:
        return request_failed(exc, where)
    sent = interpret_event(answer.status_code, answer.text, answer.headers, where)
    if sent.outcome != "delivered" or message.purpose != "escalation":
        return answer.noted(sent)
    if not channel.api_token_env or not channel.from_email:
        return sent  # paged; no REST token configured to set the level
    token = env.get(channel.api_token_env)
    if not token:
        return Delivery.failed(
            f"pagerduty: paged, but environment variable {channel.api_token_env} is not set "
            "to set the escalation level"
        )
    return answer.noted(
        await escalate(
            client,
            channel.api_url,
            token,
            channel.from_email,
            message.incident_id,
            message.level,
            f"pagerduty REST ${channel.api_token_env}",
        )
    )
