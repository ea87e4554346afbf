-- An operation's timeline is written only inside the transactions that create or hold its operation
-- (acceptance, an adapter's event, a replay, a discard, a recovery), and no operation is ever
-- deleted, so the foreign key from operation_events guarded nothing those do not. It cost
-- PostgreSQL a lookup of the operation, with its plan, for every event row: about five per operation,
-- a sixth of the database's CPU in the benchmark (perf, with call graphs, of every backend).
ALTER TABLE operation_events DROP CONSTRAINT operation_events_operation_id_fkey;
