"""The key bar: the keys the console offers right now, as one line of text."""

from __future__ import annotations

from rich.text import Text

from widgets.text_line import TextLine
from widgets.theme import KEY, MUTED


class KeyBar(TextLine):
    """'d Declare  a Ack  …  ? Help  q Quit  ^p Commands': disabled keys dimmed, hidden ones
    left out, and the `pinned` keys always at the right, however narrow the terminal.

    Textual's Footer builds a widget per key a refresh or two after the first frame, and
    builds them all again whenever the bindings change. This line is part of the first
    frame, and a change repaints one line: the commander sees the keys as soon as the
    console, over the slowest SSH link.
    """

    def __init__(self, pinned: tuple[str, ...] = (), *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.pinned = pinned

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, lambda _screen: self.show_keys())
        self.show_keys()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def on_resize(self) -> None:
        self.show_keys()

    def show_keys(self) -> None:
        bindings = self.screen.active_bindings
        shown = [b for b in bindings.values() if b.binding.show and b.binding.description]
        palette = bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if palette is not None and self.app.ENABLE_COMMAND_PALETTE:
            shown.append(palette)
        left, right = Text(), Text()
        seen: set[str] = set()
        for active in shown:
            binding = active.binding
            if binding.action in seen:
                continue
            seen.add(binding.action)
            part = right if binding.action in self.pinned else left
            # an enabled key's words are "not dim", not unstyled: a segment of their own
            dim = "not dim" if active.enabled else MUTED
            part.append(" ")
            part.append(self.app.get_key_display(binding), f"{KEY} {dim}")
            part.append(f" {binding.description} ", dim)
        room = max(self.size.width - right.cell_len, 0)
        if left.cell_len > room:
            left.truncate(max(room - 1, 0))
            left.append("…")
        text = Text.assemble(left, " " * (room - left.cell_len), right, no_wrap=True)
        self.show_text(text)
