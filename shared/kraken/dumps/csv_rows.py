"""What every reader of Kraken's dump CSVs needs: the error type, header detection, and finding the
exact line a fast reader refused."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from shared.platform.errors import PermanentError


class DumpError(PermanentError):
    """A dump file that cannot be used as it is: not a ZIP, a member missing, a malformed row."""


def has_header(first_line: bytes) -> bool:
    """Kraken's files start with data; some copies add a header line such as `time,open,...`."""
    field = first_line.lstrip(b"\xef\xbb\xbf").split(b",", 1)[0].strip()
    try:
        float(field)
    except ValueError:
        return bool(field)
    return False


def _bad(fields: list[str], columns: int) -> str | None:
    if len(fields) != columns:
        return f"expected {columns} columns, got {len(fields)}"
    for field in fields:
        try:
            float(field)
        except ValueError:
            return f"{field!r} is not a number"
    return None


def find_bad_line(zip_path: Path, member: str, columns: int) -> str | None:
    """The first malformed line, as `line N: reason: text`; slow, so only after a reader refused."""
    with zipfile.ZipFile(zip_path) as archive, archive.open(member) as raw:
        for number, line in enumerate(io.TextIOWrapper(raw, encoding="utf-8", errors="replace"), 1):
            text = line.strip()
            if not text or (number == 1 and has_header(text.encode())):
                continue
            reason = _bad(text.split(","), columns)
            if reason:
                return f"line {number}: {reason}: {text[:120]!r}"
    return None
