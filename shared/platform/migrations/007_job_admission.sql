-- Who asked for a job (the client's address), so the jobs waiting in the queue can be capped per
-- client, and what it asked for (a hash of the resolved request), so a request identical to an
-- active job's gets that job back instead of a second one.
ALTER TABLE data_jobs ADD COLUMN client text, ADD COLUMN request_key text;
CREATE INDEX data_jobs_active_request ON data_jobs (request_key) WHERE status IN ('queued', 'running');
CREATE INDEX data_jobs_queued_client ON data_jobs (client) WHERE status = 'queued' AND parent_id IS NULL;
