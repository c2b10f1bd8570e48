-- Who a pid is now, to check it still is the session the commander chose: pids are reused,
-- a backend's start time is not.
SELECT usename, backend_start, state FROM pg_stat_activity WHERE pid = %s
