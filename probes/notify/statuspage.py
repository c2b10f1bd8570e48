"""Atlassian Statuspage: the first update creates the incident, later ones PATCH it.

The incident is created with metadata {"warroom": {"incident_id": ...}}. Before creating
one, the page's unresolved incidents are searched for it, so a console that died between
"created" and "recorded" updates that incident instead of opening a second. 420 and 429
are throttling (retried, honouring Retry-After); 401, 403, 404 and 422 are permanent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from probes.notify.result import (
    Answer,
    Delivery,
    ask,
    remote_id,
    reply,
    request_failed,
    retry_after,
)

if TYPE_CHECKING:
    import httpx

    from probes.notify.config import StatuspageChannel
    from state.journal.outbox import OutboxMessage

THROTTLE_WAIT = 60.0


def _error(body: str) -> str:
    try:
        error = json.loads(body).get("error", "")
    except (ValueError, AttributeError):
        return reply(body, 80)
    if isinstance(error, list):
        error = "; ".join(map(str, error))
    return reply(str(error), 120)


def _failure(response: Answer, where: str) -> Delivery:
    status = response.status_code
    if status in (420, 429):
        wait = retry_after(response.headers) or THROTTLE_WAIT
        return Delivery.retry(f"{where}: throttled (HTTP {status})", after=wait)
    if status >= 500:
        return Delivery.retry(f"{where}: HTTP {status}")
    return Delivery.failed(f"{where}: HTTP {status} {_error(response.text)}".rstrip())


def _said(response: Answer, where: str) -> Delivery:
    """A refusal's one line, with the reply's cut said."""
    return response.noted(_failure(response, where))


def incident_fields(message: OutboxMessage, channel: StatuspageChannel) -> dict[str, Any]:
    """incident[status], incident[body] and incident[components][id] for this update."""
    statuses = {
        channel.components[service]: status
        for service, status in message.components.items()
        if service in channel.components
    }
    fields: dict[str, Any] = {"status": message.status.value, "body": message.text}
    if statuses:
        fields["components"] = statuses
        fields["component_ids"] = list(statuses)
    return fields


def _ours(incident: Any, message: OutboxMessage) -> bool:
    if not isinstance(incident, dict):
        return False
    metadata = incident.get("metadata") or {}
    if isinstance(metadata, dict) and isinstance(metadata.get("warroom"), dict):
        return metadata["warroom"].get("incident_id") == message.incident_id
    return incident.get("name") == message.title  # a page that does not echo metadata


async def find(
    client: httpx.AsyncClient, base: str, headers: dict[str, str], message: OutboxMessage
) -> str | None:
    """The id of this incident's unresolved Statuspage incident, if it was created already."""
    response = await ask(client, "GET", f"{base}/unresolved", headers=headers)
    if response.status_code != 200:
        raise _Refused(response)
    if response.cut:
        raise _Unreadable(response.cut)
    return next((remote_id(i["id"]) for i in response.json() if _ours(i, message)), None)


class _Refused(Exception):
    def __init__(self, response: Answer) -> None:
        self.response = response


class _Unreadable(ValueError):
    """A reply cut short (its note the message): no JSON to read."""


async def send(
    client: httpx.AsyncClient,
    message: OutboxMessage,
    channel: StatuspageChannel,
    env: Mapping[str, str],
    known: str | None = None,
) -> Delivery:
    """Create or update this incident's Statuspage incident; `known` is its id if recorded."""
    where = f"statuspage {channel.page_id} ${channel.api_key_env}"
    key = env.get(channel.api_key_env)
    if not key:
        return Delivery.failed(f"{where}: environment variable {channel.api_key_env} is not set")
    headers = {"Authorization": f"OAuth {key}"}
    base = f"{channel.api_url}/v1/pages/{channel.page_id}/incidents"
    fields = incident_fields(message, channel)
    try:
        if known is None:
            known = await find(client, base, headers, message)
        if known is not None:
            response = await ask(
                client, "PATCH", f"{base}/{known}", json={"incident": fields}, headers=headers
            )
        else:
            created = {
                "name": message.title,
                **fields,
                "metadata": {"warroom": {"incident_id": message.incident_id}},
            }
            response = await ask(client, "POST", base, json={"incident": created}, headers=headers)
        if response.status_code not in (200, 201):
            return _said(response, where)
        if response.cut:
            raise _Unreadable(response.cut)
        made = remote_id(response.json()["id"])
    except _Refused as refused:
        return _said(refused.response, where)
    except _Unreadable as cut:
        return Delivery.retry(f"{where}: unreadable reply ({cut})")
    except (ValueError, KeyError, TypeError, AttributeError):
        return Delivery.retry(f"{where}: unreadable reply")
    except Exception as exc:
        return request_failed(exc, where)
    verb = "updated" if known is not None else "created"
    return Delivery.delivered(f"Statuspage incident {made} {verb}", remote_id=made)
