-- A job is stored before its command goes on the work queue; enqueued_at is set once the queue has it.
-- A job left without it (its submitter died in between) is published again by the coverage sweep.
ALTER TABLE data_jobs ADD COLUMN enqueued_at timestamptz;
UPDATE data_jobs SET enqueued_at = submitted_at;
CREATE INDEX data_jobs_not_enqueued ON data_jobs (submitted_at) WHERE enqueued_at IS NULL;
