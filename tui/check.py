"""`warroom check`: can live mode use each configured backend? One row per backend."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from probes.check import CheckResult
from state.text import inert, marked_name

if TYPE_CHECKING:
    from rich.console import Console

    from tui.config import Config
    from tui.contexts import Selected

TIMEOUT = 5.0  # seconds each backend gets to answer
SHOWN_PROBLEMS = 10  # per backend; 1,000 services down are 10 lines and a count, not 1,000
GRACE = 1.0  # beyond it, for a check that overruns its own timeout


async def _guarded(backend: str, target: str, check: Awaitable[CheckResult]) -> CheckResult:
    """The check's result; a crash or an overrun is reported as that backend's failure."""
    try:
        return await asyncio.wait_for(check, TIMEOUT + GRACE)
    except TimeoutError:
        late = f"no answer within {TIMEOUT + GRACE:g} s"
        return CheckResult(backend, target, False, problems=(late,))
    except Exception as exc:
        # only the type: an unexpected message could carry a DSN or a header value
        return CheckResult(
            backend, target, False, problems=(f"check failed: {type(exc).__name__}",)
        )


async def _kubernetes(config: Config) -> CheckResult:
    from probes.kubernetes.read import check_kubernetes

    c = config.cluster
    assert c is not None
    return await check_kubernetes(c.context, c.namespace, c.kubeconfig, c.services, TIMEOUT)


async def _health(config: Config) -> CheckResult:
    from probes.health import check_health

    assert config.cluster is not None
    return await check_health(config.cluster.services, config.cluster.health_url, timeout=2.0)


async def _prometheus(config: Config) -> CheckResult:
    from probes.prometheus.probe import check_prometheus, configured_queries
    from state.clock import WallClock

    p = config.prometheus
    assert p is not None
    queries = configured_queries(
        p.label, p.error_rate_query, p.latency_query, p.latency_baseline_query
    )
    return await check_prometheus(
        p.url,
        p.header_values(),
        TIMEOUT,
        queries,
        label=p.label,
        verify=p.tls_verify(),
        now=WallClock().now(),
    )


async def _postgres(config: Config) -> CheckResult:
    from probes.postgres.probe import check_postgres

    assert config.database is not None
    return await check_postgres(config.database.resolved_dsn(), TIMEOUT)


async def _notify(config: Config, name: str) -> CheckResult:
    from probes.notify.check import check_channel

    assert config.notify is not None
    return await check_channel(name, config.notify.channels[name], timeout=TIMEOUT)


async def run_checks(config: Config) -> list[CheckResult]:
    """Check every configured backend at once, and each [notify] channel (posting nothing)."""
    checks = []
    if config.cluster is not None:
        where = config.cluster.context or "current context"
        checks.append(_guarded("kubernetes", where, _kubernetes(config)))
        checks.append(_guarded("health", config.cluster.health_url, _health(config)))
    if config.prometheus is not None:
        checks.append(_guarded("prometheus", config.prometheus.url, _prometheus(config)))
    if config.database is not None:
        env = config.database.dsn_env
        where = f"DSN from ${env}" if env else "libpq environment"
        checks.append(_guarded("postgres", where, _postgres(config)))
    for name, channel in config.notify.channels.items() if config.notify else ():
        checks.append(_guarded(f"notify {name}", channel.type, _notify(config, name)))
    return list(await asyncio.gather(*checks))


def scope(selected: Selected, console: Console) -> None:
    """One line before the table: the context whose rules apply, and which backends the
    config has (checked below) and has not (their panes say "not configured")."""
    config = selected.config
    line = Text()
    if selected.context:
        line.append(f"context {marked_name(selected.context, 60)}")
        line.append(" (read-only)" if selected.read_only else " (writable)")
        line.append(" · ")
    sections = {s: getattr(config, s) is not None for s in ("cluster", "prometheus", "database")}
    line.append("configured: " + (", ".join(f"[{s}]" for s, on in sections.items() if on)))
    absent = [f"[{s}]" for s, on in sections.items() if not on]
    if absent:
        line.append(f" · not configured: {', '.join(absent)}", "yellow")
    console.print(line)


def table(results: Sequence[CheckResult]) -> Table:
    out = Table(box=box.SIMPLE_HEAD, show_lines=False, pad_edge=False)
    for column in ("backend", "target", "reachable", "version", "permissions", "latency"):
        out.add_column(column, overflow="fold", no_wrap=column in ("permissions", "latency"))
    for r in results:
        latency = f"{r.latency_ms:.0f} ms" if r.latency_ms is not None else "—"
        reachable = Text("yes", "green") if r.reachable else Text("no", "bold red")
        out.add_row(
            Text(r.backend),
            Text(inert(r.target)),
            reachable,
            Text(inert(r.version or "—")),
            Text("\n".join(map(inert, r.permissions)) or "—"),
            Text(latency),
        )
    return out


READY, NOT_READY, WARNED = 0, 1, 3  # exit codes (2 is a bad config, as for every command)


def blocks(results: Sequence[CheckResult]) -> Text:
    """The table's facts, one block per backend, for a terminal too narrow for its columns:
    'postgres  yes  PostgreSQL 16.4  3 ms', then the target and each permission below it."""
    out = Text()
    for r in results:
        latency = f"{r.latency_ms:.0f} ms" if r.latency_ms is not None else "—"
        out.append(r.backend, "bold")
        out.append("  ")
        out.append(*(("yes", "green") if r.reachable else ("no", "bold red")))
        out.append(f"  {inert(r.version or '—')}  {latency}\n")
        out.append(f"  target: {inert(r.target)}\n")
        for permission in r.permissions:
            out.append(f"  {inert(permission)}\n")
    return out


def report(results: Sequence[CheckResult], console: Console) -> int:
    """Print the table (or, if its columns would wrap their cells, a block per backend),
    each problem and warning on its own line, and one summary line.

    Returns the exit code: 0 every backend ready; 1 a backend cannot be used ("not
    ready: …"); 3 every backend usable but one sees less than the console needs ("ready
    with warnings: …", e.g. a database role without pg_monitor)."""
    grid = table(results)
    natural = Measurement.get(console, console.options.update_width(10_000), grid).maximum
    wide = natural <= console.width
    console.print(grid if wide else blocks(results))
    for r in results:
        for problem in r.problems[:SHOWN_PROBLEMS]:
            console.print(Text(f"{r.backend}: {inert(problem)}"), style="red")
        if len(r.problems) > SHOWN_PROBLEMS:
            more = len(r.problems) - SHOWN_PROBLEMS
            console.print(Text(f"{r.backend}: … and {more:,} more"), style="red")
        for warning in r.warnings[:SHOWN_PROBLEMS]:
            console.print(Text(f"{r.backend}: warning: {inert(warning)}"), style="yellow")
    failed = [r.backend for r in results if not r.ok]
    if failed:
        console.print(Text(f"not ready: {', '.join(failed)}"), style="bold red")
        return NOT_READY
    warned = [r.backend for r in results if r.warnings]
    if warned:
        console.print(Text(f"ready with warnings: {', '.join(warned)}"), style="bold yellow")
        return WARNED
    console.print(Text("all backends ready"), style="green")
    return READY
