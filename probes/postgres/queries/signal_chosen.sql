-- Signal the backend the commander chose, only while its pid still is that backend: the
-- check and the signal are one statement over one read of pg_stat_activity, with no round
-- trip between them in which the backend could end and its pid pass to another one.
-- A template for str.format, filled with constants by signal_chosen_sql(): `signal` is
-- pg_terminate_backend(a.pid, 5000) or pg_cancel_backend(a.pid); `still` a condition the
-- backend must still meet (true, or still idle as idle_sessions.sql finds it); `quiet` true
-- for a backend with no query to signal (cancel: idle, idle in transaction), never signalled.
-- Parameters (named): pid; check_user and user; check_start and began (backend_start);
-- idle_s when `still` reads idle_sessions.sql. NULL compares equal to NULL: a role without
-- pg_read_all_stats sees another role's backend_start as NULL when it samples and here.
-- No row: the pid has ended. Else one word: own (the console's own connection), another
-- (the pid names another backend now), busy (no longer what `still` asks), its state when
-- `quiet` (pg_cancel_backend is ignored by a backend waiting for its client's next command:
-- it would return true and cancel nothing), signalled, or
-- failed (the server found no such process as it signalled).
SELECT CASE
         WHEN a.pid = pg_backend_pid() THEN 'own'
         WHEN %(check_user)s AND a.usename IS DISTINCT FROM %(user)s::name THEN 'another'
         WHEN %(check_start)s AND a.backend_start IS DISTINCT FROM %(began)s::timestamptz
             THEN 'another'
         WHEN NOT ({still}) THEN 'busy'
         WHEN {quiet} THEN a.state
         WHEN {signal} THEN 'signalled'
         ELSE 'failed'
       END
FROM pg_stat_activity a
WHERE a.pid = %(pid)s
