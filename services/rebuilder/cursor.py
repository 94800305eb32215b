"""Where a rebuild stands in Kraken's trades: the rows taken from each trading-history dump file, the
Trades API's own nanosecond cursor between and after them, and the trades and calls counted on the way."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from services.rebuilder.saved import Saved
from shared.kraken.trades import start_cursor


@dataclass
class Cursor:
    since: str                  # Trades `since` (Kraken's `last` of the page before): trades after it come next
    trades: int = 0
    calls: int = 0
    dump_rows: dict[str, int] = field(default_factory=dict)  # trades taken from each dump file so far
    dumps_done: bool = False    # the dump part is imported; the API part follows
    later_done: list[str] = field(default_factory=list)  # dump files further in the range, read whole
    finished: bool = False      # every page is read and the last candles are sent

    @classmethod
    def at(cls, start_ms: int) -> Cursor:
        return cls(start_cursor(start_ms))

    @property
    def dump_trades(self) -> int:
        return sum(self.dump_rows.values())

    def page_read(self, last: str, kept: int) -> None:
        """One Trades call answered: `kept` trades of it are the job's, the next page starts after `last`."""
        self.calls += 1
        self.since = last
        self.trades += kept

    def chunk_read(self, file: str, rows: int) -> None:
        self.dump_rows[file] = self.dump_rows.get(file, 0) + rows
        self.trades += rows

    def hand_over(self, at_ms: int) -> None:
        """The dumps are imported up to at_ms: Kraken's Trades API goes on from there."""
        self.dumps_done = True
        self.since = start_cursor(at_ms)

    def later_read(self, file: str, end_ms: int) -> None:
        """A dump file further in the range is read: Kraken's Trades API goes on from its end."""
        self.later_done.append(file)
        self.since = start_cursor(end_ms)

    def to_saved(self) -> Saved:
        return Saved(asdict(self))

    @classmethod
    def from_saved(cls, saved: Saved) -> Cursor:
        return cls(**saved.document)
