"""python -m bench (make bench): every benchmark, each printing ratios against a baseline measured
in the same run. Pass --quick for a smoke run on small files."""

import sys

from bench import candles_query, rebuild_dump, rest_rebuild, shared_budget, zip_parquet


def main() -> None:
    quick = ["--quick"] if "--quick" in sys.argv[1:] else []
    print("== OHLCVT dump member: ZIP -> Parquet ==", flush=True)
    zip_parquet.main(quick)
    print("\n== trading-history dump import: CSV -> candles (1m..1d) -> Parquet ==", flush=True)
    sys.argv = [sys.argv[0], *quick]
    rebuild_dump.main()
    print("\n== trade rebuild, REST path: Kraken's Trades at its public rate limit (simulator) ==", flush=True)
    rest_rebuild.main(quick)
    print("\n== one Kraken budget: 3 rebuilder replicas and a stream of dry runs at Kraken's limit (simulator) ==",
          flush=True)
    shared_budget.main(quick)
    print("\n== candles query: 5 years of 1m candles streamed, the API's memory and its other answers meanwhile ==",
          flush=True)
    candles_query.main(quick)


if __name__ == "__main__":
    main()
