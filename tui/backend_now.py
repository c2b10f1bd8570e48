"""What the confirmation of ending a backend says, as of the latest database sample.

The commander picks pid 4242 "blocks 3"; while the dialog is open the probe samples again:
it blocks 5, or none, or it has ended and PostgreSQL has given pid 4242 to another backend.
The dialog looks again each second (widgets/modals.py LiveConfirmScreen) and says the
sample's truth and its age; a backend gone from the sample, or a pid that now names another
backend (its backend_start or user differ: pids are reused, a backend's start is not), is
refused there, before anything is sent. The action itself checks backend_start again at the
database (probes/postgres/actions.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from state.locks import blocker_name, statement_words
from state.text import inert
from widgets.format import clock_time, duration
from widgets.modals import Look

if TYPE_CHECKING:
    from datetime import datetime

    from state.console import ConsoleState
    from state.events import DatabaseSampled, DbSession
    from state.locks import BlockingChain

HIDDEN = "hidden (grant pg_monitor)"  # what a monitor role without pg_monitor cannot read
VERBS = {"terminate_backend": "terminate", "cancel_backend": "cancel"}


def backend_words(s: DbSession) -> str:
    """A backend as its confirmation and the journal name it: 'pid 4242 (batch,
    idle in transaction, query started 09:12:03, transaction since 09:11:50)'. What the
    console's role may not read is said to be hidden, never '?'."""
    user = inert(s.user or "?")
    if not s.visible:
        return f"pid {s.pid} ({user}, state {HIDDEN})"
    began = f"query started {clock_time(s.query_start)}" if s.query_start else "no query start"
    tx = f", transaction since {clock_time(s.xact_start)}" if s.xact_start else ""
    return f"pid {s.pid} ({user}, {inert(s.state or '?')}, {began}{tx})"


def superuser_refuses(s: DbSession, console_superuser: bool | None) -> bool:
    """Whether PostgreSQL will refuse to end or cancel backend `s`: its role is a superuser
    and the console's is not (pg_signal_backend: "only roles with the SUPERUSER attribute
    may terminate processes of roles with the SUPERUSER attribute"). False when either is
    not known."""
    return bool(s.superuser) and console_superuser is False


SUPERUSER_REFUSES = (
    "PostgreSQL will refuse: its role ({user}) is a superuser and the console's role is not; "
    "only a superuser may end or cancel a superuser's backend."
)


def role_refuses(s: DbSession, console_signals: tuple[str, ...] | None) -> bool:
    """Whether PostgreSQL will refuse to end or cancel backend `s` because the console's role
    may signal only some roles' backends (`DatabaseSampled.console_signals`: it is neither a
    superuser nor a member of pg_signal_backend) and `s`'s role is none of them
    (pg_signal_backend: "Only roles with privileges of the role whose process is being
    terminated or with privileges of the pg_signal_backend role may terminate this
    process"). False when either is not known."""
    return console_signals is not None and s.user is not None and s.user not in console_signals


def role_refusal(s: DbSession, console_signals: tuple[str, ...]) -> str:
    """'PostgreSQL will refuse: its role (batch) is not the console's (watcher), …'."""
    ours, *others = (inert(r, 40) for r in console_signals)
    may = f"its own role's ({ours})" if not others else f"those of {ours}, {', '.join(others)}"
    return (
        f"PostgreSQL will refuse: its role ({inert(s.user or '?', 40)}) is not the console's "
        f"({ours}), which is neither a superuser nor a member of pg_signal_backend; it may end "
        f"or cancel only {may} backends (grant pg_signal_backend to end others')."
    )


def refusal_words(
    s: DbSession, console_superuser: bool | None, console_signals: tuple[str, ...] | None
) -> str | None:
    """Why PostgreSQL will refuse to end or cancel `s`, said beforehand; None: it will not
    (as far as the console's role can tell)."""
    if superuser_refuses(s, console_superuser):
        return SUPERUSER_REFUSES.format(user=inert(s.user or "?"))
    if console_signals is not None and role_refuses(s, console_signals):
        return role_refusal(s, console_signals)
    return None


