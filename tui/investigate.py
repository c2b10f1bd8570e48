"""The Investigate key: the guide's five investigation steps, read in workers and journaled.

Opening a section reads it (probes/investigate), journals what it showed as one compact
InvestigationShown, and draws that snapshot; `p` on the screen pins a finding to the
timeline as a note carrying its text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.base import KeyGroup

if TYPE_CHECKING:
    from state.console import ConsoleState
    from state.events import Finding, InvestigationShown


def suspect(state: ConsoleState) -> str | None:
    """The service whose logs to read first: the highest error rate, then a service down."""
    rates = [(state.latest("error_rate", s) or 0.0, s) for s in state.services]
    worst = max(rates, default=None)
    return worst[1] if worst and worst[0] > 0 else (state.services[0] if state.services else None)


class InvestigateKeys(KeyGroup):
    """`g`: the Investigate screen over the console's investigator."""

    # each part of a section, on its own; None: the guide's SECTION_TIMEOUT_SECONDS (its module,
    # and its patterns, load with the first section read, not before the first frame)
    timeout: float | None = None

    def action_investigate(self, step: int = 0) -> None:
        from widgets.investigate import InvestigateScreen

        investigator = getattr(self.console, "investigator", None)
        if investigator is None:
            self.console.notify(
                "Nothing to investigate with: this console has no backends to read",
                severity="warning",
            )
            return
        state = self.console.recorder.state
        screen = InvestigateScreen(
            self.load, self.pin, list(investigator.services()), suspect(state), step
        )
        self.console.push_screen(screen)

    async def load(self, step: str, service: str | None) -> InvestigationShown:
        """Read `step` for `service`, journal the snapshot, and return it to be drawn."""
        from probes.investigate.base import run_section
        from state.events import InvestigationShown
        from state.guide.investigation import SECTION_TIMEOUT_SECONDS, SNAPSHOT_TEXT, snapshot

        investigator = self.console.investigator
        assert investigator is not None
        timeout = SECTION_TIMEOUT_SECONDS if self.timeout is None else self.timeout
        findings, unavailable = await run_section(investigator, step, service, timeout)
        kept, omitted = snapshot(findings, service)  # worst first, the service's own kept
        compact = tuple(
            f.model_copy(update={"part": f.part[:60], "text": f.text[:SNAPSHOT_TEXT]}) for f in kept
        )
        shown = InvestigationShown(
            at=self.console.now(),
            step=step,
            service=service if step == "errors" else None,
            findings=compact,
            unavailable=tuple(u[:SNAPSHOT_TEXT] for u in unavailable),
            read=len(findings) if omitted else None,
            omitted=omitted,
            by=self.console.operator,
        )
        self.console.record(shown)
        return shown

    def pin(self, finding: Finding, step_title: str) -> None:
        """The finding on the timeline, as a note that carries its text."""
        from state.events import NoteAdded

        text = f"Finding ({step_title}, {finding.part}): {finding.text}"
        self.console.record(NoteAdded(at=self.console.now(), text=text, by=self.console.operator))
