-- Connections by state: client backends only, never the console's own
-- (the connection pane counts applications).
-- `hidden`: client sessions of other roles whose activity the console's role may not read
-- (no pg_monitor / pg_read_all_stats): PostgreSQL shows their pid, database and user, and
-- nulls their state and backend type with the query '<insufficient privilege>'. Background
-- processes have no database or no user, and are left out. A hidden session waits when
-- pg_locks, which every role reads, has it waiting for a lock.
SELECT count(*) FILTER (WHERE state = 'active' AND client) AS active,
       count(*) FILTER (WHERE state = 'idle' AND client) AS idle,
       count(*) FILTER (WHERE state LIKE 'idle in transaction%' AND client) AS idle_in_transaction,
       count(*) FILTER (WHERE wait_event_type = 'Lock' AND client
                              OR hidden AND pid IN (SELECT pid FROM pg_locks WHERE NOT granted))
           AS waiting,
       current_setting('max_connections')::int AS max_connections,
       count(*) FILTER (WHERE hidden) AS hidden
FROM (
    SELECT pid, state, wait_event_type, backend_type = 'client backend' AS client,
           state IS NULL AND query = '<insufficient privilege>'
               AND datid IS NOT NULL AND usesysid IS NOT NULL AS hidden
    FROM pg_stat_activity
    WHERE pid <> pg_backend_pid()
) s
