"""Live mode's Actions: Kubernetes actions go to the cluster, backend actions to the database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from probes.actions import (
    BACKEND_ACTIONS,
    KUBERNETES_ACTIONS,
    REMEDIATIONS,
    ActionRefused,
    UndoTarget,
)

if TYPE_CHECKING:
    from state.events import DbSession

NO_KUBERNETES = "no Kubernetes configured"
NO_DATABASE = "no database configured"


class BackendActions(Protocol):
    """What each backend's write side offers: its permissions and its actions."""

    async def permissions(self) -> Mapping[str, str | None]: ...

    async def run(
        self, action: str, target: str, params: Mapping[str, Any], dry_run: bool, now: datetime
    ) -> str: ...


class Database(BackendActions, Protocol):
    async def idle_sessions(self, older_than: float, now: datetime) -> list[DbSession]: ...


async def _ask(
    half: BackendActions | None, actions: Iterable[str], absent: str
) -> dict[str, str | None]:
    if half is None:
        return dict.fromkeys(actions, absent)
    try:
        answer = await half.permissions()
    except Exception as exc:  # a failed check allows nothing, and never takes the menu down
        why = str(exc) if isinstance(exc, ActionRefused) else type(exc).__name__
        return dict.fromkeys(actions, f"permissions unknown: {why}")
    return {a: answer.get(a, "permissions unknown") for a in actions}


class LiveActions:
    """Live mode's Actions: KubernetesActions and PostgresActions; either may be absent."""

    def __init__(
        self, kubernetes: BackendActions | None = None, database: Database | None = None
    ) -> None:
        self.kubernetes = kubernetes
        self.database = database

    async def permissions(self) -> dict[str, str | None]:
        """Both halves asked at once; an absent half allows none of its actions, and says so."""
        kubernetes, database = await asyncio.gather(
            _ask(self.kubernetes, REMEDIATIONS, NO_KUBERNETES),
            _ask(self.database, BACKEND_ACTIONS, NO_DATABASE),
        )
        return {**kubernetes, **database}

    def _half(self, action: str) -> BackendActions:
        if action in KUBERNETES_ACTIONS:
            if self.kubernetes is None:
                raise ActionRefused(NO_KUBERNETES)
            return self.kubernetes
        if action in BACKEND_ACTIONS:
            if self.database is None:
                raise ActionRefused(NO_DATABASE)
            return self.database
        raise ActionRefused(f"unknown action {action!r}")

    async def run(
        self, action: str, target: str, params: Mapping[str, Any], dry_run: bool, now: datetime
    ) -> str:
        return await self._half(action).run(action, target, params, dry_run, now)

    async def circuit_breaker_target(self) -> str:
        target = getattr(self.kubernetes, "circuit_breaker_target", None)
        return await target() if target is not None else NO_KUBERNETES

    async def undo_target(self, target: str) -> UndoTarget:
        find = getattr(self.kubernetes, "undo_target", None)
        if find is None:
            raise ActionRefused(NO_KUBERNETES)
        return await find(target)

    async def idle_sessions(self, older_than: float, now: datetime) -> list[DbSession]:
        if self.database is None:
            raise ActionRefused(NO_DATABASE)
        return await self.database.idle_sessions(older_than, now)

    async def keep_ready(self) -> None:
        """For the console's life, what the halves hold ready for an action: the database's
        reserve connection (probes/postgres/actions.py), for a server with no slot left."""
        keep = getattr(self.database, "keep_ready", None)
        if keep is not None:
            await keep()

    async def close(self) -> None:
        """Close the halves that hold connections (the Kubernetes client and its threads)."""
        for half in (self.kubernetes, self.database):
            close = getattr(half, "close", None)
            if close is not None:
                await close()
