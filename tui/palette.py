"""The command palette (ctrl+p): every action by the words a commander types.

Each key is a command found by its label and its words (`rollback`, `restart`,
`pg_terminate_backend`, `page`…), with what it does and its key; where an action has a
target the console can see, the target is a command of its own ("Restart tracklist-service",
"Kill pid 4242"), run through the same confirmation as its key. Textual's own commands
(Keys, Maximize, Screenshot, themes) come after warroom's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider

from state.text import inert, marked_name

if TYPE_CHECKING:
    from textual.app import SystemCommand

    from state.events import DbSession
    from tui.app import WarroomApp
    from tui.view import ConsoleView


class Command(NamedTuple):
    """One palette entry: found by `title` or any of `words`; `help` says what it does.
    `discover`: listed before anything is typed (a target is found by typing); `urgency`
    orders equal matches (a service past a threshold, or down, before a healthy one).
    `refused`: why this console never runs it (read-only, nothing to act on): it is listed
    marked disabled with that reason, as the key bar dims its key, and run it says why."""

    title: str
    help: str
    run: Callable[[], object]
    discover: bool = True
    words: tuple[str, ...] = ()
    urgency: int = 0  # among equal matches, the more urgent first (a burning service's)
    refused: str | None = None

    @property
    def said(self) -> str:
        """Its help line: what it does, or why this console refuses it."""
        return f"{self.refused}. {self.help}" if self.refused else self.help


DISABLED = " (disabled)"  # after the title of a command this console refuses


def key_commands(app: ConsoleView) -> list[Command]:
    """A command per key of `app` (as remapped), in the key bar's order."""
    from widgets.keybar import declared_order, info

    order = declared_order(app)
    bindings = sorted(app.console_bindings(), key=lambda b: order.get(b[0].id or "", 1e9))
    out = []
    for binding, _ in bindings:
        if binding.action == "command_palette" or app.refused_now(binding.action):
            continue  # a key refused in this state (declare while one is open) is not offered
        does = binding.tooltip or binding.description
        out.append(
            Command(
                binding.description,
                f"{does} (key {app.get_key_display(binding)})",
                partial(app.run_action, binding.action),
                words=info(binding).words,
                refused=app.refusal(binding.action, channels=False),
            )
        )
    return out


def from_system(command: SystemCommand) -> Command:
    return Command(command.title, command.help, command.callback, command.discover)


# a service's remediations as the palette names them: title verb, what kubectl calls it
_REMEDIATION_WORDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "restart": ("Restart", ("restart", "rollout restart", "kubectl rollout restart", "bounce")),
    "rollout_undo": (
        "Undo rollout of",
        ("rollback", "roll back", "undo", "rollout undo", "kubectl rollout undo", "revert"),
    ),
    "scale": ("Scale", ("scale", "replicas", "kubectl scale", "scale up", "scale down")),
    "delete_failing_pods": (
        "Delete failing pods of",
        ("delete pods", "kubectl delete pod", "failing pods", "crashloop"),
    ),
    "circuit_breaker": ("Circuit breaker for", ("circuit breaker", "breaker", "configmap")),
}
_BACKEND_WORDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "terminate_backend": ("Kill pid", ("kill", "terminate", "pg_terminate_backend", "blocker")),
    "cancel_backend": ("Cancel query of pid", ("cancel", "pg_cancel_backend", "stop query")),
}


def targets(app: WarroomApp) -> Iterator[Command]:
    """A command per action and target the console sees now: each service's remediations,
    each blocking backend's terminate and cancel. Found by typing, not listed up front."""
    if not app.opened:
        return
    from probes.actions import BACKEND_ACTIONS, REMEDIATIONS
    from state.guide.signals import describe_service, service_down
    from state.locks import blocking_chains

    state = app.recorder.state
    key_r = app.key_for("remediate")
    for service in state.services or tuple(state.deployments):
        name = inert(service, 64)
        now = describe_service(state, service)
        bands = [band for key, band in state.bands.items() if key.endswith(f":{service}")]
        urgency = max(bands, default=0) + (3 if service_down(state, service) else 0)
        for action, (verb, words) in _REMEDIATION_WORDS.items():
            yield Command(
                f"{verb} {name}",
                f"{REMEDIATIONS[action]}; now {now} (also key {key_r} on the service)",
                partial(app.remediation.remediate_target, service, action),
                discover=False,
                words=tuple(f"{w} {name}" for w in words),
                urgency=urgency,
                refused=app.refusal("remediate", action.replace("_", " ")),
            )
    if state.database is None:
        return
    for chain in blocking_chains(state.database.sessions):
        s = chain.session
        who = f"{inert(s.user or '?', 32)}, {inert(s.state or '?', 32)}"
        blocks = f"blocks {chain.size} session{'s' if chain.size != 1 else ''}"
        if s.is_prepared:  # no backend, and its pid is no pid: `k` on it says how it ends
            yield _prepared(app, s, blocks, min(chain.size, 5))
            continue
        for action, (verb, words) in _BACKEND_WORDS.items():
            yield Command(
                f"{verb} {s.pid}",
                f"{BACKEND_ACTIONS[action]}: pid {s.pid} ({who}), {blocks}: "
                f"{inert(s.query, 80)} (also key {app.key_for(action)} on the backend)",
                partial(app.remediation.end_pid, s.pid, action),
                discover=False,
                words=(*(f"{w} {s.pid}" for w in words), f"pid {s.pid}"),
                urgency=min(chain.size, 5),
                refused=app.refusal(action, action.replace("_", " ")),
            )


