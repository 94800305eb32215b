"""What Kraken is, stated once: the size of its REST answers, the unit of its Trades cursor, and the
intervals its OHLC endpoint and its OHLCVT dump hold, with our timeframes mapped onto them."""

from __future__ import annotations

from shared.lake.timeframes import MINUTES

# One OHLC answer: the newest 720 candles of the interval whatever `since` says, the last still open.
OHLC_WINDOW = 720
# One full Trades answer (its `count` at most); a shorter page means Kraken has nothing newer.
TRADES_PAGE = 1000
# The Trades `last` cursor and trade times count nanoseconds since the epoch.
NS_PER_S = 1_000_000_000
NS_PER_MS = 1_000_000

# Intervals Kraken's OHLC endpoint serves, in minutes. Its 21600 is 15 days, not two weeks.
OHLC_MINUTES = (1, 5, 15, 30, 60, 240, 1440, 10080, 21600)
# Intervals of Kraken's official OHLCVT dump, in minutes (`<ALTNAME>_<minutes>.csv`; no weekly files).
DUMP_MINUTES = (1, 5, 15, 30, 60, 240, 720, 1440)

# Kraken has no 2w interval: 2w candles are built from epoch-aligned 1w ones (two weeks per fortnight).
BUILT_FROM = {"2w": "1w"}
# The interval asked of Kraken's OHLC for each of our timeframes.
OHLC_INTERVAL = {tf: MINUTES[BUILT_FROM.get(tf, tf)] for tf in MINUTES}
# The dump's member interval for each of our timeframes it holds (1m to 1d).
DUMP_INTERVAL = {tf: minutes for tf, minutes in MINUTES.items() if minutes in DUMP_MINUTES}

# Kraken prints trade volumes with at most 8 decimals (every pair's lot_decimals is 8) and prices with
# at most 10 (pair_decimals reaches 10 on a few XBT-quoted pairs): in these units both are integers,
# so sums of them are exact. Text with more decimals is rounded half to even, the same every time.
VOLUME_DECIMALS = 8
PRICE_DECIMALS = 10
