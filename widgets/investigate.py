"""The Investigate screen: the guide's five investigation steps, one section at a time.

A section is read when it is opened and when the commander asks again, never on the console's
refresh. The reading runs in a worker (the console stays live); what it returns is the
journaled snapshot (state.events.InvestigationShown), drawn here as inert text. The screen
never reads a backend itself: `load` does that, and `pin` puts a finding on the timeline.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from state.guide.investigation import STEP_TITLES, STEPS, findings_count
from state.text import inert
from widgets.format import TONE_STYLE
from widgets.journal_alarm import JournalAlarm
from widgets.theme import CURRENT, KEY, MUTED, STRONG, UNKNOWN, WARN, themed

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.content import Content

    from state.events import Finding, InvestigationShown

Load = Callable[[str, str | None], Awaitable["InvestigationShown"]]


class InvestigateScreen(Screen[None]):
    """Sections 1-5 of the guide's investigation; `p` pins the highlighted finding."""

    BINDINGS = [
        *(
            Binding(str(i + 1), f"step({i})", title, show=False, id=f"investigate.step{i + 1}")
            for i, (_, title) in enumerate(STEPS)
        ),
        Binding("left", "move(-1)", "Previous step", show=False, id="investigate.previous"),
        Binding("right", "move(1)", "Next step", show=False, id="investigate.next"),
        Binding("g", "reload", "Read again", id="investigate.reload"),
        Binding("p", "pin", "Pin finding", id="investigate.pin"),
        Binding("]", "service(1)", "Next service", show=False, id="investigate.service"),
        Binding("[", "service(-1)", "Previous service", show=False, id="investigate.back"),
        Binding("escape", "close", "Back", id="investigate.close"),
    ]

    def __init__(
        self,
        load: Load,
        pin: Callable[[Finding, str], None],
        services: Sequence[str],
        service: str | None = None,
        step: int = 0,
    ) -> None:
        super().__init__()
        self.load = load
        self.pin = pin
        self.services = list(services)
        self.service = service if service in self.services else None
        self.step = step
        self.shown: InvestigationShown | None = None
        self.reading = False

    def compose(self) -> ComposeResult:
        yield JournalAlarm()
        with Vertical(id="investigate"):
            yield Static(id="investigate-steps")
            yield Static(id="investigate-status")
            yield OptionList(id="investigate-findings")
            yield Static(self._hints(), id="investigate-keys")

    def on_mount(self) -> None:
        self.query_one("#investigate-findings", OptionList).focus()
        self.action_step(self.step)

    # ---- drawing ----------------------------------------------------------------------------

    def _hints(self) -> Content:
        text = Text()
        for key, what in (
            ("1-5", "step"),
            ("g", "read again"),
            ("p", "pin to timeline"),
            ("[ ]", "service"),
            ("esc", "back"),
        ):
            text.append(f" {key} ", KEY)
            text.append(f"{what} ")
        return themed(text)

    def _draw_steps(self) -> None:
        text = Text()
        for i, (_, title) in enumerate(STEPS):
            text.append(f" {i + 1} {title} ", CURRENT if i == self.step else "")
        self.query_one("#investigate-steps", Static).update(themed(text))

    def _draw_status(self, line: str, style: str = MUTED) -> None:
        self.query_one("#investigate-status", Static).update(themed(Text(line, style)))

    def show(self, shown: InvestigationShown) -> None:
        """Draw a section's journaled snapshot: findings under their part, then what is missing."""
        self.shown = shown
        options: list[Option] = []
        part = None
        for i, finding in enumerate(shown.findings):
            if finding.part != part:
                part = finding.part
                options.append(Option(themed(Text(inert(part, 60), STRONG)), disabled=True))
            body = Text("  ")
            # a plain line that found nothing, or says what was read, is muted: no finding
            plain = not finding.found and finding.tone == "info"
            style = MUTED if plain else TONE_STYLE.get(finding.tone, "")
            body.append(inert(finding.text, 400), style)
            options.append(Option(themed(body), id=f"finding-{i}"))
        for line in shown.unavailable:
            options.append(Option(themed(Text(inert(line, 300), UNKNOWN)), disabled=True))
        findings = self.query_one("#investigate-findings", OptionList)
        findings.clear_options()
        findings.add_options(options)
        first = next((i for i, o in enumerate(options) if not o.disabled), None)
        findings.highlighted = first
        when = shown.at.strftime("%H:%M:%S")
        gaps = f", {len(shown.unavailable)} part(s) unavailable" if shown.unavailable else ""
        on = f" of {inert(shown.service, 60)}" if shown.service and shown.step == "errors" else ""
        self._draw_status(
            f"{STEP_TITLES.get(shown.step, shown.step)}{on} as read at {when} UTC: "
            f"{findings_count(shown)}{gaps}",
            WARN if shown.unavailable else MUTED,
        )

    # ---- keys -------------------------------------------------------------------------------

    def action_step(self, index: int) -> None:
        self.step = index % len(STEPS)
        self._draw_steps()
        self.action_reload()

    def action_move(self, delta: int) -> None:
        self.action_step(self.step + delta)

    def action_service(self, delta: int) -> None:
        if not self.services:
            return
        i = self.services.index(self.service) if self.service in self.services else -1
        self.service = self.services[(i + delta) % len(self.services)]
        self.action_step(self.step)

    def action_reload(self) -> None:
        """Read the current section again in a worker; a newer request replaces an older one."""
        key, title = STEPS[self.step]
        self.reading = True
        self._draw_status(f"Reading {title}...")
        self.run_worker(self._read(key), group="investigate", exclusive=True)

    async def _read(self, step: str) -> None:
        shown = await self.load(step, self.service)
        self.reading = False
        if STEPS[self.step][0] == step:
            self.show(shown)

    def action_pin(self) -> None:
        findings = self.query_one("#investigate-findings", OptionList)
        option = (
            findings.get_option_at_index(findings.highlighted)
            if findings.highlighted is not None
            else None
        )
        if self.shown is None or option is None or not option.id:
            self.notify("Nothing to pin: highlight a finding first", severity="warning")
            return
        finding = self.shown.findings[int(option.id.removeprefix("finding-"))]
        self.pin(finding, STEP_TITLES.get(self.shown.step, self.shown.step))
        self.notify("Pinned to the timeline")

    def action_close(self) -> None:
        self.app.pop_screen()