def _prepared(app: WarroomApp, s: DbSession, blocks: str, urgency: int) -> Command:
    """A prepared transaction blocking others: found by the words that find a blocker, and
    said as what it is. `pg_blocking_pids()` names it pid 0 and the probe keys it by a
    negative number, which is no backend: "Kill pid -727 / Terminate the backend: pid -727"
    offered to terminate what cannot be. Chosen, it opens what `k` on it does."""
    gid = marked_name(s.prepared or "?", 40)
    key = app.key_for("terminate_backend")
    return Command(
        f"Prepared transaction '{gid}'",
        f"{blocks}; no backend to terminate: it ends with COMMIT PREPARED or ROLLBACK "
        f"PREPARED (owner {inert(s.user or '?', 32)}; also key {key} on it)",
        partial(app.remediation.end_pid, s.pid, "terminate_backend"),
        discover=False,
        words=("kill prepared transaction", "terminate prepared", "blocker 2pc", f"gid {gid}"),
        urgency=urgency,
    )


def _shown(command: Command, matcher: Matcher, candidate: str) -> Text:
    """`command`'s title as plain Text (never markup: it may name outside things), with the
    letters the query matched in it in reverse video; a match on one of its words is shown
    after it. A command this console refuses is dimmed and marked disabled."""
    title = command.title
    styled = candidate if candidate == title else f"{title}  ({candidate})"
    text = Text(styled)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    start = 0 if candidate == title else len(title) + 3
    for offset in offsets:
        text.stylize("reverse", start + offset, start + offset + 1)
    return _marked(command, text)


def _marked(command: Command, text: Text) -> Text:
    if command.refused:
        text.stylize("dim")
        text.append(DISABLED, "dim")
    return text


class WarroomCommands(Provider):
    """warroom's commands first, scored above any of Textual's, which follow."""

    def _commands(self) -> tuple[list[Command], list[Command]]:
        app: ConsoleView = self.app  # type: ignore[assignment]
        return app.palette_commands(), [from_system(c) for c in app.textual_commands(self.screen)]

    async def discover(self) -> Hits:
        ours, textual = self._commands()
        for command in [*ours, *sorted(textual, key=lambda c: c.title)]:
            if command.discover:
                shown = _marked(command, Text(command.title))
                yield DiscoveryHit(
                    shown, _run(command), text=command.title, help=_literal(command.said)
                )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        ours, textual = self._commands()
        ranked = [(c, 0.5, 0.5) for c in ours] + [(c, 0.0, 0.49) for c in textual]
        for command, floor, scale in ranked:  # any of ours above any of Textual's
            score, candidate = max(  # the title on a tie: the first of the best
                ((matcher.match(word), word) for word in (command.title, *command.words)),
                key=lambda found: found[0],
            )
            if score > 0:  # one this console refuses after any it runs that match as well
                yield Hit(
                    floor + scale * score + 0.001 * command.urgency - 0.01 * bool(command.refused),
                    _shown(command, matcher, candidate),
                    _run(command),
                    text=command.title,
                    help=_literal(command.said),
                )


def _literal(text: str) -> str:
    """`text` as markup that reads back as itself: the palette parses a hit's help as markup,
    and Textual's `escape` leaves a cut tag (`[/l…`) to break the parse, or act."""
    return text.replace("[", "\\[")


def _run(command: Command) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        result = command.run()
        if isinstance(result, Awaitable):
            await result

    return run
