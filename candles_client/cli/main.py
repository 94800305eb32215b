"""candles: the command line of the candle-history API (README, "For researchers")."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from rich.console import Console

from candles_client.cli import commands
from candles_client.cli.exits import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_REFUSED, EXIT_UNREACHABLE
from candles_client.client import Client
from candles_client.errors import ApiError, CandlesError, Unreachable
from candles_client.operations import iso

EPILOG = """exit codes:
  0    done (a fetch: the job completed; verify: every file matches)
  1    the job failed or was cancelled, or a file does not match its manifest
  2    the command line is wrong
  3    the API refused the request (the line says which field and why)
  4    the server could not be reached, or failed (HTTP 5xx)
  5    a costly job was not confirmed (answer y, or pass --yes)
  130  interrupted (Ctrl-C); a submitted job goes on: see `candles jobs`

URL and token: --url and --token, else the environment's CANDLES_URL and API_TOKEN
(default URL http://127.0.0.1:8080). Times: a date (2024-01-01, midnight UTC) or ISO 8601."""


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", default=argparse.SUPPRESS, help="the API (default: $CANDLES_URL)")
    common.add_argument("--token", default=argparse.SUPPRESS, help="the API token (default: $API_TOKEN)")
    return common


def moment(text: str) -> str:
    try:
        return iso(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (2024-01-01) or ISO 8601 time") from exc


def _range(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument("--start", type=moment, required=required, help="first candle's open (a date or ISO 8601, UTC)")
    p.add_argument("--end", type=moment, required=required, help="exclusive end")


def parser() -> argparse.ArgumentParser:
    common = _common()
    main = argparse.ArgumentParser(prog="candles", description=__doc__, epilog=EPILOG, parents=[common],
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help: str, run, under=sub) -> argparse.ArgumentParser:
        p = under.add_parser(name, help=help, description=help, parents=[common], epilog=EPILOG,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(run=run)
        return p

    fetch = add("fetch", "show the plan and its cost, submit the job and follow it to its summary", commands.fetch)
    fetch.add_argument("exchange")
    fetch.add_argument("symbols", nargs="+", metavar="SYMBOL", help="one or more (several make a batch)")
    fetch.add_argument("--timeframe", "-t", dest="timeframes", action="append", required=True,
                       help="repeat for several")
    _range(fetch, required=False)
    fetch.add_argument("--full-history", action="store_true", help="from the market's first candle")
    fetch.add_argument("--no-zip", action="store_true", help="plan without the official dump")
    fetch.add_argument("--yes", "-y", action="store_true", help="start a costly job without asking")
    fetch.add_argument("--no-follow", action="store_true", help="submit and return")

    coverage = add("coverage", "what is stored, per symbol and timeframe, with its gaps", commands.coverage)
    coverage.add_argument("exchange", nargs="?", default="kraken")
    coverage.add_argument("symbol", nargs="?")
    coverage.add_argument("--timeframe", "-t")

    jobs = add("jobs", "recent jobs, or one job's summary", commands.jobs)
    jobs.add_argument("job_id", nargs="?")
    jobs.add_argument("--limit", type=int, default=20)

    download = add("download", "a job's candles into a file", commands.download)
    download.add_argument("job_id")
    download.add_argument("--format", "-f", choices=["parquet", "csv"], default="parquet")
    download.add_argument("--timeframe", "-t", help="one of the job's timeframes (default its own)")
    download.add_argument("--output", "-o", help="default: <job id>.<format>")

    export = add("export", "stored candles of any range into a file (the candles query)", commands.export)
    export.add_argument("exchange")
    export.add_argument("symbol")
    export.add_argument("--timeframe", "-t", required=True)
    _range(export, required=False)
    export.add_argument("--format", "-f", choices=["parquet", "csv", "json"], default="parquet")
    export.add_argument("--output", "-o", required=True)

    datasets = add("datasets", "immutable, content-addressed snapshots", None)
    dsub = datasets.add_subparsers(dest="action", required=True, metavar="ACTION")

    def dadd(name: str, help: str, run) -> argparse.ArgumentParser:
        return add(name, help, run, dsub)

    create = dadd("create", "freeze a snapshot of stored candles (or find the same one)", commands.dataset_create)
    create.add_argument("name")
    create.add_argument("exchange")
    create.add_argument("--symbol", "-s", dest="symbols", action="append", required=True, help="repeat for several")
    create.add_argument("--timeframe", "-t", dest="timeframes", action="append", required=True)
    _range(create)
    create.add_argument("--fill", action="store_true", help="flat candles for buckets without trades")
    create.add_argument("--allow-missing", action="store_true", help="freeze even with missing parts")
    dadd("list", "the datasets, newest first", commands.dataset_list).add_argument("--limit", type=int, default=50)
    dadd("show", "a dataset's files and loader snippets", commands.dataset_show).add_argument("dataset_id")
    dadd("verify", "re-hash every file of a dataset on the server", commands.dataset_verify).add_argument("dataset_id")
    pull = dadd("pull", "download a dataset's files and check their sha256", commands.dataset_pull)
    pull.add_argument("dataset_id")
    pull.add_argument("--to", default=".", help="folder (the files go in <folder>/<id>/)")
    dadd("delete", "remove a dataset (its files when no other shares them)", commands.dataset_delete).add_argument(
        "dataset_id")
    return main


def say(console: Console, line: str) -> None:
    """One line as it is: never wrapped at the terminal's width, never read as markup."""
    console.print(line, markup=False, soft_wrap=True)


def run(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    out, err = Console(highlight=False), Console(stderr=True, highlight=False)
    try:
        with Client(getattr(args, "url", None), getattr(args, "token", None)) as client:
            return args.run(client, args, out)
    except ApiError as exc:
        say(err, f"candles: {exc.field}: {exc.reason} (HTTP {exc.status})")
        for part in exc.missing:
            say(err, f"  missing: {part.get('symbol')} {part.get('timeframe')} {part.get('start')} .. {part.get('end')}")
        if plan := exc.body.get("plan"):
            say(err, f"  to fetch: candles fetch {plan['exchange']} {plan['symbol']} -t {plan['timeframe']} --start"
                     f" {plan['start_timestamp']} --end {plan['end_timestamp']} ({plan['calls']} Kraken calls)")
        return EXIT_REFUSED if exc.status < 500 else EXIT_UNREACHABLE
    except Unreachable as exc:
        say(err, f"candles: no answer: {exc}")
        return EXIT_UNREACHABLE
    except CandlesError as exc:
        say(err, f"candles: {exc}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        say(err, "candles: interrupted")
        return EXIT_INTERRUPTED


def main() -> NoReturn:
    sys.exit(run())
