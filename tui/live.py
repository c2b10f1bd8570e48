"""A live session: the real probes from the config, journaled on the wall clock."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from state.clock import WallClock
from state.events import SessionResumed, SessionStarted
from state.guide.episodes import SIGNAL_RULES
from state.journal.unsettled import unsettled_actions
from state.locks import LOCK_RULES
from state.recorder import Recorder
from state.rollouts import ROLLOUT_RULES
from tui import __version__
from tui.base import Wiring
from tui.opening import SessionStart, not_resumable
from tui.unrecorded import lost_lines

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from probes.base import Probe
    from probes.investigate.live import LiveInvestigator
    from probes.live_actions import LiveActions
    from tui.config import Config
    from tui.contexts import Selected


# the probe sources each config section feeds: a section left out leaves its panes
# "not configured" (widgets/pane.py), never waiting for a first sample
SECTION_SOURCES = {
    "cluster": ("kubernetes", "health"),
    "prometheus": ("error_rate", "latency"),
    "database": ("postgres",),
}


def unconfigured(config: Config) -> tuple[str, ...]:
    """The probe sources whose backend the config leaves out, for the session's first event."""
    return tuple(
        source
        for section, sources in SECTION_SOURCES.items()
        if getattr(config, section) is None
        for source in sources
    )


def live_probes(config: Config) -> list[Probe]:
    """One probe per configured backend, each refreshing every `config.refresh` seconds."""
    from probes.health import HealthProbe
    from probes.kubernetes.read import KubernetesProbe

    c, every = config.cluster, config.refresh
    probes: list[Probe] = []
    if c is not None:
        probes.append(
            KubernetesProbe(
                c.services,
                context=c.context,
                namespace=c.namespace,
                kubeconfig=c.kubeconfig,
                interval=every,
            )
        )
        probes.append(HealthProbe(c.services, c.health_url, interval=every))
    if config.prometheus is not None:
        from probes.prometheus.probe import PrometheusProbe

        p = config.prometheus
        common: dict[str, Any] = {
            "headers": p.header_values(),
            "interval": every,
            "timeout": p.timeout,
            "label": p.label,
            "verify": p.tls_verify(),
        }
        from probes.prometheus.probe import pair

        error_rate = PrometheusProbe("error_rate", p.url, p.error_rate_query, **common)
        latency = PrometheusProbe(
            "latency", p.url, p.latency_query, baseline_query=p.latency_baseline_query, **common
        )
        pair(error_rate, latency)  # one request a refresh for both panes' values
        probes += [error_rate, latency]
    if config.database is not None:
        from probes.postgres.probe import PostgresProbe

        probes.append(PostgresProbe(dsn=config.database.resolved_dsn(), interval=every))
    return probes


def live_actions(config: Config, read_only: bool) -> LiveActions | None:
    """The write side for the configured cluster and database; None in read-only mode."""
    if read_only:
        return None
    from probes.live_actions import LiveActions

    c, kubernetes = config.cluster, None
    if c is not None:
        from probes.kubernetes.write import KubernetesActions

        kubernetes = KubernetesActions(
            context=c.context,
            namespace=c.namespace,
            kubeconfig=c.kubeconfig,
            configmap=c.circuit_breaker_configmap,
            configmap_key=c.circuit_breaker_key,
        )
    database = None
    if config.database is not None:
        from probes.postgres.actions import PostgresActions

        database = PostgresActions(config.database.resolved_dsn())
    return LiveActions(kubernetes, database)


def live_wiring(start: SessionStart, selected: Selected) -> Wiring:
    """The live session on its checked, open journal: resumed, or begun now, with the
    configured probes, actions and channels."""
    clock = WallClock()
    config = selected.config
    recorder = _resume(start, clock, selected) if start.resuming else _begin(start, selected)
    actions = live_actions(config, selected.read_only)
    return Wiring(
        recorder,
        clock,
        live_probes(config),
        actions,
        config.notify,
        investigator=live_investigator(config, clock.now),
    )


def live_investigator(config: Config, now: Callable[[], datetime]) -> LiveInvestigator:
    """The guide's investigation over the configured backends (tui/investigate.py)."""
    from probes.investigate.kubernetes import KubernetesInvestigation
    from probes.investigate.live import Dependencies, LiveInvestigator

    c, p, i = config.cluster, config.prometheus, config.investigate
    kubernetes = None
    if c is not None:
        kubernetes = KubernetesInvestigation(
            c.services, context=c.context, namespace=c.namespace, kubeconfig=c.kubeconfig, now=now
        )
    return LiveInvestigator(
        tuple(c.services) if c else (),
        now,
        kubernetes=kubernetes,
        prometheus_url=p.url if p else None,
        prometheus_headers=p.header_values() if p else {},
        error_rate_query=p.error_rate_query if p else None,
        prometheus_label=p.label if p else "service",
        prometheus_verify=p.tls_verify() if p else True,
        dsn=config.database.resolved_dsn() if config.database else None,
        database=config.database is not None,
        deps=Dependencies(i.external_urls, i.dns_hosts, i.tls_endpoints, i.tls_ca_file),
    )


def _begin(start: SessionStart, selected: Selected) -> Recorder:
    config = selected.config
    try:
        recorder = Recorder(start.journal)
        recorder.record(
            SessionStarted(
                at=start.start,
                mode="live",
                version=__version__,
                operator=start.operator,
                services=tuple(config.cluster.services) if config.cluster else (),
                signal_rules=SIGNAL_RULES,
                lock_rules=LOCK_RULES,
                rollout_rules=ROLLOUT_RULES,
                begun_afresh=start.afresh,
                tells_start=True,
                context=selected.context,
                unconfigured=unconfigured(config),
                writes_allowed=selected.writes_allowed,
            )
        )
    except BaseException:
        start.journal.close()
        raise
    return recorder


def _resume(start: SessionStart, clock: WallClock, selected: Selected) -> Recorder:
    """Fold the journal read-only; only a journal that reads back is opened for writing."""
    reading = start.journal
    try:
        first = reading.first()
        if not isinstance(first, SessionStarted) or first.mode != "live":
            raise not_resumable(reading.path, "live")
    except BaseException:
        reading.close()
        raise
    try:
        unsettled = unsettled_actions(reading)
    except BaseException:
        reading.close()
        raise
    recorder = Recorder.reopen(reading)
    try:
        recorder.record(
            SessionResumed(
                at=clock.now(),
                operator=start.operator,
                version=__version__,
                context=selected.context,
                unconfigured=unconfigured(selected.config),
                writes_allowed=selected.writes_allowed,
                unrecorded=lost_lines(reading.path),
                unsettled=unsettled,
            )
        )
    except BaseException:
        recorder.journal.close()
        raise
    return recorder
