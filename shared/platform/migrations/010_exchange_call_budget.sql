-- The one budget of exchange calls that every process and replica takes its turns from
-- (shared/kraken/budget.py), one row per exchange API. booked_until is the instant the exchange's
-- call counter would be back at zero if every turn booked so far goes out when it is due: the counter
-- at time t is (booked_until - t) * decay. A turn is booked and read in one UPDATE; no row stays
-- locked, so a replica that dies after booking a turn leaves one unused slot that decays like any call.
CREATE TABLE IF NOT EXISTS exchange_call_budget (
    api_url text PRIMARY KEY,
    booked_until timestamptz NOT NULL
);
