"""python -m bench (make bench): every benchmark, each printing ratios against a baseline measured
in the same run. Pass --quick for a smoke run on small files."""

import sys

from bench import rebuild_dump


def main() -> None:
    print("== trading-history dump import: CSV -> candles (1m..1d) -> Parquet ==", flush=True)
    sys.argv = [sys.argv[0], *sys.argv[1:]]
    rebuild_dump.main()


if __name__ == "__main__":
    main()
