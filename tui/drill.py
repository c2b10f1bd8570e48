"""`warroom drill SCENARIO`: a scenario played as an exercise, scored when it ends."""

from __future__ import annotations

from typing import TYPE_CHECKING

from state.guide.drill import Expectations, score
from tui.app import WarroomApp

# How long a drill waits, once resolved, for its final update's delivery before scoring: a
# demo's sink answers at once, a real channel within its own timeout.
DELIVERY_WAIT = 15.0

if TYPE_CHECKING:
    from collections.abc import Mapping

    from textual.worker import Worker

    from probes.simulated.scenario import Scenario
    from state.events import DrillScored, IncidentResolved
    from tui.base import Wiring
    from tui.opening import SessionStart


def expectations(scenario: Scenario) -> Expectations:
    """What the scenario file says a good commander does."""
    fixes = tuple((r.action, r.target) for r in scenario.accepted_remediations)
    return Expectations(scenario.name, scenario.expected_severity, fixes, scenario.runbook)


def drill_console(start: SessionStart, keymap: Mapping[str, str] | None = None) -> DrillApp:
    """A drill on its checked journal, opened just after the first frame and scored by the
    scenario it is playing (a resumed drill's own, whatever the command line names)."""
    from tui.demo import demo_wiring

    return DrillApp(
        opening=lambda: demo_wiring(start),
        operator=start.operator,
        speed=start.speed,
        keymap=keymap,
    )


class DrillApp(WarroomApp):
    """The console, as in a live incident; resolving (or quitting) ends and scores the drill."""

    expected: Expectations

    def __init__(self, *args, expected: Expectations | None = None, **kwargs) -> None:
        super().__init__(*args, badge="DRILL", **kwargs)
        if expected is not None:
            self.expected = expected
        self.card_shown = False
        self.card: DrillScored | None = None

    def _wire(self, wiring: Wiring) -> None:
        super()._wire(wiring)
        if wiring.scenario is not None:
            self.expected = expectations(wiring.scenario)

    def session_opened(self) -> None:
        super().session_opened()  # the final update is offered first (tui/comms_keys.py)
        from state.events import IncidentResolved

        self.on(IncidentResolved, self.resolved)

    def resolved(self, _event: IncidentResolved) -> None:
        """Resolving ends the drill: scored once the final update is sent or cancelled."""
        self.run_worker(self._score_after(self.comms.final_update), group="drill")

    async def _score_after(self, update: Worker[None] | None) -> None:
        from textual.worker import WorkerCancelled

        if update is not None:
            try:
                await update.wait()
            except WorkerCancelled:  # cut short by another message's dialog: not yet scored
                return
        await self._delivered(DELIVERY_WAIT)
        self.finish_drill()

    async def _delivered(self, limit: float) -> None:
        """Wait, at most `limit` seconds, until every status update queued for the incident
        has its outcome journaled: the final Resolved update counts on the card only once it
        reached people, and the card is scored after it, not before."""
        import asyncio
        import contextlib

        from state.events import MessageSent

        settled = asyncio.Event()

        def check(_event: object = None) -> None:
            incident = self.recorder.state.incident
            waiting = incident.pending_messages.values() if incident else ()
            if not any(m.purpose == "update" for m in waiting):
                settled.set()

        self.on(MessageSent, check)
        check()
        # past the limit it is scored as it stands: an update not delivered is no update
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(settled.wait(), limit)

    def finish_drill(self) -> None:
        """Score the journal, journal the card, and show it; closing it ends the drill.

        A drill scored before (resumed after its card) shows the card it has: one drill,
        one card in its journal."""
        if self.card_shown:
            return
        from state.events import DrillScored
        from widgets.score_card import ScoreCardScreen

        self.card_shown = True
        events = self.recorder.events()  # those held while the disk is full too
        scored = [e for e in events if isinstance(e, DrillScored)]
        if scored:
            card = scored[-1]
        else:
            card = score(events, self.expected).model_copy(update={"at": self.now()})
            self.record(card)
        self.card = card
        self.push_screen(ScoreCardScreen(card), lambda _: self.exit(0))

    def farewell(self) -> str | None:
        """The score card as plain text, printed when the console has ended: closing the
        card, with Escape too, never loses it."""
        if self.card is None:
            return None
        from state.text import inert
        from widgets.score_card import card_text

        title = f"Drill score card: {inert(self.card.scenario)}"
        return f"{title}\n\n{card_text(self.card).plain.rstrip()}"

    def action_quit_console(self) -> None:
        asked = self._quit_asked
        if asked is not None and asked in self.screen_stack:
            return  # ctrl+q again over the question: one question
        if self.opened and self.recorder.holding is not None:
            self.run_worker(self._quit_not_recorded(), exclusive=True, group="quit")
            return
        if self.card_shown:
            self.exit(0)
            return
        from widgets.modals import ConfirmScreen

        def answered(confirmed: object) -> None:
            if confirmed:
                self.finish_drill()

        self._quit_asked = ConfirmScreen(
            "End the drill?", "It is scored as it stands.", "End and score"
        )
        self.push_screen(self._quit_asked, answered)
