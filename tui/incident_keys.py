"""The incident's own keys: declare, acknowledge, severity, note, roles, resolve."""

from __future__ import annotations

from typing import TYPE_CHECKING

from state.guide.policy import incident_id, next_update_due
from state.guide.severity import Role, Severity
from state.guide.signals import suggestion
from state.text import inert
from tui.base import KeyGroup

if TYPE_CHECKING:
    from state.console import Incident

# Each key imports its events where it makes them: the models load after the console's first
# frame, not before it (tui/base.py).


class IncidentKeys(KeyGroup):
    """The incident's keys, on the console they record to."""

    def action_declare(self) -> None:
        from state.events import IncidentDeclared, RoleAssigned
        from widgets.modals import DeclareScreen  # dialogs load on first use, not at start-up

        state = self.console.recorder.state
        refused = self.console.refused_now("declare")
        if refused:
            self.console.notify(refused, severity="warning", markup=False)
            return
        hint = suggestion(state)
        title = hint.reasons[0] if hint.alerting else "Investigating an issue"

        def declared(result: tuple[Severity, str] | None) -> None:
            if result is None:
                return
            severity, title = result
            now = self.console.now()
            # the guide's reading as the dialog closes, not as it opened: the signals move
            # while the commander types, and the record states what held at the declaration
            current = suggestion(self.console.recorder.state)
            self.console.record(
                IncidentDeclared(
                    at=now,
                    incident_id=incident_id(now),
                    severity=severity,
                    title=title,
                    reason=current.reason,
                    by=self.console.operator,
                )
            )
            if current.alerting and current.severity < severity:  # "P1" < "P2": more severe
                self.console.notify(
                    f"The guide now suggests {current.severity.label}: {inert(current.reason)}."
                    " Press s to raise the severity.",
                    severity="warning",
                    timeout=15,
                    markup=False,
                )
            # whoever declares leads until a handoff says otherwise
            self.console.record(
                RoleAssigned(
                    at=now, role=Role.IC, person=self.console.operator, by=self.console.operator
                )
            )

        self.console.push_screen(DeclareScreen(hint.severity, hint.reason, title), declared)

    def action_acknowledge(self) -> None:
        from state.events import IncidentAcknowledged

        if self.console.open_incident() is None:
            return
        refused = self.console.refused_now("acknowledge")
        if refused:
            self.console.notify(refused, markup=False)
            return
        self.console.record(IncidentAcknowledged(at=self.console.now(), by=self.console.operator))

    def action_severity(self) -> None:
        from state.events import SeverityChanged
        from widgets.modals import SeverityScreen

        incident = self.console.open_incident()
        if incident is None:
            return
        hint = suggestion(self.console.recorder.state)

        def changed(result: tuple[Severity, str] | None) -> None:
            if result is None:
                return
            severity, reason = result
            self.console.record(
                SeverityChanged(
                    at=self.console.now(),
                    severity=severity,
                    previous=incident.severity,
                    reason=reason,
                    by=self.console.operator,
                )
            )

        self.console.push_screen(
            SeverityScreen(incident.severity, hint.severity, hint.reason), changed
        )

    def action_note(self) -> None:
        from state.events import NoteAdded
        from widgets.modals import NoteScreen

        def added(text: str | None) -> None:
            if text:
                self.console.record(
                    NoteAdded(at=self.console.now(), text=text, by=self.console.operator)
                )

        self.console.push_screen(NoteScreen(), added)

    def action_roles(self) -> None:
        from state.events import RoleAssigned
        from widgets.action_dialogs import RoleScreen

        incident = self.console.open_incident()
        if incident is None:
            return

        def assigned(result: tuple[Role, str] | None) -> None:
            if result is not None:
                role, person = result
                self.console.record(
                    RoleAssigned(
                        at=self.console.now(), role=role, person=person, by=self.console.operator
                    )
                )

        self.console.push_screen(RoleScreen(dict(incident.roles)), assigned)

    def action_resolve(self) -> None:
        from state.events import IncidentResolved
        from widgets.action_dialogs import ResolveScreen
        from widgets.modals import ConfirmScreen

        incident = self.console.open_incident()
        if incident is None:
            return

        def record(summary: str) -> None:
            now, by = self.console.now(), self.console.operator
            self.console.record(IncidentResolved(at=now, summary=summary, by=by))

        def resolved(summary: str | None) -> None:
            if not summary:
                return
            silence = self._never_updated(incident)
            if silence is None:
                record(summary)
                return
            self.console.push_screen(
                ConfirmScreen("Resolve with no status update sent?", silence, "Resolve anyway"),
                lambda confirmed: record(summary) if confirmed else None,
            )

        self.console.push_screen(
            ResolveScreen(incident.incident_id, incident.verification), resolved
        )

    def _never_updated(self, incident: Incident) -> str | None:
        """Why resolving now deserves a second look: no status update was ever delivered and
        the first one the guide's cadence asks for is overdue. None when it is not so."""
        from widgets.format import clock_time, duration

        now = self.console.now()
        due = next_update_due(incident.severity, incident.declared_at, None)
        if incident.last_update_at is not None or due is None or due >= now:
            return None
        late = duration((now - due).total_seconds())
        return (
            f"No status update was ever sent for {inert(incident.incident_id)}: the first "
            f"({incident.severity.value}) was due at {clock_time(due)}, {late} ago. "
            "Whoever waits on it has heard nothing.\n"
            "Cancel, then press u to post one; or resolve anyway."
        )
