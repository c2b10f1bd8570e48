-- pg_terminate_backend(pid), waiting up to 5 s for it to end; NULL for the console's own.
-- One statement on one connection: the own-backend check sees the connection that acts.
SELECT CASE WHEN pg_backend_pid() = %s THEN NULL ELSE pg_terminate_backend(%s, 5000) END
