"""The PostgreSQL backend's SQL: one file per statement here, named for what it reads or does.

As pg_activity keeps its SQL: package files read with importlib.resources. The probe's
monitoring script runs in one round trip, read-only, under a short timeout.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

# Lock modes from weakest to strongest: a blocker is shown with the strongest it holds.
LOCK_MODES = (
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
)

# Which held modes each requested mode waits for: PostgreSQL's table-level lock conflicts
# (docs: "Explicit Locking", table 13.2), by position in LOCK_MODES (0 AccessShare ...).
_CONFLICTS = {
    0: (7,),
    1: (6, 7),
    2: (4, 5, 6, 7),
    3: (3, 4, 5, 6, 7),
    4: (2, 3, 5, 6, 7),
    5: (2, 3, 4, 5, 6, 7),
    6: (1, 2, 3, 4, 5, 6, 7),
    7: (0, 1, 2, 3, 4, 5, 6, 7),
}


def conflicts(wanted: str, held: str) -> bool:
    """Does a lock requested in mode `wanted` wait for one held in mode `held`?"""
    return LOCK_MODES.index(held) in _CONFLICTS[LOCK_MODES.index(wanted)]


@cache
def sql(name: str) -> str:
    """The statement in `<name>.sql`, its comments kept (the server ignores them)."""
    return files(__package__).joinpath(f"{name}.sql").read_text(encoding="utf-8").strip()


CONNECTIONS = sql("connections")
SESSIONS = sql("sessions")


MODES = "[" + ", ".join(f"'{m}'" for m in LOCK_MODES) + "]"  # an SQL array's elements


def sessions_sql(long_query_s: float, query_chars: int) -> str:
    """The sessions query with its two numbers filled in (numbers and constants, never text).

    A statement is read as at most 4 bytes a character (UTF-8's widest), cut to
    `query_chars` once decoded.
    """
    return SESSIONS.format(
        modes=MODES, query_bytes=4 * int(query_chars), long_query_s=float(long_query_s)
    )


def prepared_blockers_sql() -> str:
    """prepared_blockers.sql with the lock modes and their conflicts filled in (constants)."""
    pairs = ", ".join(f"('{w}', '{h}')" for w in LOCK_MODES for h in LOCK_MODES if conflicts(w, h))
    return sql("prepared_blockers").format(modes=MODES, conflicts=pairs)


def terminate_idle_sql() -> str:
    """terminate_idle.sql around idle_sessions.sql; its one parameter, idle_s, the idle
    seconds."""
    return sql("terminate_idle").format(idle_sessions=sql("idle_sessions"))


# how each action signals the backend of signal_chosen.sql (`a`): terminate waits up to 5 s
# for the session to end (PostgreSQL 14+)
SIGNALS = {
    "terminate_backend": "pg_terminate_backend(a.pid, 5000)",
    "cancel_backend": "pg_cancel_backend(a.pid)",
}
# a backend an action's signal would do nothing to: one waiting for its client's next command
# ignores a cancel (PostgreSQL's ProcessInterrupts: "just ignore the cancel request")
QUIET = {
    "cancel_backend": "a.state IN ('idle', 'idle in transaction', 'idle in transaction (aborted)')"
}


@cache
def signal_chosen_sql(action: str, still_idle: bool = False) -> str:
    """signal_chosen.sql for `action` (a key of SIGNALS); `still_idle`: the backend must also
    still be one idle_sessions.sql finds (its parameter idle_s), as "kill idle sessions" asks."""
    still = "true"
    if still_idle:
        still = f"EXISTS (SELECT FROM (\n{sql('idle_sessions')}\n) idle WHERE idle.pid = a.pid)"
    quiet = QUIET.get(action, "false")
    return sql("signal_chosen").format(signal=SIGNALS[action], still=still, quiet=quiet)


def sample_script(long_query_s: float, query_chars: int, timeout_ms: int) -> str:
    """Both queries in one read-only transaction under a statement and lock timeout."""
    ms = int(timeout_ms)
    return ";\n".join(
        (
            "BEGIN TRANSACTION READ ONLY",
            f"SET LOCAL statement_timeout = '{ms}ms'",
            f"SET LOCAL lock_timeout = '{ms}ms'",
            CONNECTIONS,
            sessions_sql(long_query_s, query_chars),
            "COMMIT",
        )
    )
