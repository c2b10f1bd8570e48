"""The filter line `/` opens: the services whose name holds what is typed (k9s's convention)."""

from __future__ import annotations

from textual.widgets import Input


class FilterBar(Input):
    """One line above the key bar; Enter keeps the filter, Escape clears it (tui/screen.py)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="filter services by name", id=id, max_length=80)
        self.display = False
