"""The investigation on the live backends: Kubernetes, Prometheus, PostgreSQL and the
configured external dependencies; a backend that is not configured says so in its parts."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from probes.investigate import database, dependencies
from probes.investigate.base import NotConfigured, Read
from state.events import Finding, Tone
from state.guide.investigation import ERROR_RATE_STEP_SECONDS, ERROR_RATE_WINDOW_HOURS
from state.text import marked_name

if TYPE_CHECKING:
    from probes.investigate.kubernetes import KubernetesInvestigation


@dataclass
class Dependencies:
    """[investigate] of the configuration: what step 4 checks."""

    external_urls: Sequence[str] = ()
    dns_hosts: Sequence[str] = ()
    tls_endpoints: Sequence[str] = ()
    tls_ca_file: Path | None = None


@dataclass
class LiveInvestigator:
    services_: Sequence[str]
    now: Callable[[], datetime]
    kubernetes: KubernetesInvestigation | None = None
    prometheus_url: str | None = None
    prometheus_headers: Mapping[str, str] = field(default_factory=dict)
    error_rate_query: str | None = None
    prometheus_label: str = "service"  # [prometheus].label: the label naming each service
    prometheus_verify: bool | str = True  # [prometheus] ca_file / verify_tls
    dsn: str | None = None
    database: bool = False
    deps: Dependencies = field(default_factory=Dependencies)
    timeout: float = 5.0

    def services(self) -> Sequence[str]:
        return list(self.services_)

    def parts(self, step: str, service: str | None) -> Sequence[tuple[str, Read]]:
        k = self.kubernetes
        t = self.timeout

        def kube(name: str, fn: Callable[[KubernetesInvestigation], Read]) -> tuple[str, Read]:
            if k is None:
                return name, _absent("no [cluster] in the config")
            return name, fn(k)

        if step == "changes":
            return [
                kube("Rollouts", lambda k: k.rollouts),
                kube("Events", lambda k: k.events),
                kube("Config", lambda k: k.config),
            ]
        if step == "state":
            return [
                kube("Pods", lambda k: k.pods),
                kube("Nodes", lambda k: k.nodes),
                kube("Usage", lambda k: k.usage),
            ]
        if step == "errors":
            return [
                kube("Logs", lambda k: lambda: k.logs(service)),
                ("5xx rate", self._error_rates),
            ]
        if step == "dependencies":
            d = self.deps
            return [
                (
                    "External APIs",
                    _given(
                        d.external_urls,
                        "external_urls",
                        lambda: dependencies.external(d.external_urls, t),
                    ),
                ),
                ("DNS", _given(d.dns_hosts, "dns_hosts", lambda: dependencies.dns(d.dns_hosts, t))),
                (
                    "TLS",
                    _given(
                        d.tls_endpoints,
                        "tls_endpoints",
                        lambda: dependencies.tls(d.tls_endpoints, t, self.now(), d.tls_ca_file),
                    ),
                ),
            ]
        if step == "database":
            if not self.database:
                absent = _absent("no [database] in the config")
                return [
                    ("Slow statements", absent),
                    ("Largest tables", absent),
                    ("Connection", absent),
                ]
            return [
                ("Slow statements", lambda: database.slow_statements(self.dsn, t)),
                ("Largest tables", lambda: database.largest_tables(self.dsn, t)),
                ("Connection", lambda: database.connection_time(self.dsn, t)),
            ]
        return []

    async def _error_rates(self) -> list[Finding]:
        """The 5xx percentage per service over the last 2 h at a 5 min step: now, and the peak."""
        if not self.prometheus_url:
            raise NotConfigured("no [prometheus] in the config")
        from probes.prometheus.probe import PrometheusProbe, range_series

        label = self.prometheus_label
        probe = PrometheusProbe(
            "error_rate",
            self.prometheus_url,
            self.error_rate_query,
            headers=self.prometheus_headers,
            timeout=self.timeout,
            label=label,
            verify=self.prometheus_verify,
        )
        try:
            end = int(self.now().timestamp())  # whole seconds, as the library sends them
            step = ERROR_RATE_STEP_SECONDS
            points = ERROR_RATE_WINDOW_HOURS * 3600 // step + 1
            start = end - (points - 1) * step
            series = await probe.prometheus.query_range(
                probe.query,
                start,
                end,
                step,
                lambda data: range_series(data, start, step, points, label),
            )
        finally:
            await probe.close()
        out = []
        for name, values in sorted(series.items()):
            seen = [(i, v) for i, v in enumerate(values) if v is not None and math.isfinite(v)]
            if not seen:
                continue
            peak = max(v for _, v in seen)
            over = f"peak {peak:.2f} % over the last {ERROR_RATE_WINDOW_HOURS} h"
            latest = values[-1]
            tone: Tone
            if latest is not None and math.isfinite(latest):
                text, tone = f"{latest:.2f} % now, {over}", "bad" if latest > 5 else "info"
            else:  # the last value seen is no value now: when it was, and what is now
                i, last = seen[-1]
                when = datetime.fromtimestamp(start + i * step, UTC).strftime("%H:%M")
                # NaN: 0/0, no request in the rate's window; None: no series (scaled to 0?)
                gone = "no requests now" if latest is not None else "no series now"
                text, tone = f"{gone} (last {last:.2f} % at {when}), {over}", "warn"
            # the label value as the panes and the timeline show it: a name the sanitizer
            # changed keeps a digest and the mark (state/text.py shown_name), so two values
            # that differ only in what was removed are not read as one service
            shown = marked_name(name)
            out.append(Finding(part="5xx rate", text=f"{shown}: {text}", tone=tone))
        return out or [Finding(part="5xx rate", text="no 5xx series in the last 2 h", found=False)]

    async def close(self) -> None:
        if self.kubernetes is not None:
            await self.kubernetes.close()


def _absent(why: str) -> Read:
    async def read() -> list[Finding]:
        raise NotConfigured(why)

    return read


def _given(values: Sequence[str], key: str, read: Read) -> Read:
    return read if values else _absent(f"no {key} in [investigate]")
