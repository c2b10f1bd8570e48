"""Radios and checkboxes that show their state without colour, and a radio set Enter submits.

Textual draws a radio's dot and a checkbox's X whether or not it is chosen, and tells the two
apart by colour only: in a plain capture, under NO_COLOR or on a monochrome terminal every
severity looks chosen. These draw the mark only when chosen (`▐●▌` against `▐ ▌`).

In a dialog the arrows choose (as a desktop radio group does, so what is highlighted is what
is chosen), space chooses too, and Enter is the dialog's: it submits (widgets/modals.py).
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Checkbox, RadioButton, RadioSet

CHOSEN, NOT_CHOSEN = "●", " "
TICKED, NOT_TICKED = "X", " "


class Choice(RadioButton):
    """A radio button whose dot is drawn only when it is chosen."""

    BUTTON_INNER = NOT_CHOSEN

    def watch_value(self) -> None:
        self.BUTTON_INNER = CHOSEN if self.value else NOT_CHOSEN
        super().watch_value()


class Tick(Checkbox):
    """A checkbox whose X is drawn only when it is ticked; Enter is left to the dialog."""

    BUTTON_INNER = NOT_TICKED
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_button", "Toggle", show=False),
        Binding("enter", "enter", "Submit", show=False),
    ]

    def watch_value(self) -> None:
        self.BUTTON_INNER = TICKED if self.value else NOT_TICKED
        super().watch_value()

    def action_enter(self) -> None:
        self.post_message(Choices.Entered(self))


class Choices(RadioSet):
    """One of a few, chosen with the arrows or space; Enter posts `Entered` for the dialog."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,right", "next_button", "Next option", show=False),
        Binding("up,left", "previous_button", "Previous option", show=False),
        Binding("space", "toggle_button", "Choose", show=False),
        Binding("enter", "enter", "Submit", show=False),
    ]

    class Entered(Message):
        """Enter was pressed on a choice or a checkbox: the dialog submits, if that is safe."""

        def __init__(self, field: Choices | Tick) -> None:
            super().__init__()
            self.field = field

    _ready = False  # Textual moves the highlight once while mounting: that chooses nothing

    def on_mount(self) -> None:
        # Textual's own mount handler runs after this one and highlights the first option,
        # whichever is chosen: then highlight the chosen one, so that the arrows move from it
        self.call_later(self._settle)

    def _settle(self) -> None:
        if self.pressed_index >= 0:
            self._selected = self.pressed_index
        self._ready = True

    def action_next_button(self) -> None:
        super().action_next_button()
        self._choose_highlighted()

    def action_previous_button(self) -> None:
        super().action_previous_button()
        self._choose_highlighted()

    def _choose_highlighted(self) -> None:
        if self._ready and self._selected is not None:
            button = self._nodes[self._selected]
            if isinstance(button, RadioButton) and not button.value:
                button.value = True

    def action_enter(self) -> None:
        self.post_message(self.Entered(self))
