"""What the Error rate and p95 latency panes share: one row per service, now and history."""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from state.text import inert
from widgets.format import sparkline
from widgets.pane import Pane

if TYPE_CHECKING:
    from state.console import ConsoleState


class MetricPane(Pane):
    """Per service: the current value, a sparkline of recent samples, and a verdict."""

    METRIC = "error_rate"
    HEADING = "NOW"
    EXTRA_HEADING = ""

    def series(self, state: ConsoleState) -> dict[str, tuple[float | None, ...]]:
        return state.error_rate if self.METRIC == "error_rate" else state.latency

    def value_text(self, state: ConsoleState, service: str, value: float | None) -> str:
        raise NotImplementedError

    def style_of(self, state: ConsoleState, service: str, value: float | None) -> str:
        raise NotImplementedError

    def verdict(self, state: ConsoleState, service: str, value: float | None) -> tuple[str, str]:
        raise NotImplementedError

    def scale_top(
        self, state: ConsoleState, service: str, values: tuple[float | None, ...]
    ) -> float:
        raise NotImplementedError

    def legend(self) -> str:
        return ""

    def extra(self, state: ConsoleState, service: str) -> str:
        """An optional column after the value (the error rate shows req/s)."""
        return ""

    def body(self, state: ConsoleState, now: datetime, width: int, height: int) -> Text:
        series = self.series(state)
        names = [s for s in state.services if s in series] or sorted(series)
        name_w = max([len(n) for n in names] + [7])
        verdict_w = 9
        spark_w = max(width - name_w - 10 - verdict_w - 2, 0)
        text = Text(no_wrap=True, overflow="ellipsis")
        extra_w = len(self.extra(state, names[0])) if names else 0
        if spark_w - extra_w < 16:  # the history matters more than the extra column
            extra_w = 0
        spark_w = max(spark_w - extra_w, 0)
        text.append(f"{'SERVICE':<{name_w}} {self.HEADING:>8} ", "bold")
        if extra_w:
            text.append(f"{self.EXTRA_HEADING:>{extra_w - 1}} ", "bold")
        text.append(f"{self.legend():<{spark_w}}"[:spark_w] + "\n", "dim")
        for name in names:
            values = series.get(name, ())
            value = values[-1] if values else None
            style = self.style_of(state, name, value)
            text.append(f"{inert(name):<{name_w}} ")
            text.append(f"{self.value_text(state, name, value):>8} ", style)
            if extra_w:
                text.append(self.extra(state, name), "dim")
            top = self.scale_top(state, name, values)
            spark = sparkline(values, spark_w, top, lambda v, n=name: self.style_of(state, n, v))
            text.append_text(spark)
            text.append(" " * (spark_w - len(spark)) + " ")
            word, word_style = self.verdict(state, name, value)
            text.append(word, word_style)
            text.append("\n")
        return text


def finite(value: float | None) -> bool:
    return value is not None and not math.isnan(value) and not math.isinf(value)
