"""A one-line text field of a dialog, bounded: a long paste must not stall the console."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from state.text import TEXT_LIMIT

FIELD_LIMIT = TEXT_LIMIT  # characters: a note, reason, title, summary or name holds no more


class TextField(Input):
    """Textual's Input holding at most `FIELD_LIMIT` characters; what would pass the limit,
    typed or pasted, is cut there, and the dialog says so once (`Dialog.say`), never a bell.

    Why: Input costs time in its length at every key and posts a Changed message carrying
    its whole value at each. A paste that arrives as keys (a terminal or tmux paste without
    bracketed paste) of 20 kB held the UI loop 17.6 s of CPU, the clock frozen, and grew the
    console from 64 to 291 MB; 110 kB ran it past 780 MB in a minute, and a hang-up could not
    end it meanwhile.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", FIELD_LIMIT)
        super().__init__(*args, **kwargs)
        self._cut_said = False

    def replace(self, text: str, start: int, end: int) -> None:
        value = self.value
        start, end = sorted((max(0, start), min(len(value), end)))
        room = self.max_length - (len(value) - (end - start)) if self.max_length else len(text)
        if len(text) > room:
            text = text[: max(room, 0)]
            self._say_cut()
            if not text and start == end:
                return  # full: nothing to change, and no Changed message to post
        super().replace(text, start, end)

    def restricted(self) -> None:
        self._say_cut()  # Input rings the bell once per refused key: a flood of them

    def _say_cut(self) -> None:
        if self._cut_said:
            return
        self._cut_said = True
        say = getattr(self.screen, "say", None)
        if callable(say):
            say(f"Cut at {self.max_length:,} characters: this field holds no more")
