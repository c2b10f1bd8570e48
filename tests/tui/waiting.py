"""Waiting, boundedly, for what a worker puts on screen: under load it takes a few frames."""

from __future__ import annotations


async def shown(pilot, kind: type, tries: int = 100) -> None:
    """Wait until the screen on top is a `kind` and has been laid out with its widgets.

    Being pushed is not being drawn: under load the compositor can still hold no widget
    of the new screen for a few frames, and a capture then reads an empty screen.
    """
    for _ in range(tries):
        screen = pilot.app.screen
        if isinstance(screen, kind) and screen.is_mounted and screen._compositor.visible_widgets:
            return
        await pilot.pause(0.02)


async def pressed(pilot, *keys: str) -> None:
    """Press `keys`, then let the app handle what they set off (one pause)."""
    await pilot.press(*keys)
    await pilot.pause()


async def on_service(pilot, name: str) -> None:
    """`1`, then the Services cursor down to `name`: its rows sort worst first, so a row's
    place is not its name's."""
    from widgets.services import ServicesPane

    await pilot.press("1")
    services = pilot.app.query_one(ServicesPane)
    for _ in range(len(services.table.keys)):
        if services.selected() == name:
            break
        await pilot.press("down")
    assert services.selected() == name


async def until(pilot, check, tries: int = 60) -> None:
    """Wait, boundedly, for `check()` to hold: what a dialog's own look again (a few times a
    second) or a worker puts on screen."""
    for _ in range(tries):
        if check():
            return
        await pilot.pause(0.05)
    assert check()
