"""The PostgreSQL probe's monitoring SQL: one round trip, read-only, under a short timeout."""

from __future__ import annotations

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

# Client backends only, never the console's own: the connection pane counts applications.
CONNECTIONS = """
SELECT count(*) FILTER (WHERE state = 'active') AS active,
       count(*) FILTER (WHERE state = 'idle') AS idle,
       count(*) FILTER (WHERE state LIKE 'idle in transaction%') AS idle_in_transaction,
       count(*) FILTER (WHERE wait_event_type = 'Lock') AS waiting,
       current_setting('max_connections')::int AS max_connections
FROM pg_stat_activity
WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
"""

# pg_blocking_pids() takes the lock manager's partition locks, so it runs only for sessions
# that wait on a heavyweight lock; it also reports soft blocks (queued conflicting requests).
# A row-lock waiter waits on a transaction id: its relation comes from the tuple lock it holds.
# Locks of other databases are left out: their relation OIDs mean nothing here.
SESSIONS = """
WITH a AS MATERIALIZED (
    SELECT pid, backend_type, usename, application_name, state, query, query_start,
           xact_start, wait_event_type,
           CASE WHEN wait_event_type = 'Lock' THEN pg_blocking_pids(pid)
                ELSE '{{}}'::int[] END AS blocked_by
    FROM pg_stat_activity
    WHERE pid <> pg_backend_pid()
),
chain AS (
    SELECT pid FROM a WHERE cardinality(blocked_by) > 0
    UNION SELECT unnest(blocked_by) FROM a
),
l AS MATERIALIZED (
    SELECT pid, locktype, relation, mode, granted
    FROM pg_locks
    WHERE pid IN (SELECT pid FROM chain)
      AND (database IS NULL OR database = 0
           OR database = (SELECT oid FROM pg_database WHERE datname = current_database()))
),
wants AS (
    SELECT DISTINCT ON (w.pid) w.pid, w.mode, coalesce(w.relation, t.relation) AS relid
    FROM l w
    LEFT JOIN l t ON t.pid = w.pid AND t.locktype = 'tuple' AND t.granted
    WHERE NOT w.granted
    ORDER BY w.pid, w.relation IS NULL
),
holds AS (
    SELECT DISTINCT ON (b.pid) b.pid, h.mode, h.relation AS relid
    FROM (SELECT unnest(a.blocked_by) AS pid, wants.relid FROM a JOIN wants USING (pid)) b
    JOIN l h ON h.pid = b.pid AND h.relation = b.relid AND h.granted AND h.locktype = 'relation'
    ORDER BY b.pid, array_position(ARRAY{modes}::text[], h.mode) DESC
)
SELECT a.pid, a.usename, a.application_name, a.state, left(a.query, {query_chars}) AS query,
       a.query_start, a.xact_start, a.wait_event_type, a.blocked_by,
       coalesce(wants.relid, holds.relid)::regclass::text AS relation,
       coalesce(wants.mode, holds.mode) AS lock_mode
FROM a
LEFT JOIN wants USING (pid)
LEFT JOIN holds USING (pid)
WHERE a.pid IN (SELECT pid FROM chain)
   OR (a.backend_type = 'client backend' AND a.state = 'active'
       AND a.query_start < now() - make_interval(secs => {long_query_s}))
ORDER BY coalesce(a.xact_start, a.query_start) NULLS LAST, a.pid
"""


def sessions_sql(long_query_s: float, query_chars: int) -> str:
    """The sessions query with its two numbers filled in (numbers only, never text)."""
    modes = "[" + ", ".join(f"'{m}'" for m in LOCK_MODES) + "]"
    return SESSIONS.format(
        modes=modes, query_chars=int(query_chars), long_query_s=float(long_query_s)
    )


def sample_script(long_query_s: float, query_chars: int, timeout_ms: int) -> str:
    """Both queries in one read-only transaction under a statement and lock timeout."""
    ms = int(timeout_ms)
    return ";\n".join(
        (
            "BEGIN TRANSACTION READ ONLY",
            f"SET LOCAL statement_timeout = '{ms}ms'",
            f"SET LOCAL lock_timeout = '{ms}ms'",
            CONNECTIONS.strip(),
            sessions_sql(long_query_s, query_chars).strip(),
            "COMMIT",
        )
    )
