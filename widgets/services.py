"""The Services pane: each deployment's replicas, worst pod, health and restarts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text

from state.guide.signals import health_unknown, pod_problem, service_down, worst_pod
from widgets.format import name_cell, name_width, number
from widgets.selectable import SelectablePane
from widgets.theme import BAD, BAD_STRONG, GOOD, STRONG, WARN

if TYPE_CHECKING:
    from state.console import ConsoleState

SLOW_HEALTH_MS = 500.0
FIXED_W = 24  # cells besides the name and pods columns: READY, HEALTH, RST, gaps, the edge
PODS_MIN = 8
_BAD = {"CrashLoopBackOff", "OOMKilled", "ImagePullBackOff", "ErrImagePull", "Error", "Failed"}


class ServicesPane(SelectablePane):
    SOURCES = ("kubernetes", "health")
    TITLE = "Services"

    def rows(self, state: ConsoleState, now: datetime) -> list[str]:
        return list(state.services)

    def alerting(self, state: ConsoleState) -> bool:
        return any(service_down(state, s) for s in state.services)

    def staleness(self, state: ConsoleState, now: datetime) -> str | None:
        """Besides a late or failing probe: which health checks cannot see, and why."""
        stale = super().staleness(state, now)
        blind: dict[str, int] = {}
        for service in state.services:
            why = health_unknown(state, service)
            if why is not None:
                blind[why] = blind.get(why, 0) + 1
        if not blind:
            return stale
        reasons = ", ".join(f"{why} x{n}" if n > 1 else why for why, n in blind.items())
        unknown = f"/health unknown from here: {reasons}"  # first: the pane is narrow
        return f"{unknown}; {stale}" if stale else unknown

    def body(self, state: ConsoleState, now: datetime, width: int, height: int) -> Text:
        # a long name gives way before the columns of numbers after it do
        longest = max([name_width(s) for s in state.services] + [10])
        name_w = min(longest, max(width - FIXED_W - PODS_MIN, 10))
        pods_w = max(min(width - name_w - FIXED_W, 24), PODS_MIN)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(
            f"{'DEPLOYMENT':<{name_w}} {'READY':<5}  {'PODS':<{pods_w}} {'HEALTH':<10}{'RST':>3}\n",
            STRONG,
        )
        for index, name in enumerate(state.services):
            deployment = state.deployments.get(name)
            health = state.health.get(name)
            down = service_down(state, name)
            shown = name_cell(name, name_w, BAD_STRONG if down else "")
            shown.stylize(self.cursor_style(index))
            text.append_text(shown)
            text.append(" ")
            if deployment is None:
                text.append(f"{'?':>5}  {'—':<{pods_w}} ")
            else:
                ready_style = BAD if deployment.ready < deployment.desired else ""
                text.append(f"{deployment.ready:>2}/{deployment.desired:<2}", ready_style)
                text.append("↻" if deployment.rollout else " ", WARN)
                phase, reason = worst_pod(deployment)
                # the pods that show the same word: NotReady is no pod's reason, but the
                # word for a Running pod that is not ready (state/guide/signals.py pod_problem)
                count = sum(1 for p in deployment.pods if pod_problem(p) == reason)
                style = BAD_STRONG if (reason or phase) in _BAD else WARN if reason else GOOD
                suffix = f" ×{count}" if reason else f" r{deployment.revision}"
                text.append_text(_pods(reason or phase, suffix, pods_w, style))
            if health is None:
                text.append(f"{'—':<10}")
            elif health.up:
                # the exact milliseconds of a healthy check only matter once they are slow
                slow = health.latency_ms is not None and health.latency_ms >= SLOW_HEALTH_MS
                latency = number(health.latency_ms, "ms", 0) if slow else "ok"
                cell = f"{health.status_code or 'UP'} {latency}"[:10].ljust(10)
                text.append(cell, WARN if slow else GOOD)
            elif health.unknown:  # not reached from here: no verdict (the subtitle says why)
                text.append(f"{'UNKNOWN':<10}", WARN)
            else:
                why = str(health.status_code) if health.status_code else "DOWN"
                text.append(f"{why:<10}", BAD_STRONG)
            restarts = sum(p.restarts for p in deployment.pods) if deployment else 0
            text.append(f"{restarts:>3}", WARN if restarts else "")
            text.append("\n")
        return text


def _pods(word: str, suffix: str, width: int, style: str) -> Text:
    """' CrashLoopBackOff ×2 ' in `width` cells between its spaces. The pod's reason is
    outside text: inert, marked when the sanitizer changed it, and cut before the count is."""
    label = Text(" ", style=style, end="")
    label.append_text(name_cell(word, min(name_width(word), width - cell_len(suffix)), pad=False))
    label.append(suffix)
    label.truncate(width + 1, overflow="crop", pad=True)
    label.append(" ")
    return label
