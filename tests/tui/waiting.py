"""Waiting, boundedly, for what a worker puts on screen: under load it takes a few frames."""

from __future__ import annotations


async def shown(pilot, kind: type, tries: int = 100) -> None:
    for _ in range(tries):
        if isinstance(pilot.app.screen, kind):
            return
        await pilot.pause(0.02)


async def pressed(pilot, *keys: str) -> None:
    """Press `keys`, then let the app handle what they set off (one pause)."""
    await pilot.press(*keys)
    await pilot.pause()
