-- The guide's "Too Many Connections" query, less the console itself and non-client backends.
-- The one parameter, idle_s: the seconds since the last query started. backend_start names
-- the backend, whose pid another may take once it ends (signal_chosen.sql compares it).
SELECT pid, usename, application_name, state, left(query, 1000), query_start, xact_start,
       backend_start
FROM pg_stat_activity
WHERE state = 'idle' AND query_start < now() - make_interval(secs => %(idle_s)s)
  AND backend_type = 'client backend' AND pid <> pg_backend_pid()
ORDER BY query_start, pid
