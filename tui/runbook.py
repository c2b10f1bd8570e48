"""The Runbook key (`b`): the guide's runbook the signals match, as a checklist with one-key steps.

A console-action step runs its own key (the same confirmation and journal as pressing it);
an investigation step opens that Investigate section; any other step is ticked by hand
(RunbookStepTicked, with who and when). Progress is read from the journal's events. While a
runbook is open its escalation criteria are watched, each prompted once, and with Service
Down open every verification (`v`) also checks its resolution criteria.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from state.text import inert
from tui.base import KeyGroup

if TYPE_CHECKING:
    from state.events import EventBase
    from state.guide.runbook import Runbook, Step
    from widgets.runbook import RunbookView

# the events a runbook's progress and clock read (state/guide/runbook.py done_by)
_PROGRESS_KINDS = (
    "action_requested",  # who asked: an outcome journaled before it named anyone
    "verification_checked",
    "incident_acknowledged",
    "investigation_shown",
    "action_finished",
    "message_queued",
    "verification_finished",
    "incident_resolved",
    "runbook_step_ticked",
    "runbook_checked",
    "runbook_opened",
)


class RunbookKeys(KeyGroup):
    def __init__(self, console) -> None:
        super().__init__(console)
        self.runbook: Runbook | None = None
        self.service: str | None = None  # the service it was opened for: a fix acts on it
        self.opened_at: datetime | None = None
        self.events: list[EventBase] | None = None  # the journal's progress events, kept up
        self.prompted: set[str] = set()
        self.suggested: str | None = None
        self.error_then: float | None = None

    def start(self) -> None:
        """Subscribe to the events that move a runbook on, and watch its criteria."""
        from state import events as ev

        for kind in (
            ev.ActionRequested,
            ev.VerificationChecked,
            ev.IncidentAcknowledged,
            ev.InvestigationShown,
            ev.ActionFinished,
            ev.MessageQueued,
            ev.VerificationFinished,
            ev.IncidentResolved,
            ev.RunbookStepTicked,
            ev.RunbookChecked,
            ev.RunbookOpened,
        ):
            self.console.on(kind, self._seen)
        self.console.on(ev.VerificationFinished, self._verified)
        # the signals' samples drive the watch: what they say, never a timer, decides it
        for sample in (ev.MetricSampled, ev.HealthSampled, ev.DatabaseSampled):
            self.console.on(sample, self._sampled)

    def _sampled(self, event: EventBase) -> None:
        self.watch()

    def _seen(self, event: EventBase) -> None:
        if self.events is not None:
            self.events.append(event)
        self._shown_again(event)

    def _shown_again(self, event: EventBase) -> None:
        """The open runbook screen draws the step an event moved on now, not a second later."""
        from widgets.runbook import RunbookScreen

        screen = self.console.screen
        if isinstance(screen, RunbookScreen) and screen.is_mounted:
            screen.call_after_refresh(screen.redraw)

    def _journal_events(self) -> list[EventBase]:
        if self.events is None:
            recorded = self.console.recorder.events()  # those held while the disk is full too
            self.events = [e for e in recorded if getattr(e, "kind", "") in _PROGRESS_KINDS]
        return self.events

    # ---- the key ------------------------------------------------------------------------------

    def action_runbook(self) -> None:
        from state.guide.runbook import load, suggest
        from widgets.runbook import RunbookScreen

        if self.runbook is None:
            hint = suggest(self.console.recorder.state)
            self.open(load(hint[0] if hint else "high-error-rate"))
        self.console.push_screen(RunbookScreen(self.view, self.run, self.tick, self.other))

    def open(self, runbook: Runbook) -> None:
        """Make `runbook` the open one, journaled."""
        from state.events import RunbookOpened
        from state.guide.runbook import runbook_service

        self.runbook = runbook
        self.service = runbook_service(self.console.recorder.state, runbook.name)
        self.opened_at = self.console.now()
        self.console.record(
            RunbookOpened(
                at=self.opened_at,
                runbook=runbook.name,
                title=runbook.title,
                by=self.console.operator,
            )
        )
        self.error_then = self._worst_error()

    def other(self, delta: int) -> None:
        """The next (or previous) of the guide's runbooks instead of the open one."""
        from state.guide.runbook import NAMES, load

        assert self.runbook is not None
        i = NAMES.index(self.runbook.name)
        self.open(load(NAMES[(i + delta) % len(NAMES)]))

    def _worst_error(self) -> float:
        state = self.console.recorder.state
        return max((state.latest("error_rate", s) or 0.0 for s in state.services), default=0.0)

    def _clock_start(self) -> datetime:
        incident = self.console.recorder.state.incident
        if incident is not None and incident.open:
            return incident.declared_at
        assert self.opened_at is not None
        return self.opened_at

    def view(self) -> RunbookView:
        from state.guide.runbook import escalation_met, progress, resolution
        from widgets.runbook import RunbookView

        assert self.runbook is not None
        rb, state, now = self.runbook, self.console.recorder.state, self.console.now()
        start = self._clock_start()
        ticks = progress(rb, self._journal_events(), since=start)
        return RunbookView(
            rb,
            ticks,
            (now - start).total_seconds() / 60,
            tuple(escalation_met(rb, state, self._investigating_since(), self.error_then, now)),
            resolution(rb, state) if rb.name == "service-down" else None,
            self._verification(start, now),
            self.service,
        )

    def _verification(self, since: datetime, now: datetime) -> tuple[str, str] | None:
        """The verify step's state, (words, "running" | "stable" | "failed"): the watch
        running with its countdown (tui/verification.py), else the last verdict since the
        runbook's clock started; None before any."""
        running = self.console.verification.watching(now)  # type: ignore[attr-defined]
        if running is not None:
            return running, "running"
        finished = [
            e
            for e in self._journal_events()
            if getattr(e, "kind", "") == "verification_finished" and e.at >= since
        ]
        if not finished:
            return None
        last = finished[-1]
        stable = bool(getattr(last, "stable", False))
        word = "verified stable" if stable else "not verified"
        detail = inert(getattr(last, "detail", ""), 200)
        return f"{word} at {last.at:%H:%M:%S}: {detail}", "stable" if stable else "failed"

    def _investigating_since(self) -> datetime | None:
        shown = [
            e for e in self._journal_events() if getattr(e, "kind", "") == "investigation_shown"
        ]
        return shown[0].at if shown else None

    def run(self, step: Step) -> None:
        """A console-action step runs its key; an investigation step opens that section."""
        if step.investigate:
            from state.guide.investigation import STEPS

            index = [k for k, _ in STEPS].index(step.investigate)
            self.console.investigate.action_investigate(step=index)  # type: ignore[attr-defined]
            return
        assert step.action is not None
        if step.action == "remediate" and self.service is not None:
            # the runbook's own service, which its dialog names, never the Services cursor's
            self.console.remediation.remediate_service(self.service)  # type: ignore[attr-defined]
            return
        self.console.run_worker(self.console.run_action(step.action), exclusive=False)

    def tick(self, step: Step, outcome: str) -> None:
        from state.events import RunbookStepTicked

        assert self.runbook is not None
        self.console.record(
            RunbookStepTicked(
                at=self.console.now(),
                runbook=self.runbook.name,
                step=step.id,
                text=step.text,
                outcome=outcome,  # type: ignore[arg-type]
                by=self.console.operator,
            )
        )

    # ---- watching -----------------------------------------------------------------------------

    def watch(self) -> None:
        """Suggest the runbook the signals match (once per runbook); prompt once for each
        escalation criterion the open runbook's state meets."""
        if not self.console.opened:
            return
        from state.guide.runbook import load, suggest

        state = self.console.recorder.state
        if self.runbook is None:
            hint = suggest(state)
            if hint and hint[0] != self.suggested:
                self.suggested = hint[0]
                title = load(hint[0]).title
                self.console.notify(
                    f"Runbook suggested: {title} ({hint[1]}). Press b to open it",
                    markup=False,
                )
            return
        met = self.view().escalation
        for criterion in met:
            if criterion in self.prompted:
                continue
            self.prompted.add(criterion)
            self._prompt(criterion)
            break

    def _prompt(self, criterion: str) -> None:
        from widgets.modals import ConfirmScreen

        def answered(yes: object) -> None:
            if yes:
                self.console.run_worker(self.console.run_action("escalate"), exclusive=False)

        assert self.runbook is not None
        self.console.push_screen(
            ConfirmScreen(
                "Escalation criterion met",
                f"{self.runbook.title} runbook: {criterion}. Escalate now?",
                "Escalate",
            ),
            answered,
        )

    def _verified(self, event: EventBase) -> None:
        """With Service Down open, `v` also checks its resolution criteria on the state."""
        if self.runbook is None or self.runbook.name != "service-down":
            return
        from state.events import RunbookChecked
        from state.guide.runbook import resolution

        ok, detail = resolution(self.runbook, self.console.recorder.state)
        self.console.record(
            RunbookChecked(
                at=self.console.now(),
                runbook=self.runbook.name,
                ok=ok,
                detail=detail,
                by=self.console.operator,
            )
        )
