"""python -m candles_client: the `candles` command."""

from candles_client.cli.main import main

main()
