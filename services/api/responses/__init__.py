"""The JSON answers of the HTTP API, one pydantic model each. The handlers build every body through
these models (`answer(Model(...))`), and GET /api/openapi.json takes its response schemas from the same
models, so the document shows any change of shape. base.py: what every answer shares, and the error
body; jobs.py: a job as created, listed and viewed; plans.py: a dry run's plan; actions.py: the answers
of the job actions; meta.py: exchanges, markets, coverage, dumps, health and the event type names."""
