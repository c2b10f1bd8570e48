"""What every backend that talks over the network repeats: the httpx client, one line for a
request that got no answer, and secrets masked out of whatever text is shown or logged.

httpx is imported inside the functions: its first import takes a tenth of a second, and
`import_httpx` does it in a worker thread, off the UI's loop.
"""

from __future__ import annotations

import asyncio
import errno
import importlib
import re
import socket
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from state.text import inert

if TYPE_CHECKING:
    import httpx

# ---- the client -----------------------------------------------------------------------------


def client(
    user_agent: str,
    timeout: float,
    *,
    base_url: str = "",
    headers: Mapping[str, str] | None = None,
    max_connections: int | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """An httpx client as every backend uses it: `timeout` in seconds for each phase, our
    User-Agent unless `headers` names another, and redirects never followed (a redirect
    would carry a secret header or a webhook's token to another host). Given a `transport`,
    the client sends through it (and closes it), and reads no proxy from the environment."""
    import httpx

    return httpx.AsyncClient(
        **_options(user_agent, timeout, base_url, headers, max_connections, transport)
    )


def blocking_client(
    user_agent: str,
    timeout: float,
    *,
    max_connections: int | None = None,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """`client`'s options on httpx's blocking client, for a worker thread: plain sockets,
    none of the async path's event-loop steps (anyio's cancel scopes, its streams)."""
    import httpx

    return httpx.Client(**_options(user_agent, timeout, "", None, max_connections, transport))


def _options(
    user_agent: str,
    timeout: float,
    base_url: str,
    headers: Mapping[str, str] | None,
    max_connections: int | None,
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None,
) -> dict[str, Any]:
    import httpx

    options: dict[str, Any] = {
        "base_url": base_url,
        "timeout": timeout,
        "headers": {"User-Agent": user_agent, **(headers or {})},
        "follow_redirects": False,
    }
    if max_connections:
        options["limits"] = httpx.Limits(max_connections=max_connections)
    if transport is not None:
        options["transport"] = transport
    return options


async def import_httpx() -> None:
    """Import httpx in a worker thread, so that `client()` then does not block the loop."""
    await asyncio.to_thread(importlib.import_module, "httpx")


def let_go(response: httpx.Response) -> httpx.Response:
    """`response`, read and closed, with no reference cycle left in it.

    httpx's client binds each response to its stream and the stream back to the response
    (`BoundAsyncStream`, `BoundSyncStream`, httpx 0.28): a cycle, so the response, its
    request, headers and the connection pool's objects for it (~40 objects) are freed only by
    Python's cyclic garbage collector, never when the last reference goes. At large the
    health checks' 10 requests a second were ~8,500 of the ~10,000 objects a minute the live
    console left to it; they outlive the young collections and pile up for the full one, a
    pause of the UI loop (README, "The key -> frame tail"). A read response needs its stream
    no more: its body is kept (`content`), and `elapsed` was set as it closed."""
    import httpx

    response.stream = httpx.ByteStream(b"")
    return response


class BodyBound:
    """A reply body read as it streams in, up to `limit` bytes (and kept, with `keep`): a
    receiver, a proxy or a health URL answering with a huge or endless body costs its reader
    at most `limit` bytes of memory and the time to read them, never the whole timeout.
    Give it each raw chunk (`iter_raw`/`aiter_raw`) and stop reading once `took` says so."""

    def __init__(self, limit: int, keep: bool = False) -> None:
        self.limit = limit  # bytes
        self.keep = keep
        self.read = 0  # bytes counted, never past `limit`
        self.kept = bytearray()
        self.cut = False  # the body reached `limit`: what came after it was never read

    def took(self, chunk: bytes) -> bool:
        """Count (and keep) `chunk`, up to the limit; True once the limit is reached: stop."""
        room = self.limit - self.read
        part = chunk[:room]
        self.read += len(part)
        if self.keep:
            self.kept += part
        self.cut = self.read >= self.limit
        return self.cut

    @property
    def note(self) -> str:
        """'reply cut at N KiB' (or MiB) when the body was cut, else ''."""
        if not self.cut:
            return ""
        mib, kib = divmod(self.limit, 1024 * 1024)
        return f"reply cut at {mib} MiB" if not kib else f"reply cut at {self.limit // 1024} KiB"


# ---- no answer ------------------------------------------------------------------------------

# RFC 9112: reason-phrase = *( HTAB / SP / VCHAR / obs-text ); h11 quotes a bad line as bytes
_ILLEGAL_STATUS = re.compile(r"^illegal status line: bytearray\(b(['\"])(.*)\1\)$", re.DOTALL)
_DISCONNECTED = ("server disconnected", "peer closed")
_DNS_WORDS = (
    "name or service not known",
    "nodename nor servname",
    "name resolution",
    "getaddrinfo",
)
INVALID = "invalid HTTP reply"


def _causes(exc: BaseException) -> list[BaseException]:
    """`exc` and the chain of its causes; a few links are all there ever are."""
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 8:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    return chain


def refused(exc: BaseException) -> bool:
    """Whether the connection was refused, anywhere down the chain of causes."""
    return any(
        isinstance(e, ConnectionRefusedError) or getattr(e, "errno", None) == errno.ECONNREFUSED
        for e in _causes(exc)
    )


def resolver_error(exc: BaseException) -> socket.gaierror | None:
    """The resolver's own error when the host name did not resolve, else None."""
    return next((e for e in _causes(exc) if isinstance(e, socket.gaierror)), None)


def not_reached(exc: BaseException) -> bool:
    """Whether a request that failed with `exc` never reached a server: the name did not
    resolve, no route or no network to the host, or not an http(s) URL. Nothing answered,
    so nothing is known about what is there. A refusal (something answered with RST), a
    TLS error or a reset are answers; a timeout is decided by its caller (was it connected?)."""
    import httpx

    if refused(exc):
        return False
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL | httpx.ConnectTimeout):
        return True
    if isinstance(exc, httpx.ConnectError):
        text = str(exc).lower()
        return not ("ssl" in text or "certificate" in text or "refused" in text)
    return False


def _protocol_error(text: str) -> str:
    """A reply httpx could not parse: invalid HTTP, unless the server simply hung up."""
    if text.lower().startswith(_DISCONNECTED):
        return "connection reset"
    illegal = _ILLEGAL_STATUS.match(text)
    if illegal:  # h11 quotes the line as a bytes repr: the escapes are already there
        return f"{INVALID}: status line {inert(illegal[2], limit=60)}"
    return f"{INVALID}: {inert(text, limit=80)}"


def network_reason(exc: BaseException, timeout: float | None = None) -> str:
    """Why a request got no answer, in fixed words (an exception's text may hold the URL):
    timed out [after `timeout` s], connection refused, DNS lookup failed, TLS error, cannot
    connect, connection reset, invalid HTTP reply, not an http(s) URL, request failed (...)."""
    import httpx

    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return f"timed out after {timeout:g} s" if timeout is not None else "timed out"
    if refused(exc):
        return "connection refused"
    text = str(exc).lower()
    if isinstance(exc, httpx.ConnectError):
        if resolver_error(exc) is not None or any(w in text for w in _DNS_WORDS):
            return "DNS lookup failed"
        if "refused" in text:
            return "connection refused"
        if "ssl" in text or "certificate" in text:
            return "TLS error"
        return "cannot connect"
    if isinstance(exc, httpx.RemoteProtocolError):
        return _protocol_error(str(exc))
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return "connection reset"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return "not an http(s) URL"
    return f"request failed ({type(exc).__name__})"


# ---- secrets --------------------------------------------------------------------------------

_KV_PASSWORD = re.compile(r"""(password\s*=\s*)('(?:[^'\\]|\\.)*'?|\S+)""", re.IGNORECASE)
# a postgres URI's password may hold an @: up to the last one; any other URL's to the first
_PG_USERINFO = re.compile(r"(postgres(?:ql)?://[^:/@\s]*):\S*@", re.IGNORECASE)
_USERINFO = re.compile(r"\b([a-z][a-z0-9+.-]*://)([^:/@\s]*)(:[^@\s/]*)?@", re.IGNORECASE)
DETAIL_LIMIT = 200


def public_url(url: str) -> str:
    """`url` without its `user:password@`."""
    return _USERINFO.sub(r"\1", url, count=1) if _USERINFO.match(url) else url


def mask_credentials(text: str) -> str:
    """`text` with libpq's `password=...` and a URL's `user:pass@` password masked; lines kept."""
    text = _PG_USERINFO.sub(r"\1:***@", _KV_PASSWORD.sub(r"\1***", text))
    return _USERINFO.sub(lambda m: f"{m[1]}{m[2]}:***@" if m[3] else m[0], text)


def _secret_parts(value: str) -> list[str]:
    """The value, and for a URL its path and long path segments: a webhook's token is there."""
    parts = [value]
    path = urlsplit(value).path if "://" in value else ""
    if path.strip("/"):
        parts.append(path)
        parts += [segment for segment in path.split("/") if len(segment) >= 8]
    return parts


def mask(text: str, secrets: Mapping[str, str], placeholder: str | None = None) -> str:
    """`text` with each secret (name -> value; for a URL also its token) replaced by $NAME,
    or by `placeholder` when given; lines kept. A value under 4 characters is left alone:
    it would blank ordinary words."""
    found = [(part, name) for name, value in secrets.items() for part in _secret_parts(value)]
    for part, name in sorted(found, key=lambda pn: -len(pn[0])):
        if len(part) >= 4:
            text = text.replace(part, placeholder if placeholder is not None else f"${name}")
    return text


def redact(
    text: object,
    secrets: Mapping[str, str] | None = None,
    placeholder: str | None = None,
    limit: int = DETAIL_LIMIT,
) -> str:
    """`text` as one inert line of at most `limit` characters, its secrets and credentials
    masked (mask, then mask_credentials)."""
    return inert(mask_credentials(mask(str(text), secrets or {}, placeholder)), limit=limit)
