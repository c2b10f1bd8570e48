"""The header: incident id, severity, state, elapsed, SLA countdowns and roles."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from state.guide.escalation import next_escalation
from state.guide.policy import grouped, next_update_due, resolution_due, response_due
from state.guide.severity import Role
from state.guide.signals import suggestion
from state.text import NAME_MARK, inert, shown_name
from widgets.format import SEVERITY_STYLE, Part, countdown, duration, fit_parts, since
from widgets.pane import unseen
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
    from state.guide.severity import Severity
    from state.journal.holding import Holding

_SEP = (" │ ", MUTED)
# how much each part of the second line is needed: on a narrow terminal the least needed
# take their short forms, then are left out, so that what is shown is whole (format.fit_parts).
# Past its time, a duty the commander acts on now (ack, update) outranks a target already
# missed (resolve), and an escalation due now outranks them all: it is who else is woken.
(
    KEEP_ESCALATION,
    KEEP_RESOLVE,
    KEEP_ACK,
    KEEP_ROLES,
    KEEP_UPDATE,
    KEEP_MISSED,
    KEEP_ALARM,
    KEEP_ESCALATE_NOW,
) = range(8)


def _badged(badge: str) -> Text:
    """' DEMO  ': the mode the console runs in, first on the header's first line."""
    return Text.assemble((f" {badge} ", CURRENT), " ")


