-- Sessions in a blocking chain, and client backends running longer than long_query_s.
-- A template for str.format: modes, query_bytes and long_query_s are numbers and constants
-- filled in by sessions_sql(), never text from outside; doubled braces are literal ones.
-- pg_blocking_pids() takes the lock manager's partition locks, so it runs only for sessions
-- that wait on a heavyweight lock; it also reports soft blocks (queued conflicting requests).
-- A session of another role the console's role may not read (no pg_read_all_stats) shows no
-- wait event: it counts as waiting when pg_locks, which every role reads, has it waiting.
-- A row-lock waiter waits on a transaction id: its relation comes from the tuple lock it holds.
-- Locks of other databases are left out: their relation OIDs mean nothing here.
-- The statement is read as bytes in its session's database encoding (a LATIN1 database's
-- text is not UTF-8): the probe decodes each with that encoding, leniently. Its whole length
-- in bytes (query_octets) tells whether the server cut it, though the probe reads fewer bytes.
-- pg_blocking_pids() says 0 for a prepared transaction (it has no backend): the probe then
-- names it with prepared_blockers.sql, a second read made only when some session waits on 0.
-- rolsuper (pg_roles, which every role reads) says whose backend only a superuser may signal:
-- read for the rows returned only.
WITH a AS MATERIALIZED (
    SELECT pid, backend_type, datid, usename, application_name, state, query, query_start,
           xact_start, wait_event_type, backend_start, hidden, usesysid,
           CASE WHEN wait_event_type = 'Lock'
                     OR (hidden AND pid IN (SELECT pid FROM pg_locks WHERE NOT granted))
                THEN pg_blocking_pids(pid)
                ELSE '{{}}'::int[] END AS blocked_by
    FROM (
        SELECT *, state IS NULL AND query = '<insufficient privilege>'
                  AND datid IS NOT NULL AND usesysid IS NOT NULL AS hidden
        FROM pg_stat_activity
        WHERE pid <> pg_backend_pid()
    ) s
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
SELECT a.pid, a.usename, a.application_name, a.state,
       CASE WHEN a.hidden THEN NULL ELSE substr(textsend(a.query), 1, {query_bytes}) END,
       CASE WHEN a.hidden THEN NULL ELSE octet_length(a.query) END AS query_octets,
       pg_encoding_to_char(d.encoding) AS encoding,
       a.query_start, a.xact_start, a.wait_event_type, a.blocked_by,
       coalesce(wants.relid, holds.relid)::regclass::text AS relation,
       coalesce(wants.mode, holds.mode) AS lock_mode,
       a.backend_start, NOT a.hidden AS visible, r.rolsuper
FROM a
LEFT JOIN pg_database d ON d.oid = a.datid
LEFT JOIN pg_roles r ON r.oid = a.usesysid
LEFT JOIN wants USING (pid)
LEFT JOIN holds USING (pid)
WHERE a.pid IN (SELECT pid FROM chain)
   OR (a.backend_type = 'client backend' AND a.state = 'active'
       AND a.query_start < now() - make_interval(secs => {long_query_s}))
ORDER BY coalesce(a.xact_start, a.query_start) NULLS LAST, a.pid
