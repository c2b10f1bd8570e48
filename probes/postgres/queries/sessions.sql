-- Sessions in a blocking chain, and client backends running longer than long_query_s.
-- A template for str.format: modes, conflicts, query_bytes and long_query_s are numbers and
-- constants filled in by sessions_sql(), never text from outside; doubled braces are literal.
-- pg_blocking_pids() takes the lock manager's partition locks, so it runs only for sessions
-- that wait on a heavyweight lock; it also reports soft blocks (queued conflicting requests).
-- A session of another role the console's role may not read (no pg_read_all_stats) shows no
-- wait event: it counts as waiting when pg_locks, which every role reads, has it waiting.
-- A row-lock waiter waits on a transaction id: its relation comes from the tuple lock it holds.
-- Locks of other databases are left out: their relation OIDs mean nothing here.
-- The statement is read as bytes in its session's database encoding (a LATIN1 database's
-- text is not UTF-8): the probe decodes each with that encoding, leniently.
-- pg_blocking_pids() says 0 for a prepared transaction (it has no backend): `twophase`
-- names it from the locks it holds that conflict with the waiter's, and its row is keyed by
-- the negative of its transaction id. Neither is read unless some session waits on a 0.
WITH raw AS MATERIALIZED (
    SELECT pid, backend_type, datid, usename, application_name, state, query, query_start,
           xact_start, wait_event_type, backend_start, hidden,
           CASE WHEN wait_event_type = 'Lock'
                     OR (hidden AND pid IN (SELECT pid FROM pg_locks WHERE NOT granted))
                THEN pg_blocking_pids(pid)::bigint[]
                ELSE '{{}}'::bigint[] END AS blocked_by
    FROM (
        SELECT *, state IS NULL AND query = '<insufficient privilege>'
                  AND datid IS NOT NULL AND usesysid IS NOT NULL AS hidden
        FROM pg_stat_activity
        WHERE pid <> pg_backend_pid()
    ) s
),
held AS MATERIALIZED (
    SELECT * FROM pg_locks WHERE pid IS NULL AND granted
),
twophase AS MATERIALIZED (
    SELECT DISTINCT w.pid, -x.transactionid::text::bigint AS key, h.virtualtransaction,
           coalesce(h.relation, t.relation) AS relid
    FROM pg_locks w
    JOIN held h
      ON (h.locktype, h.database, h.relation, h.page, h.tuple, h.virtualxid, h.transactionid,
          h.classid, h.objid, h.objsubid)
         IS NOT DISTINCT FROM
         (w.locktype, w.database, w.relation, w.page, w.tuple, w.virtualxid, w.transactionid,
          w.classid, w.objid, w.objsubid)
    JOIN (VALUES {conflicts}) c(wanted, holding) ON c.wanted = w.mode AND c.holding = h.mode
    JOIN held x ON x.virtualtransaction = h.virtualtransaction AND x.locktype = 'transactionid'
    LEFT JOIN pg_locks t ON t.pid = w.pid AND t.locktype = 'tuple' AND t.granted
    WHERE NOT w.granted AND w.pid IN (SELECT pid FROM raw WHERE 0 = ANY(blocked_by))
),
a AS MATERIALIZED (
    SELECT raw.*,
           CASE WHEN 0 = ANY(blocked_by)
                THEN array_remove(blocked_by, 0) || coalesce(
                    (SELECT array_agg(DISTINCT key) FROM twophase WHERE twophase.pid = raw.pid),
                    '{{0}}'::bigint[])
                ELSE blocked_by END AS blockers
    FROM raw
),
chain AS (
    SELECT pid FROM a WHERE cardinality(blockers) > 0
    UNION SELECT unnest(blockers) FROM a
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
    FROM (SELECT unnest(a.blockers) AS pid, wants.relid FROM a JOIN wants USING (pid)) b
    JOIN l h ON h.pid = b.pid AND h.relation = b.relid AND h.granted AND h.locktype = 'relation'
    ORDER BY b.pid, array_position(ARRAY{modes}::text[], h.mode) DESC
),
prepared AS (  -- with the strongest lock it holds on the relation its waiters want
    SELECT DISTINCT ON (t.key) t.key, p.gid, p.owner, p.database, p.prepared, t.relid, h.mode
    FROM twophase t
    JOIN pg_prepared_xacts p ON -p.transaction::text::bigint = t.key
    LEFT JOIN held h ON h.virtualtransaction = t.virtualtransaction
                    AND h.locktype = 'relation' AND h.relation = t.relid
    ORDER BY t.key, array_position(ARRAY{modes}::text[], h.mode) DESC NULLS LAST
)
SELECT * FROM (
    SELECT a.pid::bigint, a.usename, a.application_name, a.state,
           CASE WHEN a.hidden THEN NULL
                ELSE substr(textsend(a.query), 1, {query_bytes}) END AS query,
           pg_encoding_to_char(d.encoding) AS encoding,
           a.query_start, a.xact_start, a.wait_event_type, a.blockers,
           coalesce(wants.relid, holds.relid)::regclass::text AS relation,
           coalesce(wants.mode, holds.mode) AS lock_mode,
           a.backend_start, NOT a.hidden AS visible, NULL AS gid, NULL AS database
    FROM a
    LEFT JOIN pg_database d ON d.oid = a.datid
    LEFT JOIN wants USING (pid)
    LEFT JOIN holds USING (pid)
    WHERE a.pid IN (SELECT pid FROM chain)
       OR (a.backend_type = 'client backend' AND a.state = 'active'
           AND a.query_start < now() - make_interval(secs => {long_query_s}))
    UNION ALL
    SELECT p.key, p.owner, NULL, 'prepared', NULL, NULL, p.prepared, p.prepared, NULL,
           '{{}}'::bigint[],
           CASE WHEN p.database = current_database() THEN p.relid::regclass::text END,
           p.mode, NULL, true, p.gid, p.database
    FROM prepared p
) rows
ORDER BY coalesce(xact_start, query_start) NULLS LAST, pid
