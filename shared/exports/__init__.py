"""What travels with every export of candles (a job's download, the candles query, a dataset file):
the quality report of its range (`report.py`)."""
