"""The guide's rules, as pure functions: severity, targets, cadence, incident ids."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from state.guide.severity import Severity

# Severity thresholds from the guide's classification and the High Error Rate runbook.
ERROR_RATE_P2 = 5.0  # percent: "Error rate >5%"
ERROR_RATE_P1 = 20.0  # percent: "P1 if >20% error rate"
ERROR_RATE_RESOLVED = 2.0  # percent: "Should be <2% for resolution"
LATENCY_RATIO_P2 = 3.0  # ">3x normal response time"
LATENCY_RESOLVED_MS = 3000.0  # resolution: p95 < 3000 ms
HEALTHY_SERVICES_RESOLVED = 3  # resolution: at least 3 healthy services


@dataclass(frozen=True)
class Targets:
    """How fast the guide expects a response and a resolution at one severity."""

    response: timedelta
    resolution: timedelta
    response_words: str
    resolution_words: str


TARGETS: dict[Severity, Targets] = {
    Severity.P1: Targets(timedelta(minutes=5), timedelta(hours=1), "< 5 minutes", "1 hour"),
    Severity.P2: Targets(timedelta(minutes=15), timedelta(hours=4), "15 minutes", "4 hours"),
    Severity.P3: Targets(timedelta(hours=1), timedelta(hours=24), "1 hour", "24 hours"),
    Severity.P4: Targets(timedelta(days=1), timedelta(weeks=1), "next business day", "1 week"),
}

# "Provide updates every 15 minutes (P1) or 30 minutes (P2/P3)"; P4 needs no cadence.
UPDATE_CADENCE: dict[Severity, timedelta | None] = {
    Severity.P1: timedelta(minutes=15),
    Severity.P2: timedelta(minutes=30),
    Severity.P3: timedelta(minutes=30),
    Severity.P4: None,
}


def response_due(severity: Severity, declared_at: datetime) -> datetime:
    """When the first response is due; P4's 'next business day' skips weekends."""
    if severity is not Severity.P4:
        return declared_at + TARGETS[severity].response
    due = declared_at + timedelta(days=1)
    while due.weekday() >= 5:
        due += timedelta(days=1)
    return due


def resolution_due(severity: Severity, declared_at: datetime) -> datetime:
    return declared_at + TARGETS[severity].resolution


def next_update_due(
    severity: Severity, declared_at: datetime, last_update_at: datetime | None
) -> datetime | None:
    """When the next status update is due, counted from the last one delivered."""
    cadence = UPDATE_CADENCE[severity]
    if cadence is None:
        return None
    return (last_update_at or declared_at) + cadence


def incident_id(now: datetime) -> str:
    """The guide's incident id: INC-YYYYMMDD-NNNN, NNNN being epoch seconds mod 10000."""
    return f"INC-{now:%Y%m%d}-{int(now.timestamp()) % 10000:04d}"


@dataclass(frozen=True)
class Signals:
    """What the console currently sees, reduced to what the severity rules read."""

    services_down: tuple[str, ...] = ()
    # (service, "error_rate" or "latency", worst band, peak) of a breach still open though
    # the last sample was under its line: a flapping signal holds its severity until it has
    # held clear (state/guide/episodes.py)
    holding: tuple[tuple[str, str, int, float], ...] = ()
    error_rates: tuple[tuple[str, float], ...] = ()  # (service, percent)
    latency_ratios: tuple[tuple[str, float], ...] = ()  # (service, p95 / baseline)
    database_unreachable: bool = False
    # what the console cannot see ("error rate: not configured", "api: DNS lookup failed": a
    # health check that could not reach its host from here): never healthy, never down
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    severity: Severity
    reasons: tuple[str, ...]
    # the same, without the live values: what the header shows, so it does not repaint
    # every time a number moves
    summary: str = ""
    unknown: tuple[str, ...] = ()  # Signals.unknown: a calm suggestion is not all clear

    @property
    def all_clear(self) -> bool:
        """No threshold crossed and every signal seen: only then may a person be told so."""
        return not self.alerting and not self.unknown

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    @property
    def alerting(self) -> bool:
        """True when a signal crosses one of the guide's P1/P2 thresholds."""
        return self.severity.rank <= 2


def suggest_severity(signals: Signals) -> Suggestion:
    """The guide's severity for these signals, the most severe rule winning, with reasons."""
    found: list[tuple[Severity, str, str]] = []
    down = len(signals.services_down)
    names = ", ".join(signals.services_down)
    if down > 2:
        found.append((Severity.P1, f"{down} services down ({names})", f"{names} down"))
    elif down > 0:
        plural = "s" if down > 1 else ""
        found.append((Severity.P2, f"{down} service{plural} down ({names})", f"{names} down"))
    if signals.database_unreachable:
        found.append((Severity.P1, "database unreachable", "database unreachable"))
    for service, rate in signals.error_rates:
        for severity, limit in ((Severity.P1, ERROR_RATE_P1), (Severity.P2, ERROR_RATE_P2)):
            if _finite(rate) and rate > limit:
                long = f"{service} error rate {rate:.1f}% > {limit:g}%"
                found.append((severity, long, f"{service} error rate > {limit:g}%"))
                break
    for service, metric, level, peak in signals.holding:
        if metric == "error_rate":
            limit = ERROR_RATE_P1 if level >= 2 else ERROR_RATE_P2
            severity, what = (
                (Severity.P1 if level >= 2 else Severity.P2),
                f"error rate > {limit:g}%",
            )
            shown = f"{peak:.1f}%"
        else:
            severity, what = Severity.P2, f"p95 > {LATENCY_RATIO_P2:g}x baseline"
            shown = f"{peak:.1f}x"
        long = f"{service} {what} on and off (peak {shown}), not yet clear"
        found.append((severity, long, f"{service} {what}"))
    for service, ratio in signals.latency_ratios:
        if _finite(ratio) and ratio > LATENCY_RATIO_P2:
            long = f"{service} p95 {ratio:.1f}x baseline"
            found.append((Severity.P2, long, f"{service} p95 > {LATENCY_RATIO_P2:g}x baseline"))
    if not found:
        calm = "no services down and no threshold crossed"
        if signals.unknown:
            calm = f"no threshold crossed in what is watched; unknown: {grouped(signals.unknown)}"
        return Suggestion(Severity.P3, (calm,), calm, signals.unknown)
    worst = min(sev.rank for sev, _, _ in found)
    severity = Severity(f"P{worst}")
    reasons = tuple(text for sev, text, _ in found if sev is severity)
    summary = "; ".join(short for sev, _, short in found if sev is severity)
    return Suggestion(severity, reasons, summary, signals.unknown)


def grouped(unknown: tuple[str, ...]) -> str:
    """'services, p95 (not configured)' from ('services: not configured', 'p95: not ...')."""
    by_reason: dict[str, list[str]] = {}
    for item in unknown:
        what, _, why = item.partition(": ")
        by_reason.setdefault(why, []).append(what)
    return "; ".join(
        f"{', '.join(whats)} ({why})" if why else ", ".join(whats)
        for why, whats in by_reason.items()
    )


HYSTERESIS = 0.8  # a band is left only below 80% of its threshold


def band(value: float, current: int, thresholds: tuple[float, ...]) -> int:
    """Which threshold band `value` is in (0 = under the first), leaving a band with hysteresis."""
    raised = sum(1 for t in thresholds if value > t)
    if raised >= current:
        return raised
    return sum(
        1
        for i, t in enumerate(thresholds)
        if value > t or (i < current and value >= t * HYSTERESIS)
    )


def _finite(value: float) -> bool:
    return not (math.isnan(value) or math.isinf(value))
