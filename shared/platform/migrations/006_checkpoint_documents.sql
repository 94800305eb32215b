-- A rebuild checkpoint is no longer one pickled object but a versioned JSON document (its schema version
-- and the scalar parts) plus the table-valued parts as named Arrow IPC streams. A row saved before has
-- no document: the rebuilder refuses it like any checkpoint of another version, and rebuilds from the start.
ALTER TABLE rebuild_checkpoints DROP COLUMN state;
ALTER TABLE rebuild_checkpoints ADD COLUMN document json;  -- json, not jsonb: its keys keep their order
CREATE TABLE rebuild_checkpoint_tables (
    job_id     uuid NOT NULL REFERENCES rebuild_checkpoints (job_id) ON DELETE CASCADE,
    name       text NOT NULL,   -- the part, then its table: outbox/1m, aggregator/open_buckets, ...
    arrow_ipc  bytea NOT NULL,  -- one Arrow IPC stream
    PRIMARY KEY (job_id, name)
);
