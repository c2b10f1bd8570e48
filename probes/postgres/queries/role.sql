-- `warroom check`: the server's version and what the console's role may see and signal.
SELECT current_setting('server_version'),
       r.rolsuper,
       pg_has_role(current_user, 'pg_read_all_stats', 'USAGE'),
       pg_has_role(current_user, 'pg_signal_backend', 'USAGE')
FROM pg_roles r WHERE r.rolname = current_user
