"""The p95 latency pane: milliseconds per service against its baseline (3x is the guide's P2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from state.guide.policy import LATENCY_RATIO_P2
from state.guide.signals import latency_ratio
from state.memo import last_answer
from widgets.format import number
from widgets.metric import MetricPane, finite
from widgets.table import CLEAR, DOWN, P2_PAST, UNKNOWN_RANK, down
from widgets.theme import BAD_STRONG, GOOD, MUTED, UNKNOWN, WARN

if TYPE_CHECKING:
    from state.console import ConsoleState


class LatencyPane(MetricPane):
    SOURCES = ("latency",)
    TITLE = "p95 latency"
    METRIC = "latency"
    HEADING = "P95"
    HIDDEN = {DOWN: "down", P2_PAST: f">{LATENCY_RATIO_P2:g}x base"}

    def rank(self, state: ConsoleState, name: str) -> int:
        """Down, then past 3x its baseline by the guide's band (state/fold.py), which falls
        back only 20 % under the threshold: a row does not move with every wobble."""
        if name in down(state):
            return DOWN
        if not finite(state.latest("latency", name)):
            return UNKNOWN_RANK
        return P2_PAST if state.bands.get(f"latency:{name}", 0) else CLEAR

    def legend(self) -> str:
        return f">{LATENCY_RATIO_P2:g}x base P2"

    def value_text(self, state: ConsoleState, service: str, value: float | None) -> str:
        return number(value, " ms", 0)

    def _ratio(self, state: ConsoleState, service: str, value: float | None) -> float | None:
        base = state.latency_baseline.get(service)
        return value / base if finite(value) and base else None  # type: ignore[operator]

    def style_of(self, state: ConsoleState, service: str, value: float | None) -> str:
        if not finite(value):
            return UNKNOWN
        ratio = self._ratio(state, service, value)
        if ratio is None:
            return ""
        return BAD_STRONG if ratio > LATENCY_RATIO_P2 else WARN if ratio > 1.5 else GOOD

    def verdict(self, state: ConsoleState, service: str, value: float | None) -> tuple[str, str]:
        ratio = self._ratio(state, service, value)
        if ratio is None:
            return (
                "?" if not finite(value) else "no base",
                UNKNOWN if not finite(value) else MUTED,
            )
        words = f"{ratio:.1f}x"
        return (words, self.style_of(state, service, value))

    def scale_top(
        self, state: ConsoleState, service: str, values: tuple[float | None, ...]
    ) -> float:
        base = state.latency_baseline.get(service) or 0.0
        peak = max((v for v in values if finite(v)), default=0.0)  # type: ignore[type-var]
        return max(base * LATENCY_RATIO_P2 * 1.25, peak or 0.0)

    def alerting(self, state: ConsoleState) -> bool:
        return _past_p2(state)


@last_answer(lambda state: (state.services, state.latency, state.latency_baseline))
def _past_p2(state: ConsoleState) -> bool:
    """Whether a service's p95 is past the guide's P2 line (3x its baseline)."""
    return any(
        (r := latency_ratio(state, s)) is not None and r > LATENCY_RATIO_P2
        for s in state.metric_rows("latency")
    )