def backend_message(
    action: str,
    chain: BlockingChain,
    sessions: tuple[DbSession, ...],
    console_superuser: bool | None = None,
    console_signals: tuple[str, ...] | None = None,
) -> str:
    """The backend, its statement, whom it blocks and whom it waits on: the dialog's lines;
    first, that PostgreSQL will refuse, when the console's role may not signal it."""
    s = chain.session
    lines = [f"Backend {backend_words(s)}"]
    refused = refusal_words(s, console_superuser, console_signals)
    if refused:
        lines.append(refused)
    lines.append(statement_words(s, 400) if s.visible else f"statement {HIDDEN}")
    if chain.blocks:
        below = [w.session.pid for w in chain.waiters]
        pids = ", ".join(blocker_name(p, sessions) for p in below[:8])
        more = f" and {len(below) - 8} more" if len(below) > 8 else ""
        lines.append(
            f"It blocks {chain.blocks} session{'s' if chain.blocks != 1 else ''}"
            f" (directly {pids}{more})."
        )
    if s.blocked_by:  # a waiter picked in the tree: what it waits on stays after it ends
        names = ", ".join(blocker_name(p, sessions) for p in dict.fromkeys(s.blocked_by))
        lines.append(f"It waits on {names}.")
    if action == "cancel_backend" and s.visible and s.state and s.state != "active":
        # pg_cancel_backend() says true and ends nothing: there is no query to stop
        lines.append(
            f"It runs no query now ({inert(s.state, 40)}): a cancel ends nothing, and its "
            "transaction and locks stay. Terminating it ends them."
        )
    elif action == "cancel_backend":
        lines.append("Cancel stops the running query; the session and its locks stay.")
    return "\n".join(lines)


def same_backend(chosen: DbSession, now: DbSession) -> bool:
    """Whether `now` (a sample's row for the chosen pid) is the backend chosen: the same
    user, and the same backend_start where both samples could read it."""
    if chosen.user != now.user:
        return False
    if chosen.backend_start is None or now.backend_start is None:
        return True  # a role that cannot read it (or a journal from before it was kept)
    return chosen.backend_start == now.backend_start


def now_of(
    action: str, chosen: BlockingChain, database: DatabaseSampled | None, chains: list
) -> tuple[str, str | None]:
    """(the dialog's lines, why it can no longer be confirmed or None) as of `database`,
    whose blocking chains are `chains`."""
    pid, verb = chosen.session.pid, VERBS.get(action, "end")
    sessions = database.sessions if database is not None else ()
    roles = (database.console_superuser, database.console_signals) if database else (None, None)
    found = next((c for root in chains for c, _ in root.walk() if c.session.pid == pid), None)
    if found is None or not found.sampled:  # what it was, said to be the past
        said = "When picked: " + backend_message(action, chosen, sessions, *roles)
        return said, (
            f"pid {pid} is in no lock chain of the latest sample: it blocks and waits on "
            f"nobody now, or it has ended. Nothing to {verb}: Escape, and pick again"
        )
    if not same_backend(chosen.session, found.session):
        other = found.session
        began = f"started {clock_time(other.backend_start)}" if other.backend_start else "another"
        said = backend_message(action, found, sessions, *roles)
        return said, (
            f"pid {pid} is now another backend ({inert(other.user or '?')}, {began}): the "
            f"one chosen has ended. Nothing to {verb}: Escape, and pick again"
        )
    return backend_message(action, found, sessions, *roles), None


def as_of(state: ConsoleState, now: datetime) -> str:
    """'As of the sample at 09:31:04 (2s ago).', and why it is old when the probe fails."""
    database = state.database
    if database is None:
        return "No database sample yet."
    age = duration(max((now - database.at).total_seconds(), 0.0))
    said = f"As of the sample at {clock_time(database.at)} ({age} ago)"
    probe = state.probe("postgres")
    if probe.failing:
        said += f"; the database probe fails: {inert(probe.reason or '?', 120)}"
    return said + "."


def looking(
    action: str,
    chosen: BlockingChain,
    state_now: Callable[[], tuple[ConsoleState, datetime]],
    chains_of: Callable[[ConsoleState], list],
) -> Callable[[], Look]:
    """The dialog's `look`: the chosen backend as of the latest sample, worked out again
    only when a new sample came (`chains_of` gives its chains, kept once per sample)."""
    kept: list = [None, None]

    def look() -> Look:
        state, now = state_now()
        if kept[0] is not state.database:
            kept[0] = state.database
            kept[1] = now_of(action, chosen, state.database, chains_of(state))
        message, refusal = kept[1]
        return Look(message, as_of(state, now), refusal)

    return look
