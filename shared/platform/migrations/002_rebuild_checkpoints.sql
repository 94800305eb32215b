-- Where a trade rebuild stands, saved after every Trades page, so a restarted rebuilder continues
-- from Kraken's nanosecond cursor instead of from the start.
CREATE TABLE rebuild_checkpoints (
    job_id      uuid PRIMARY KEY REFERENCES data_jobs (id) ON DELETE CASCADE,
    cursor      text NOT NULL,      -- Kraken's `last`: the next page starts after it
    state       bytea NOT NULL,     -- the aggregator's open buckets and the candles not yet sent
    trades      bigint NOT NULL,
    calls       integer NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
