"""The pane tabs shown on small terminals, where one pane is shown at a time."""

from __future__ import annotations

from rich.text import Text

from widgets.text_line import TextLine
from widgets.theme import BAD_STRONG, CURRENT


class PaneTabs(TextLine):
    """'1 Services  2 Error rate! …': the current pane highlighted, alerting ones marked '!'."""

    def __init__(self, names: list[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.names = names

    def show(self, current: int, alerts: list[bool]) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        for i, name in enumerate(self.names):
            style = CURRENT if i == current else ""
            text.append(f" {i + 1} {name}", style)
            text.append("!" if alerts[i] else " ", BAD_STRONG if alerts[i] else "")
        self.show_text(text)
