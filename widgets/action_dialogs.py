"""Dialogs for the commander's actions: what to do to a service, how many replicas, roles,
the resolution summary. Each names its exact target; Escape cancels."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from state.guide.severity import Role
from state.text import inert
from widgets.choices import Choice, Choices
from widgets.modals import Dialog, problem_line
from widgets.text_field import TextField

if TYPE_CHECKING:
    from textual.app import ComposeResult


class RemediationMenu(Dialog):
    """The runbook actions for one service; those not allowed are shown disabled, with why."""

    AUTO_FOCUS = "#actions"

    def __init__(
        self, target: str, summary: str, choices: list[tuple[str, str, str | None]]
    ) -> None:
        super().__init__()
        self.target, self.summary, self.choices = target, summary, choices

    def compose(self) -> ComposeResult:
        # why an action is not allowed can be a backend's error text: outside text
        options = [
            Option(
                Text(label if why is None else f"{label} — {inert(why, 200)}"),
                id=action,
                disabled=why is not None,
            )
            for action, label, why in self.choices
        ]
        with Vertical(classes="dialog"):
            yield Label(Text(f"Remediate {inert(self.target)}"), classes="dialog-title")
            yield Static(Text(f"Now: {inert(self.summary)}"), classes="dialog-reason")
            yield OptionList(*options, id="actions")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)


class NumberScreen(Dialog):
    """A whole number in a range, e.g. the replicas to scale to."""

    AUTO_FOCUS = "#number"

    def __init__(self, title: str, current: int, low: int, high: int) -> None:
        super().__init__()
        self.title_text, self.current, self.low, self.high = title, current, low, high

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(inert(self.title_text)), classes="dialog-title")
            yield Input(value=str(self.current), type="integer", id="number")
            yield problem_line()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Next", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def submit(self) -> None:
        raw = self.query_one("#number", Input).value.strip()
        if not raw.lstrip("-").isdigit() or not self.low <= int(raw) <= self.high:
            self.say(f"a whole number from {self.low} to {self.high}")
            return
        self.dismiss(int(raw))


class RoleScreen(Dialog):
    """Assign IC, TL, CL or an SME; a handoff keeps the earlier holder in the history."""

    AUTO_FOCUS = "#role"

    def __init__(self, current: dict[Role, str]) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        now = ", ".join(f"{r.value} {inert(p)}" for r, p in self.current.items()) or "nobody yet"
        with Vertical(classes="dialog"):
            yield Label("Assign a role", classes="dialog-title")
            yield Static(Text(f"Now: {now}"), classes="dialog-reason")
            yield Choices(
                *(
                    Choice(
                        Text(f"{r.value} {r.role_name}"), value=r is Role.TL, id=f"role-{r.value}"
                    )
                    for r in Role
                ),
                id="role",
            )
            yield TextField(placeholder="who (name or handle)", id="person")
            yield problem_line()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Assign", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def submit(self) -> None:
        pressed = self.query_one("#role", Choices).pressed_button
        person = self.query_one("#person", Input)
        if pressed is None or pressed.id is None:
            self.say("Choose a role")
        elif not person.value.strip():
            role = Role(pressed.id.removeprefix("role-"))
            self.say(f"Say who takes {role.value}: a name or a handle")
            person.focus()
        else:
            self.dismiss((Role(pressed.id.removeprefix("role-")), person.value.strip()))


class ResolveScreen(Dialog):
    """Resolve the incident with a summary of what fixed it."""

    AUTO_FOCUS = "#summary"

    def __init__(self, incident_id: str, verification: str | None) -> None:
        super().__init__()
        self.incident_id, self.verification = incident_id, verification

    def compose(self) -> ComposeResult:
        checked = (
            inert(self.verification)
            if self.verification
            else "not verified (press v to check the guide's criteria)"
        )
        with Vertical(classes="dialog"):
            yield Label(Text(f"Resolve {inert(self.incident_id)}"), classes="dialog-title")
            yield Static(Text(f"Resolution check: {checked}"), classes="dialog-reason")
            yield TextField(placeholder="resolution summary: what fixed it", id="summary")
            yield problem_line()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Resolve", variant="success", id="ok")
                yield Button("Cancel", id="cancel")

    def submit(self) -> None:
        summary = self.query_one("#summary", Input).value.strip()
        if summary:
            self.dismiss(summary)
        else:
            self.say("Say what fixed it: the summary goes on the timeline and into the review")
