"""Where the tests' own data lies, so a test module can move without its paths breaking."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
KRAKEN_DATA = TESTS / "data" / "kraken"
