"""Layout by content: how many lines each row of panes gets on a large terminal.

Four services take few lines; three hundred take what the screen can give; the lock tree
grows with its chain; the timeline takes the rest. (80x24 shows one pane at a time.)
"""

from __future__ import annotations

TIMELINE_MIN = 8  # the timeline keeps six entries in view, whatever the rest wants
PANE_MIN = 5  # a border, a heading and two rows: a pane never shrinks below its first rows


def grid_rows(available: int, top: int, middle: int) -> tuple[int, int]:
    """Lines for the Services/Error rate row and the locks/p95 row; the timeline's is the rest.

    In: the lines the three rows share, and the lines the two upper rows want to show all
    they have (border included). Out: (top, middle) lines. Each wanting row gets what it
    wants when everything fits; otherwise the room left after the timeline's minimum is
    shared, a row wanting less than half keeping what it wants and the other the rest.
    """
    top, middle = max(top, PANE_MIN), max(middle, PANE_MIN)
    room = max(available - TIMELINE_MIN, 2 * PANE_MIN)
    if top + middle <= room:
        return top, middle
    half = room // 2
    if top <= half:
        return top, room - top
    if middle <= room - half:
        return room - middle, middle
    return room - half, half