class IncidentHeader(TextLine):
    """Two lines: who and what, then the clocks that matter to the commander."""

    _shown: tuple[ConsoleState, datetime, str] | None = None
    update_note: str | None = None  # after the update countdown: "not sent from this console"
    declare_key: str | None = "d"  # as the keymap has it; None: this console cannot declare
    # what the panes flag now ("DB locks: 3 sessions blocked"), set by the screen: while any
    # pane is flagged the header never says all clear
    flagged: tuple[str, ...] = ()
    # set by the screen while the journal cannot be written: a line of its own, above the two
    not_recorded: Holding | None = None
    # (since, why, -wal bytes) while the -wal cannot be copied into the file: a warning line
    not_checkpointed: tuple[datetime, str, int] | None = None

    def show(self, state: ConsoleState, now: datetime, badge: str) -> None:
        self._shown = (state, now, badge)
        text = self.compose_text(state, now, badge, self.size.width or None)
        height = 2
        width = self.size.width or 120
        alarm = alarm_line(self.not_recorded, self.not_checkpointed, width)
        if alarm is not None:
            text = Text.assemble(alarm, "\n", text)
            height = 3
        if self.styles.height is None or self.styles.height.value != height:
            self.styles.height = height
        self.show_text(text)

    def on_resize(self) -> None:
        if self._shown is not None:
            self.show(*self._shown)

    def opening(self, badge: str) -> None:
        """Before the session's journal is open: say so, rather than 'no incident'."""
        text = _badged(badge)
        text.append("Opening the session's journal…", STRONG)
        self.show_text(text)

    def compose_text(
        self, state: ConsoleState, now: datetime, badge: str, width: int | None = None
    ) -> Text:
        """The header's two lines; the second fitted to `width` cells when given."""
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
            self._watching(text, state, now)
        else:
            self._incident(text, incident, now, width, state)
        return text

    def _watching(self, text: Text, state: ConsoleState, now: datetime) -> None:
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
        warned = False
        if self.flagged:
            text.append(" flagged: ", WARN)
            text.append(" · ".join(inert(f, 60) for f in self.flagged), WARN_STRONG)
            warned = True
        if hint.unknown:  # calm in what it sees, but blind to some: never "all clear"
            text.append(" ·" if warned else "", MUTED)
            text.append(f" unknown: {inert(grouped(hint.unknown))}", WARN)
            warned = True
        blind = unseen(state, now)
        if blind:
            # never all clear while a pane has no fresh sample: what cannot be seen is unknown
            text.append(" ·" if warned else "", MUTED)
            text.append(" not all seen: ", WARN)
            text.append(f"no fresh sample from {', '.join(blind)}", MUTED)
        if self.flagged:
            return
        if hint.unknown:
            text.append(" · no threshold crossed in what is watched", MUTED)
        elif not blind:
            text.append(" all guide thresholds clear", GOOD)

    def _incident(
        self,
        text: Text,
        incident: Incident,
        now: datetime,
        width: int | None,
        state: ConsoleState,
    ) -> None:
        text.append(inert(incident.incident_id, 40), STRONG)  # as journaled: any text
        text.append(*_SEP)
        text.append(f" {incident.severity.label} ", SEVERITY_STYLE[incident.severity])
        hint = suggestion(state) if incident.open else None
        if hint is not None and hint.alerting and hint.severity.rank < incident.severity.rank:
            # declared lower than the guide reads it: the commander must see the gap
            text.append(" guide suggests ", WARN)
            text.append(f" {hint.severity.label} ", SEVERITY_STYLE[hint.severity])
            text.append(f" {inert(hint.summary, 60)}", WARN_STRONG)
        elif hint is not None and incident.verified_at is not None and not hint.alerting:
            # the guide's monitor_stability: the severity stands, nothing to raise it to;
            # unless a source has gone quiet since: what cannot be seen is not confirmed
            if hint.unknown or unseen(state, now):
                text.append(" not all seen: stability unconfirmed", WARN)
            else:
                text.append(" stability confirmed", GOOD)
        text.append(*_SEP)
        text.append(incident.status.word.upper(), GOOD_STRONG if not incident.open else STRONG)
        text.append(*_SEP)
        end = incident.resolved_at or now
        text.append(f"elapsed {duration((end - incident.declared_at).total_seconds())}")
        text.append(*_SEP)
        text.append(inert(incident.title, 80), QUOTE)
        text.append("\n ")
        if incident.open:
            parts = self._clocks(incident, now)
        else:
            resolved = Text(f"resolved by {inert(incident.resolution_summary or '—', 60)}", GOOD)
            parts = [Part(resolved, keep=KEEP_ALARM)]
        parts.append(self._roles(incident))
        text.append_text(fit_parts(parts, (width or 10_000) - 1, Text(*_SEP)))

    @staticmethod
    def _roles(incident: Incident) -> Part:
        """'IC alice  TL —  CL —'; short, one space between."""
        full, short = Text(), Text()
        for i, role in enumerate((Role.IC, Role.TL, Role.CL)):
            for line, gap in ((full, "  "), (short, " ")):
                if i:
                    line.append(gap)
                line.append(f"{role.value} ", MUTED)
                line.append(
                    inert(incident.roles.get(role, "—"), 18),
                    STRONG if role in incident.roles else MUTED,
                )
        return Part(full, short, KEEP_ROLES)

    def _clocks(self, incident: Incident, now: datetime) -> list[Part]:
        # the targets of the severity the incident reached, as the review holds them
        # (state/guide/milestones.py); in a drill too: the expected one is the answer
        severity = incident.reached
        # lowered since: say whose targets these are
        targets = f"{severity.value} targets " if severity is not incident.severity else ""
        if incident.acknowledged_at is None:
            left, late = countdown(now, response_due(severity, incident.declared_at))
            shown = (f"{left}{' LATE' if late else ''}", BAD_STRONG if late else STRONG)
            ack = Part(
                Text.assemble((f"{targets}ack due ", MUTED), shown),
                Text.assemble((f"{targets}ack ", MUTED), shown),
                KEEP_ALARM if late else KEEP_ACK,
            )
        else:
            took = (incident.acknowledged_at - incident.declared_at).total_seconds()
            late = incident.acknowledged_at > response_due(severity, incident.declared_at)
            word, style = ("LATE", BAD) if late else ("ok", GOOD)
            ack = Part(
                Text.assemble((f"{targets}acked in ", MUTED), (f"{duration(took)} {word}", style)),
                Text.assemble((f"{targets}acked ", MUTED), (word, style)),
                KEEP_ACK,
            )
        left, late = countdown(now, resolution_due(severity, incident.declared_at))
        resolve = Part(
            Text.assemble(
                ("resolve ", MUTED),
                (f"{left}{' OVERDUE' if late else ''}", BAD_STRONG if late else STRONG),
            ),
            keep=KEEP_MISSED if late else KEEP_RESOLVE,
        )
        parts = [ack, resolve, self._update(incident, severity, now)]
        escalation = self._escalation(incident, now)
        if escalation is not None:
            parts.append(escalation)
        return parts

    def _update(self, incident: Incident, severity: Severity, now: datetime) -> Part:
        due = next_update_due(severity, incident.declared_at, incident.last_update_at)
        if due is None:
            return Part(Text("no update cadence", MUTED), keep=KEEP_ESCALATION)
        left, late = countdown(now, due)
        shown = (f"{left}{' OVERDUE' if late else ''}", ALARM if late else STRONG)
        last = (
            (f" (last {since(now, incident.last_update_at)})", MUTED)
            if incident.last_update_at
            else ("", MUTED)
        )
        note = f" {self.update_note}" if self.update_note else ""  # read-only: not sent here
        return Part(
            Text.assemble(("update due ", MUTED), shown, last, note),
            Text.assemble(("update ", MUTED), shown, note),
            KEEP_ALARM if late else KEEP_UPDATE,
        )

    @staticmethod
    def _escalation(incident: Incident, now: datetime) -> Part | None:
        """The level reached and the guide's next automatic trigger, red once it is due."""
        level = incident.escalation_level
        due = next_escalation(incident.severity, incident.declared_at, level)
        if level == 0 and due is None:
            return None
        # one phrase: "escalated to L3, next L4 in 59:40", "escalate to L3 in 14:20"; short,
        # "at L3, L4 in 59:40" and "L3 in 14:20"
        full, short = Text(), Text()
        if level:
            full.append("escalated to ", MUTED)
            full.append(f"L{level}", STRONG)
            short.append("at ", MUTED)
            short.append(f"L{level}", STRONG)
            if due is not None:
                full.append(", ", MUTED)
                short.append(", ", MUTED)
        if due is None:
            return Part(full, short, KEEP_ESCALATION)
        left, late = countdown(now, due.at)
        if late or due.at <= now:  # due: a P1's manager is due the moment it is declared
            full.append(f"ESCALATE to L{due.level} now", ALARM)
            short.append(f"ESCALATE L{due.level}", ALARM)
            return Part(full, short, keep=KEEP_ESCALATE_NOW)
        full.append("next " if level else "escalate to ", MUTED)
        for line in (full, short):
            line.append(f"L{due.level}", STRONG)
            line.append(" in ", MUTED)
            line.append(left, STRONG)
        return Part(full, short, KEEP_ESCALATION)


