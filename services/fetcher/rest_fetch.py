"""The REST path of a fetch job: one OHLC call per job (Kraken gives nothing older than its window),
turned into candle batches for the writer."""

from __future__ import annotations

from dataclasses import dataclass

from services.fetcher.rest_window import KRAKEN_INTERVAL, Candles, WindowResult, fortnights, read_window
from shared.exchange import ExchangeClient
from shared.messages import CandleBatch, JobCommand
from shared.timeframes import millis


@dataclass
class RestOutcome:
    batches: list[CandleBatch]
    window: WindowResult


def _two_week_candles(window: WindowResult, cmd: JobCommand) -> Candles:
    step = millis("2w")
    whole = fortnights(window.candles)
    keep = [i for i, ts in enumerate(whole.ts)
            if ts >= max(cmd.start_ms, window.window_start_ms or 0)
            and ts + step <= min(cmd.end_ms, window.committed_end_ms or 0)]
    return Candles(*([column[i] for i in keep] for column in whole.columns()))


def to_batches(cmd: JobCommand, candles: Candles, batch_rows: int) -> list[CandleBatch]:
    batches = []
    for start in range(0, len(candles), batch_rows):
        part = candles.slice(start, start + batch_rows)
        batches.append(CandleBatch(
            job_id=cmd.job_id, batch_id=f"rest:{cmd.timeframe}:{part.ts[0]}:{part.ts[-1]}",
            exchange=cmd.exchange, symbol=cmd.symbol, timeframe=cmd.timeframe, source="rest",
            ts=part.ts, open=part.open, high=part.high, low=part.low, close=part.close,
            volume=part.volume, vwap=part.vwap, trades=part.trades,
        ))
    return batches


async def fetch_rest(client: ExchangeClient, cmd: JobCommand, market_id: str, batch_rows: int) -> RestOutcome:
    interval = KRAKEN_INTERVAL[cmd.timeframe]
    result = await client.ohlc(market_id, interval)
    rows = next((v for k, v in result.items() if k != "last"), [])
    window = read_window(rows, int(result.get("last", 0)), cmd.start_ms, cmd.end_ms, interval)
    candles = _two_week_candles(window, cmd) if cmd.timeframe == "2w" else window.candles
    return RestOutcome(to_batches(cmd, candles, batch_rows), window)
