"""The header: incident id, severity, state, elapsed, SLA countdowns and roles."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from state.guide.escalation import next_escalation
from state.guide.policy import grouped, next_update_due, resolution_due, response_due
from state.guide.severity import Role
from state.guide.signals import suggestion
from state.text import NAME_MARK, inert, shown_name
from widgets.format import SEVERITY_STYLE, countdown, duration, since
from widgets.text_line import TextLine
from widgets.theme import (
    ALARM,
    BAD,
    BAD_STRONG,
    CURRENT,
    GOOD,
    GOOD_STRONG,
    MARKED,
    MUTED,
    QUOTE,
    STRONG,
    WARN,
    WARN_STRONG,
)

if TYPE_CHECKING:
    from state.console import ConsoleState, Incident

_SEP = (" │ ", MUTED)


def _badged(badge: str) -> Text:
    """' DEMO  ': the mode the console runs in, first on the header's first line."""
    return Text.assemble((f" {badge} ", CURRENT), " ")


class IncidentHeader(TextLine):
    """Two lines: who and what, then the clocks that matter to the commander."""

    update_note: str | None = None  # after the update countdown: "not sent from this console"
    declare_key: str | None = "d"  # as the keymap has it; None: this console cannot declare
    # what the panes flag now ("DB locks: 3 sessions blocked"), set by the screen: while any
    # pane is flagged the header never says all clear
    flagged: tuple[str, ...] = ()

    def show(self, state: ConsoleState, now: datetime, badge: str) -> None:
        self.show_text(self.compose_text(state, now, badge))

    def opening(self, badge: str) -> None:
        """Before the session's journal is open: say so, rather than 'no incident'."""
        text = _badged(badge)
        text.append("Opening the session's journal…", STRONG)
        self.show_text(text)

    def compose_text(self, state: ConsoleState, now: datetime, badge: str) -> Text:
        text = _badged(badge)
        if state.context:  # which cluster's production this is, before anything else
            text.append("context ", MUTED)
            # a changed name keeps a digest and a mark: two contexts never look like one
            shown, changed = shown_name(state.context, 32)
            text.append(shown, STRONG)
            if changed:
                text.append(NAME_MARK, MARKED)
            if state.writes_allowed:
                text.append(" read-only lifted", WARN_STRONG)
            text.append(*_SEP)
        incident = state.incident
        if incident is None:
            self._watching(text, state)
        else:
            self._incident(text, incident, now, state)
        return text

    def _watching(self, text: Text, state: ConsoleState) -> None:
        what = f"scenario {inert(state.scenario, 40)}" if state.scenario else "watching"
        text.append(f"No incident declared · {what}", STRONG)
        hint = suggestion(state)
        text.append("\n")
        if hint.alerting:
            text.append(" suggested ", MUTED)
            text.append(f" {hint.severity.label} ", SEVERITY_STYLE[hint.severity])
            text.append(f" {inert(hint.summary)} ", STRONG)
            if self.declare_key:
                text.append(f"· press {self.declare_key} to declare", MUTED)
            return
        # warnings first, reassurance last: a line cut at the terminal's edge loses the latter
        if self.flagged:
            text.append(" flagged: ", WARN)
            text.append(" · ".join(inert(f, 60) for f in self.flagged), WARN_STRONG)
        if hint.unknown:  # calm in what it sees, but blind to some: never "all clear"
            text.append(" ·" if self.flagged else "", MUTED)
            text.append(f" unknown: {inert(grouped(hint.unknown))}", WARN)
        if self.flagged:
            return
        if hint.unknown:
            text.append(" · no threshold crossed in what is watched", MUTED)
        else:
            text.append(" all guide thresholds clear", GOOD)

    def _incident(self, text: Text, incident: Incident, now: datetime, state: ConsoleState) -> None:
        text.append(inert(incident.incident_id, 40), STRONG)  # as journaled: any text
        text.append(*_SEP)
        text.append(f" {incident.severity.label} ", SEVERITY_STYLE[incident.severity])
        hint = suggestion(state) if incident.open else None
        if hint is not None and hint.alerting and hint.severity.rank < incident.severity.rank:
            # declared lower than the guide reads it: the commander must see the gap
            text.append(" guide suggests ", WARN)
            text.append(f" {hint.severity.label} ", SEVERITY_STYLE[hint.severity])
            text.append(f" {inert(hint.summary, 60)}", WARN_STRONG)
        text.append(*_SEP)
        text.append(incident.status.word.upper(), GOOD_STRONG if not incident.open else STRONG)
        text.append(*_SEP)
        end = incident.resolved_at or now
        text.append(f"elapsed {duration((end - incident.declared_at).total_seconds())}")
        text.append(*_SEP)
        text.append(inert(incident.title, 80), QUOTE)
        text.append("\n ")
        if incident.open:
            self._clocks(text, incident, now)
        else:
            text.append(f"resolved by {inert(incident.resolution_summary or '—', 60)}", GOOD)
        text.append(*_SEP)
        for i, role in enumerate((Role.IC, Role.TL, Role.CL)):
            if i:
                text.append("  ")
            text.append(f"{role.value} ", MUTED)
            text.append(
                inert(incident.roles.get(role, "—"), 18),
                STRONG if role in incident.roles else MUTED,
            )

    def _clocks(self, text: Text, incident: Incident, now: datetime) -> None:
        # the targets of the severity the incident reached, as the review holds them
        # (state/guide/milestones.py); in a drill too: the expected one is the answer
        severity = incident.reached
        if severity is not incident.severity:  # lowered since: say whose targets these are
            text.append(f"{severity.value} targets ", MUTED)
        if incident.acknowledged_at is None:
            left, late = countdown(now, response_due(severity, incident.declared_at))
            text.append("ack due ", MUTED)
            text.append(f"{left}{' LATE' if late else ''}", BAD_STRONG if late else STRONG)
        else:
            took = (incident.acknowledged_at - incident.declared_at).total_seconds()
            late = incident.acknowledged_at > response_due(severity, incident.declared_at)
            text.append("acked in ", MUTED)
            text.append(f"{duration(took)} {'LATE' if late else 'ok'}", BAD if late else GOOD)
        text.append(*_SEP)
        left, late = countdown(now, resolution_due(severity, incident.declared_at))
        text.append("resolve ", MUTED)
        text.append(f"{left}{' OVERDUE' if late else ''}", BAD_STRONG if late else STRONG)
        text.append(*_SEP)
        due = next_update_due(severity, incident.declared_at, incident.last_update_at)
        if due is None:
            text.append("no update cadence", MUTED)
        else:
            left, late = countdown(now, due)
            text.append("update due ", MUTED)
            text.append(f"{left}{' OVERDUE' if late else ''}", ALARM if late else STRONG)
            text.append(
                f" (last {since(now, incident.last_update_at)})" if incident.last_update_at else "",
                MUTED,
            )
            if self.update_note:
                text.append(f" {self.update_note}")
        self._escalation(text, incident, now)

    def _escalation(self, text: Text, incident: Incident, now: datetime) -> None:
        """The level reached and the guide's next automatic trigger, red once it is due."""
        level = incident.escalation_level
        due = next_escalation(incident.severity, incident.declared_at, level)
        if level == 0 and due is None:
            return
        text.append(*_SEP)
        # one phrase: "escalated to L3, next L4 in 59:40", "escalate to L3 in 14:20"
        if level:
            text.append("escalated to ", MUTED)
            text.append(f"L{level}", STRONG)
            if due is not None:
                text.append(", ", MUTED)
        if due is not None:
            left, late = countdown(now, due.at)
            if late or due.at <= now:  # due: a P1's manager is due the moment it is declared
                text.append(f"ESCALATE to L{due.level} now", ALARM)
            else:
                text.append("next " if level else "escalate to ", MUTED)
                text.append(f"L{due.level}", STRONG)
                text.append(" in ", MUTED)
                text.append(left, STRONG)
