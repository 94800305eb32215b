"""The job event log, one typed contract. What each event type's `data` carries, and who sends it:
payloads.py (job, batch and child events) and validation.py, joined in catalog.py (the union, the type
names, the terminal ones), with results.py for the parts they share. envelope.py is the event as stored
and sent; log.py the EventLog, the only code that reads or writes the data_job_events table. The
AsyncAPI document generated from these models is shared/jobs/asyncapi.py (GET /api/asyncapi.json)."""
