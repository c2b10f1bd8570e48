"""Scenarios: data files that are a timeline of faults for the simulated cluster."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from probes.simulated.scenario_files import SCENARIO_DIR, ScenarioError, available, scenario_file
from state.guide.severity import Severity

__all__ = ["SCENARIO_DIR", "SERVICES", "Scenario", "ScenarioError", "available", "load"]

SERVICES = ("analysis-service", "file-watcher", "tracklist-service", "notification-service")
Service = Literal["analysis-service", "file-watcher", "tracklist-service", "notification-service"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class BadDeploy(_Strict):
    """A new revision whose pods serve errors and slow responses; undo rollout fixes it."""

    type: Literal["bad_deploy"]
    at: float = Field(ge=0, description="seconds after the scenario starts")
    service: Service
    error_rate: float = Field(gt=0, le=100, description="5xx percent once fully rolled out")
    latency_factor: float = Field(default=1.0, ge=1)


class CrashLoop(_Strict):
    """The service's pods start crashing: CrashLoopBackOff, /health fails."""

    type: Literal["crash_loop"]
    at: float = Field(ge=0)
    service: Service
    reason: Literal["CrashLoopBackOff", "OOMKilled", "Error"] = "CrashLoopBackOff"
    cleared_by: tuple[Literal["restart", "delete_failing_pods", "rollout_undo", "scale"], ...] = (
        "restart",
        "delete_failing_pods",
    )


class LockStorm(_Strict):
    """An idle-in-transaction session holds a row lock; UPDATEs queue behind it."""

    type: Literal["lock_storm"]
    at: float = Field(ge=0)
    relation: str = "tracks"
    every: float = Field(default=6.0, gt=0, description="seconds between new waiters")
    max_waiters: int = Field(default=12, ge=1)


class ConnectionLeak(_Strict):
    """A service leaks idle connections until the pool (max_connections) is exhausted."""

    type: Literal["connection_leak"]
    at: float = Field(ge=0)
    service: Service
    per_minute: float = Field(default=20.0, gt=0)
    backlog: int = Field(default=0, ge=0, description="sessions already leaked, idle 30 min")


class ExternalApiFailure(_Strict):
    """A third-party API times out; the circuit breaker is the fix."""

    type: Literal["external_api_failure"]
    at: float = Field(ge=0)
    service: Service
    error_rate: float = Field(default=12.0, gt=0, le=100)
    latency_factor: float = Field(default=4.0, ge=1)


class CertificateExpiry(_Strict):
    """A TLS certificate a service calls through expires: its handshakes fail, its requests
    5xx. Renewing the certificate is the fix; the circuit breaker makes the service degrade."""

    type: Literal["certificate_expiry"]
    at: float = Field(ge=0, description="seconds after the start: when the certificate expires")
    service: Service
    host: str = "mail.tracktion.example"
    error_rate: float = Field(default=18.0, gt=0, le=100)


class ProbeOutage(_Strict):
    """A monitoring backend stops answering for a while (its pane turns stale)."""

    type: Literal["probe_outage"]
    at: float = Field(ge=0)
    source: Literal["kubernetes", "health", "error_rate", "latency", "postgres", "redis"]
    duration: float = Field(gt=0)
    reason: str = "connection refused"


Fault = Annotated[
    BadDeploy
    | CrashLoop
    | LockStorm
    | ConnectionLeak
    | ExternalApiFailure
    | CertificateExpiry
    | ProbeOutage,
    Field(discriminator="type"),
]


class Remediation(_Strict):
    action: str
    target: str | None = None


class Scenario(_Strict):
    name: str
    title: str
    description: str = ""
    expected_severity: Severity
    accepted_remediations: tuple[Remediation, ...] = ()
    # the guide's runbook this scenario exercises (state/guide/runbooks): the drill's score
    # card counts its steps done, skipped and out of order
    runbook: Literal["high-error-rate", "service-down", "database-performance"] | None = None
    faults: tuple[Fault, ...] = Field(min_length=1)


def load(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by name, or a scenario file by path."""
    path = scenario_file(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"scenario {path.name}: not valid TOML ({exc})") from None
    except RecursionError:  # tomllib reads nested arrays and tables by recursion
        raise ScenarioError(f"scenario {path.name}: arrays or tables nested too deeply") from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ScenarioError(
            f"scenario {path.name}: field {_where(first['loc'])}: {first['msg']}"
        ) from None


_FAULT_TYPES = frozenset(
    get_args(model.model_fields["type"].annotation)[0] for model in get_args(get_args(Fault)[0])
)


def _where(loc: tuple[int | str, ...]) -> str:
    """The field's path as written in the file: `faults.0.error_rate`.

    pydantic puts the fault's `type` tag into the path (`faults.0.bad_deploy.error_rate`),
    a key the file does not have, so it is left out.
    """
    parts: list[str] = []
    for i, part in enumerate(loc):
        tag = i >= 2 and loc[i - 2] == "faults" and isinstance(loc[i - 1], int)
        if str(part).startswith("function-") or (tag and part in _FAULT_TYPES):
            continue
        parts.append(str(part))
    return ".".join(parts)