def alarm_line(
    not_recorded: Holding | None,
    not_checkpointed: tuple[datetime, str, int] | None,
    width: int,
) -> Text | None:
    """The line above the header while the journal cannot be written (an alarm) or its -wal
    cannot be checkpointed (a warning); None while neither."""
    if not_recorded is not None:
        return not_recorded_line(not_recorded, width)
    if not_checkpointed is not None:
        return not_checkpointed_line(*not_checkpointed, width)
    return None


def not_recorded_line(holding: Holding, width: int) -> Text:
    """The alarm while the journal cannot be written, one line of at most `width` cells:
    " NOT RECORDED since 10:47:52: disk full (/mnt/tiny) · 1,234 events held in memory"."""
    since = holding.since_said()
    why = inert(holding.reason, 60)
    held = f"{len(holding.events):,} events held in memory"
    thinned = f" ({holding.thinned:,} samples thinned)" if holding.thinned else ""
    short_why = why.split(" (")[0]
    for line in (
        f" NOT RECORDED since {since}: {why} · {held}{thinned}",
        f" NOT RECORDED since {since}: {why} · {held}",
        f" NOT RECORDED since {since}: {short_why} · {held}",
        f" NOT RECORDED since {since}: {short_why} · {len(holding.events):,} held",
    ):
        if cell_len(line) < width:
            break
    return Text(set_cell_size(line, width - 1), ALARM)  # cells: a path may hold wide ones


def not_checkpointed_line(since: datetime, why: str, wal: int, width: int) -> Text:
    """The warning while the journal's -wal cannot be copied into its file (chattr +i): the
    events are recorded, in the -wal, which grows until the disk is full."""
    size = f"{wal / 1e6:,.0f} MB" if wal >= 1e6 else f"{wal / 1e3:,.0f} KB"
    head = f" JOURNAL NOT CHECKPOINTED since {since:%H:%M:%S}: {inert(why, 60)}"
    line = f"{head} · its -wal holds the events, {size}, and grows"
    if cell_len(line) >= width:
        line = f"{head} · -wal {size}, growing"
    return Text(set_cell_size(line, width - 1), WARN_STRONG)
