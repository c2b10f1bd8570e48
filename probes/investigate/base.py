"""Running one investigation section: its parts at once, each with its own timeout.

An investigator says, for a step and the selected service, which parts to read: a name and a
coroutine function returning findings. A part that is slow, refused or not permitted costs
only its own line: it becomes one "unavailable" line that says why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from state.events import Finding
from state.guide.investigation import SECTION_TIMEOUT_SECONDS
from state.text import describe_error

Read = Callable[[], Awaitable[Sequence[Finding]]]


class NotPermitted(Exception):
    """RBAC (or the backend's own rights) refuses this read: the part is shown disabled."""


class NotConfigured(Exception):
    """Nothing configured to read for this part: said plainly, never shown as healthy."""


class Investigator(Protocol):
    """The parts of one section: [(part name, read)], for `step` and `service`."""

    def parts(self, step: str, service: str | None) -> Sequence[tuple[str, Read]]: ...

    def services(self) -> Sequence[str]: ...


async def _one(name: str, read: Read, timeout: float) -> tuple[list[Finding], str | None]:
    try:
        async with asyncio.timeout(timeout):
            return list(await read()), None
    except TimeoutError:
        return [], f"{name}: no answer in {timeout:g} s"
    except NotPermitted as exc:
        return [], f"{name}: disabled, {describe_error(exc)}"
    except NotConfigured as exc:
        return [], f"{name}: not configured, {describe_error(exc)}"
    except Exception as exc:  # a backend's failure is this part's line, never the console's
        return [], f"{name}: unavailable, {describe_error(exc)}"


async def run_section(
    investigator: Investigator,
    step: str,
    service: str | None,
    timeout: float = SECTION_TIMEOUT_SECONDS,
) -> tuple[tuple[Finding, ...], tuple[str, ...]]:
    """(findings, unavailable lines) of `step`, every part read at once, each within `timeout`."""
    parts = investigator.parts(step, service)
    results = await asyncio.gather(*(_one(name, read, timeout) for name, read in parts))
    findings = tuple(f for found, _ in results for f in found)
    missing = tuple(reason for _, reason in results if reason)
    return findings, missing
