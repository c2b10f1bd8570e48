"""The console's keys: one table the bindings, the key bar, help, the palette and the README
are drawn from, and the `[keys]` keymap checked against it.

A key added here (or any Binding with an id and a description added to an App's BINDINGS)
shows in the key bar, in help and in the command palette without code of its own.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from textual.binding import Binding, BindingType

from tui.view import PANES
from widgets.keybar import described, duty_keys, flag_keys, rank_phases

INCIDENT, FIX, TELL, CLOSE, CONSOLE = "Incident", "Fix", "Tell", "Close", "Console"
FIND = "Find"  # the guide's investigation and runbooks

PANE_GROUP = Binding.Group("Panes", compact=True)
PANE_HELP = (
    f"Show a pane ({', '.join(name for _, name, _ in PANES)}) or focus it: ↑ ↓ move its "
    "cursor (the list holds still; live, the cursor stays on its session or service), esc "
    "resumes it; pgup pgdn go a page, home end go to its first and last row (a service, a "
    "session of the DB locks tree, the Timeline's newest and oldest entry); in the DB locks "
    "tree enter folds a session's waiters or opens a '… N more' line; in a replay, esc (a "
    "second one, if the first resumed the pane) gives home end back to the scrubber (the "
    "journal's start and end)"
)

PANE_KEYS = [
    described(
        str(i + 1),
        f"pane({i})",
        f"{name} pane",
        tooltip=PANE_HELP,
        id=f"pane.{key}",
        group=PANE_GROUP,
        section=CONSOLE,
        phases={},  # the tabs show them at 80 columns
        words=("pane", "show", "focus"),
    )
    for i, (key, name, _) in enumerate(PANES)
]

# help and the palette: every console has them, pinned at the key bar's right
CONSOLE_KEYS = [
    described(
        "question_mark",
        "help",
        "Help",
        key_display="?",
        tooltip="Help: every key, and how to move in dialogs",
        id="app.help",
        section=CONSOLE,
        words=("help", "keys"),
    ),
    described(
        "ctrl+p",
        "command_palette",
        "Commands",
        show=False,
        tooltip="The command palette: every action by name, and the targets it acts on",
        id="app.command_palette",
        section=CONSOLE,
    ),
    described(
        "slash",
        "filter",
        "Filter",
        key_display="/",
        show=False,
        tooltip="Filter Services, Error rate and p95 by name (a part of it, as in k9s); "
        "esc clears it",
        id="view.filter",
        section=CONSOLE,
        words=("filter", "find service", "search", "grep"),
    ),
]

KEYS: list[BindingType] = [
    described(
        "d",
        "declare",
        "Declare",
        tooltip="Declare an incident: the suggested severity and its reason preselected; "
        "you become IC",
        id="incident.declare",
        section=INCIDENT,
        words=("declare incident", "open incident", "start incident", "sev"),
    ),
    described(
        "a",
        "acknowledge",
        "Ack",
        tooltip="Acknowledge: the response countdown becomes the time it took (LATE past the "
        "target); PagerDuty stops paging",
        id="incident.acknowledge",
        section=INCIDENT,
        words=("acknowledge", "ack", "on it"),
    ),
    described(
        "s",
        "severity",
        "Severity",
        tooltip="Change the severity (P1-P4), with a reason",
        id="incident.severity",
        section=INCIDENT,
        words=("severity", "sev", "priority", "downgrade", "upgrade", "P1", "P2"),
    ),
    described(
        "n",
        "note",
        "Note",
        tooltip="Add a note to the timeline",
        id="incident.note",
        section=INCIDENT,
        words=("note", "comment", "log", "write down"),
    ),
    described(
        "o",
        "roles",
        "Roles",
        tooltip="Assign a role: IC, TL, CL or an SME (a handoff keeps the history)",
        id="incident.roles",
        section=INCIDENT,
        words=("assign", "role", "handoff", "hand over", "commander", "lead", "sme"),
    ),
    described(
        "r",
        "remediate",
        "Remediate",
        tooltip="Remediate the service under the cursor: restart, undo rollout, scale, "
        "delete failing pods, circuit breaker",
        id="action.remediate",
        section=FIX,
        words=(
            "restart",
            "rollout restart",
            "rollback",
            "undo",
            "rollout undo",
            "scale",
            "replicas",
            "delete pods",
            "circuit breaker",
            "kubectl",
            "remediate",
            "fix",
        ),
    ),
    described(
        "k",
        "terminate_backend",
        "Kill pid",
        tooltip="Terminate the backend under the cursor in the lock tree (pg_terminate_backend)",
        id="action.terminate_backend",
        section=FIX,
        words=("kill", "terminate", "pg_terminate_backend", "blocker", "backend", "lock", "pid"),
    ),
    described(
        "c",
        "cancel_backend",
        "Cancel query",
        tooltip="Cancel the query of the backend under the cursor; its session and locks "
        "stay (pg_cancel_backend)",
        id="action.cancel_backend",
        section=FIX,
        words=("cancel query", "pg_cancel_backend", "stop query", "backend", "pid"),
    ),
    described(
        "i",
        "terminate_idle",
        "Kill idle",
        tooltip="Terminate idle sessions older than 10 minutes, listing which first",
        id="action.terminate_idle",
        section=FIX,
        words=("kill idle", "idle in transaction", "connections", "pool", "pg_terminate_backend"),
    ),
    described(
        "u",
        "post_update",
        "Update",
        tooltip="Post a status update (Investigating, Identified, Monitoring, Resolved) to "
        "the chosen channels, text from the guide's templates",
        id="comms.post_update",
        section=TELL,
        words=("status update", "post", "slack", "status page", "statuspage", "announce"),
    ),
    described(
        "e",
        "escalate",
        "Escalate",
        tooltip="Escalate to level 1-5 with a reason: who each level reaches, which channels "
        "it pages; the level the guide says is due (ESCALATE to L3 now) comes preselected",
        id="comms.escalate",
        section=TELL,
        words=("escalate", "page", "pagerduty", "call", "wake", "manager", "executive"),
    ),
    described(
        "v",
        "verify",
        "Verify",
        tooltip="Verify the resolution by the guide's criteria (>= 3 healthy services, error "
        "rate < 2 %, p95 < 3000 ms, every watched rollout complete), then watch for 5 good "
        "checks in a row",
        id="incident.verify",
        section=CLOSE,
        words=("verify", "check", "healthy", "stable", "monitoring"),
    ),
    described(
        "x",
        "resolve",
        "Resolve",
        tooltip="Resolve the incident, with a summary; offers the final Resolved update",
        id="incident.resolve",
        section=CLOSE,
        words=("resolve", "close incident", "all clear", "done", "end incident"),
    ),
    described(
        "g",
        "investigate",
        "Investigate",
        tooltip="Investigate: the guide's five steps (what changed, system state, error "
        "patterns, dependencies, database), each read on demand; p pins a finding",
        id="incident.investigate",
        section=FIND,
        words=("investigate", "rollout history", "events", "logs", "what changed", "errors"),
    ),
    described(
        "b",
        "runbook",
        "Runbook",
        tooltip="Open the guide's runbook the signals match (High Error Rate, Service Down, "
        "Database Performance): one-key steps, phase clock, escalation criteria",
        id="incident.runbook",
        section=FIND,
        words=("runbook", "checklist", "playbook", "procedure"),
    ),
    *PANE_KEYS,
    *CONSOLE_KEYS,
    described(
        "q",
        "quit_console",
        "Quit",
        tooltip="Quit (asks while an incident is open)",
        id="app.quit",
        section=CONSOLE,
        words=("quit", "exit", "leave"),
    ),
]

# a narrow key bar's keys in each phase of the incident, first first, as many as fit (80
# columns: about 51 of them beside ? Help, ^p Commands and q Quit); a key named in no phase
# (one added later) comes after these in every phase
rank_phases(
    {
        "declare": (
            "incident.declare",
            "action.remediate",
            "action.terminate_backend",
            "incident.note",
            "action.cancel_backend",
            "action.terminate_idle",
        ),
        "investigating": (
            "incident.acknowledge",
            "comms.post_update",
            "comms.escalate",
            "action.remediate",
            "incident.severity",
            "incident.roles",
            "incident.note",
            "action.terminate_backend",
        ),
        "mitigating": (
            "action.remediate",
            "action.terminate_backend",
            "action.cancel_backend",
            "incident.verify",
            "action.terminate_idle",
            "comms.post_update",
            "incident.note",
        ),
        "verifying": (
            "incident.verify",
            "incident.resolve",
            "comms.post_update",
            "incident.note",
            "comms.escalate",
        ),
    }
)

# the keys that act on what a pane flags (state/guide/phase.py flags), by binding id: a narrow
# key bar offers them right after its phase's first key, so the fix is on screen
flag_keys(
    {
        "services": ("action.remediate",),
        "locks": ("action.terminate_backend", "action.cancel_backend"),
        "connections": ("action.terminate_idle",),
        "error rate": ("action.remediate",),
        "p95": ("action.remediate",),
    }
)


# the key of each duty of the guide's (state/guide/phase.py overdue): while it is overdue a
# narrow key bar shows it first, whatever the phase
duty_keys(
    {"ack": "incident.acknowledge", "update": "comms.post_update", "escalate": "comms.escalate"}
)


# keys a keymap may not take: dialogs move and choose with them (fields, radios, buttons),
# panes move their cursor (up, down, home, end) and the timeline scrolls (pageup, pagedown).
# A binding may keep its own default (replay's left, right, home, end, space).
RESERVED = frozenset(
    {
        "tab",
        "shift+tab",
        "enter",
        "escape",
        "space",
        "up",
        "down",
        "left",
        "right",
        "home",
        "end",
        "pageup",
        "pagedown",
    }
)
# Textual's own keys, bound with no id: nothing remaps them, so a clash names them as such
BUILT_IN = {
    "quit": "Textual's own quit key (it quits at once, without asking), which cannot be remapped",
    "help_quit": "Textual's own key that says how to quit, which cannot be remapped",
}


_MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})


def _known_key(key: str) -> bool:
    """Whether Textual can ever deliver `key` (normalized: "question_mark", not "?")."""
    from textual.keys import Keys, _character_to_key

    *modifiers, name = key.split("+")
    names = {k.value for k in Keys if "+" not in k.value}
    names |= {_character_to_key(chr(c)) for c in range(33, 127)}
    return bool(name) and set(modifiers) <= _MODIFIERS and name in names


def keymap_problems(keymap: Mapping[str, str], tables: Iterable[Sequence[Binding]]) -> list[str]:
    """What is wrong with `keymap` (binding id -> keys, comma-separated) for the apps whose
    BINDINGS are `tables`: an unknown id, a key reserved for dialogs, or two ids on one key
    (a clash, naming both). Empty when it can be applied with `App.set_keymap`."""
    from textual.app import App

    normal = App._normalize_keymap(dict(keymap))
    tables = [list(Binding.make_bindings(t)) for t in tables]
    known = {b.id for table in tables for b in table if b.id}
    problems = [
        f"{binding_id}: no such binding id (known: {', '.join(sorted(known))})"
        for binding_id in keymap
        if binding_id not in known
    ]
    for binding_id, keys in normal.items():
        listed = [k.strip() for k in keys.split(",")]
        unknown = [k for k in listed if not _known_key(k)]
        if unknown:
            problems.append(
                f"{binding_id}: {', '.join(map(repr, unknown))} is not a key Textual knows "
                '(e.g. "x", "X", "ctrl+x", "f5", "question_mark")'
            )
        defaults = {b.key for t in tables for b in t if b.id == binding_id}
        taken = RESERVED.intersection(listed) - defaults
        if taken:
            problems.append(
                f"{binding_id}: {', '.join(sorted(taken))} is kept for moving in dialogs and panes"
            )
    for table in tables:
        owner: dict[str, Binding] = {}
        for binding in table:
            keys = normal.get(binding.id, binding.key) if binding.id else binding.key
            for key in (k.strip() for k in keys.split(",")):
                first = owner.setdefault(key, binding)
                if _name(first) != _name(binding):
                    problems.append(_clash(key, first, binding))
    return list(dict.fromkeys(problems))  # live and replay share most ids: each clash once


def _name(binding: Binding) -> str:
    return binding.id or binding.action


def _clash(key: str, first: Binding, second: Binding) -> str:
    """One line naming both sides by the ids the README lists; a side Textual binds with no
    id is named as Textual's own key, and the other side is the one to move."""
    for own, other in ((first, second), (second, first)):
        if not own.id and other.id:
            said = BUILT_IN.get(own.action, f"Textual's own {key} ({own.action})")
            return f"{key} is {said}; give {other.id} another key"
    return (
        f"{key} is bound to both {_name(first)} and {_name(second)}; give one of them another key"
    )


def app_bindings() -> list[list[Binding]]:
    """The bindings of each App a keymap applies to, Textual's own included: live, demo
    and drill share WarroomApp's; replay has its own."""
    from textual.app import App

    from tui.app import WarroomApp
    from tui.replay import ReplayApp

    return [[*App.BINDINGS, *app.BINDINGS] for app in (WarroomApp, ReplayApp)]  # type: ignore[list-item]


def load_keymap(path: Path | None = None) -> tuple[dict[str, str], list[str]]:
    """The [keys] table of the config file at `path` (default: the user's), and what is
    wrong with it, one line each; ({}, []) without a file. Demo, drill and replay use the
    commander's keys without live's backends, and without loading pydantic before the
    first frame (tui/config.py checks the same table for live)."""
    from tui.paths import config_file

    path = path or config_file()
    if not path.is_file():
        return {}, []
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("keys", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
        return {}, [f"cannot read its [keys]: {exc}"]
    if not isinstance(table, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in table.items()
    ):
        return {}, ['keys: must be a table of binding id = "key", e.g. "incident.resolve" = "X"']
    if not table:
        return {}, []
    problems = keymap_problems(table, app_bindings())
    return ({}, [f"keys: {p}" for p in problems]) if problems else (table, [])
