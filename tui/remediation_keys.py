"""The keys that change production: remediate a service, end or cancel a backend, clear idle
sessions. Each names its exact target, defaults to Cancel, and is journaled before and after."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, cast

from probes.actions import (
    BACKEND_ACTIONS,
    IDLE_AGE,
    KUBERNETES_ACTIONS,
    REMEDIATIONS,
    ActionRefused,
)
from state.guide.signals import describe_service, pod_to_delete
from state.locks import waiting_words
from state.text import NAME_MARK, describe_error, inert, sql_literal
from tui.base import KeyGroup
from widgets.format import clock_time, duration
from widgets.locks import LocksPane
from widgets.services import ServicesPane
from widgets.table import RowsPane

if TYPE_CHECKING:
    from datetime import datetime

    from probes.actions import UndoTarget
    from probes.kubernetes.rbac import PermissionsCache
    from state.console import ConsoleState
    from state.events import DbSession, PodStatus
    from state.locks import BlockingChain


def deployment_target(state: ConsoleState, name: str) -> str:
    """'namespace/deployment' for service `name`. A service the cluster's last answer did not
    hold (deleted, or nothing sampled yet) is in the namespace of those it did: the console
    watches one. With no answer at all, the name alone: the actions' own namespace, the
    config's. It was 'default/name' then, and the action went to namespace default."""
    found = state.deployments.get(name) or next(iter(state.deployments.values()), None)
    return f"{found.namespace}/{name}" if found is not None else name


def prepared_literal(s: DbSession) -> str | None:
    """The prepared transaction's gid as SQL to paste: the probe's literal of its exact text
    (`E'gid-\\x1b…'` when it holds controls); for a journal without one, the gid quoted
    when it was shown unchanged, else None (its shown name is not its text)."""
    if s.prepared_sql is not None:
        return s.prepared_sql
    if s.prepared is None or s.prepared.endswith(NAME_MARK):
        return None
    return sql_literal(s.prepared)


def failing_pods(state: ConsoleState, name: str) -> tuple[tuple[PodStatus, str | None], ...]:
    """The pods of deployment `name` that "delete the failing pods" names in the latest
    sample, with their uids (None: unknown): by the rule the action deletes them by
    (state/guide/signals.py `pod_to_delete`)."""
    deployment = state.deployments.get(name)
    return tuple(
        (p, uid)
        for p, uid in (deployment.pods_with_uids() if deployment else ())
        if pod_to_delete(p) is not None
    )


def failing_words(pods: tuple[tuple[PodStatus, str | None], ...]) -> str:
    """'\nFailing in the latest sample: x-7d9f-abcde (CrashLoopBackOff), …': every pod the
    action will delete, named (the dialog scrolls), and that it deletes no other."""
    if not pods:
        return "\nNo pod failing in the latest sample: nothing to delete."
    said = ", ".join(f"{inert(p.name, 80)} ({inert(pod_to_delete(p), 40)})" for p, _ in pods)
    return (
        f"\nFailing in the latest sample: {said}."
        "\nOnly these are deleted, each while it is still that pod (its uid) and still "
        "failing: a pod recreated under its name, or failing since, is left alone."
    )


