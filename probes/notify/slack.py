"""Slack incoming webhooks: POST {"text": ...}; HTTP 200 "ok" is delivered.

Slack's documented errors are a status and one word in the body: 400 invalid_payload,
no_text, user_not_found, too_many_attachments; 403 action_prohibited,
posting_to_general_channel_denied, invalid_token; 404 channel_not_found, no_service,
no_team, team_disabled; 410 channel_is_archived; 500 rollup_error. 429 carries
Retry-After. Webhooks have no idempotency key, so a request that may have arrived (its reply
timed out, its connection dropped) is never sent again by itself: its delivery is unknown,
and a person chooses whether to resend it. Only a refused connection (nothing was sent),
429 and 5xx are retried.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from probes.notify.result import Delivery, ask, reply, request_failed, retry_after

if TYPE_CHECKING:
    import httpx

    from probes.notify.config import SlackChannel
    from state.journal.outbox import OutboxMessage

SECTION_LIMIT = 3000  # Slack's limit on a section block's text
DEFAULT_RATE_LIMIT_WAIT = 30.0

_ADVICE = {
    "channel_is_archived": "the webhook's channel is archived; unarchive it or make a new webhook",
    "channel_not_found": "the webhook's channel no longer exists; make a new webhook",
    "no_service": "the webhook is disabled or revoked; make a new one",
    "no_team": "the webhook's workspace is gone; make a new webhook",
    "team_disabled": "the webhook's workspace is disabled",
    "invalid_token": "the webhook's token is revoked; make a new webhook",
    "action_prohibited": "the workspace forbids this webhook to post there",
    "posting_to_general_channel_denied": "only admins may post to that channel",
    "invalid_payload": "Slack could not read the message",
    "no_text": "Slack got a message without text",
}


def escape(text: str) -> str:
    """Slack's mrkdwn escaping, so text from outside cannot ping @channel or forge links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(message: OutboxMessage) -> dict[str, Any]:
    """The webhook body: the text (the notification) and blocks with the message id below it."""
    text = escape(message.text).replace("**", "*")  # the guide's **bold** is Slack's *bold*
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_LIMIT]}},
            {
                "type": "context",
                # a duplicate after a lost reply is recognisable by its id
                "elements": [{"type": "mrkdwn", "text": f"warroom {escape(message.message_id)}"}],
            },
        ],
    }


def interpret(status: int, body: str, headers: Mapping[str, str], where: str) -> Delivery:
    """What Slack's answer means for this message."""
    word = reply(body, 60)
    if status == 200:
        return Delivery.delivered()
    if status == 429:
        wait = retry_after(headers) or DEFAULT_RATE_LIMIT_WAIT
        return Delivery.retry(f"{where}: rate limited (HTTP 429)", after=wait)
    if status >= 500:
        return Delivery.retry(f"{where}: HTTP {status} {word}".rstrip())
    advice = _ADVICE.get(word)
    return Delivery.failed(
        f"{where}: HTTP {status} {word}".rstrip() + (f" ({advice})" if advice else "")
    )


async def send(
    client: httpx.AsyncClient, message: OutboxMessage, channel: SlackChannel, env: Mapping[str, str]
) -> Delivery:
    where = f"slack webhook ${channel.webhook_env}"
    url = env.get(channel.webhook_env)
    if not url:
        return Delivery.failed(f"{where}: environment variable {channel.webhook_env} is not set")
    try:
        answer = await ask(client, "POST", url, json=payload(message))
    except Exception as exc:
        return request_failed(exc, where, resendable=False)
    return answer.noted(interpret(answer.status_code, answer.text, answer.headers, where))
