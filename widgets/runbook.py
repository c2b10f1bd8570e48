"""The Runbook screen: one of the guide's runbooks as a checklist with one-key steps.

Each step shows whether it is done (and by whom, when), skipped, or open, and how it is
done: a console key (run through that key's own confirmation and journal), an Investigate
section, or a tick by hand. The phase clock says how long the current time box has left;
the escalation criteria met now are marked. The screen draws what `view()` returns and
never reads a backend or the journal itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from state.text import inert
from widgets.journal_alarm import JournalAlarm
from widgets.theme import BAD, CURRENT, GOOD, KEY, MUTED, STRONG, WARN, themed

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.content import Content

    from state.guide.runbook import Runbook, Step


@dataclass(frozen=True)
class RunbookView:
    runbook: Runbook
    ticks: dict[str, tuple[str, datetime, str, int]]  # step id -> (done|skipped, when, by, seq)
    minutes: float  # since the phase clock started
    escalation: tuple[str, ...]  # criteria met now
    resolution: tuple[bool, str] | None  # Service Down's criteria, checked on the state
    # the verify step's watch: (words, "running" | "stable" | "failed"); None before any
    verification: tuple[str, str] | None = None
    service: str | None = None  # the service it was opened for: its fix acts on this one


_VERIFIED = {"running": CURRENT, "stable": GOOD, "failed": BAD}


def how(step: Step, service: str | None = None) -> str:
    """How a step is done; the remediation step names the service it acts on (`service`,
    the runbook's own), never the Services cursor's."""
    if step.action == "remediate" and service:
        return f"key: remediate {inert(service, 60)}"
    if step.action:
        return f"key: {step.action.replace('_', ' ')}"
    if step.investigate:
        return f"investigate: {step.investigate}"
    return "tick by hand"


class RunbookScreen(Screen[None]):
    """Enter runs the highlighted step; t ticks a hand step done, s skips it; Esc goes back."""

    BINDINGS = [
        Binding("enter", "run", "Run step", id="runbook.run"),
        Binding("t", "tick('done')", "Tick done", id="runbook.tick"),
        Binding("s", "tick('skipped')", "Skip", id="runbook.skip"),
        Binding("]", "other(1)", "Next runbook", id="runbook.next"),
        Binding("[", "other(-1)", "Previous runbook", id="runbook.previous"),
        Binding("escape", "close", "Back", id="runbook.close"),
    ]

    def __init__(
        self,
        view: Callable[[], RunbookView],
        run: Callable[[Step], None],
        tick: Callable[[Step, str], None],
        other: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__()
        self.view, self.run, self.tick, self.other = view, run, tick, other
        self.steps: list[Step] = []

    def compose(self) -> ComposeResult:
        yield JournalAlarm()
        with Vertical(id="runbook"):
            yield Static(id="runbook-head")
            yield Static(id="runbook-clock")
            yield OptionList(id="runbook-steps")
            yield Static(id="runbook-criteria")
            yield Static(self._hints(), id="runbook-keys")

    def on_mount(self) -> None:
        self.query_one("#runbook-steps", OptionList).focus()
        self.redraw()
        self.set_interval(1.0, self.redraw, name="runbook-clock")

    def _hints(self) -> Content:
        text = Text()
        for key, what in (
            ("enter", "run step"),
            ("t", "tick done"),
            ("s", "skip"),
            ("[ ]", "other runbook"),
            ("esc", "back"),
        ):
            text.append(f" {key} ", KEY)
            text.append(f"{what} ")
        return themed(text)

    def redraw(self) -> None:
        v = self.view()
        rb = v.runbook
        head = Text()
        head.append(f"Runbook: {rb.title}", STRONG)
        head.append(f"  trigger {rb.trigger} · severity {rb.severity} · team {rb.team}", MUTED)
        self.query_one("#runbook-head", Static).update(themed(head))
        phase = rb.phase_at(v.minutes)
        left = phase.end - v.minutes
        clock = Text()
        clock.append(f" {phase.title} ({phase.start}-{phase.end} min) ", CURRENT)
        if left >= 0:
            clock.append(f" {int(left):d}:{int(left * 60) % 60:02d} left in this phase", "")
        else:
            clock.append(f" {-left:.0f} min past the last phase", WARN)
        done = sum(1 for t in v.ticks.values() if t[0] == "done")
        clock.append(f"   {done}/{len(rb.steps)} steps done", MUTED)
        self.query_one("#runbook-clock", Static).update(themed(clock))
        self._draw_steps(v)
        crit = Text()
        crit.append("Escalate if: ", STRONG)
        for i, criterion in enumerate(rb.escalation):
            met = criterion in v.escalation
            crit.append(
                ("; " if i else "") + criterion + (" (MET)" if met else ""), BAD if met else ""
            )
        crit.append("\nResolved when: ", STRONG)
        crit.append("; ".join(rb.resolution))
        if v.resolution is not None:
            ok, detail = v.resolution
            crit.append(
                f"\n{'met' if ok else 'not met'}: {inert(detail, 300)}", GOOD if ok else WARN
            )
        self.query_one("#runbook-criteria", Static).update(themed(crit))

    def _draw_steps(self, v: RunbookView) -> None:
        steps = self.query_one("#runbook-steps", OptionList)
        highlighted = steps.highlighted
        options: list[Option] = []
        self.steps = []
        for phase in v.runbook.phases:
            options.append(
                Option(
                    themed(Text(f"{phase.title} ({phase.start}-{phase.end} min)", STRONG)),
                    disabled=True,
                )
            )
            for step in phase.steps:
                tick = v.ticks.get(step.id)
                line = Text()
                if tick is None:
                    line.append(" [ ] ", "")
                elif tick[0] == "done":
                    line.append(" [x] ", GOOD)
                else:
                    line.append(" [-] ", WARN)
                line.append(step.text)
                line.append(f"  ({how(step, v.service)})", MUTED)
                if tick is not None:
                    line.append(f"  {tick[0]} {tick[1]:%H:%M:%S} by {inert(tick[2], 40)}", MUTED)
                if step.action == "verify" and v.verification is not None:
                    words, state = v.verification  # already inert
                    line.append(f"\n      {words}", _VERIFIED.get(state, WARN))
                options.append(Option(themed(line), id=f"step-{len(self.steps)}"))
                self.steps.append(step)
        steps.clear_options()
        steps.add_options(options)
        if highlighted is None:
            highlighted = next(i for i, o in enumerate(options) if not o.disabled)
        steps.highlighted = min(highlighted, len(options) - 1)

    def _current(self) -> Step | None:
        steps = self.query_one("#runbook-steps", OptionList)
        if steps.highlighted is None:
            return None
        option = steps.get_option_at_index(steps.highlighted)
        return self.steps[int(option.id.removeprefix("step-"))] if option.id else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_run()

    def action_run(self) -> None:
        step = self._current()
        if step is None:
            return
        if step.manual:
            self.notify("A step the console cannot do: press t when it is done, s to skip")
            return
        self.run(step)

    def action_tick(self, outcome: str) -> None:
        step = self._current()
        if step is None:
            return
        if not step.manual and outcome == "done":
            self.notify("This step is done by running it (enter): its key journals it")
            return
        self.tick(step, outcome)
        self.redraw()

    def action_other(self, delta: int) -> None:
        """Another of the guide's runbooks, when the suggested one is not the incident's."""
        if self.other is not None:
            self.other(delta)
            self.query_one("#runbook-steps", OptionList).highlighted = None
            self.redraw()

    def action_close(self) -> None:
        self.app.pop_screen()
