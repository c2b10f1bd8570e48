"""Remember the last answer of a function of the console state while its inputs stay the same.

The fold copies a part of the state (a dict of three hundred rows, a tuple of series) only
when that part changes, and the state is frozen: so the same objects, compared by identity,
are the same content, and what is read from them is the same. A repaint (the clock's each
second, or another probe's sample) then reads again only what changed, not every row.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from state.console import ConsoleState

T = TypeVar("T")


def same(these: tuple[object, ...], those: tuple[object, ...]) -> bool:
    """Whether two tuples hold the very same objects, one for one (identity, never a deep
    comparison: None, True and False are the same objects whenever they are equal)."""
    return len(these) == len(those) and all(a is b for a, b in zip(these, those, strict=True))


def last_answer(
    parts: Callable[[ConsoleState], tuple[object, ...]],
) -> Callable[[Callable[[ConsoleState], T]], Callable[[ConsoleState], T]]:
    """Decorate `f(state)`: its last answer again while `parts(state)`, every part `f` reads,
    holds the same objects. One answer is kept, with the parts it came from."""

    def decorate(f: Callable[[ConsoleState], T]) -> Callable[[ConsoleState], T]:
        kept: list[tuple[ConsoleState, tuple[object, ...], T]] = []

        @wraps(f)
        def remembered(state: ConsoleState) -> T:
            if kept and kept[0][0] is state:  # asked again in the same repaint
                return kept[0][2]
            read = parts(state)
            if kept and same(read, kept[0][1]):
                kept[0] = (state, read, kept[0][2])
                return kept[0][2]
            answer = f(state)
            kept[:] = [(state, read, answer)]
            return answer

        return remembered

    return decorate
