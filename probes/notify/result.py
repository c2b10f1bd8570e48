"""What one delivery attempt came to: delivered, retry later, failed for good, or unknown."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Literal

from probes.http import BodyBound, network_reason
from state.text import inert

if TYPE_CHECKING:
    import httpx

_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# bytes of a receiver's reply read: Slack's and PagerDuty's replies are a word or a line of
# JSON, Statuspage's longest (the page's unresolved incidents with their updates) tens of KiB;
# a proxy or a broken receiver streaming far more is cut here, not held for the whole timeout
REPLY_LIMIT = 1024 * 1024


@dataclass(frozen=True)
class Delivery:
    # unknown: the request left and no reply came; the receiver may have acted on it
    outcome: Literal["delivered", "retry", "failed", "unknown"]
    detail: str = ""  # one line for a person; never a URL or a secret
    after: float | None = None  # retry: the receiver's Retry-After, in seconds
    remote_id: str | None = None  # delivered: the receiver's id for what it created

    @classmethod
    def delivered(cls, detail: str = "", remote_id: str | None = None) -> Delivery:
        return cls("delivered", detail, remote_id=remote_id)

    @classmethod
    def retry(cls, detail: str, after: float | None = None) -> Delivery:
        return cls("retry", detail, after=after)

    @classmethod
    def failed(cls, detail: str) -> Delivery:
        return cls("failed", detail)

    @classmethod
    def unknown(cls, detail: str) -> Delivery:
        return cls("unknown", detail)


@dataclass(frozen=True)
class Answer:
    """A receiver's reply: its status, headers and body (read up to REPLY_LIMIT bytes)."""

    status_code: int
    headers: httpx.Headers
    text: str
    cut: str = ""  # 'reply cut at N KiB' when the body went on past the limit

    def json(self) -> Any:
        return json.loads(self.text)

    def noted(self, delivery: Delivery) -> Delivery:
        """`delivery` with the cut said in its one line, when the reply was cut."""
        if not self.cut:
            return delivery
        detail = f"{delivery.detail} ({self.cut})" if delivery.detail else self.cut
        return replace(delivery, detail=detail)


async def ask(client: httpx.AsyncClient, method: str, url: str, **options: Any) -> Answer:
    """Send one request and read its reply streamed, the body up to REPLY_LIMIT bytes.

    The body is read as it came (no Accept-Encoding but identity): a compressed body is
    inflated whole, chunk by chunk, so a small one can grow past any bound. Raises what
    httpx raises for a request that got no reply."""
    headers = {"Accept-Encoding": "identity", **(options.pop("headers", None) or {})}
    bound = BodyBound(REPLY_LIMIT, keep=True)
    async with client.stream(method, url, headers=headers, **options) as response:
        async for chunk in response.aiter_raw():
            if bound.took(chunk):
                break
    text = bytes(bound.kept).decode(response.encoding or "utf-8", "replace")
    return Answer(response.status_code, response.headers, text, bound.note)


def reply(text: str, limit: int = 80) -> str:
    """A receiver's reply body, made inert and short enough for one line."""
    return inert(text, limit=limit).strip()


def remote_id(value: object) -> str:
    """A receiver's id for something it made; it goes into a URL path, so letters and digits."""
    text = str(value)
    if not _ID.fullmatch(text):
        raise ValueError("not an id")
    return text


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Retry-After in seconds: delta-seconds or an HTTP date (taken relative to Date)."""
    value = headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # RFC 9110 delay-seconds; isdigit() alone takes '²'
        return float(value)  # inf past a float: the sender reads it as past the max age
    try:
        until = parsedate_to_datetime(value)
        sent = parsedate_to_datetime(headers["date"]) if headers.get("date") else None
    except (TypeError, ValueError, IndexError):
        return None
    if sent is None:
        return None  # no clock of the receiver's to measure against; use our own backoff
    return max((until - sent).total_seconds(), 0.0)


def nothing_sent(exc: BaseException) -> bool:
    """Whether the request failed before any of it left: no connection (refused, DNS, TLS,
    connect timeout) or none free in the pool. Anything later may have reached the receiver."""
    import httpx

    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def request_failed(exc: BaseException, where: str, resendable: bool = True) -> Delivery:
    """A request that got no answer: retried, unless its URL can never work.

    Where the receiver cannot recognise a second copy (`resendable` False: Slack), a request
    that may have arrived (the reply timed out or the connection dropped after it was sent)
    is not retried: its delivery is unknown.
    """
    import httpx

    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return Delivery.failed(f"{where}: not an http(s) URL")
    if not resendable and not nothing_sent(exc):
        return Delivery.unknown(f"{where}: {lost_reply(exc)}")
    return Delivery.retry(f"{where}: {network_reason(exc)}")


def lost_reply(exc: BaseException) -> str:
    """Why a request that may have arrived got no reply, in fixed words."""
    import httpx

    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return "sent, but no reply within the timeout"
    return f"sent, but the connection ended before the reply ({network_reason(exc)})"
