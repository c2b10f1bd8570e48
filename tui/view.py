"""The App live, replay and drill share: one ConsoleScreen, the keys it runs, and crashes.

A subclass says which state, as of which time, to show (`view`) and which key groups the
screen holds (`key_groups`); its bindings' actions run those groups' `action_*` methods.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events
from textual.actions import SkipAction, parse
from textual.app import App
from textual.binding import Binding
from textual.filter import Monochrome, NoColor
from textual.reactive import Reactive

from state.text import inert
from tui.screen import PANES, ConsoleScreen
from widgets import acyclic
from widgets.theme import PLAIN_SIGNALS, WARROOM, signal_variables

HELP = "warroom-help"  # the name the help is installed under while it is kept
# the dialogs' styles, added to the console's (CSS_PATH) after its first frame (`style_dialogs`)
DIALOGS_CSS = Path(__file__).with_name("dialogs.tcss")
# seconds a refresh's remaining panes wait, at most, for a key pressed during it to be answered
# (`redraw_sliced`): the answer's frame ends the wait sooner (tui/screen.py `on_key`)
KEY_FIRST = 0.1
# the help built ahead (`prepare_help`) is laid out at most this many times, this far apart
SETTLING_LAYOUTS = 4
SETTLING_PAUSE = 0.05  # seconds

if TYPE_CHECKING:
    from datetime import datetime

    from textual.actions import ActionParseResult
    from textual.app import SystemCommand
    from textual.command import Provider
    from textual.dom import DOMNode
    from textual.filter import LineFilter
    from textual.screen import Screen
    from textual.theme import Theme

    from state.console import ConsoleState
    from state.journal.holding import Holding
    from tui.palette import Command

__all__ = ["PANES", "ConsoleView"]


def _palette() -> type[Provider]:
    from tui.palette import WarroomCommands  # loaded when the palette first opens

    return WarroomCommands


class ConsoleView(App[int]):
    """The console's App: its screen, the actions its keys run, and how it ends on a bug."""

    CSS_PATH = Path(__file__).with_name("warroom.tcss")  # for subclasses elsewhere too
    # Escape clears the service panes' filter (tui/screen.py; `/` is in tui/keys.py), in
    # every mode: live, replay and drill
    BINDINGS = [
        Binding("escape", "clear_filter", "Clear filter", show=False, id="view.clear_filter"),
    ]
    TITLE = "warroom"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]

    badge = "LIVE"
    # the exception that ended the console and where its traceback was written (tui/crash.py)
    crash: tuple[BaseException, Path | None] | None = None
    console_screen: ConsoleScreen

    COMMANDS = {_palette}  # warroom's commands first, then Textual's (tui/palette.py)
    # the console starts in its own theme: set after start-up instead, the theme's change
    # parsed every stylesheet again and restyled the whole screen before the first frame
    theme: Reactive[str] = Reactive(WARROOM.name)

    def __init__(self, keymap: Mapping[str, str] | None = None) -> None:
        super().__init__()
        acyclic.install()  # lines drawn again are freed as they go (widgets/acyclic.py)
        self._help: tuple[object, Screen[None]] | None = None  # (its keys and size, the help)
        self._slicing: ExitStack | None = None  # a refresh drawn a pane at a time: its batch
        self._answered = asyncio.Event()  # clear while a key pressed during it is answered
        self._answered.set()
        self._keys_first = 0.0  # the loop's time until which the refresh waits for that key
        self.register_theme(WARROOM)  # the palette's "Change theme" offers every other one
        if keymap:
            self.set_keymap(dict(keymap))  # the config's [keys], checked (tui/keys.py)

    def on_mount(self) -> None:
        # a screen that covers the header says the journal's alarm itself, from its first frame
        self.screen_change_signal.subscribe(self, self._say_alarm)
        self.call_after_refresh(self.style_dialogs)

    def style_dialogs(self) -> None:
        """Add the dialogs' styles (tui/dialogs.tcss) to the console's, once: after the first
        frame, or as a screen first comes over the console if sooner (`push_screen`,
        `switch_screen`, `install_screen`). Parsed before the first frame, they were ~1 % of
        live's start for dialogs nobody had opened. No widget shown matches them, so none is
        styled again: they are parsed as the next widget is styled (the first sample's)."""
        where = (str(DIALOGS_CSS), "")
        if where not in self.stylesheet.source:
            self.stylesheet.add_source(DIALOGS_CSS.read_text(encoding="utf-8"), read_from=where)

    def push_screen(self, *args: Any, **kwargs: Any) -> Any:
        self.style_dialogs()
        return super().push_screen(*args, **kwargs)

    def switch_screen(self, *args: Any, **kwargs: Any) -> Any:
        self.style_dialogs()
        return super().switch_screen(*args, **kwargs)

    def install_screen(self, *args: Any, **kwargs: Any) -> Any:
        self.style_dialogs()
        return super().install_screen(*args, **kwargs)

    def get_theme(self, theme_name: str) -> Theme | None:
        """warroom's theme is known before Textual's App registers any (`theme`'s default)."""
        return WARROOM if theme_name == WARROOM.name else super().get_theme(theme_name)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """The panes' $warroom-* colours for a theme that does not set them (widgets/theme.py)."""
        return signal_variables(self.current_theme)

    def get_css_variables(self) -> dict[str, str]:
        """Under NO_COLOR, the signals as attributes whatever the theme (widgets/theme.py)."""
        return {**super().get_css_variables(), **(PLAIN_SIGNALS if self.no_color else {})}

    _plain = NoColor()

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Under NO_COLOR, the terminal's own colours: Textual's greys (its Monochrome filter)
        make dark grey on near-black of what was red on black."""
        return [self._plain if isinstance(f, Monochrome) else f for f in super().get_line_filters()]

    def get_default_screen(self) -> ConsoleScreen:
        self.console_screen = ConsoleScreen(self, self.key_groups(), scrubber=self.scrubber)
        return self.console_screen

    scrubber = False  # replay's: a scrubber above the key bar

    def key_groups(self) -> Sequence[object]:
        """The key groups the screen holds: plain objects with `action_*` methods."""
        return ()

    def view(self) -> tuple[ConsoleState, datetime] | None:
        """The state to show and its time; None while the session is still opening."""
        raise NotImplementedError

    def farewell(self) -> str | None:
        """Plain text to print on the terminal once the console has ended (a drill's card)."""
        return None

    def not_recorded(self) -> Holding | None:
        """What is held in memory while the journal cannot be written (the header's alarm)."""
        return None

    def not_checkpointed(self) -> tuple[datetime, str, int] | None:
        """(since, why, the -wal's bytes) while the journal's -wal cannot be checkpointed."""
        return None

    def update_note(self) -> str | None:
        """What the header says after the status update countdown, if anything."""
        return None

    # ---- what the keys are, for help and the palette -----------------------------------------

    def console_bindings(self) -> list[tuple[Binding, bool]]:
        """This App's bindings with a description, as the console screen has them (a keymap
        applied), each with whether it can run now."""
        return [
            (active.binding, active.enabled)
            for active in self.console_screen.active_bindings.values()
            if active.node is self and active.binding.id and active.binding.description
        ]

    def key_for(self, action: str) -> str | None:
        """The key that runs `action` here, as shown ("d", or as remapped); None if none."""
        for binding, _ in self.console_bindings():
            if binding.action == action:
                return self.get_key_display(binding)
        return None

    def action_help_quit(self) -> None:
        """ctrl+c (Textual's: in a field it copies) says how to quit, with the console's own
        key: Textual's toast is markup, drawn as typed by the console's plain toasts
        ('Press [b]ctrl+q[/b]'), and names ctrl+q where `q` asks before an incident is left."""
        key = self.key_for("quit_console") or self.key_for("quit") or "ctrl+q"  # (replay's)
        said = inert(f"Press {key} to quit")  # a key as remapped in the config: outside text
        self.notify(said, title="Do you want to quit?", markup=False)

    def help_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Help's rows, by section: (keys as shown, what they do), in the bindings' order."""
        from widgets.keybar import entries

        sections: dict[str, list[tuple[str, str]]] = {}
        for entry in entries(self, self.console_bindings()):
            # a key the bar dims says why, as pressed it does and the palette shows it
            why = None if entry.enabled else self.refusal(entry.action, channels=False)
            does = f"{entry.help} ({why})" if why else entry.help
            sections.setdefault(entry.section, []).append((entry.keys, does))
        return list(sections.items())

    def action_help(self) -> None:
        """`?`: the help, kept between openings while its keys and the terminal's size are
        the same, so that it is drawn again, not built again (`warroom keys` at once)."""
        self._kept_help()
        self.push_screen(HELP)

    def _kept_help(self) -> tuple[Screen[None], bool]:
        """The help for the keys and size of now, installed; and whether it was built now."""
        from widgets.help import HelpScreen

        sections, size = self.help_sections(), self.size
        kept = self._help
        if kept is not None and kept[0] == (sections, size):
            return kept[1], False
        if kept is not None:
            self.uninstall_screen(HELP)
        kept = self._help = ((sections, size), HelpScreen(sections))
        self.install_screen(kept[1], HELP)
        return kept[1], True

    def prepare_help(self) -> None:
        """Build the help ahead, while nobody waits for it: composed, mounted and laid out
        out of sight, so that the first `?` only draws it. A worker: the message queue a key
        press goes through never waits for it."""
        self.run_worker(self._prepare_help(), group="help-ahead", exit_on_error=False)

    async def _prepare_help(self) -> None:
        """Textual builds a screen when it is first pushed: at 300 services the first `?` of a
        session took 35-63 ms of the UI loop's CPU against 10-15 ms for each after it (README,
        "The key -> frame tail"). Called once the console has drawn its first refresh (tui/
        base.py). Textual has no public call for it: this does what `push_screen` does first
        (`_register`), then lays the screen out (`_refresh_layout`) until what a layout sets
        off (its widgets' sizes, their scroll bars) asks for no other one: left pending, that
        layout was done as the help was first shown, a frame of the screen's update timer
        later. Then it renders the help's lines once (`_compositor.render_full_update`), the
        image thrown away: what the first `?` then drew anew (each widget's content, 20-22 ms
        of the loop's CPU against 9-10 for the others) is in the widgets' caches. It does
        nothing if a call is gone or the help is already built: `?` then builds it, as
        before."""
        if not hasattr(self, "_register") or self.screen is not self.console_screen:
            return
        help_screen, built = self._kept_help()
        if not built or help_screen.is_running or not hasattr(help_screen, "_refresh_layout"):
            return
        from textual.widget import AwaitMount

        size = self.size
        await AwaitMount(help_screen, self._register(self, help_screen))
        for _ in range(SETTLING_LAYOUTS):
            if help_screen.is_current or not help_screen.is_attached or self.size != size:
                return  # shown meanwhile, or gone: Textual lays it out itself
            help_screen._refresh_layout(size)
            help_screen._layout_required = False
            help_screen._dirty_widgets.clear()
            await asyncio.sleep(SETTLING_PAUSE)  # what the layout set off is handled
            if not help_screen._layout_required:
                break
        render = getattr(getattr(help_screen, "_compositor", None), "render_full_update", None)
        out_of_sight = not help_screen.is_current and help_screen.is_attached
        if out_of_sight and self.size == size and render is not None:
            render()

    def refused_now(self, action: str) -> str | None:
        """Why `action`'s key is refused in the session's state now; None: it runs."""
        return None

    def refusal(self, action: str, what: str | None = None, *, channels: bool = True) -> str | None:
        """Why `action` never runs on this console (read-only...), or None: the key bar dims
        its key, help and the palette say why."""
        return None

    def palette_commands(self) -> list[Command]:
        """The command palette's own commands: one per key (tui/palette.py)."""
        from tui.palette import key_commands

        return key_commands(self)

    def textual_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's commands (Keys, Maximize, Screenshot, theme…): below warroom's. Not its
        Quit: each console has its own quit key, listed once, with the others."""
        for command in super().get_system_commands(screen):
            if command.callback != self.action_quit:
                yield command

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from textual.app import SystemCommand

        for command in self.palette_commands():
            yield SystemCommand(command.title, command.said, command.run, command.discover)
        yield from self.textual_commands(screen)

    def redraw(self) -> None:
        self._stop_slicing()  # all of it now, with the latest state
        if self.console_screen.ready:
            self.console_screen.redraw()
            self._say_alarm()

    def redraw_sliced(self) -> None:
        """`redraw`, a pane at a time, the loop free between panes: for the probes' refresh,
        which nobody waits for. A key pressed meanwhile goes first: the remaining panes wait
        until its answer is drawn (KEY_FIRST at most). The screen shows the refresh once
        whole (a batch update), unless a key comes first."""
        self._stop_slicing()
        if self.console_screen.ready:
            batch = self._slicing = ExitStack()
            batch.enter_context(self.batch_update())
            steps = self.console_screen.redraw_steps()
            self.run_worker(self._draw_sliced(steps, batch), group="refresh")

    async def _draw_sliced(self, steps: Iterator[None], batch: ExitStack) -> None:
        loop = asyncio.get_running_loop()
        try:
            for _ in steps:
                await asyncio.sleep(0)  # what is ready (a key) runs before the next pane
                while not self._answered.is_set():
                    left = self._keys_first - loop.time()
                    if left <= 0:
                        break
                    with suppress(TimeoutError):
                        await asyncio.wait_for(self._answered.wait(), left)
        finally:
            if self._slicing is batch:
                self._stop_slicing(cancel=False)
        self._say_alarm()

    def _stop_slicing(self, cancel: bool = True) -> None:
        """End the refresh being drawn a pane at a time (if `cancel`, what is left of it is
        not drawn) and its batch: the screen draws what changed."""
        batch, self._slicing = self._slicing, None
        if batch is None:
            return
        if cancel:
            self.workers.cancel_group(self, "refresh")
        batch.close()
        self.console_screen.check_idle()

    async def on_event(self, event: events.Event) -> None:
        """A key pressed while a refresh is drawn a pane at a time ends its batch, so that
        its answer is drawn at once, and holds its remaining panes (`redraw_sliced`)."""
        if isinstance(event, events.Key) and not event.is_forwarded and self._slicing is not None:
            self._answered.clear()
            self._keys_first = asyncio.get_running_loop().time() + KEY_FIRST
            self._slicing.close()  # the refresh goes on, out of its batch
            self.console_screen.check_idle()
        await super().on_event(event)

    def key_answered(self) -> None:
        """The console screen has run a key's binding: once the screen now on top is drawn,
        a refresh held for the key goes on."""
        if not self._answered.is_set():
            self.call_after_refresh(self._answered.set)

    def redraw_clock(self) -> None:
        """The clock's second: redraw what shows the time (tui/screen.py `redraw`), unless a
        refresh is being drawn, which draws the time too."""
        if self.console_screen.ready and self._slicing is None:
            self.console_screen.redraw(clock_only=True)
            self._say_alarm()

    def _say_alarm(self, screen: Screen | None = None) -> None:
        """The header's alarm line on `screen` (the one on top) too, if it covers the header
        (the help, Investigate, the runbook: widgets/journal_alarm.py)."""
        if screen is None:
            if not self.screen_stack:
                return  # the console is closing
            screen = self.screen_stack[-1]
        if screen is self.console_screen:
            return
        from widgets.header import alarm_line
        from widgets.journal_alarm import JournalAlarm

        alarms = screen.query(JournalAlarm)
        if alarms:
            line = alarm_line(self.not_recorded(), self.not_checkpointed(), self.size.width)
            for alarm in alarms:
                alarm.say(line)

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """A binding of this App's runs its key group's method (tui/screen.py `key_action`)."""
        if default_namespace in (None, self):
            destination, name, params = parse(action) if isinstance(action, str) else action
            method = None if destination else self.console_screen.key_action(name)
            if method is not None:
                return await self.run_key(name, method, params)
        return await super().run_action(action, default_namespace, namespaces)

    async def run_key(
        self, name: str, method: Callable[..., object], params: tuple[object, ...]
    ) -> bool:
        """Run a key group's `method` for the action `name`, if `check_action` allows it."""
        if not self.check_action(name, params):
            return False
        try:
            result = method(*params)
            if inspect.isawaitable(result):
                await result
        except SkipAction:
            return False  # nothing for it to do now: the key goes on to the next binding
        return True

    def _handle_exception(self, error: Exception) -> None:
        """An unexpected exception ends the console with exit code 70. Its traceback goes to
        the crash log; Textual's own, printed on exit with every frame's locals (which hold
        the configuration), is dropped."""
        from textual.worker import WorkerFailed

        from tui.crash import EXIT_CRASH, report

        cause = error.error if isinstance(error, WorkerFailed) else error
        log = report(cause)
        if self.crash is None:
            self.crash = (cause, log)
        super()._handle_exception(error)  # ends the app, and hands the error to a test's Pilot
        self._exit_renderables.clear()
        self._return_code = EXIT_CRASH

    def _fatal_error(self) -> None:
        """Where Textual renders the traceback, locals and all, to print on exit: not here."""
        self.bell()
        self._close_messages_no_wait()
