"""Signal episodes: a breach fires only once held, like Prometheus's `for:`, and ends only
once held clear, so a signal flapping around its threshold is one episode, not many.

A signal is over its line when a sample is past the guide's threshold (an error rate above
5%, a p95 above 3x its baseline, a service down, the database unreachable). Its episode
opens at that first sample ("pending"), fires once it has stayed open for the signal's
hold (`RULES`), and ends once every sample for `CLEAR_HOLD` was under its clear line
(80% of the threshold: `policy.HYSTERESIS`). A sample between the two lines, or no sample
at all (no data, a probe failing), changes nothing: not seeing is not a recovery. An episode
that never fired and then held clear was a blip: it is dropped, and never counts as the
start of anything.

The holds, from the guide:
- error rate: "Error rate >5% for >5 minutes" (High Error Rate runbook trigger): 5 min;
  over 20% at once, the runbook's "Error rate >20% (immediate P1 escalation)";
- p95 over 3x baseline: the guide sets no hold for latency; the High Error Rate runbook's,
  the one Prometheus-measured trigger it states, applies: 5 min;
- a service down: "Service health check failing for >2 minutes" (Service Down runbook);
- the database unreachable: its health check failing, as a service's: 2 min.
Clearing: the guide calls a fix stable after 5 consecutive good checks a minute apart
(`resolution.STABLE_CHECKS`, `CHECK_INTERVAL`): 5 min under the clear line.

Pure: `step` returns the new episodes and breach; the fold stores them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from state.console import Breach, SignalEpisode
from state.guide.milestones import flags
from state.guide.policy import ERROR_RATE_P1, ERROR_RATE_P2, HYSTERESIS, LATENCY_RATIO_P2
from state.guide.resolution import CHECK_INTERVAL, STABLE_CHECKS
from state.guide.signals import latency_ratio, service_down

if TYPE_CHECKING:
    from collections.abc import Collection
    from datetime import datetime

    from state.console import ConsoleState

SIGNAL_RULES = 2  # the rules this module implements; 1 is the flag-change reading before it


@dataclass(frozen=True)
class Rule:
    """How one kind of signal fires and clears."""

    line: float  # over this is a breach (percent, ratio, or 0.5 for a yes/no signal)
    clear: float  # under this is clear; between the two nothing changes
    hold: timedelta  # open this long before it fires
    words: str  # what the breach is, after the signal's name
    guide: str  # where the hold comes from
    urgent: float | None = None  # over this it fires at once, with no hold


RULES: dict[str, Rule] = {
    "error_rate": Rule(
        ERROR_RATE_P2,
        ERROR_RATE_P2 * HYSTERESIS,
        timedelta(minutes=5),
        "error rate > 5%",
        "Error rate >5% for >5 minutes; >20%: immediate P1 escalation",
        urgent=ERROR_RATE_P1,
    ),
    "latency": Rule(
        LATENCY_RATIO_P2,
        LATENCY_RATIO_P2 * HYSTERESIS,
        timedelta(minutes=5),
        "p95 > 3x baseline",
        "no hold in the guide: the High Error Rate runbook's 5 minutes",
    ),
    "down": Rule(
        0.5, 0.5, timedelta(minutes=2), "down", "Service health check failing for >2 minutes"
    ),
    "database": Rule(
        0.5, 0.5, timedelta(minutes=2), "unreachable", "its health check failing for >2 minutes"
    ),
}
CLEAR_HOLD = timedelta(seconds=STABLE_CHECKS * CHECK_INTERVAL)  # 5 good checks a minute apart


def rule(key: str) -> Rule:
    """The rule of a signal key ("error_rate:api", "down:api", "database")."""
    return RULES[key.split(":", 1)[0]]


def words(key: str, level: int = 1) -> str:
    """A signal's breach in words: "api error rate > 20%", "database unreachable"."""
    kind, _, service = key.partition(":")
    what = rule(key).words
    if kind == "error_rate" and level >= 2:
        what = f"error rate > {ERROR_RATE_P1:g}%"
    return f"{service or kind} {what}"


def readings(state: ConsoleState, kinds: Collection[str] = tuple(RULES)) -> dict[str, float | None]:
    """Each signal's value now, by key, for the signal `kinds` ("error_rate", "latency",
    "down", "database"): None when unknown (no data, NaN, no baseline, a health check that
    could not reach its host)."""
    names = state.services or tuple(sorted(set(state.deployments) | set(state.health)))
    out: dict[str, float | None] = {}
    # the metrics of the services the metric panes show: every series when none is configured
    for service in names if state.services else state.metric_rows("error_rate"):
        if "error_rate" in kinds:
            rate = state.latest("error_rate", service)
            finite = rate is not None and math.isfinite(rate)
            out[f"error_rate:{service}"] = rate if finite else None
    for service in names if state.services else state.metric_rows("latency"):
        if "latency" in kinds:
            ratio = latency_ratio(state, service)
            finite = ratio is not None and math.isfinite(ratio)
            out[f"latency:{service}"] = ratio if finite else None
    for service in names:
        if "down" in kinds:
            health = state.health.get(service)
            blind = health is not None and health.unknown and service not in state.deployments
            known = (health is not None or service in state.deployments) and not blind
            out[f"down:{service}"] = float(service_down(state, service)) if known else None
    if "database" in kinds and "postgres" in state.probes:  # sampled or failed at least once
        pg = state.probe("postgres")  # not resolving from here: unknown, neither way
        out["database"] = None if pg.unknown else float(pg.failing)
    return out


