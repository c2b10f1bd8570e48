-- pg_cancel_backend(pid); NULL for the console's own connection.
SELECT CASE WHEN pg_backend_pid() = %s THEN NULL ELSE pg_cancel_backend(%s) END
