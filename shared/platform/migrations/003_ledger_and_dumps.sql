-- The coverage ledger: what the lake knows about each stretch of time, per market and timeframe.
-- state 'data' (candles from `source`, and the buckets between them confirmed empty), 'no_trades'
-- (confirmed empty stretches) or 'missing' (asked for, not fetched or failed). Intervals of one key
-- never overlap; the writer replaces the ones a batch touches under an advisory lock.
CREATE TABLE coverage_intervals (
    exchange     text NOT NULL,
    symbol       text NOT NULL,
    timeframe    text NOT NULL,
    start_ts     timestamptz NOT NULL,
    end_ts       timestamptz NOT NULL,
    state        text NOT NULL CHECK (state IN ('data', 'no_trades', 'missing')),
    source       text,                       -- zip | trades | rest for 'data'
    -- REST candles this young may still be revised by Kraken; the next refresh fetches them again.
    provisional  boolean NOT NULL DEFAULT false,
    job_id       uuid,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (exchange, symbol, timeframe, start_ts),
    CHECK (end_ts > start_ts)
);

-- The official dump ZIPs as cached under raw/ in the object store; the manifest JSON beside each
-- ZIP says the same, this table lets the planner and the API ask without reading the store.
CREATE TABLE dump_files (
    kind        text NOT NULL,               -- ohlcvt | trades
    name        text NOT NULL,               -- e.g. Kraken_OHLCVT_Q1_2024.zip
    sha256      text NOT NULL,
    size        bigint NOT NULL,
    source      text NOT NULL,               -- where it was read from
    artifact    text NOT NULL,               -- its key in the object store
    cached_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, name)
);

-- One row per CSV member: which pair and interval it holds, and the time range of its rows.
CREATE TABLE dump_members (
    kind        text NOT NULL,
    name        text NOT NULL,
    member      text NOT NULL,               -- e.g. XBTUSD_60.csv
    altname     text NOT NULL,
    minutes     integer,                     -- null for trading-history members
    first_ts    timestamptz,
    last_ts     timestamptz,                 -- open time of the last row
    rows        bigint,
    PRIMARY KEY (kind, name, member),
    FOREIGN KEY (kind, name) REFERENCES dump_files (kind, name) ON DELETE CASCADE
);
CREATE INDEX dump_members_pair ON dump_members (kind, altname, minutes);