def _level(key: str, value: float) -> int:
    return 2 if key.startswith("error_rate:") and value > ERROR_RATE_P1 else 1


def advance(
    episode: SignalEpisode | None, key: str, value: float | None, now: datetime
) -> SignalEpisode | None:
    """The signal's episode after a reading `value` at `now` (None: nothing known now).

    Returns the episode, still open or just ended (`ended` set), or None when there is none:
    never opened, or a blip that held clear without firing.
    """
    if episode is None and (value is None or value <= 0.5):  # nothing over any line
        return None
    signal = rule(key)
    urgent = value is not None and signal.urgent is not None and value > signal.urgent
    if episode is None or episode.ended is not None:
        if value is None or value <= signal.line:
            return None
        level, fired = _level(key, value), now if urgent else None
        return SignalEpisode(
            key=key, began=now, peak=value, peak_at=now, level=level, fired_at=fired
        )
    changes: dict = {}  # only what differs: an unchanged episode is the same object
    if value is not None:
        if value > episode.peak:
            changes.update(peak=value, peak_at=now)
        if value > signal.line and _level(key, value) > episode.level:
            changes["level"] = _level(key, value)
        if value >= signal.clear:
            if episode.clear_since is not None:
                changes["clear_since"] = None
        elif episode.clear_since is None:
            changes["clear_since"] = now
    clear_since = changes.get("clear_since", episode.clear_since)
    if episode.fired_at is None and urgent:
        changes["fired_at"] = now
    elif episode.fired_at is None and clear_since is None and now - episode.began >= signal.hold:
        changes["fired_at"] = episode.began + signal.hold
    if clear_since is not None and now - clear_since >= CLEAR_HOLD:
        if episode.fired_at is None:
            return None  # a blip: never held, now held clear
        changes["ended"] = clear_since
    return episode.model_copy(update=changes) if changes else episode


def step(
    state: ConsoleState, now: datetime, kinds: Collection[str] = tuple(RULES)
) -> tuple[dict[str, SignalEpisode], Breach | None]:
    """The episodes open after a sample at `now` of the signal `kinds` it carries, and the
    breach they make, under rules 2. The other signals' open episodes only age: their
    last reading stands, and a hold may pass.

    The returned episodes include those that ended at this step (so a caller can tell
    what ended); the fold keeps only the open ones. Nothing changed: the same objects.
    """
    seen = readings(state, kinds) if kinds else {}
    if not seen and not state.episodes:
        return state.episodes, state.breach
    episodes: dict[str, SignalEpisode] = {}
    for key in (*seen, *(k for k in state.episodes if k not in seen)):
        episode = advance(state.episodes.get(key), key, seen.get(key), now)
        if episode is not None:
            episodes[key] = episode
    if episodes.keys() == state.episodes.keys() and all(
        episodes[k] is state.episodes[k] for k in episodes
    ):
        return state.episodes, state.breach  # the breach follows from the episodes alone
    return episodes, _breach(state, episodes)


def _breach(state: ConsoleState, episodes: dict[str, SignalEpisode]) -> Breach | None:
    """The breach after this step: opened by the first signal over its line, sustained once
    any of its signals fired, ended when all held clear. A breach of blips only, once they
    are dropped, leaves the last sustained breach standing."""
    old = state.breach
    current = old if old is not None and old.ended is None else None
    open_ = [e for e in episodes.values() if e.ended is None]
    fired = any(e.fired_at is not None for e in episodes.values())
    if open_ and (current is None or not current.sustained):
        # until it is sustained, a breach starts with its earliest signal still open: a
        # blip dropped meanwhile is no start
        first = min(open_, key=lambda e: (e.began, e.key))
        began, why = first.began, words(first.key)
        if current is None:
            last = old.model_copy(update={"before": None}) if old is not None else None
            return Breach(
                began=began, why=why, events=state.events + 1, sustained=fired, before=last
            )
        if (current.began, current.why, current.sustained) == (began, why, fired):
            return current
        return current.model_copy(update={"began": began, "why": why, "sustained": fired})
    if current is None:
        return old
    ended = [e.ended for e in episodes.values() if e.ended is not None]
    cleared = max([*ended, current.cleared] if current.cleared else ended, default=None)
    if open_:
        return current.model_copy(update={"cleared": cleared}) if ended else current
    if current.sustained or fired:
        done = cleared or state.now
        return current.model_copy(update={"sustained": True, "ended": done, "before": None})
    return current.before


def legacy_breach(before: ConsoleState, after: ConsoleState, now: datetime) -> Breach | None:
    """Rules 1: the breach begins each time the guide's rules start flagging anything, and
    is never sustained or ended: detection counted from the last raise before a declaration."""
    if not _may_flag(before, after):
        return after.breach
    raised = flags(after)
    if raised and not flags(before):
        return Breach(began=now, why="; ".join(raised), events=after.events + 1)
    return after.breach


def _may_flag(before: ConsoleState, after: ConsoleState) -> bool:
    """False when nothing the guide's rules flag on (`milestones.flags`) changed: most samples."""
    return (
        (after.bands is not before.bands and after.bands != before.bands)
        or after.health is not before.health
        or after.deployments is not before.deployments
        or after.probe("postgres").unreachable != before.probe("postgres").unreachable
    )
