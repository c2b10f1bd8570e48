"""The simulated cluster answers every section of the investigation, with the clues a real
cluster would show for the scenario it plays: the rollout before a bad deploy and its new
exception, the slow UPDATE of a lock storm, the mail provider timing out, the OOMKilled
container of a crash loop, "too many connections" in the logs of a leaking pool."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from probes.investigate.base import ago, counted, log_findings, newest_first
from probes.simulated.model import image as sim_image
from probes.simulated.scenario import (
    BadDeploy,
    CertificateExpiry,
    ConnectionLeak,
    ExternalApiFailure,
)
from state.events import Finding, Tone
from state.guide.investigation import (
    EVENTS_WINDOW_HOURS,
    LOG_TAIL_LINES,
    ROLLOUT_WINDOW_HOURS,
    SLOW_STATEMENT_MS,
    TLS_WARN_DAYS,
    error_groups,
)

if TYPE_CHECKING:
    from probes.investigate.base import Read
    from probes.simulated.cluster import SimulatedCluster
    from probes.simulated.model import SimService

MAIL_API = "https://api.mailprovider.example/v3/health"
PAYMENTS_API = "https://payments.provider.example/status"
TLS_ENDPOINTS = (("api.tracktion.example", 443, 63.0), ("mail.tracktion.example", 443, 211.0))
NODES = ("node-a", "node-b", "node-c")
MEMORY_LIMIT_MI = 512
# the new exception a bad release throws: the bad-deploy scenario's clue
NEW_EXCEPTION = (
    "ERROR [req {req}] Unhandled exception in GET /tracklists/{n}: "
    "KeyError: 'artist_credit' (TracklistSerializer.to_json, tracklist_id={n})"
)
_ROUTINE_ERROR = "ERROR [req {req}] upstream cache miss storm: redis GET tracklist:{n} took {ms} ms"


def _clock(t: float) -> str:
    return f"{t // 3600:02.0f}:{t % 3600 // 60:02.0f}:{t % 60:02.0f}"


class SimulatedInvestigator:
    """The five sections read from `cluster` as of `now()`."""

    def __init__(self, cluster: SimulatedCluster, now: Callable[[], datetime]) -> None:
        self.cluster = cluster
        self.now = now

    def services(self) -> Sequence[str]:
        return list(self.cluster.services)

    def parts(self, step: str, service: str | None) -> Sequence[tuple[str, Read]]:
        self.cluster.advance_to(self.now())
        table: dict[str, list[tuple[str, Callable[[], list[Finding]]]]] = {
            "changes": [
                ("Rollouts", self._rollouts),
                ("Events", self._events),
                ("Config", self._config),
            ],
            "state": [("Pods", self._pods), ("Nodes", self._nodes), ("Usage", self._usage)],
            "errors": [
                ("Logs", lambda: self._logs(service)),
                ("5xx rate", self._error_rates),
            ],
            "dependencies": [
                ("External APIs", self._external),
                ("DNS", self._dns),
                ("TLS", self._tls),
            ],
            "database": [
                ("Slow statements", self._slow_statements),
                ("Largest tables", self._tables),
                ("Connection", self._connection),
            ],
        }
        return [(name, _later(fn)) for name, fn in table.get(step, [])]

    # ---- helpers --------------------------------------------------------------------------

    def _at(self, t: float) -> datetime:
        return self.cluster.start + timedelta(seconds=t)

    def _ago(self, t: float) -> str:
        return ago(self.cluster.t - t)

    def _faults(self, kind: type) -> list:
        return [
            f
            for f in self.cluster.scenario.faults
            if isinstance(f, kind) and f.at <= self.cluster.t
        ]

    def _stamp(self, t: float) -> str:
        return self._at(t).strftime("%H:%M:%S")

    # ---- 1. what changed ------------------------------------------------------------------

    def _rollouts(self) -> list[Finding]:
        groups: list[tuple[float, str, list[Finding]]] = []  # (latest, service, findings)
        window = ROLLOUT_WINDOW_HOURS * 3600
        for svc in self.cluster.services.values():
            recent = sorted(  # the newest rollout first
                (
                    r
                    for r, t in svc.rolled_at.items()
                    if r in svc.templates and self.cluster.t - t <= window
                ),
                reverse=True,
            )
            found = []
            for revision in recent:
                t = svc.rolled_at[revision]
                template = svc.templates.get(revision)
                before = _previous_template(svc, revision)
                image = sim_image(svc.name, template) if template is not None else "?"
                change = f"image 1.{before}.0 -> 1.{template}.0" if before else f"image {image}"
                cause = (  # a ReplicaSet rolled back to keeps its earlier revisions
                    f"kubectl rollout undo deployment/{svc.name}"
                    if template in svc.former
                    else f"release 1.{template}.0 (CI pipeline #48{template:02d})"
                )
                bad = template in svc.bad_templates
                found.append(
                    Finding(
                        part="Rollouts",
                        text=f"{svc.name} revision {revision} at {self._stamp(t)} "
                        f"({self._ago(t)}): {change}; change-cause: {cause}",
                        tone="warn" if bad else "info",
                    )
                )
            if found:
                groups.append((svc.rolled_at[recent[0]], svc.name, found))
        out = newest_first(groups)
        if not out:
            out.append(
                Finding(
                    part="Rollouts",
                    text=f"no rollout of a watched deployment in the last {ROLLOUT_WINDOW_HOURS} h",
                    found=False,
                )
            )
        return out

    def _events(self) -> list[Finding]:
        rows: list[tuple[bool, float, str]] = []  # (warning, when, text)
        for svc in self.cluster.services.values():
            crashing = [p for p in svc.pods if p.crashing]
            for pod in crashing:
                rows.append(
                    (
                        True,
                        self.cluster.t,
                        f"Warning BackOff pod/{pod.name} x{pod.restarts}: "
                        "Back-off restarting failed container",
                    )
                )
                if svc.crash and svc.crash[0] != "Error":
                    rows.append(
                        (
                            True,
                            self.cluster.t - 2,
                            f"Warning OOMKilling node/{NODES[0]} x{pod.restarts}: Memory cgroup "
                            f"out of memory: Killed process (python) in pod {pod.name}",
                        )
                    )
            for revision, t in svc.rolled_at.items():
                rs = f"{svc.name}-{_hash(self.cluster, svc, revision)}"
                rows.append(
                    (
                        False,
                        t,
                        f"Normal ScalingReplicaSet deployment/{svc.name} x1: "
                        f"Scaled up replica set {rs} to 1",
                    )
                )
        if self.cluster.circuit_breaker_at is not None:
            rows.append(
                (False, self.cluster.circuit_breaker_at, "Normal Updated configmap/app-config x1")
            )
        window = EVENTS_WINDOW_HOURS * 3600
        rows = [r for r in rows if self.cluster.t - r[1] <= window]
        rows.sort(key=lambda r: (not r[0], -r[1]))
        if not rows:
            return [
                Finding(
                    part="Events",
                    text=f"no events in the last {EVENTS_WINDOW_HOURS} h",
                    found=False,
                )
            ]
        return [
            Finding(part="Events", text=f"{self._stamp(t)} {text}", tone="warn" if w else "info")
            for w, t, text in rows[:20]
        ]

    def _config(self) -> list[Finding]:
        out = []
        if self.cluster.circuit_breaker_at is not None:
            out.append(
                Finding(
                    part="Config",
                    text=f'configmap/app-config circuit_breaker_enabled="true" at '
                    f"{self._stamp(self.cluster.circuit_breaker_at)}",
                )
            )
        for svc in self.cluster.services.values():
            if svc.rolled_at:
                out.append(
                    Finding(
                        part="Config",
                        text=f"deployment/{svc.name} pod template changed at revision "
                        f"{max(svc.rolled_at)}: image only (env and resources unchanged)",
                    )
                )
        return out or [
            Finding(part="Config", text="no config change in events or templates", found=False)
        ]

    # ---- 2. system state ------------------------------------------------------------------

    def _pods(self) -> list[Finding]:
        out = []
        for svc in self.cluster.services.values():
            for pod in svc.pods:
                if pod.phase == "Running" and pod.ready:
                    continue
                last = ""
                if pod.crashing and svc.crash:
                    last = (
                        "; last termination Error, exit code 1"
                        if svc.crash[0] == "Error"
                        else "; last termination OOMKilled, exit code 137"
                    )
                out.append(
                    Finding(
                        part="Pods",
                        text=f"{pod.name} {pod.phase} not ready ({pod.reason or 'starting'}), "
                        f"restarts {pod.restarts}{last}",
                        tone="bad" if pod.crashing else "warn",
                    )
                )
        return out or [
            Finding(part="Pods", text="every pod Running and Ready", tone="good", found=False)
        ]

    def _nodes(self) -> list[Finding]:
        return [
            Finding(
                part="Nodes",
                text=f"{node} Ready=True MemoryPressure=False DiskPressure=False PIDPressure=False",
            )
            for node in NODES
        ]

    def _usage(self) -> list[Finding]:
        rng = random.Random(int(self.cluster.t) ^ self.cluster.seed)
        out = []
        for i, node in enumerate(NODES):
            out.append(
                Finding(
                    part="Usage",
                    text=f"node {node}: cpu {rng.randint(38, 61) + 5 * i} %, "
                    f"memory {rng.randint(52, 70)} %",
                )
            )
        for svc in self.cluster.services.values():
            for pod in svc.pods:
                oom = bool(pod.crashing and svc.crash and svc.crash[0] != "Error")
                memory = 498 if oom else rng.randint(180, 320)
                out.append(
                    Finding(
                        part="Usage",
                        text=f"pod {pod.name}: cpu {rng.randint(40, 380)}m, memory {memory}Mi "
                        f"of {MEMORY_LIMIT_MI}Mi limit",
                        tone="bad" if oom else "info",
                    )
                )
        return out

    # ---- 3. error patterns ----------------------------------------------------------------

    def _logs(self, service: str | None) -> list[Finding]:
        svc = self.cluster.services.get(service or "")
        if svc is None:
            svc = max(self.cluster.services.values(), key=lambda s: s.error_rate)
        restarted = any(p.restarts for p in svc.pods)
        previous = " (--previous for restarted containers)" if restarted else ""
        pods = counted(len(svc.pods), "pod")
        head = f"{svc.name}: last {LOG_TAIL_LINES} lines of {pods}{previous}"
        return log_findings(head, error_groups(self._log_lines(svc)))

    def _log_lines(self, svc: SimService) -> list[tuple[datetime | None, str]]:
        """A deterministic tail of the service's pods' logs, with its scenario's errors."""
        c = self.cluster
        rng = random.Random(f"{c.seed}/{svc.name}/{int(c.t) // 10}")
        deploy = next((f for f in self._faults(BadDeploy) if f.service == svc.name), None)
        leak = self._faults(ConnectionLeak)
        external = next(
            (f for f in self._faults(ExternalApiFailure) if f.service == svc.name), None
        )
        expiry = next((f for f in self._faults(CertificateExpiry) if f.service == svc.name), None)
        lines: list[tuple[datetime | None, str]] = []
        per_pod = max(LOG_TAIL_LINES // max(len(svc.pods), 1), 1)
        for pod in svc.pods:
            bad = pod.template in svc.bad_templates
            for i in range(per_pod):
                t = c.t - (per_pod - i) * 0.6
                req = f"{rng.getrandbits(48):012x}"
                n = rng.randint(1000, 99999)
                roll = rng.random()
                if bad and deploy and t >= deploy.at and roll < deploy.error_rate / 100:
                    text = NEW_EXCEPTION.format(req=req, n=n)
                elif expiry and t >= expiry.at and roll < expiry.error_rate / 100:
                    text = (
                        f"ERROR [req {req}] mail relay send failed: ssl.SSLCertVerificationError: "
                        f"certificate verify failed: certificate has expired ({expiry.host}:465)"
                    )
                elif external and t >= external.at and roll < 0.15:
                    text = (
                        f"ERROR [req {req}] mail provider call failed: httpx.ReadTimeout: "
                        f"POST {MAIL_API.removesuffix('/health')}/send timed out after 10.0 s"
                    )
                elif svc.uses_db and leak and t >= leak[0].at and c.db.exhausted and roll < 0.3:
                    text = (
                        f"ERROR [req {req}] psycopg.OperationalError: connection failed: FATAL:  "
                        f'too many connections for role "tracktion"'
                    )
                elif svc.uses_db and c.db.waiters and roll < 0.05:
                    text = (
                        f"ERROR [req {req}] canceling statement due to statement timeout "
                        f"(UPDATE tracks, id={n})"
                    )
                elif roll < 0.004:
                    text = _ROUTINE_ERROR.format(req=req, n=n, ms=rng.randint(200, 900))
                else:
                    text = f"INFO [req {req}] GET /tracklists/{n} 200 {rng.randint(8, 90)} ms"
                lines.append((self._at(t), text))
            if pod.crashing and pod.restarts and svc.crash and svc.crash[0] != "Error":
                t = c.t - 5
                lines.append(
                    (
                        self._at(t),
                        "FATAL [previous] worker 1 exceeded memory limit loading analysis model "
                        f"({MEMORY_LIMIT_MI}Mi): MemoryError",
                    )
                )
        return lines

    def _error_rates(self) -> list[Finding]:
        out = []
        for svc in self.cluster.services.values():
            tone: Tone = "bad" if svc.error_rate > 5 else "info"
            out.append(
                Finding(
                    part="5xx rate",
                    text=f"{svc.name}: {svc.error_rate:.2f} % now, {svc.baseline_error:.2f} % "
                    '2 h ago (rate of status=~"5.." over 5m, step 5 min)',
                    tone=tone,
                )
            )
        return out

    # ---- 4. external dependencies ---------------------------------------------------------

    def _external(self) -> list[Finding]:
        failing = bool(self._faults(ExternalApiFailure)) and not self.cluster.circuit_breaker
        mail = (
            Finding(part="External APIs", text=f"{MAIL_API}: timed out after 10 s", tone="bad")
            if failing
            else Finding(part="External APIs", text=f"{MAIL_API}: 200 in 84 ms", tone="good")
        )
        return [
            mail,
            Finding(part="External APIs", text=f"{PAYMENTS_API}: 200 in 121 ms", tone="good"),
        ]

    def _dns(self) -> list[Finding]:
        return [
            Finding(part="DNS", text="postgres.tracktion.svc.cluster.local -> 10.96.12.4 (2 ms)"),
            Finding(part="DNS", text="api.mailprovider.example -> 203.0.113.25 (11 ms)"),
        ]

    def _tls(self) -> list[Finding]:
        out = []
        expiring = {
            f.host: f.at for f in self.cluster.scenario.faults if isinstance(f, CertificateExpiry)
        }
        for host, port, days in TLS_ENDPOINTS:
            if host in expiring:
                days = expiring[host] / 86400  # the certificate expires at the fault's time
            expired = self.cluster.expired_certs.get(host)
            if expired is not None:
                out.append(
                    Finding(
                        part="TLS",
                        text=f"{host}:{port} certificate refused: certificate has expired "
                        f"(at {self._stamp(expired)}, {self._ago(expired)})",
                        tone="bad",
                    )
                )
                continue
            left = days - self.cluster.t / 86400
            warn = left < TLS_WARN_DAYS
            out.append(
                Finding(
                    part="TLS",
                    text=f"{host}:{port} certificate expires in {left:.0f} days"
                    + (f" (under {TLS_WARN_DAYS})" if warn else ""),
                    tone="bad" if warn else "good",
                )
            )
        return out

    # ---- 5. database ----------------------------------------------------------------------

    def _slow_statements(self) -> list[Finding]:
        db = self.cluster.db
        out = []
        if db.blocker and db.storm:
            waited = [self.cluster.t - w.query_start for w in db.waiters] or [0.0]
            mean = max(sum(waited) / len(waited), SLOW_STATEMENT_MS / 1000 + 0.4) * 1000
            calls = len(db.waiters) + 1
            out.append(
                Finding(
                    part="Slow statements",
                    text=f"UPDATE {db.storm[0]} SET play_count = play_count + $1 WHERE id = $2: "
                    f"calls {calls}, mean {mean / 1000:.1f} s, total {mean * calls / 1000:.0f} s",
                    tone="bad",
                )
            )
        if not out:
            out.append(
                Finding(
                    part="Slow statements",
                    text=f"no statement with mean > {SLOW_STATEMENT_MS / 1000:g} s "
                    "in pg_stat_statements",
                    tone="good",
                    found=False,
                )
            )
        return out

    @staticmethod
    def _tables() -> list[Finding]:
        return [
            Finding(part="Largest tables", text=text)
            for text in (
                "public.tracks 4210 MB",
                "public.tracklists 1864 MB",
                "public.analysis_results 1203 MB",
                "public.play_events 977 MB",
                "public.users 88 MB",
            )
        ]

    def _connection(self) -> list[Finding]:
        db = self.cluster.db
        if db.exhausted:
            return [
                Finding(
                    part="Connection",
                    text=f"refused: FATAL:  too many connections ({db.used} of "
                    f"{db.max_connections} in use)",
                    tone="bad",
                )
            ]
        return [
            Finding(
                part="Connection",
                text=f"connected in 4 ms ({db.used} of {db.max_connections} connections in use)",
                tone="good",
            )
        ]


def _later(fn: Callable[[], list[Finding]]) -> Read:
    async def read() -> list[Finding]:
        return fn()

    return read


def _previous_template(svc: SimService, revision: int) -> int | None:
    """The template that ran before `revision` rolled out: the ReplicaSet whose revision,
    or a revision it had before a rollback took it back (its revision history), came last
    before it. A ReplicaSet rolled back to takes a new number; its old one still counts."""
    had = [(r, t) for r, t in svc.templates.items()]
    had += [(r, t) for t, olds in svc.former.items() for r in olds]
    earlier = [(r, t) for r, t in had if r < revision]
    return max(earlier)[1] if earlier else None


def _hash(cluster: SimulatedCluster, svc: SimService, revision: int) -> str:
    from probes.simulated.model import template_hash

    return template_hash(cluster.seed, svc.name, svc.templates.get(revision, revision))
