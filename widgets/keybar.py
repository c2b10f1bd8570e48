"""The key bar: the keys the console offers right now, one or two lines of text.

Driven by the bindings alone: a binding added to an App's BINDINGS (with a description and
`show`) appears here, in help and in the command palette without code of its own.
`described` says more of one: the section it belongs to, the phases it serves, its words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding

from widgets.text_line import TextLine
from widgets.theme import KEY, MUTED

if TYPE_CHECKING:
    from collections.abc import Iterable

    from textual.app import App
    from textual.screen import Screen


@dataclass(frozen=True)
class KeyInfo:
    """What the key bar, help and palette say of a binding beyond its description.

    `section` groups it (help's heading, a group of the key bar); `phases` maps each
    incident phase (state/guide/phase.py) whose narrow key bar shows it to its rank there
    (0 first), None for every phase after the ranked keys, {} for none;
    `words` are what a commander may type in the palette to find it ("rollback",
    "pg_terminate_backend").
    """

    section: str = ""
    phases: Mapping[str, int] | None = None
    words: tuple[str, ...] = ()


# by binding id: Textual rebuilds every Binding (make_bindings, keymaps), keeping its id
KEY_INFO: dict[str, KeyInfo] = {}


def described(
    key: str,
    action: str,
    description: str,
    *,
    section: str = "",
    phases: Mapping[str, int] | None = None,
    words: tuple[str, ...] = (),
    **binding: Any,
) -> Binding:
    """A Binding (`description` the key bar's label, `tooltip` what help and the palette
    say it does) whose KeyInfo is kept by its id."""
    made = Binding(key, action, description, **binding)
    assert made.id, "a binding the key bar describes has an id, so it can be remapped"
    KEY_INFO[made.id] = KeyInfo(section, phases, words)
    return made


def rank_phases(order: Mapping[str, Sequence[str]]) -> None:
    """Each phase's keys, by binding id, in the order a narrow bar offers them."""
    ranks: dict[str, dict[str, int]] = {}
    for phase, ids in order.items():
        for rank, binding_id in enumerate(ids):
            ranks.setdefault(binding_id, {})[phase] = rank
    for binding_id, phases in ranks.items():
        KEY_INFO[binding_id] = replace(KEY_INFO.get(binding_id) or KeyInfo(), phases=phases)


# what a pane flags (state/guide/phase.py flags) -> the binding ids that act on it
FLAG_KEYS: dict[str, tuple[str, ...]] = {}


def flag_keys(keys: Mapping[str, Sequence[str]]) -> None:
    """Which keys act on each flag: a narrow bar offers them early while it is raised."""
    for flag, ids in keys.items():
        FLAG_KEYS[flag] = tuple(ids)


# an overdue duty (state/guide/phase.py overdue: "ack", "update", "escalate") -> its binding id
DUTY_KEYS: dict[str, str] = {}


def duty_keys(keys: Mapping[str, str]) -> None:
    """The key of each duty: a narrow bar shows it first while the duty is overdue."""
    for duty, key in keys.items():  # not .update: a widget's update reads markup
        DUTY_KEYS[duty] = key


def info(binding: Binding) -> KeyInfo:
    return KEY_INFO.get(binding.id or "") or KeyInfo()


def section_of(binding: Binding) -> str:
    return info(binding).section or "Other"


def key_label(app: App, bindings: Sequence[Binding]) -> str:
    """The keys of `bindings` as shown: `d`, `^p`, or `1-5` for a run of digits."""
    keys = [app.get_key_display(b) for b in bindings]
    digits = "".join(keys)
    if (
        len(keys) > 2
        and digits.isdigit()
        and digits == "".join(str(int(keys[0]) + i) for i in range(len(keys)))
    ):
        return f"{keys[0]}-{keys[-1]}"
    return "/".join(keys)


def declared_order(app: App) -> dict[str, int]:
    """Each binding's place in the App's BINDINGS, its bases' first (by id, else action): a
    keymap moves a remapped binding to the end of Textual's maps, not on the screen."""
    order: dict[str, int] = {}
    for cls in reversed(type(app).__mro__):
        for binding in Binding.make_bindings(cls.__dict__.get("BINDINGS", ())):
            order.setdefault(binding.id or binding.action, len(order))
    return order


@dataclass(frozen=True)
class Entry:
    """One item of the bar: a key (or a compact group of keys) and its label."""

    keys: str
    label: str
    help: str  # what help and the palette say it does
    action: str
    section: str
    enabled: bool
    phases: Mapping[str, int] | None
    id: str = ""  # the first binding's id

    def text(self) -> Text:
        # an enabled key's words are "not dim", not unstyled: a segment of their own
        dim = "not dim" if self.enabled else MUTED
        return Text.assemble(" ", (self.keys, f"{KEY} {dim}"), (f" {self.label} ", dim))


def entries(app: App, active: Iterable[tuple[Binding, bool]]) -> list[Entry]:
    """The shown keys in their declared order; a compact Binding.Group is one entry."""
    order = declared_order(app)
    seen: dict[str, tuple[list[Binding], bool]] = {}
    for binding, enabled in sorted(active, key=lambda a: order.get(a[0].id or a[0].action, 1e9)):
        group = binding.group
        name = f"group:{group.description}" if group and group.compact else binding.action
        if name in seen:
            seen[name][0].append(binding)
        else:
            seen[name] = ([binding], enabled)
    out = []
    for bindings, enabled in seen.values():
        first = bindings[0]
        label = first.group.description if len(bindings) > 1 and first.group else first.description
        phases = info(first).phases
        keys = key_label(app, bindings)
        help = first.tooltip or label
        out.append(
            Entry(
                keys, label, help, first.action, section_of(first), enabled, phases, first.id or ""
            )
        )
    return out


def flow(parts: Sequence[tuple[Text, Text]], capacities: Sequence[int]) -> list[Text] | None:
    """`parts` (a separator, then the part) laid out left to right on lines of the given
    widths, a part never split and a line never starting with a separator; None if they need
    more lines than there are capacities."""
    lines = [Text()]
    for separator, part in parts:
        room = capacities[len(lines) - 1] - lines[-1].cell_len
        if lines[-1].cell_len and separator.cell_len + part.cell_len <= room:
            lines[-1].append_text(separator)
        elif lines[-1].cell_len or part.cell_len > room:
            if len(lines) == len(capacities) or part.cell_len > capacities[len(lines)]:
                return None
            lines.append(Text())
        lines[-1].append_text(part)
    return lines


class KeyBar(TextLine):
    """'d Declare  a Ack  …  ? Help  ^p Commands  q Quit': disabled keys dimmed, hidden ones
    left out, and the `pinned` keys always at the bottom right, however narrow the terminal.

    Every key fits on one line, else two on a wide and tall terminal (at least 100x30):
    first grouped by section with its name, then without the names. Narrower or shorter,
    or with more keys than that, the bar shows the keys of the incident's phase that fit
    (`follow`), and help (`?`) lists them all.

    Textual's Footer builds a widget per key a refresh or two after the first frame, and
    builds them all again whenever the bindings change. This line is part of the first
    frame, and a change repaints one line: the commander sees the keys as soon as the
    console, over the slowest SSH link.
    """

    WIDE = 100  # columns from which the bar may take two lines
    TALL = 30  # rows from which it may

    def __init__(self, pinned: tuple[str, ...] = (), *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.pinned = pinned
        self.phase = "declare"  # until the session says otherwise
        self.urgent: tuple[str, ...] = ()  # binding ids acting on what the panes flag
        self.due: tuple[str, ...] = ()  # binding ids of the duties overdue: shown first
        self.mode = "all"  # "all" keys shown, or the keys of the "phase"
        self._shown: tuple[object, ...] = ()  # what the keys shown were laid out from

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_updated)
        self.show_keys()

    def _bindings_updated(self, screen: Screen) -> None:
        """The screen's keys changed: shown again, unless a dialog is over the bar. Textual
        says so as a dialog opens over it too (its screen suspended), and laying out every
        key again then was a third of each `?`'s CPU at 300 services, for a bar that is
        covered or, behind a see-through dialog, keeps the console's keys; it says so again
        as the dialog closes, and the bar is shown again then."""
        if screen is self.app.screen:
            self.show_keys()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def on_resize(self) -> None:
        self.show_keys()

    def follow(self, phase: str, flags: Sequence[str] = (), overdue: Sequence[str] = ()) -> None:
        """Show the keys of `phase` when not every key fits: first the key of each duty
        past its time (`overdue`, DUTY_KEYS: "ack -05:52 LATE" shows `a Ack` whatever the
        phase), then the phase's first key, then the key that acts on the worst of what the
        panes flag (`flags`, worst first; FLAG_KEYS), then the rest of the phase's: the fix
        for what is flagged is on screen, and the phase's own keys are crowded out by one
        key at most."""
        urgent = tuple(next((FLAG_KEYS[f][:1] for f in flags if FLAG_KEYS.get(f)), ()))
        due = tuple(DUTY_KEYS[d] for d in overdue if d in DUTY_KEYS)
        if phase != self.phase or urgent != self.urgent or due != self.due:
            self.phase = phase
            self.urgent = urgent
            self.due = due
            self.show_keys()

    def follow_duties(self, overdue: Sequence[str]) -> None:
        """As `follow`, for the duties alone: the second's repaint, when one falls due."""
        due = tuple(DUTY_KEYS[d] for d in overdue if d in DUTY_KEYS)
        if due != self.due:
            self.due = due
            self.show_keys()

    def _active(self) -> list[tuple[Binding, bool]]:
        """The keys to show: those with a description and `show`, and the palette's (Textual
        hides it from footers), on whatever key a keymap gave it."""
        palette = "command_palette" if self.app.ENABLE_COMMAND_PALETTE else None
        return [
            (a.binding, a.enabled)
            for a in self.screen.active_bindings.values()
            if a.binding.description and (a.binding.show or a.binding.action == palette)
        ]

    def show_keys(self) -> None:
        """Lay the keys out again, unless nothing they are laid out from has changed: as
        the console starts, its mount, its first size and the screen's bindings each ask."""
        width = self.size.width or self.app.size.width
        if not width:
            return
        active = self._active()
        tall = self.app.size.height >= self.TALL and width >= self.WIDE
        shown = (width, tall, self.phase, self.urgent, self.due, tuple(active))
        if shown == self._shown:
            return
        self._shown = shown
        items = entries(self.app, active)
        right = Text()
        for item in items:
            if item.action in self.pinned:
                right.append_text(item.text())
        rest = [item for item in items if item.action not in self.pinned]
        room = max(width - right.cell_len, 0)
        lines = self._all_keys(rest, [width, room] if tall else [room])
        self.mode = "all" if lines else "phase"
        if lines is None:
            lines = [self._phase_keys(rest, room)]
        last = lines[-1]  # the pinned keys at the bottom right, as in any footer
        last.append(" " * (room - last.cell_len))
        last.append_text(right)
        self.styles.height = len(lines)
        self.show_text(Text("\n", no_wrap=True).join(lines))

    def _all_keys(self, items: Sequence[Entry], capacities: Sequence[int]) -> list[Text] | None:
        sections: dict[str, list[Entry]] = {}
        for item in items:
            sections.setdefault(item.section, []).append(item)
        for lines in range(1, len(capacities) + 1):
            for named in (True, False):
                parts = []
                for name, members in sections.items():
                    part = Text()
                    if named:
                        part.append(f" {name.upper()}", MUTED)
                    for member in members:
                        part.append_text(member.text())
                    parts.append((Text("" if named else " │", MUTED), part))
                laid = flow(parts, [*capacities[: lines - 1], capacities[-1]])
                if laid is not None:
                    return laid
        return None

    def _phase_keys(self, items: Sequence[Entry], room: int) -> Text:
        """The enabled keys of the phase, first ranked first, each whole or not at all."""

        def place(item: Entry) -> float | None:
            """Its place on the line (first first); None for a key this phase leaves out."""
            if item.id in self.due:  # a duty past its time, before anything else
                return -1 + self.due.index(item.id) / (len(self.due) + 1)
            phase = item.phases.get(self.phase, -1) if item.phases is not None else 1000
            if item.id in self.urgent and phase != 0:  # the fix for what is flagged, early
                return 0.5 + self.urgent.index(item.id) / (len(self.urgent) + 1)
            return phase if phase >= 0 else None

        placed = [(place(item), i, item) for i, item in enumerate(items)]
        ranked = sorted((rank, i, item) for rank, i, item in placed if rank is not None)
        line = Text()
        for _, _, item in ranked:
            if not item.enabled:
                continue
            text = item.text()
            if line.cell_len + text.cell_len <= room:
                line.append_text(text)
        return line
