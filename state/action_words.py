"""An action as people say it, never its id: "undo rollout of tracktion/api", "terminate
backend pid 4242". The timeline, the review and the score card read it from here."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from state.text import inert

# action id -> its words, before the target (a backend's name the pid instead)
_VERBS = {
    "restart": "restart",
    "rollout_undo": "undo rollout of",
    "scale": "scale",
    "delete_failing_pods": "delete failing pods of",
    "circuit_breaker": "enable the circuit breaker on",
    "terminate_backend": "terminate backend",
    "cancel_backend": "cancel the query of backend",
    "terminate_idle": "terminate",  # its target: "3 idle sessions"
}
_PID_ACTIONS = frozenset({"terminate_backend", "cancel_backend"})
# the parameters `action_words` says in its words; any other is shown as it is
WORDED_PARAMS = frozenset({"pid", "replicas"})
_RESTORED = re.compile(r"revision (\d+)")
# a list of things shown -> the parameter that pins each, and how the review says a pin
_PINNED_BY = {"pods": ("pod_uids", "uid"), "pids": ("backend_starts", "backend started")}
# the parameters that pin each thing shown to the very object (a pod's uid, a backend's start
# time) for the backend to check again: journaled, and in the review; the timeline's line
# names the things (pods, pids), not these
PINNING_PARAMS = frozenset(pin for pin, _ in _PINNED_BY.values())


def action_name(action: str) -> str:
    """'undo rollout', 'terminate backend': the action alone, for a table's cell."""
    verb = _VERBS.get(action)
    if verb is None:
        return inert(action.replace("_", " "), 60)
    return verb.removesuffix(" of").removesuffix(" on")


def action_words(action: str, target: str, params: Mapping[str, Any] | None = None) -> str:
    """The action on its target as a person says it: 'undo rollout of tracktion/api',
    'scale tracktion/api to 3 replicas', 'terminate backend pid 4242'. Inert."""
    params = params or {}
    verb = _VERBS.get(action) or inert(action.replace("_", " "), 60)
    if action in _PID_ACTIONS and "pid" in params:
        return f"{verb} pid {inert(str(params['pid']), 20)}"
    words = f"{verb} {inert(target)}".strip()
    if action == "scale" and "replicas" in params:
        words += f" to {inert(str(params['replicas']), 10)} replicas"
    return words


def revisions(was: int | None, result: str) -> str:
    """An undone rollout's revisions, '8 → 7', from the revision before it (0/None: unknown)
    and the action's result, which names the revision restored; '' when neither is known."""
    found = _RESTORED.search(result)
    restored = found.group(1) if found else None
    if was and restored:
        return f"revision {was} → {restored}"
    if restored:
        return f"back to revision {restored}"
    return f"from revision {was}" if was else ""


def _pairs(things: object, pins: object) -> bool:
    return (
        isinstance(things, (list, tuple))
        and isinstance(pins, (list, tuple))
        and len(things) == len(pins)
    )


def _item(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(inert(v) for v in value) or "none"
    return inert(value)


def params_in_full(params: Mapping[str, Any]) -> str:
    """A request's parameters for the review, every item kept: each thing named with what pins
    it, 'older_than=600; pods: api-1 (uid 7b13…), api-2 (uid 98c5…)', never a list's Python
    repr or two lists an auditor has to pair by position (a pin that does not pair up is said
    on its own, as it was sent). Inert."""
    paired = {
        thing: pin
        for thing, (pin, _) in _PINNED_BY.items()
        if _pairs(params.get(thing), params.get(pin))
    }
    said = []
    for key, value in sorted(params.items()):
        if key in paired.values():
            continue
        if key in paired:
            word = _PINNED_BY[key][1]
            items = [
                inert(v) if p is None else f"{inert(v)} ({word} {inert(p)})"
                for v, p in zip(value, params[paired[key]], strict=True)
            ]
            said.append(f"{inert(key)}: {', '.join(items) or 'none'}")
        elif isinstance(value, (list, tuple)):
            said.append(f"{inert(key)}: {_item(value)}")
        else:
            said.append(f"{inert(key)}={inert(value)}")
    return "; ".join(said)
