-- The guide's "Identify Slow Queries" (Database Performance runbook), on PostgreSQL 13+
-- column names: mean over 1 s, by total time, top 10.
SELECT query, total_exec_time, calls, mean_exec_time, stddev_exec_time
FROM pg_stat_statements
WHERE mean_exec_time > %(slow_ms)s
ORDER BY total_exec_time DESC
LIMIT 10
