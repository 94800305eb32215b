"""The `candles` command: the client's calls from a terminal, with rich tables and progress bars."""
