"""The recording console: the one way events come in (journal, then fold), probes, actions.

A console is wired to its session (journal, clock, probes, actions, channels) either before
it starts, or, given `opening`, just after its first frame: the commander sees the console at
once while the event models, the journal's fold and the simulation load. Nothing in this
module, the view or the widgets loads pydantic, so that first frame does not wait for it.
"""

from __future__ import annotations

import asyncio
import os
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from state.text import inert
from tui.environment import STALL_LOG
from tui.startup import freeze_heap
from tui.tty import TerminalWatch
from tui.view import PANES, ConsoleView

# the keys that act on the open incident: pressed with none open, each says to declare one
NEEDS_INCIDENT = frozenset(
    {"acknowledge", "severity", "roles", "resolve", "verify", "escalate", "post_update"}
)

if TYPE_CHECKING:
    from probes.actions import Actions
    from probes.base import Probe
    from probes.investigate.base import Investigator
    from probes.notify.config import NotifyConfig
    from probes.scheduler import ProbeScheduler
    from probes.simulated.scenario import Scenario
    from state.clock import Clock
    from state.console import ConsoleState, Incident
    from state.events import EventBase
    from state.journal.holding import Holding
    from state.recorder import Recorder
    from tui.recording import SampleRecorder

__all__ = ["PANES", "ConsoleBase", "KeyGroup", "Wiring"]

E = TypeVar("E", bound="EventBase")

# seconds a probe's sample waits to be drawn with the others': the probes sample at the same
# ticks (probes/scheduler.py) and, on loopback, answer within a few tens of ms of each other
PROBE_BATCH = 0.1
# refreshes after which what start-up made is frozen (gc): the probes' clients load theirs
# with their first samples, the Kubernetes client's ~2,000 classes a refresh or two later
SETTLING = 5
# real seconds between tries to write what is held while the journal cannot be written
JOURNAL_RETRY = 3
# seconds between looks at the -wal's size; past WAL_LARGE bytes SQLite's own checkpoints
# (every ~4 MB) are not happening: one is tried, whose refusal the header says
WAL_EVERY, WAL_LARGE = 30, 16_000_000


@dataclass
class Wiring:
    """What a console runs on: its journal (through the recorder), clock, probes and actions."""

    recorder: Recorder
    clock: Clock
    probes: Sequence[Probe] = ()
    actions: Actions | None = None
    notify: NotifyConfig | None = None
    scenario: Scenario | None = None  # the simulation's, for a drill's score
    investigator: Investigator | None = None  # reads the guide's investigation sections


