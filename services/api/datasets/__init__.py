"""Datasets: frozen, content-addressed snapshots of candles (README, "Datasets"). requests.py: the
request and its checks; freeze.py: the files written and the manifest made; store.py: the tables
(migration 009); handlers.py: the routes; views.py: the answers, with the loader snippets; events.py:
dataset.created and dataset.verified on the bus."""
