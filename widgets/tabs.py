"""The pane tabs shown on small terminals, where one pane is shown at a time."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from state.text import inert
from widgets.text_line import TextLine
from widgets.theme import BAD_STRONG, CURRENT, STRONG, WARN_STRONG

ALERT, STALE = "!", "?"  # past a threshold; not seeing (stale, failing or not yet sampled)


class PaneTabs(TextLine):
    """'1 Services  2 Error rate! 3 DB locks? …': the current pane highlighted, alerting ones
    marked '!', stale ones '?' (the pane says why in its border). While the `/` filter is on,
    it is said at the right end, whichever pane shows: '/pay · 1 down hidden'. The Timeline
    or DB locks tab shows no filtered rows, and nothing else would say some are hidden."""

    def __init__(self, names: list[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.names = names

    def show(
        self,
        current: int,
        alerts: list[bool],
        stale: list[bool] | None = None,
        query: str = "",
        down_hidden: int = 0,
    ) -> None:
        """`query`: the filter on the service panes, if any; `down_hidden`: the services it
        hides that are down."""
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
        if query:
            text = self._with_filter(text, query, down_hidden)
        self.show_text(text)

    def _with_filter(self, tabs: Text, query: str, down_hidden: int) -> Text:
        """`tabs`, then the filter at the right end: its query cut first where room is short
        (to one character and an ellipsis: the service panes' borders say it whole), then the
        tabs; the filter's mark and what it hides down are always whole."""
        width = self.content_size.width or 80
        hidden = f" · {down_hidden} down hidden" if down_hidden else ""
        shown = Text(inert(query, 40), STRONG)
        room = width - cell_len(tabs.plain) - cell_len(hidden) - 4  # " /", a space, a gap
        shown.truncate(max(room, min(2, shown.cell_len)), overflow="ellipsis")
        mark = Text.assemble((" /", STRONG), shown, (hidden, BAD_STRONG), " ")
        gap = width - cell_len(tabs.plain) - mark.cell_len
        if gap >= 1:
            tabs.append(" " * gap)
        else:
            tabs.truncate(max(width - mark.cell_len, 0), overflow="ellipsis")
        tabs.append_text(mark)
        return tabs
