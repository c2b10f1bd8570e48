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
from state.guide.investigation import SECTION_TIMEOUT_SECONDS, ErrorGroup
from state.text import describe_error, inert

Read = Callable[[], Awaitable[Sequence[Finding]]]


def ago(seconds: float) -> str:
    """'45 s ago', '12 min ago', '3.5 h ago', '3.0 d ago' (from 48 h)."""
    seconds = max(seconds, 0.0)
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h ago"
    return f"{seconds / 86400:.1f} d ago"


def counted(n: int, word: str) -> str:
    """'1 group', '2 groups'."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def newest_first(rollouts: Sequence[tuple[float, str, list[Finding]]]) -> list[Finding]:
    """(latest rollout in seconds on one clock, deployment, its rollouts newest first) in:
    the rollouts out, deployments by their latest, newest first, then by name. The latest
    change leads, as the events do."""
    ordered = sorted(rollouts, key=lambda r: (-r[0], r[1]))
    return [finding for *_, found in ordered for finding in found]


def log_findings(head: str, groups: Sequence[ErrorGroup]) -> list[Finding]:
    """The Logs part: `head` with the error lines and groups counted, then each group with its
    count and first and last time; 20 or more of one pattern is bad."""
    found = sum(g.count for g in groups)
    out = [
        Finding(
            part="Logs",
            text=f"{head}, {counted(found, 'ERROR/FATAL/Exception line')} in "
            f"{counted(len(groups), 'group')}",
            found=False,  # what was read: the groups under it are the findings
        )
    ]
    for g in groups:
        first = f"{g.first:%H:%M:%S}" if g.first else "?"
        last = f"{g.last:%H:%M:%S}" if g.last else "?"
        out.append(
            Finding(
                part="Logs",
                text=f"x{g.count} {first}..{last} {inert(g.pattern, 300)}",
                tone="bad" if g.count >= 20 else "warn",
            )
        )
    return out


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
