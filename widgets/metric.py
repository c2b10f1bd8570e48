"""What the Error rate and p95 latency panes share: one row per service, now and history."""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from state.guide.signals import NO_SERIES, no_series
from state.text import inert
from widgets.format import name_cell, name_width, sparkline, whole
from widgets.table import RowsPane
from widgets.theme import MUTED, STRONG, UNKNOWN

if TYPE_CHECKING:
    from state.console import ConsoleState

VERDICT_W = 9
FIXED_W = 10 + VERDICT_W + 2  # cells after the name: " " value(8) " ", " " verdict, the edge
NAME_MIN = 7  # "SERVICE"
NAME_KEEP = 24  # a name this long is cut only when the numbers need its room
SPARK_MIN = 10  # cells of history a longer name leaves


class MetricPane(RowsPane):
    """Per service: the current value, a sparkline of recent samples, and a verdict."""

    METRIC = "error_rate"
    HEADING = "NOW"
    EXTRA_HEADING = ""

    _steady: dict[str, tuple[float | None, ...]] | None = None

    def series(self, state: ConsoleState) -> dict[str, tuple[float | None, ...]]:
        return state.error_rate if self.METRIC == "error_rate" else state.latency

    def inputs(self, state: ConsoleState) -> tuple[object, ...]:
        return (
            *super().inputs(state),
            self._held(self.series(state)),
            state.bands,
            state.metric_missing,
            state.request_rate,
            state.latency_baseline,
        )

    def _held(
        self, series: dict[str, tuple[float | None, ...]]
    ) -> dict[str, tuple[float | None, ...]]:
        """`series`, or the one the rows were last drawn from if it holds the same values.

        Every sample is a new history (its oldest value out, the new one in), so compared by
        identity (`inputs`) the rows were composed again at every refresh; a steady value
        makes the same numbers and the same sparklines: the rows stay as they are, not
        composed again (a NaN, never equal to itself, counts as a change)."""
        steady = self._steady
        if steady is not None and steady is not series and steady == series:
            return steady
        self._steady = series
        return series

    def names(self, state: ConsoleState) -> list[str]:
        """The services with a series, and those Prometheus answers without one (a row
        'no series': never left out as if watched), in the config's order; only those with
        one when none of the series is a configured service (`empty_text` says why)."""
        shown = state.metric_rows(self.METRIC)
        missing = no_series(state, self.METRIC)
        if not missing or (not shown and self.series(state)):
            return list(shown)
        owed = {*shown, *missing}
        return [s for s in state.services if s in owed]

    def staleness(self, state: ConsoleState, now: datetime) -> str | None:
        """The probes' staleness; when fresh, how many configured services have no series
        ('2 of 12 services: no series'): a pane that shows less than it watches says so."""
        said = super().staleness(state, now)
        if said is not None:
            return said
        missing = no_series(state, self.METRIC)
        if not missing:
            return None
        return f"{len(missing)} of {len(state.configured)} services: {NO_SERIES}"

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

    def body(
        self,
        state: ConsoleState,
        now: datetime,
        width: int,
        height: int,
        rows: list[str] | None = None,
    ) -> Text:
        series = self.series(state)
        names = self.ordered(state)
        name_w = self.name_columns(names, width)
        spark_w = max(width - name_w - FIXED_W, 0)
        text = Text(no_wrap=True, overflow="ellipsis")
        extra_w = len(self.extra(state, names[0])) if names else 0
        if spark_w - extra_w < 16:  # the history matters more than the extra column
            extra_w = 0
        spark_w = max(spark_w - extra_w, 0)
        text.append(f"{'SERVICE':<{name_w}} {self.HEADING:>8} ", STRONG)
        if extra_w:
            text.append(f"{self.EXTRA_HEADING:>{extra_w - 1}} ", STRONG)
        note, note_style = self.note(state)
        if note_style == MUTED:  # the legend: whole or not at all
            text.append(f"{whole(note, spark_w):<{spark_w}}\n", MUTED)
        else:  # what is missing and why: as much of it as fits
            text.append_text(name_cell(note, spark_w, note_style))
            text.append("\n")
        for name in names if rows is None else rows:
            values = series.get(name, ())
            value = values[-1] if values else None
            style = self.style_of(state, name, value)
            text.append_text(name_cell(name, name_w))
            text.append(" ")
            if name not in series:  # Prometheus answers without it: nothing to draw
                text.append(f"{'—':>8} ", UNKNOWN)
                if extra_w:
                    text.append(self.extra(state, name), MUTED)
                text.append(" " * spark_w + " ")
                text.append(NO_SERIES, UNKNOWN)
                text.append("\n")
                continue
            text.append(f"{self.value_text(state, name, value):>8} ", style)
            if extra_w:
                text.append(self.extra(state, name), MUTED)
            top = self.scale_top(state, name, values)
            spark = sparkline(values, spark_w, top, lambda v, n=name: self.style_of(state, n, v))
            text.append_text(spark)
            text.append(" " * (spark_w - len(spark)) + " ")
            word, word_style = self.verdict(state, name, value)
            text.append(word, word_style)
            text.append("\n")
        return text

    def empty_text(self, state: ConsoleState) -> str:
        """No row to show: the filter matches none, or Prometheus answers, but for none of
        the configured services (said in the pane, not as a row: the rows are services)."""
        series = self.series(state)
        if not self.filter_text and series and not self.names(state):
            return (
                f"none of the {len(series)} series is a configured service: "
                "check [prometheus] label and the queries' grouping"
            )
        return super().empty_text(state)

    def note(self, state: ConsoleState) -> tuple[str, str]:
        """What heads the sparklines: the legend, or which part of the pane is missing and
        why (the baseline not read, the history's range query refused); outside text."""
        for part, word in (("baseline", "no baseline"), ("history", "no history")):
            reason = state.metric_missing.get(f"{self.METRIC}:{part}")
            if reason is not None:
                return f"{word}: {inert(reason)}", UNKNOWN
        return self.legend(), MUTED

    @staticmethod
    def name_columns(names: list[str], width: int) -> int:
        """The name column's width: the longest name, but never so wide that a row's value
        and verdict leave the pane (a 20 kB label value is cut, not the numbers)."""
        room = max(width - FIXED_W, NAME_MIN)
        longest = max([name_width(n) for n in names] + [NAME_MIN])
        return min(longest, max(room - SPARK_MIN, min(room, NAME_KEEP)))


def finite(value: float | None) -> bool:
    return value is not None and not math.isnan(value) and not math.isinf(value)
