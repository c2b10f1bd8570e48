"""The Services pane: each deployment's replicas, worst pod, health and restarts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text

from state.guide.signals import health_unknown, pod_problem, worst_pod
from state.memo import last_answer
from state.rollouts import STALLED
from widgets.format import Column, fit_columns, name_cell, name_width, number, pod_word
from widgets.table import CLEAR, DOWN, P1_PAST, P2_PAST, UNKNOWN_RANK, RowsPane, down
from widgets.theme import BAD, BAD_STRONG, GOOD, STRONG, WARN

if TYPE_CHECKING:
    from state.console import ConsoleState
    from state.events import DeploymentStatus

SLOW_HEALTH_MS = 500.0
NAME_LEAST = 12  # cells a long name is cut to before a column of numbers is dropped
PODS_WANT, PODS_LEAST = 24, 12  # "CrashLoop ×3": a reason's short form and its count
HEALTH_WANT, HEALTH_LEAST = 10, 7  # "200 ok", "612ms", "DOWN", and a space before RST
_BAD = {"CrashLoopBackOff", "OOMKilled", "ImagePullBackOff", "ErrImagePull", "Error", "Failed"}

_ROLLOUT_TONE = {None: "", STALLED: BAD}  # any other word, a rollout going or paused: WARN


class ServicesPane(RowsPane):
    SOURCES = ("kubernetes", "health")
    TITLE = "Services"
    HIDDEN = {DOWN: "down", P1_PAST: "degraded", P2_PAST: "degraded"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        # by service: the deployment last read, and its worst pod (phase, reason, how many)
        self._worst: dict[str, tuple[DeploymentStatus, tuple[str, str | None, int]]] = {}

    def inputs(self, state: ConsoleState) -> tuple[object, ...]:
        return (*super().inputs(state), state.deployments, shown_health(state), state.bands)

    def worst(self, deployment: DeploymentStatus) -> tuple[str, str | None, int]:
        """(phase, reason, pods with that reason) of the deployment's worst pod, read again
        only when the probe sent a new status for it (the Kubernetes probe sends an
        unchanged deployment as the same object)."""
        known = self._worst.get(deployment.name)
        if known is not None and known[0] is deployment:
            return known[1]
        phase, reason = worst_pod(deployment)
        count = sum(1 for p in deployment.pods if pod_problem(p) == reason)
        self._worst[deployment.name] = (deployment, (phase, reason, count))
        return phase, reason, count

    def rank(self, state: ConsoleState, name: str) -> int:
        """Down; then past the guide's P1 error-rate line; then in trouble (a pod failing or
        not ready, fewer ready than desired, a slow /health, or an error rate or p95 past its
        P2 line); not seen yet; fine. A service burning at 35 % 5xx with every pod Running is
        the one the commander acts on, so it leads here too. One tier for pod trouble: a
        crash-looping pod goes Error, Running, CrashLoopBackOff within seconds, and its row
        stays put. The metric tiers are the bands (state/fold.py), which hold their place."""
        if name in down(state):
            return DOWN
        errors = state.bands.get(f"error_rate:{name}", 0)
        if errors >= 2:
            return P1_PAST
        metric_trouble = errors == 1 or bool(state.bands.get(f"latency:{name}", 0))
        deployment, health = state.deployments.get(name), state.health.get(name)
        if deployment is None or health is None or health.unknown:
            return P2_PAST if metric_trouble else UNKNOWN_RANK
        _, reason, _ = self.worst(deployment)
        slow = health.latency_ms is not None and health.latency_ms >= SLOW_HEALTH_MS
        if reason or deployment.ready < deployment.desired or slow or metric_trouble:
            return P2_PAST
        return CLEAR

    def alerting(self, state: ConsoleState) -> bool:
        return bool(down(state))

    def staleness(self, state: ConsoleState, now: datetime) -> str | None:
        """Besides a late or failing probe: which health checks cannot see, and why."""
        stale = super().staleness(state, now)
        unknown = _blind(state)
        if not unknown:
            return stale
        return f"{unknown}; {stale}" if stale else unknown

    def body(
        self,
        state: ConsoleState,
        now: datetime,
        width: int,
        height: int,
        rows: list[str] | None = None,
    ) -> Text:
        names = self.ordered(state)
        downs = down(state)
        name_w, pods_w, health_w, rst = _columns(state, width)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(
            f"{'DEPLOYMENT':<{name_w}} {'READY':<5}  {'PODS':<{pods_w}} "
            f"{'HEALTH':<{health_w}}{'RST' if rst else ''}\n",
            STRONG,
        )
        for name in names if rows is None else rows:
            deployment = state.deployments.get(name)
            health = state.health.get(name)
            text.append_text(name_cell(name, name_w, BAD_STRONG if name in downs else ""))
            text.append(" ")
            if deployment is None:
                text.append(f"{'?':>5}  {'—':<{pods_w}} ")
            else:
                ready_style = BAD if deployment.ready < deployment.desired else ""
                text.append(f"{deployment.ready:>2}/{deployment.desired:<2}", ready_style)
                rollout = deployment.rollout  # stalled (ProgressDeadlineExceeded) is bad
                text.append("↻" if rollout else " ", _ROLLOUT_TONE.get(rollout, WARN))
                # count: the pods that show the same word: NotReady is no pod's reason, but
                # the word for a Running pod that is not ready (state/guide/signals.py)
                phase, reason, count = self.worst(deployment)
                style = BAD_STRONG if (reason or phase) in _BAD else WARN if reason else GOOD
                suffix = f" ×{count}" if reason else f" r{deployment.revision}"
                text.append_text(_pods(reason or phase, suffix, pods_w, style))
            if not health_w:
                pass
            elif health is None:
                text.append(f"{'—':<{health_w}}")
            elif health.up:
                # the exact milliseconds of a healthy check only matter once they are slow
                slow = health.latency_ms is not None and health.latency_ms >= SLOW_HEALTH_MS
                latency = number(health.latency_ms, "ms", 0) if slow else "ok"
                cell = f"{health.status_code or 'UP'} {latency}"
                if len(cell) > health_w:  # narrow: the slowness is the news, not the 200
                    cell = latency
                text.append(cell[:health_w].ljust(health_w), WARN if slow else GOOD)
            elif health.unknown:  # not reached from here: no verdict (the subtitle says why)
                text.append(f"{'UNKNOWN':<{health_w}}", WARN)
            else:
                why = str(health.status_code) if health.status_code else "DOWN"
                text.append(f"{why:<{health_w}}", BAD_STRONG)
            if rst:
                restarts = sum(p.restarts for p in deployment.pods) if deployment else 0
                text.append(f"{restarts:>3}", WARN if restarts else "")
            text.append("\n")
        return text


@last_answer(lambda state: (state.health,))
def shown_health(state: ConsoleState) -> tuple[tuple[object, ...], ...]:
    """What the pane reads of the health checks (`body`, `rank`): each one's up, status code,
    unknown, and its latency once slow, as shown. A healthy check's latency is new at every
    refresh and shows only once slow, so the same tuple comes again while this holds (it
    compares by identity): the rows are not composed again for a number nobody sees."""
    found = tuple(
        (
            name,
            h.up,
            h.status_code,
            h.unknown,
            number(h.latency_ms, "ms", 0)
            if h.latency_ms is not None and h.latency_ms >= SLOW_HEALTH_MS
            else None,
        )
        for name, h in state.health.items()
    )
    if _shown_before and _shown_before[0] == found:
        return _shown_before[0]
    _shown_before[:] = [found]
    return found


_shown_before: list[tuple[tuple[object, ...], ...]] = []


@last_answer(lambda state: (state.services, state.health))
def _blind(state: ConsoleState) -> str | None:
    """'/health unknown from here: DNS lookup failed x4': the checks that cannot see, and
    why; None when every check got an answer."""
    blind: dict[str, int] = {}
    for service in state.services:
        why = health_unknown(state, service)
        if why is not None:
            blind[why] = blind.get(why, 0) + 1
    if not blind:
        return None
    reasons = ", ".join(f"{why} x{n}" if n > 1 else why for why, n in blind.items())
    return f"/health unknown from here: {reasons}"  # first: the pane is narrow


def _columns(state: ConsoleState, width: int) -> tuple[int, int, int, bool]:
    """Cells for the name, pods and health columns, and whether RST is shown, in `width`.

    Narrower, the pods column takes its reasons' short forms first (`pod_word`), then the
    health column drops the status code of a check that answered, then a long name is cut;
    RST stays (a crash loop's count), and only a pane too narrow for all of them at their
    least loses columns, RST then health first.
    """
    longest = max([name_width(s) for s in state.services] + [10])
    widths = fit_columns(
        [
            Column("name", longest + 1, min(longest, NAME_LEAST) + 1, keep=5),
            Column("ready", 6, 6, keep=6),  # " 3/3 " and the rollout mark
            Column("pods", PODS_WANT + 2, PODS_LEAST + 2, keep=4, grow=1),  # space each side
            Column("health", HEALTH_WANT, HEALTH_LEAST, keep=3),
            Column("rst", 3, 3, keep=2),
            Column("edge", 2, 0, keep=0, grow=2),  # room at the right, once all else fits
        ],
        width,
        gap=0,
    )
    return (
        widths["name"] - 1,
        widths.get("pods", PODS_LEAST + 2) - 2,
        widths.get("health", 0),
        "rst" in widths,
    )


def _pods(word: str, suffix: str, width: int, style: str) -> Text:
    """' CrashLoopBackOff ×2 ' in `width` cells between its spaces; narrow, ' CrashLoop ×2 '
    (`pod_word`). The pod's reason is outside text: inert, marked when the sanitizer changed
    it, and cut before the count is."""
    word = pod_word(word, width - cell_len(suffix))
    label = Text(" ", style=style, end="")
    label.append_text(name_cell(word, min(name_width(word), width - cell_len(suffix)), pad=False))
    label.append(suffix)
    label.truncate(width + 1, overflow="crop", pad=True)
    label.append(" ")
    return label
