"""`warroom check` for [notify]: each channel's secrets are set and its hosts answer.

A check never posts: it opens a TCP connection to each endpoint's host and closes it, so
no receiver sees a request, let alone a message. The webhook URL of a Slack channel is
its secret; only its host and port are shown.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

from probes.check import CheckResult
from probes.notify.config import (
    Channel,
    PagerDutyChannel,
    SinkChannel,
    SlackChannel,
    StatuspageChannel,
    secret_keys,
)
from state.text import inert

_PORTS = {"http": 80, "https": 443}


def _endpoint(url: str) -> tuple[str, int] | None:
    """(host, port) of an http(s) URL; None when it is not one."""
    try:
        parts = urlsplit(url)
        port = parts.port or _PORTS.get(parts.scheme)
    except ValueError:
        return None
    if parts.scheme not in _PORTS or not parts.hostname or port is None:
        return None
    return parts.hostname, port


def _endpoints(channel: Channel, env: Mapping[str, str]) -> dict[str, str]:
    """What to reach, by a name a person can read: {what: URL}. A Slack URL only when set."""
    if isinstance(channel, SlackChannel):
        url = env.get(channel.webhook_env)
        return {f"${channel.webhook_env}": url} if url else {}
    if isinstance(channel, PagerDutyChannel):
        found = {"events_url": channel.events_url}
        if channel.api_token_env:
            found["api_url"] = channel.api_url
        return found
    if isinstance(channel, StatuspageChannel):
        return {"api_url": channel.api_url}
    return {}


async def _connect(host: str, port: int, timeout: float) -> str | None:
    """None when `host:port` takes a TCP connection within `timeout`; else why not."""
    try:
        async with asyncio.timeout(timeout):
            _, writer = await asyncio.open_connection(host, port)
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    except socket.gaierror:
        return "DNS lookup failed"
    except ConnectionRefusedError:
        return "connection refused"
    except OSError as exc:
        return inert((exc.strerror or type(exc).__name__).lower(), limit=60)
    writer.close()
    with contextlib.suppress(OSError):  # a reset on close still proved the host answered
        await writer.wait_closed()
    return None


def _sink(channel: SinkChannel) -> tuple[str, list[str]]:
    if channel.path is None:
        return "records in the journal only", []
    folder = channel.path.parent
    shown = inert(channel.path, limit=120)
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        return shown, [f"cannot write in {inert(folder, limit=120)}"]
    return shown, []


async def check_channel(
    name: str, channel: Channel, environ: Mapping[str, str] | None = None, timeout: float = 5.0
) -> CheckResult:
    """One row: `notify NAME`, its secrets (set or not) and whether each endpoint's host answers.

    `reachable` is False only when no endpoint could be reached or none could be tried.
    """
    env = os.environ if environ is None else environ
    backend = f"notify {name}"
    if isinstance(channel, SinkChannel):
        target, unwritable = _sink(channel)
        return CheckResult(backend, target, reachable=True, problems=tuple(unwritable))
    problems: list[str] = []
    secrets: list[str] = []
    for _, var in secret_keys(channel):
        if env.get(var):
            secrets.append(f"${var}: set")
        else:
            problems.append(f"environment variable {var} is not set")
    hosts: list[str] = []
    latency: float | None = None
    answered = 0
    for what, url in _endpoints(channel, env).items():
        endpoint = _endpoint(url)
        if endpoint is None:
            problems.append(f"{what} is not an http(s) URL")
            continue
        host, port = endpoint
        where = inert(f"{host}:{port}", limit=80)
        hosts.append(where)
        started = time.perf_counter()
        why = await _connect(host, port, timeout)
        if why is not None:
            problems.append(f"cannot reach {where} ({what}): {why}")
            continue
        answered += 1
        took = round((time.perf_counter() - started) * 1000, 1)
        latency = took if latency is None else max(latency, took)
    target = f"{channel.type} " + (", ".join(dict.fromkeys(hosts)) or "(no endpoint to reach)")
    return CheckResult(
        backend,
        target,
        reachable=answered > 0,
        latency_ms=latency,
        permissions=tuple(secrets),
        problems=tuple(problems),
    )
