-- Each table name says one thing ("coverage" was the service, this summary, the ledger and the
-- partition counts at once).
-- The summary of what is stored per (exchange, symbol, timeframe): a coverage row of the API.
ALTER TABLE coverage RENAME TO stored_ranges;
ALTER TABLE stored_ranges RENAME CONSTRAINT coverage_pkey TO stored_ranges_pkey;
-- Rows stored per lake partition file, as the writer last wrote it.
ALTER TABLE coverage_partitions RENAME TO lake_partitions;
ALTER TABLE lake_partitions RENAME CONSTRAINT coverage_partitions_pkey TO lake_partitions_pkey;
-- The coverage ledger: what the lake knows about each stretch of time.
ALTER TABLE coverage_intervals RENAME TO ledger_intervals;
ALTER TABLE ledger_intervals RENAME CONSTRAINT coverage_intervals_pkey TO ledger_intervals_pkey;
