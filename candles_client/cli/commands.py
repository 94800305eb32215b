"""What each `candles` command does, with the client; each returns the exit code (exits.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.prompt import Confirm
from rich.table import Table

from candles_client.cli.eta import clock
from candles_client.cli.exits import EXIT_DECLINED, EXIT_FAILED, EXIT_OK
from candles_client.cli.progress import follow_job
from candles_client.client import Client
from candles_client.models import DatasetView, JobView, Plan


def _time(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"


def show_plan(console: Console, plan: Plan) -> None:
    what = (f"batch of {len(plan.children)} jobs" if plan.children else f"{plan.symbol} {plan.timeframe}")
    table = Table(title=f"plan: {what} {_time(plan.start_timestamp)} .. {_time(plan.end_timestamp)}")
    for column in ("segment", "from", "to", "calls", "rows", "time"):
        table.add_column(column, justify="right" if column in ("calls", "rows", "time") else "left")
    for s in plan.segments:
        table.add_row(s["kind"], s["start_timestamp"], s["end_timestamp"], str(s["calls"]), str(s["rows"]),
                      clock(s["seconds"]))
    for c in plan.children:  # a batch: one job per market, timeframe and piece of the range
        table.add_row(f"{c['job_type']} {c['symbol']} {','.join(c['timeframes'])}", c["start_timestamp"],
                      c["end_timestamp"], str(c["calls"]), str(c["rows"]), clock(c["seconds"]))
    if plan.segments or plan.children:
        console.print(table)
    confirm = " - above the confirm limit" if plan.needs_confirm else ""
    console.print(f"cost: {plan.calls} Kraken calls, about {clock(plan.seconds)} at the rate limit{confirm}")


def show_summary(console: Console, view: JobView) -> None:
    result = view.result
    console.print(f"job {view.id}: {view.status}")
    console.print(f"  rows {result.get('rows', 0)}, stored {result.get('start_timestamp') or '-'} .. "
                  f"{result.get('end_timestamp') or '-'}, exchange calls {result.get('exchange_calls', 0)}")
    for part in result.get("not_fetched", []):
        console.print(f"  not fetched: {part['start_timestamp']} .. {part['end_timestamp']}: {part['reason']}",
                      markup=False)
    stored = (result.get("comparisons") or {}).get("with_stored") or {}
    if stored:
        console.print(f"  compared with stored candles: {stored.get('compared', 0)},"
                      f" differing {stored.get('differing', 0)}")
    if view.error:  # its first line: the rest is what the exchange answered, a page of HTML perhaps
        console.print(f"  error: {view.error.splitlines()[0][:300]}", markup=False)


def fetch(client: Client, args: argparse.Namespace, console: Console) -> int:
    kind = {"full_history": args.full_history, "seed_from_zip": not args.no_zip}
    plan = client.plan(args.exchange, args.symbols, args.timeframes, args.start, args.end, **kind)
    show_plan(console, plan)
    if plan.needs_confirm and not args.yes and not _confirmed(console):
        console.print("not started")
        return EXIT_DECLINED
    job = client.fetch(args.exchange, args.symbols, args.timeframes, args.start, args.end, **kind,
                       confirm=plan.needs_confirm)
    console.print(f"job {job.id} {job.status}" + (" (the same request was already running)" if job.deduplicated else ""))
    if args.no_follow:
        return EXIT_OK
    follow_job(client, job.id, console)
    view = client.job(job.id)
    show_summary(console, view)
    return EXIT_OK if view.status == "completed" else EXIT_FAILED


def _confirmed(console: Console) -> bool:
    try:
        return Confirm.ask("this job is costly; start it?", console=console, default=False)
    except EOFError:  # no one to answer
        return False


def coverage(client: Client, args: argparse.Namespace, console: Console) -> int:
    table = Table(title=f"stored on {args.exchange}")
    for column in ("symbol", "timeframe", "from", "to", "rows", "missing", "validated"):
        table.add_column(column)
    for row in client.coverage(args.exchange, args.symbol, args.timeframe):
        missing = sum(1 for i in row.intervals if i.get("state") == "missing")
        table.add_row(row.symbol, row.timeframe, _time(row.start_timestamp), _time(row.end_timestamp), str(row.rows),
                      str(missing), _time(row.validated_at))
    console.print(table)
    return EXIT_OK


def jobs(client: Client, args: argparse.Namespace, console: Console) -> int:
    if args.job_id:
        show_summary(console, client.job(args.job_id))
        return EXIT_OK
    table = Table(title="jobs")
    for column in ("id", "type", "status", "symbol", "timeframe", "from", "to", "progress", "submitted"):
        table.add_column(column, no_wrap=column == "id")
    for job in client.jobs(args.limit):
        table.add_row(job.id, job.job_type, job.status, job.symbol, job.timeframe, _time(job.start_timestamp),
                      _time(job.end_timestamp), f"{job.progress:.0%}", _time(job.submitted_at))
    console.print(table)
    return EXIT_OK


def _wrote(console: Console, path: Path) -> int:
    console.print(f"wrote {path} ({path.stat().st_size} bytes)", markup=False)
    return EXIT_OK


def download(client: Client, args: argparse.Namespace, console: Console) -> int:
    path = Path(args.output or f"{args.job_id}.{args.format}")
    return _wrote(console, client.download(args.job_id, path, args.format, args.timeframe))


def export(client: Client, args: argparse.Namespace, console: Console) -> int:
    path = client.export(args.exchange, args.symbol, args.timeframe, args.output, args.start, args.end, args.format)
    return _wrote(console, path)


def show_dataset(console: Console, dataset: DatasetView) -> None:
    console.print(f"dataset {dataset.id} ({dataset.name})", markup=False)
    table = Table()
    for column in ("file", "rows", "first", "last", "sha256"):
        table.add_column(column, no_wrap=column == "sha256")
    for f in dataset.manifest.files:
        table.add_row(f.name, str(f.rows), str(f.first_ts), str(f.last_ts), f.sha256)
    console.print(table)
    if "polars" in dataset.snippets:
        console.print(dataset.snippets["polars"], markup=False)


def dataset_create(client: Client, args: argparse.Namespace, console: Console) -> int:
    created = client.datasets.create(args.name, args.exchange, args.symbols, args.timeframes, args.start, args.end,
                                     empty_buckets="fill" if args.fill else "sparse",
                                     require="any" if args.allow_missing else "complete")
    console.print("created" if created.created else "the same content exists already")
    show_dataset(console, created.dataset)
    return EXIT_OK


def dataset_list(client: Client, args: argparse.Namespace, console: Console) -> int:
    table = Table(title="datasets")
    for column in ("id", "name", "created"):
        table.add_column(column, no_wrap=column == "id")
    for d in client.datasets.list(args.limit).datasets:
        table.add_row(d.id, d.name, _time(d.created_at))
    console.print(table)
    return EXIT_OK


def dataset_show(client: Client, args: argparse.Namespace, console: Console) -> int:
    show_dataset(console, client.datasets.show(args.dataset_id))
    return EXIT_OK


def dataset_verify(client: Client, args: argparse.Namespace, console: Console) -> int:
    report = client.datasets.verify(args.dataset_id)
    for f in report.files:
        console.print(f"{'ok ' if f.ok else 'BAD'} {f.name} {f.sha256}", markup=False)
    console.print(f"dataset {report.id}: {'verified' if report.ok else 'does NOT match its manifest'}")
    return EXIT_OK if report.ok else EXIT_FAILED


def dataset_pull(client: Client, args: argparse.Namespace, console: Console) -> int:
    paths = client.datasets.pull(args.dataset_id, args.to)
    for path in paths:
        console.print(f"{path} (sha256 ok)", markup=False)
    return EXIT_OK


def dataset_delete(client: Client, args: argparse.Namespace, console: Console) -> int:
    deleted = client.datasets.delete(args.dataset_id)
    console.print(f"deleted {deleted.deleted}; files removed: {deleted.files_removed}")
    return EXIT_OK
