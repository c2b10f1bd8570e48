-- The guide's fix for too many connections: end every session idle_sessions.sql finds,
-- and count those ended. A template for str.format: idle_sessions is that query (its
-- parameter, idle_s, the idle seconds).
SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM (
{idle_sessions}
) idle
