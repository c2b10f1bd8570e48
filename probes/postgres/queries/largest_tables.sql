-- The guide's "Check Resource Usage" (Database Performance runbook): the largest tables.
SELECT schemaname, relname,
       pg_size_pretty(pg_total_relation_size(relid)) AS size,
       n_tup_ins + n_tup_upd + n_tup_del AS total_operations
FROM pg_stat_user_tables
ORDER BY pg_total_relation_size(relid) DESC
LIMIT 10
