-- The guide's "Too Many Connections" query, less the console itself and non-client backends.
-- The one parameter, idle_s: the seconds since the last query started. backend_start names
-- the backend, whose pid another may take once it ends (signal_chosen.sql compares it).
-- A console's connections (application_name 'warroom', probes/postgres/connection.py) are
-- left alone: among them the one each console holds, idle, for acting when no connection
-- slot is left. A session that never ran a statement (a pool's spare connection, query_start
-- NULL) has been idle since it connected: the guide's `query_start < now() - ...` alone never
-- finds it. rolsuper: a superuser's backend only a superuser may end (pg_roles: any role
-- reads it).
SELECT pid, usename, application_name, state, left(query, 1000),
       coalesce(query_start, backend_start), xact_start, backend_start,
       (SELECT rolsuper FROM pg_roles WHERE oid = usesysid) AS superuser
FROM pg_stat_activity
WHERE state = 'idle'
  AND coalesce(query_start, backend_start) < now() - make_interval(secs => %(idle_s)s)
  AND backend_type = 'client backend' AND pid <> pg_backend_pid()
  AND application_name IS DISTINCT FROM 'warroom'
ORDER BY coalesce(query_start, backend_start), pid
