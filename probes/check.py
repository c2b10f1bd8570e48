"""What `warroom check` reports for one backend."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CheckResult:
    """One row of `warroom check`: can the console use this backend, and how well."""

    backend: str  # "kubernetes", "health", "prometheus", "postgres"
    target: str  # where, without secrets: context/namespace, URL without credentials, host:port/db
    reachable: bool
    version: str | None = None
    latency_ms: float | None = None
    permissions: tuple[str, ...] = ()  # e.g. "get deployments: yes", "pg_stat_activity: all users"
    problems: tuple[str, ...] = field(default=())  # one line each; non-empty means the check failed
    # one line each: usable, but a pane will see less than it needs ("ready with warnings")
    warnings: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.reachable and not self.problems
