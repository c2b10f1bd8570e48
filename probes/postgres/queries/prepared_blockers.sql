-- The prepared transactions the given waiters wait on, which pg_blocking_pids() reports as
-- pid 0: a prepared transaction holds its locks with no backend (pg_locks.pid is NULL).
-- A prepared transaction blocks a waiter when it holds, on the lock the waiter asks for, a
-- mode that conflicts with the one asked. Each is keyed by the negative of its transaction
-- id. A template for str.format: modes and conflicts are constants from queries/__init__.py;
-- the one parameter is the waiters' pids.
WITH locks AS MATERIALIZED (
    SELECT * FROM pg_locks
),
held AS (
    SELECT * FROM locks WHERE pid IS NULL AND granted
),
blocks AS (
    SELECT DISTINCT w.pid, -x.transactionid::text::bigint AS key, h.virtualtransaction,
           coalesce(h.relation, t.relation) AS relid
    FROM locks w
    JOIN held h
      ON (h.locktype, h.database, h.relation, h.page, h.tuple, h.virtualxid, h.transactionid,
          h.classid, h.objid, h.objsubid)
         IS NOT DISTINCT FROM
         (w.locktype, w.database, w.relation, w.page, w.tuple, w.virtualxid, w.transactionid,
          w.classid, w.objid, w.objsubid)
    JOIN (VALUES {conflicts}) c(wanted, holding) ON c.wanted = w.mode AND c.holding = h.mode
    JOIN held x ON x.virtualtransaction = h.virtualtransaction AND x.locktype = 'transactionid'
    LEFT JOIN locks t ON t.pid = w.pid AND t.locktype = 'tuple' AND t.granted
    WHERE NOT w.granted AND w.pid = ANY(%s)
)
SELECT b.pid, b.key, p.gid, p.owner, p.database, p.prepared,
       CASE WHEN p.database = current_database() THEN b.relid::regclass::text END,
       (SELECT h.mode FROM held h
        WHERE h.virtualtransaction = b.virtualtransaction AND h.locktype = 'relation'
          AND h.relation = b.relid
        ORDER BY array_position(ARRAY{modes}::text[], h.mode) DESC LIMIT 1)
FROM blocks b
JOIN pg_prepared_xacts p ON -p.transaction::text::bigint = b.key
ORDER BY b.pid, b.key
