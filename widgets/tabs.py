"""The pane tabs shown on small terminals, where one pane is shown at a time."""

from __future__ import annotations

from rich.text import Text

from widgets.text_line import TextLine
from widgets.theme import BAD_STRONG, CURRENT, WARN_STRONG

ALERT, STALE = "!", "?"  # past a threshold; not seeing (stale, failing or not yet sampled)


class PaneTabs(TextLine):
    """'1 Services  2 Error rate! 3 DB locks? …': the current pane highlighted, alerting ones
    marked '!', stale ones '?' (the pane says why in its border)."""

    def __init__(self, names: list[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.names = names

    def show(self, current: int, alerts: list[bool], stale: list[bool] | None = None) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        for i, name in enumerate(self.names):
            style = CURRENT if i == current else ""
            text.append(f" {i + 1} {name}", style)
            if alerts[i]:
                text.append(ALERT, BAD_STRONG)
            elif stale and stale[i]:
                text.append(STALE, WARN_STRONG)
            else:
                text.append(" ")
        self.show_text(text)
