-- The trade counts of Kraken's own OHLC answers, the newest one per market and interval (60, 1440,
-- 10080, 21600 minutes): the exact cost plan reads a range's trade count from them. Shared by every
-- API replica and the fetcher, so a dry run and the job after it ask Kraken once between them.
CREATE TABLE trade_count_windows (
    exchange      text        NOT NULL,
    symbol        text        NOT NULL,
    interval_min  integer     NOT NULL,
    first_ts      timestamptz NOT NULL,  -- open time of the answer's first row
    counts        bigint[]    NOT NULL,  -- trades of each committed bucket from first_ts on, one per step
    forming_count bigint      NOT NULL,  -- trades so far of the bucket still open when it was asked
    as_of_ts      timestamptz NOT NULL,  -- Kraken's clock when it was asked: the open bucket's count runs to here
    reaches_listing boolean   NOT NULL,  -- fewer than 720 rows: nothing traded before first_ts
    fetched_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (exchange, symbol, interval_min)
);