class ConsoleBase(ConsoleView):
    """Every fact the console shows came through `record`: journaled, then folded."""

    recorder: Recorder
    clock: Clock
    actions: Actions | None
    notify_config: NotifyConfig | None
    investigator: Investigator | None = None

    def __init__(
        self,
        recorder: Recorder | None = None,
        clock: Clock | None = None,
        *,
        opening: Callable[[], Wiring] | None = None,
        ready: Callable[[], Awaitable[None]] | None = None,
        operator: str,
        probes: Sequence[Probe] = (),
        actions: Actions | None = None,
        read_only: bool = False,
        notify: NotifyConfig | None = None,
        escalation_mode: str = "prompt",
        badge: str = "LIVE",
        speed: float = 1.0,
        watch_terminal: bool = True,
        investigator: Investigator | None = None,
        keymap: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(keymap)
        self.operator = operator
        self.read_only = read_only
        self.escalation_mode = escalation_mode
        self.badge = "READ-ONLY" if read_only else badge
        self.speed = speed
        self.opened = False
        self.open_failure: Exception | None = None
        self._opening = opening
        self._until = ready  # awaited before `opening`, keys answered meanwhile: live's check
        self._scheduler: ProbeScheduler | None = None
        self._samples: SampleRecorder | None = None  # the probes' events, off the UI loop
        # a repaint on its way: "now" (after the events folded in this burst), "batch" (probes'
        # samples, PROBE_BATCH after the first), or "" for none
        self._dirty = ""
        self._settled = 0  # the refreshes drawn, up to SETTLING: the start-up heap is frozen (gc)
        self._ticks = 0  # clock ticks, for the journal's retries and looks at its -wal
        self._journal_busy = False  # a try to write what is held, or a checkpoint, under way
        self._reactions: defaultdict[type, list[Callable[[EventBase], None]]] = defaultdict(list)
        self._watch = TerminalWatch(self, self._close_journal) if watch_terminal else None
        if opening is None:
            assert recorder is not None and clock is not None, "a recorder and clock, or opening"
            self._wire(Wiring(recorder, clock, probes, actions, notify, investigator=investigator))

    def _close_journal(self) -> None:
        """Checkpoint and close the journal now: the process is about to end without an
        orderly exit (a hang-up), and a journal left in WAL needs its -wal to be read."""
        if self.opened:
            if self._samples:
                self._samples.abandon()
            # events held while the file refused them: one last try (the disk may take them)
            self.recorder.retry(self.clock.now(), wait=1.0)
            self.recorder.journal.close()

    def _wire(self, wiring: Wiring) -> None:
        self.recorder = wiring.recorder
        self.clock = wiring.clock
        self.actions = None if self.read_only else wiring.actions
        self.notify_config = wiring.notify
        self._probes = list(wiring.probes)
        self.investigator = wiring.investigator
        self.opened = True

    def on_mount(self) -> None:
        self.set_interval(1.0, self._clock_tick, name="clock")
        if self._opening is None:
            self.session_opened()
        else:
            # first the whole frame, then the session
            self.call_after_refresh(self._open if self._until is None else self._open_when_ready)
        if self._watch and not self.is_headless:
            self._watch.start()
        if os.environ.get(STALL_LOG):  # a development tool (tui/stall.py)
            from tui import stall

            stall.start(asyncio.get_running_loop())

    def _open(self) -> None:
        """Open the session; a failure ends the console, and `run_console` reports it."""
        assert self._opening is not None
        try:
            wiring = self._opening()
        except Exception as exc:
            self.open_failure = exc
            self.exit(return_code=2)
            return
        self._wire(wiring)
        self.session_opened()
        if self.actions is None and not self.read_only:
            self.refresh_bindings()  # nothing to act on after all: the mutating keys go
        self.redraw()

    def _open_when_ready(self) -> None:
        self.run_worker(self._await_ready(), group="opening", exit_on_error=False)

    async def _await_ready(self) -> None:
        """Open the session once `ready` says it may (live: the config's check said yes); a
        refusal ends the console as a failed opening does, before anything is opened."""
        assert self._until is not None
        try:
            await self._until()
        except Exception as exc:
            self.open_failure = exc
            self.exit(return_code=2)
            return
        self._open()

    def settle(self, *, operator: str, read_only: bool, escalation_mode: str) -> None:
        """What the config's check says, once it has (live): who acts, whether this console
        may change anything, how it escalates. Read-only only ever tightens a console already
        drawn: its badge and its keys follow."""
        self.operator = operator
        self.escalation_mode = escalation_mode
        if read_only and not self.read_only:
            self.read_only = True
            self.badge = "READ-ONLY"
            self.refresh_bindings()
            self.redraw()

    def session_opened(self) -> None:
        """The session is wired: start the probes. Subclasses start their own work here too."""
        if self._probes:
            from probes.scheduler import ProbeScheduler
            from tui.recording import SampleRecorder

            loop = asyncio.get_running_loop()
            self._samples = SampleRecorder(
                self.recorder, loop, self._sampled, self._handle_exception
            )
            self._samples.start()
            emit = self._samples.submit
            self._scheduler = ProbeScheduler(self._probes, self.clock, emit, self.speed)
            self._scheduler.start()

    def exit(self, *args: Any, **kwargs: Any) -> None:
        """No sample is begun once the console is going: Textual takes its widgets down first
        and this App last, and a demo far behind its clock stepped on meanwhile (q took 11 s)."""
        if self._scheduler:
            self._scheduler.cancel()
        super().exit(*args, **kwargs)

    async def on_unmount(self) -> None:
        if self._scheduler:
            await self._scheduler.stop()
        if self._samples:  # what the probes emitted before they stopped is journaled
            await asyncio.to_thread(self._samples.stop)
        if self.opened and self.recorder.holding is not None:  # a last try before the end
            await self.retry_journal()
        close = getattr(self.investigator, "close", None)
        if close is not None:  # the live investigation's API connection and threads
            await close()

    def not_recorded(self) -> Holding | None:
        return self.recorder.holding if self.opened else None

    def _journal_tick(self) -> None:
        """Each second, on the clock's tick (no timer of its own: an idle console's CPU): every
        JOURNAL_RETRY s write what is held, if anything; every WAL_EVERY s, if the -wal has
        grown past WAL_LARGE (or was refused before), checkpoint it. Both in a thread."""
        if self.read_only or not self.opened or self._journal_busy:
            return  # the last try is still on its way (a large flush): never two at once
        self._ticks += 1
        if self.recorder.holding is not None:
            if self._ticks % JOURNAL_RETRY == 0:
                self.run_worker(self.retry_journal(), group="journal-retry")
            return
        if self._ticks % WAL_EVERY == 0 and self._wal_large():
            self.run_worker(self._checkpoint(), group="journal-retry")

    def _wal_large(self) -> bool:
        from state.journal.store import wal_path

        if self.recorder.journal.stuck is not None:
            return True
        try:
            return wal_path(self.recorder.journal.path).stat().st_size > WAL_LARGE
        except OSError:
            return False

    async def _checkpoint(self) -> None:
        journal = self.recorder.journal
        before = journal.stuck
        self._journal_busy = True
        try:
            await asyncio.to_thread(journal.checkpoint, self.clock.now())
        finally:
            self._journal_busy = False
        if journal.stuck != before or journal.stuck is not None:
            self.redraw()  # the warning comes, goes, or says the -wal's size as it is now

    def not_checkpointed(self) -> tuple[datetime, str, int] | None:
        """(since, why, the -wal's bytes) while the -wal cannot be copied into the file."""
        stuck = self.recorder.journal.stuck if self.opened else None
        if stuck is None:
            return None
        from state.journal.store import wal_path

        try:
            size = wal_path(self.recorder.journal.path).stat().st_size
        except OSError:
            size = 0
        return (*stuck, size)

    async def retry_journal(self) -> bool:
        """Try, in a thread, to write the events held while the journal could not be; True
        once they are written (the timeline then says so and the header's alarm goes)."""
        if self.recorder.holding is None:
            return False
        self._journal_busy = True
        try:
            said = await asyncio.to_thread(self.recorder.retry, self.clock.now())
        finally:
            self._journal_busy = False
        if said is not None:
            self._react(said)
        self.redraw()  # the alarm gone, or its count and reason as they are now
        return said is not None

    def on(self, kind: type[E], reaction: Callable[[E], None]) -> None:
        """Run `reaction(event)` after each `kind` event this console records, journaled and
        folded. Events folded from the journal when a session resumes happened before: they
        run nothing again."""
        self._reactions[kind].append(reaction)  # type: ignore[arg-type]

    def record(self, event: EventBase) -> None:
        """Journal `event`, fold it, run its reactions, and repaint once the burst it came in
        is folded. The probes' events that came before it are journaled first."""
        if self._samples:
            self._samples.drain()
        self.recorder.record(event)
        self._react(event)
        if self._dirty != "now":
            self._dirty = "now"
            self.call_later(self.redraw)

    def _sampled(self, events: list[EventBase]) -> None:
        """Probes' events, journaled and folded in the recorder's thread (tui/recording.py):
        their reactions, and a repaint with what the other probes, sampling at the same
        ticks, bring within PROBE_BATCH: one repaint a refresh rather than one a probe. What
        the commander does (`record`) is drawn at once."""
        for event in events:
            self._react(event)
        if not self._dirty:
            self._dirty = "batch"
            self.set_timer(PROBE_BATCH, self._redraw_batch, name="probe-batch")

    def _react(self, event: EventBase) -> None:
        for reaction in self._reactions.get(type(event), ()):
            reaction(event)

    def _redraw_batch(self) -> None:
        if self._dirty == "batch":  # else drawn already, with a repaint asked for at once
            self._dirty = ""
            self.redraw_sliced()  # nobody waits for it: a key pressed meanwhile goes first
        if self._settled < SETTLING:
            self._settled += 1
            freeze_heap(self.is_headless, rarer_full=True)
            if self._settled == 1:  # the first refresh is drawn: what `?` shows, built ahead
                self.call_after_refresh(self.prepare_help)

    def _clock_tick(self) -> None:
        """Every second: what shows the time, unless a repaint of new events is on its way."""
        if not self._dirty:
            self.redraw_clock()
        self._journal_tick()

    def redraw(self) -> None:
        self._dirty = ""
        super().redraw()

    def view(self) -> tuple[ConsoleState, datetime] | None:
        return (self.recorder.state, self.clock.now()) if self.opened else None

    def now(self) -> datetime:
        return self.clock.now()

    def open_incident(self) -> Incident | None:
        """The open incident, or None after telling the commander to declare one."""
        incident = self.recorder.state.incident
        if incident is None or not incident.open:
            self.notify(self._no_incident(), severity="warning", markup=False)
            return None
        return incident

    def _no_incident(self) -> str:
        key = self.key_for("declare")
        return f"No open incident: press {key} to declare one" if key else "No open incident"

    def refused_now(self, action: str) -> str | None:
        """Why `action`'s key is refused in the incident's state now, as pressed it says, or
        None: declare while one is open, a key that needs an open incident while none is, an
        acknowledgement given already. The palette offers no command refused so."""
        incident = self.recorder.state.incident if self.opened else None
        if incident is None or not incident.open:
            return self._no_incident() if action in NEEDS_INCIDENT else None
        if action == "declare":
            return f"{inert(incident.incident_id)} is already open"
        if action == "acknowledge" and incident.acknowledged_at is not None:
            return f"Already acknowledged by {inert(incident.acknowledged_by)}"
        return None


class KeyGroup:
    """Keys that act on one console: plain `action_<name>` methods its bindings run."""

    def __init__(self, console: ConsoleBase) -> None:
        self.console = console
