-- When a market's trading began on the exchange (its first trade), asked of Kraken once and kept: a
-- range wholly before it is refused without asking again.
ALTER TABLE markets ADD COLUMN first_trade_ts timestamptz;
