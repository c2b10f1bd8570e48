"""Print benchmark figures as an aligned table, warroom beside its baseline."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def table(
    title: str,
    rows: Sequence[tuple[str, str, str, str]],
    header: tuple[str, str, str, str] = ("measure", "warroom", "baseline", "target"),
) -> None:
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(4)]
    print(f"\n## {title}")
    for row in (header, *rows):
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)))


def p(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of `values`, nearest rank."""
    ordered = sorted(values)
    return ordered[min(round(q / 100 * (len(ordered) - 1)), len(ordered) - 1)]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)
