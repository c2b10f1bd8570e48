"""Drive the simulated cluster on a frozen clock: deterministic sessions for tests, benchmarks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from probes.investigate.simulated import SimulatedInvestigator
from probes.scheduler import ProbeScheduler
from probes.simulated.actions import SimulatedActions
from probes.simulated.cluster import SimulatedCluster
from probes.simulated.probe import probes
from probes.simulated.scenario import load
from state.clock import FrozenClock
from state.events import (
    ActionFinished,
    ActionRequested,
    EventBase,
    IncidentAcknowledged,
    IncidentDeclared,
    RoleAssigned,
    SessionStarted,
)
from state.guide.episodes import SIGNAL_RULES
from state.guide.policy import incident_id
from state.guide.severity import Role, Severity
from state.guide.signals import suggestion
from state.journal.store import Journal
from state.locks import LOCK_RULES
from state.recorder import Recorder
from state.rollouts import ROLLOUT_RULES
from tui import __version__

if TYPE_CHECKING:
    from tui.app import WarroomApp

START = datetime(2026, 3, 14, 9, 26, 0, tzinfo=UTC)
SEED = 7
OPERATOR = "alice"


def probe_outage(folder: Path, source: str) -> str:
    """A scenario file in `folder`: `source`'s probe refused from 10 s to 70 s, nothing else."""
    scenario = folder / "outage.toml"
    scenario.write_text(
        'name = "outage"\ntitle = "t"\nexpected_severity = "P3"\n'
        f'[[faults]]\ntype = "probe_outage"\nat = 10\nsource = "{source}"\nduration = 60\n'
        'reason = "connection refused"\n'
    )
    return str(scenario)


class Session:
    """A recorder, a frozen clock and the simulated cluster it samples, advanced on demand."""

    def __init__(
        self,
        scenario: str,
        journal: Path,
        seed: int = SEED,
        start: datetime = START,
        mode: Literal["demo", "drill"] = "demo",
        services: int = 4,
    ) -> None:
        self.clock = FrozenClock(start)
        self.cluster = SimulatedCluster(load(scenario), seed, start, services)
        self.recorder = Recorder(Journal.create(journal))
        self.scheduler = ProbeScheduler(probes(self.cluster), self.clock, self.record)
        self.actions = SimulatedActions(self.cluster)
        self.record(
            SessionStarted(
                at=start,
                mode=mode,
                version=__version__,
                operator=OPERATOR,
                scenario=scenario,
                seed=seed,
                services=tuple(self.cluster.services),
                signal_rules=SIGNAL_RULES,
                lock_rules=LOCK_RULES,
                rollout_rules=ROLLOUT_RULES,
            )
        )

    def app(self, **options: Any) -> WarroomApp:
        """The console on this session, with the simulated cluster's actions, in a test."""
        from tui.app import WarroomApp

        settings = {"operator": OPERATOR, "badge": "DEMO", "watch_terminal": False}
        settings.setdefault("actions", self.actions)
        settings.setdefault("investigator", SimulatedInvestigator(self.cluster, self.clock.now))
        return WarroomApp(self.recorder, self.clock, **{**settings, **options})

    def record(self, event: EventBase) -> None:
        self.recorder.record(event)

    def seconds(self) -> float:
        return (self.clock.now() - self.cluster.start).total_seconds()

    def run(self, until: float, interval: float = 2.0) -> Session:
        """Sample every probe each `interval` seconds up to `until` seconds after the start."""
        asyncio.run(self.arun(until, interval))
        return self

    async def arun(self, until: float, interval: float = 2.0) -> Session:
        """`run`, from inside a running event loop."""
        while self.seconds() + interval <= until + 1e-9:
            self.clock.advance(interval)
            await self.scheduler.cycle(self.clock.now())
        return self

    def declare(self, severity: Severity | None = None) -> Session:
        """Declare as a commander would: the suggested severity, the first reason as the title."""
        now = self.clock.now()
        hint = suggestion(self.recorder.state)
        self.record(
            IncidentDeclared(
                at=now,
                incident_id=incident_id(now),
                severity=severity or hint.severity,
                title=hint.reasons[0],
                reason=hint.reason,
                by=OPERATOR,
            )
        )
        self.record(RoleAssigned(at=now, role=Role.IC, person=OPERATOR, by=OPERATOR))
        return self

    def record_action(self, action: str, target: str, params: dict[str, Any]) -> Session:
        """Run a simulated action journaled as the console does: requested, then finished."""
        now = self.clock.now()
        action_id = f"{now:%H%M%S}-{action}"
        self.record(
            ActionRequested(
                at=now,
                action_id=action_id,
                action=action,
                target=target,
                params=params,
                by=OPERATOR,
            )
        )
        result = asyncio.run(self.actions.run(action, target, params, False, now))
        self.record(
            ActionFinished(
                at=now,
                action_id=action_id,
                action=action,
                target=target,
                ok=True,
                result=result,
                by=OPERATOR,
            )
        )
        return self

    def acknowledge(self) -> Session:
        self.record(IncidentAcknowledged(at=self.clock.now(), by=OPERATOR))
        return self

    def at(self, seconds: float) -> datetime:
        return START + timedelta(seconds=seconds)
