-- Metadata of the candle lake: sources, markets, jobs, their event log and the coverage ledger.
CREATE TABLE data_sources (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    timeframes  text[] NOT NULL,
    enabled     boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO data_sources (id, name, timeframes)
VALUES ('kraken', 'Kraken', ARRAY['1m','5m','15m','30m','1h','4h','1d','1w','2w']);

CREATE TABLE markets (
    exchange     text NOT NULL REFERENCES data_sources (id),
    symbol       text NOT NULL,          -- unified label, e.g. BTC/USD
    exchange_id  text NOT NULL,          -- Kraken's pair id, e.g. XXBTZUSD
    altname      text,                   -- e.g. XBTUSD (the dump file names use it)
    wsname       text,                   -- e.g. XBT/USD
    base         text,
    quote        text,
    active       boolean NOT NULL DEFAULT true,
    enabled      boolean NOT NULL DEFAULT false,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (exchange, symbol)
);

-- Known before the first market sync, so a machine without the exchange can still take jobs.
INSERT INTO markets (exchange, symbol, exchange_id, altname, wsname, base, quote, enabled) VALUES
    ('kraken', 'BTC/USD', 'XXBTZUSD', 'XBTUSD', 'XBT/USD', 'BTC', 'USD', true),
    ('kraken', 'ETH/USD', 'XETHZUSD', 'ETHUSD', 'ETH/USD', 'ETH', 'USD', true);

CREATE TABLE data_jobs (
    id              uuid PRIMARY KEY,
    job_type        text NOT NULL,
    parent_id       uuid REFERENCES data_jobs (id),
    exchange        text NOT NULL,
    symbol          text NOT NULL,
    timeframe       text NOT NULL,
    start_ts        timestamptz NOT NULL,
    end_ts          timestamptz NOT NULL,
    options         jsonb NOT NULL DEFAULT '{}',
    status          text NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
    progress        double precision NOT NULL DEFAULT 0,
    details         jsonb NOT NULL DEFAULT '{}',
    result          jsonb NOT NULL DEFAULT '{}',
    error           text,
    tracking        jsonb NOT NULL DEFAULT '{}',  -- the projection's bookkeeping: batches expected and written
    submitted_at    timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    last_event_seq  integer NOT NULL DEFAULT 0,   -- the per-job event counter
    projected_seq   integer NOT NULL DEFAULT 0    -- how far the coverage projection has read
);
CREATE INDEX data_jobs_submitted ON data_jobs (submitted_at DESC);
CREATE INDEX data_jobs_parent ON data_jobs (parent_id) WHERE parent_id IS NOT NULL;

-- Append-only; a late subscriber replays from any seq.
CREATE TABLE data_job_events (
    job_id     uuid NOT NULL REFERENCES data_jobs (id) ON DELETE CASCADE,
    seq        integer NOT NULL,
    type       text NOT NULL,
    ts         timestamptz NOT NULL DEFAULT now(),
    data       jsonb NOT NULL DEFAULT '{}',
    dedup_key  text,
    PRIMARY KEY (job_id, seq),
    UNIQUE (job_id, dedup_key)
);

CREATE TABLE coverage (
    exchange      text NOT NULL,
    symbol        text NOT NULL,
    timeframe     text NOT NULL,
    start_ts      timestamptz,
    end_ts        timestamptz,
    rows          bigint NOT NULL DEFAULT 0,
    last_job_id   uuid,
    last_sync_at  timestamptz,
    validated_at  timestamptz,
    PRIMARY KEY (exchange, symbol, timeframe)
);

-- Rows stored per lake partition, as the writer last saw them; coverage.rows is their sum.
CREATE TABLE coverage_partitions (
    exchange   text NOT NULL,
    symbol     text NOT NULL,
    timeframe  text NOT NULL,
    year       integer NOT NULL,
    rows       bigint NOT NULL,
    first_ts   timestamptz NOT NULL,   -- open time of the first candle stored
    last_ts    timestamptz NOT NULL,   -- open time of the last candle stored
    artifact   text NOT NULL,          -- where the partition file lives
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (exchange, symbol, timeframe, year)
);