class RemediationKeys(KeyGroup):
    """The keys that change production, on the console whose actions they run."""

    _rbac: PermissionsCache | None = None
    _action_count = 0
    _running: ClassVar[set[asyncio.Future[None]]] = set()  # actions whose outcome is awaited

    async def permissions(self) -> Mapping[str, str | None]:
        """Which actions the backends allow (cached: RBAC answers change rarely)."""
        assert self.console.actions is not None
        if self._rbac is None:
            from probes.kubernetes.rbac import PermissionsCache

            self._rbac = PermissionsCache()
        return await self._rbac.get(self.console.actions.permissions)

    # ---- services ------------------------------------------------------------------------------

    def _service_pane(self) -> RowsPane:
        """The service pane whose cursor the commander is on (Services, Error rate or p95):
        the row `r` acts on is the one they see chosen; the Services pane's otherwise."""
        focused = self.console.focused
        for pane in self.console.query(RowsPane):
            if focused is not None and focused in pane.walk_children():
                return pane
        return self.console.query_one(ServicesPane)

    def action_remediate(self) -> None:
        pane = self._service_pane()
        name, seen = pane.selected(), pane.shown()
        if name is None or seen is None:
            self.console.notify("No service to remediate yet", severity="warning")
            return
        self.console.run_worker(self._remediate(name, seen[0]), exclusive=True, group="action")

    def remediate_service(self, name: str) -> None:
        """The remediation menu for service `name` (a runbook's own), whatever row the
        Services cursor is on."""
        if self._may("remediate"):
            state = self.console.recorder.state
            self.console.run_worker(self._remediate(name, state), exclusive=True, group="action")

    def remediate_target(self, name: str, action: str) -> None:
        """The palette's "Restart tracklist-service": `action` on service `name`, straight to
        its confirmation (or to why it cannot run here)."""
        if not self._may(action):
            return
        self.console.run_worker(
            self._remediate(name, self.console.recorder.state, action),
            exclusive=True,
            group="action",
        )

    def _may(self, action: str) -> bool:
        """Whether this console may run `action` now; if not, the commander is told why
        ("read-only: restart is disabled on this console")."""
        key = action if action in BACKEND_ACTIONS else "remediate"
        refused = self.console.refusal(key, action.replace("_", " "))
        if refused:
            self.console.notify(refused, severity="warning", markup=False)
        return not refused

    async def _remediate(self, name: str, state, chosen: str | None = None) -> None:
        """Choose, confirm and run a remediation of service `name`; however it ends (done,
        cancelled at any dialog, refused, its worker cancelled), the service panes held still
        for the choice follow the samples again."""
        try:
            await self._remediation(name, state, chosen)
        finally:
            for pane in self.console.query(RowsPane):
                pane.release()

    async def _remediation(self, name: str, state, chosen: str | None) -> None:
        from widgets.action_dialogs import NumberScreen, RemediationMenu
        from widgets.modals import LiveConfirmScreen, Look, ask

        deployment = state.deployments.get(name)
        target = deployment_target(state, name)
        before = describe_service(state, name)
        allowed = await self.permissions()
        assert self.console.actions is not None
        breaker = await self.console.actions.circuit_breaker_target()
        labels = {
            **REMEDIATIONS,
            "circuit_breaker": f"{REMEDIATIONS['circuit_breaker']}: {breaker}",
        }
        choices = [(a, label, allowed.get(a)) for a, label in labels.items()]
        if chosen is not None and allowed.get(chosen):
            self.console.notify(
                f"{labels[chosen]}: {inert(allowed[chosen], 200)}", severity="warning", markup=False
            )
            return
        action = chosen or await ask(self.console, RemediationMenu(target, before, choices))
        if action is None:
            return
        params: dict[str, Any] = {}
        if action == "scale":
            current = deployment.desired if deployment else 1
            replicas = await ask(
                self.console,
                NumberScreen(
                    f"Scale {target} to how many replicas? (now {current})", current, 0, 100
                ),
            )
            if replicas is None:
                return
            params["replicas"] = replicas
        what = labels[action] + (f": {params['replicas']} replicas" if params else "")
        back = ""
        if action == "rollout_undo":
            undo = await self._undo_target(target)
            if undo is None:
                return
            what = f"Undo the rollout: back to revision {undo.revision}"
            back = f"\nBack to: {undo.words()}"
            if undo.current:
                back += "\nIts template is the deployment's already: kubectl skips the rollback."
            params["to_revision"] = undo.revision  # what was confirmed, even if history moves
        aim = breaker if action == "circuit_breaker" else f"deployment {target}"
        recorder = self.console.recorder

        def look() -> Look:  # the service as of the latest sample, not of the dialog's opening
            now = inert(describe_service(recorder.state, name))
            if action != "delete_failing_pods":
                return Look(f"Target: {inert(aim)}{back}", f"Now: {now}")
            pods = failing_pods(recorder.state, name)
            return Look(
                f"Target: {inert(aim)}{back}{failing_words(pods)}",
                f"Now: {now}",
                None if pods else "No pod is failing in the latest sample: nothing to delete",
                subject=tuple((p.name, uid) for p, uid in pods),
            )

        confirmed = await ask(
            self.console,
            LiveConfirmScreen(
                f"{what}?", look, "Do it", offer_dry_run=action in KUBERNETES_ACTIONS
            ),
        )
        if confirmed:
            now = describe_service(recorder.state, name)  # what was shown as yes was pressed
            if action == "delete_failing_pods":  # the pods named as yes was pressed, and no other
                named = cast("tuple[tuple[str, str | None], ...]", confirmed.subject or ())
                params["pods"] = [pod for pod, _ in named]
                params["pod_uids"] = [uid for _, uid in named]
            await self.perform(action, target, params, confirmed.dry_run, now)

    async def _undo_target(self, target: str) -> UndoTarget | None:
        """Where undoing `target`'s rollout goes back to, as kubectl picks it, read now; None,
        after saying why, when it cannot be read (the undo itself would fail the same way)."""
        assert self.console.actions is not None
        try:
            return await self.console.actions.undo_target(target)
        except Exception as exc:
            why = str(exc) if isinstance(exc, ActionRefused) else describe_error(exc)
            self.console.notify(
                f"Cannot undo the rollout of {inert(target)}: {inert(why, 200)}",
                severity="error",
                markup=False,
            )
            return None

    # ---- database backends -----------------------------------------------------------------------

    def _chosen_backend(self) -> BlockingChain | None:
        chain = self.console.query_one(LocksPane).selected()
        if chain is None:
            self.console.notify(
                "No backend selected: pick one in the Database locks pane", severity="warning"
            )
        return chain

    def action_terminate_backend(self) -> None:
        chain = self._chosen_backend()
        if chain is not None:
            self._end("terminate_backend", chain)

    def action_cancel_backend(self) -> None:
        chain = self._chosen_backend()
        if chain is not None:
            self._end("cancel_backend", chain)

    def end_pid(self, pid: int, action: str) -> None:
        """The palette's "Kill pid 4242": `action` on the blocker `pid` as the console sees it
        now, straight to its confirmation."""
        if not self._may(action):
            return
        from state.locks import blocking_chains

        database = self.console.recorder.state.database
        chains = blocking_chains(database.sessions) if database else []
        chain = next((c for c in chains if c.session.pid == pid), None)
        if chain is None:
            self.console.notify(
                f"pid {pid} blocks nobody any more", severity="warning", markup=False
            )
            return
        self._end(action, chain)

    def _end(self, action: str, chain: BlockingChain) -> None:
        if chain.session.is_prepared or not chain.sampled:
            self._no_backend(chain)
            return
        self.console.run_worker(self._end_backend(action, chain), exclusive=True, group="action")

    def _no_backend(self, chain: BlockingChain) -> None:
        """A blocker with no backend to end: say how it ends instead, and act on nobody (its
        waiters are the victims, never the target)."""
        from widgets.modals import NoticeScreen

        s = chain.session
        waiting = waiting_words(chain.blocks)
        if not s.is_prepared:
            self.console.notify(
                f"pid {s.pid} was not in pg_stat_activity when sampled (it ended as it was "
                "read): wait for the next sample",
                severity="warning",
                markup=False,
            )
            return
        unshown = ""
        if s.prepared is None:
            title = "A prepared transaction blocks these sessions"
            about = "pg_blocking_pids() reports it as pid 0; pg_prepared_xacts names none."
            gid = "'gid'"
        else:
            title = f"Prepared transaction '{s.prepared}' cannot be terminated"
            prepared = clock_time(s.xact_start) if s.xact_start else "?"
            about = f"Owner {s.user or '?'}, database {s.database or '?'}, prepared at {prepared}."
            literal = prepared_literal(s)
            gid = literal or "'gid'"
            if literal is None:  # a journal from before the literal was kept: never guess it
                unshown = (
                    "\nIts gid holds characters a terminal cannot show, so it is not "
                    "written here: read it with SELECT gid FROM pg_prepared_xacts."
                )
            elif gid.startswith("E'"):
                unshown = (
                    "\nIts gid holds characters that draw as nothing (or a backslash): the "
                    "literal below writes them as escapes, and pastes as it is."
                )
        message = (
            f"{about}\n{waiting}{unshown}\n\n"
            "A prepared transaction (two-phase commit) holds its locks with no backend: "
            "there is no session to terminate, and ending a waiter frees nothing.\n"
            f"It ends with COMMIT PREPARED {gid} or ROLLBACK PREPARED {gid}, run in "
            "its database by someone who knows which: the coordinator that prepared it, "
            "or its owner."
        )
        self.console.push_screen(NoticeScreen(title, message))
        self.console.query_one(LocksPane).release()

    async def _end_backend(self, action: str, chain: BlockingChain) -> None:
        """Confirm, as of the latest sample (tui/backend_now.py), then end the backend chosen:
        the params name it by pid, user and backend_start, which the database checks again."""
        from tui.backend_now import backend_words, looking
        from widgets.modals import LiveConfirmScreen, ask

        s = chain.session
        locks = self.console.query_one(LocksPane)
        console = self.console
        look = looking(action, chain, lambda: (console.recorder.state, console.now()), locks.chains)
        try:
            confirmed = await ask(
                self.console,
                LiveConfirmScreen(f"{BACKEND_ACTIONS[action]}: pid {s.pid}?", look, "Do it"),
            )
            if confirmed:
                params = {
                    "pid": s.pid,
                    "user": s.user,
                    "backend_start": s.backend_start.isoformat() if s.backend_start else None,
                }
                await self.perform(action, f"pid {s.pid}", params, False, backend_words(s))
        finally:  # a worker cancelled mid-way leaves no pane frozen on an old sample
            locks.release()

    def action_terminate_idle(self) -> None:
        self.console.run_worker(self._terminate_idle(), exclusive=True, group="action")

    async def _terminate_idle(self) -> None:
        from widgets.modals import LiveConfirmScreen, Look, ask

        assert self.console.actions is not None
        try:
            idle = await self.console.actions.idle_sessions(IDLE_AGE, self.console.now())
        except Exception as exc:
            self.console.notify(
                f"Cannot list idle sessions: {describe_error(exc)}", severity="error", markup=False
            )
            return
        if not idle:
            self.console.notify("No idle sessions older than 10 minutes")
            return
        from tui.backend_now import role_refuses, superuser_refuses

        database = self.console.recorder.state.database
        console_superuser = database.console_superuser if database is not None else None
        signals = database.console_signals if database is not None else None
        refused = [s for s in idle if superuser_refuses(s, console_superuser)]
        others = [s for s in idle if s not in refused and role_refuses(s, signals)]
        lines = [
            f"pid {s.pid} {inert(s.user or '?')} {inert(s.application or '')} idle since "
            f"{clock_time(s.query_start) if s.query_start else '?'}"
            + (" (superuser: refused)" if s in refused else "")
            + (" (another role's: refused)" if s in others else "")
            for s in idle[:12]
        ]
        if len(idle) > 12:
            lines.append(f"… and {len(idle) - 12} more")
        # what the action checks again, each backend in the one statement that ends it
        # (signal_chosen.sql), as `k`'s confirmation refuses a pid now another backend
        lines.append(
            "\nEach is ended only while it is still the backend listed (its pid and backend "
            "start: a pid PostgreSQL gave to a new backend is left alone) and still idle 10 "
            "minutes."
        )
        if refused:
            lines.append(
                f"PostgreSQL will refuse {len(refused)} of them: their role is a superuser and "
                "the console's role is not; only a superuser may end a superuser's backend."
            )
        if others and signals:
            ours = inert(signals[0], 40)
            lines.append(
                f"PostgreSQL will refuse {len(others)} of them: their role is not the console's "
                f"({ours}), which is neither a superuser nor a member of pg_signal_backend "
                "(grant pg_signal_backend to end other roles' backends)."
            )
        message, listed, console = "\n".join(lines), self.console.now(), self.console

        def look() -> Look:  # a list read once: how old it is
            age = duration(max((console.now() - listed).total_seconds(), 0.0))
            return Look(message, f"Listed at {clock_time(listed)} ({age} ago).")

        confirmed = await ask(
            self.console,
            LiveConfirmScreen(
                f"Terminate {len(idle)} idle session{'s' if len(idle) != 1 else ''}?",
                look,
                "Terminate them",
            ),
        )
        if confirmed:
            # each named by its pid and backend_start, which the database checks again: a pid
            # another backend took since the list was read is left alone
            pids = [s.pid for s in idle]
            starts = [s.backend_start.isoformat() if s.backend_start else None for s in idle]
            await self.perform(
                "terminate_idle",
                f"{len(idle)} idle sessions",
                {"older_than": IDLE_AGE, "pids": pids, "backend_starts": starts},
                False,
                f"{len(idle)} idle sessions",
            )

    # ---- running one ---------------------------------------------------------------------------

    async def perform(
        self, action: str, target: str, params: Mapping[str, Any], dry_run: bool, before: str
    ) -> None:
        """Journal the request, run it once, journal how it ended. Never retried silently.

        The run and its outcome go on if the worker awaiting them is cancelled: another action
        key pressed meanwhile replaces that worker (`exclusive`), and cancelling it mid-run
        left the action running in its thread, its outcome never journaled, so the timeline
        and the review showed sessions terminated or a rollout undone as never finished."""
        from state.events import ActionRequested  # loaded on use

        assert self.console.actions is not None
        self._action_count += 1
        now = self.console.now()
        action_id = f"{now:%Y%m%dT%H%M%S}-{self._action_count}"
        self.console.record(
            ActionRequested(
                at=now,
                action_id=action_id,
                action=action,
                target=target,
                params=dict(params),
                dry_run=dry_run,
                before=before,
                by=self.console.operator,
            )
        )
        running = asyncio.ensure_future(self._run(action_id, action, target, params, dry_run, now))
        self._running.add(running)  # a task only the loop refers to may be collected midway
        running.add_done_callback(self._running.discard)
        await asyncio.shield(running)

    async def _run(
        self,
        action_id: str,
        action: str,
        target: str,
        params: Mapping[str, Any],
        dry_run: bool,
        now: datetime,
    ) -> None:
        from state.events import ActionFinished  # loaded on use

        assert self.console.actions is not None
        try:
            result, ok = await self.console.actions.run(action, target, params, dry_run, now), True
        except ActionRefused as exc:
            result, ok = str(exc), False
        except Exception as exc:
            result, ok = describe_error(exc), False
        name = target.rsplit("/", 1)[-1]
        after = (
            describe_service(self.console.recorder.state, name) if action in REMEDIATIONS else ""
        )
        self.console.record(
            ActionFinished(
                at=self.console.now(),
                action_id=action_id,
                action=action,
                target=target,
                ok=ok,
                dry_run=dry_run,
                result=inert(result, 300),
                after=after,
                by=self.console.operator,
            )
        )
        if not ok:
            self.console.notify(
                f"{action} failed: {inert(result, 200)}", severity="error", markup=False
            )
