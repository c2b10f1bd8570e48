"""The Error rate pane: 5xx percent per service against the guide's 5% and 20% thresholds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from state.guide.policy import ERROR_RATE_P1, ERROR_RATE_P2
from state.memo import last_answer
from widgets.format import number
from widgets.metric import MetricPane, finite
from widgets.table import CLEAR, DOWN, P1_PAST, P2_PAST, UNKNOWN_RANK, down
from widgets.theme import BAD_STRONG, GOOD, UNKNOWN, WARN

if TYPE_CHECKING:
    from state.console import ConsoleState


class ErrorRatePane(MetricPane):
    SOURCES = ("error_rate",)
    TITLE = "Error rate (5xx %)"
    METRIC = "error_rate"
    HEADING = "5XX"
    EXTRA_HEADING = "REQ/S"
    HIDDEN = {DOWN: "down", P1_PAST: f">{ERROR_RATE_P1:g}%", P2_PAST: f">{ERROR_RATE_P2:g}%"}

    def extra(self, state: ConsoleState, service: str) -> str:
        """Requests per second, where there is a source (the simulation; live with the
        guide's error rate query): no column at all where there is none, rather than one
        always '—' that hides it."""
        if not state.request_rate:
            return ""
        rate = state.request_rate.get(service)
        return f"{'—' if rate is None else number(rate, '', 0):>6} "

    def rank(self, state: ConsoleState, name: str) -> int:
        """Down, then the guide's band the rate last crossed into (P1 > 20 %, P2 > 5 %): a
        band falls back only 20 % under its threshold (state/fold.py), so a rate wavering
        at 5 % does not move its row every refresh."""
        if name in down(state):
            return DOWN
        if not finite(state.latest("error_rate", name)):
            return UNKNOWN_RANK
        crossed = state.bands.get(f"error_rate:{name}", 0)
        return P1_PAST if crossed >= 2 else P2_PAST if crossed == 1 else CLEAR

    def legend(self) -> str:
        return f">{ERROR_RATE_P2:g}% P2 >{ERROR_RATE_P1:g}% P1"

    def value_text(self, state: ConsoleState, service: str, value: float | None) -> str:
        return number(value, "%", 1 if not finite(value) or value < 100 else 0)  # type: ignore[operator]

    def style_of(self, state: ConsoleState, service: str, value: float | None) -> str:
        if not finite(value):
            return UNKNOWN
        assert value is not None
        return BAD_STRONG if value > ERROR_RATE_P1 else WARN if value > ERROR_RATE_P2 else GOOD

    def verdict(self, state: ConsoleState, service: str, value: float | None) -> tuple[str, str]:
        if not finite(value):
            return ("?", UNKNOWN)
        assert value is not None
        if value > ERROR_RATE_P1:
            return (f"P1 >{ERROR_RATE_P1:g}%", BAD_STRONG)
        if value > ERROR_RATE_P2:
            return (f"P2 >{ERROR_RATE_P2:g}%", WARN)
        return ("ok", GOOD)

    def scale_top(
        self, state: ConsoleState, service: str, values: tuple[float | None, ...]
    ) -> float:
        peak = max((v for v in values if finite(v)), default=0.0)  # type: ignore[type-var]
        return max(ERROR_RATE_P1 * 1.25, peak or 0.0)

    def alerting(self, state: ConsoleState) -> bool:
        return _past_p2(state)


@last_answer(lambda state: (state.services, state.error_rate))
def _past_p2(state: ConsoleState) -> bool:
    """Whether a service's error rate is past the guide's P2 line (5 %)."""
    return any(
        finite(v := state.latest("error_rate", s)) and v > ERROR_RATE_P2  # type: ignore[operator]
        for s in state.metric_rows("error_rate")
    )
