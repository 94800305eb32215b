"""Every Prometheus metric of the system, defined once (prometheus-client's default registry): each
process exports them all on its metrics port (shared/service/health.py), those it never touches at
zero or without series. The names are what deploy/grafana and deploy/prometheus query; README,
"Metrics and alerts", says what each one means.

Labels are bounded sets (job types, statuses, endpoints, route patterns, streams), never a job id or
a raw path, so a scrape stays small however many jobs run."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# Seconds, from a quick call to a day-long rebuild.
_JOB_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 2 * 3600, 6 * 3600, 24 * 3600)
_CALL_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30)
_WAIT_BUCKETS = (0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60)

# The process (every service).
EVENT_LOOP_LAG = Gauge("candles_event_loop_lag_seconds", "How late the event loop's last heartbeat tick ran")
NATS_CONNECTED = Gauge("candles_nats_connected", "1 while the NATS connection is up")
DEPENDENCY_UP = Gauge("candles_dependency_up", "1 when the last readiness check of the dependency passed",
                      ["dependency"])

# Jobs, counted once by the coverage service when the projection ends them, and sampled from PostgreSQL.
JOBS_FINISHED = Counter("candles_jobs_finished_total", "Jobs that reached a terminal status",
                        ["job_type", "status"])
JOB_DURATION = Histogram("candles_job_duration_seconds",
                         "From a job's start (its submission if it never started) to its end",
                         ["job_type", "status"], buckets=_JOB_BUCKETS)
JOBS_RUNNING = Gauge("candles_jobs_running", "Jobs running now", ["job_type"])
JOBS_QUEUED = Gauge("candles_jobs_queued", "Jobs waiting to start", ["job_type"])
JOB_IDLE = Gauge("candles_job_idle_seconds",
                 "The longest a running job (without an open child job) has gone without an event",
                 ["job_type"])

# Kraken, in shared/kraken/client.py: every attempt of a call gets one outcome.
EXCHANGE_CALLS = Counter("candles_exchange_calls_total",
                         "Exchange calls by endpoint and outcome (ok, retry, rate_limited, refused)",
                         ["endpoint", "outcome"])
EXCHANGE_CALL_SECONDS = Histogram("candles_exchange_call_seconds",
                                  "Time of one exchange call, its wait for the rate limit included",
                                  ["endpoint"], buckets=_CALL_BUCKETS)
EXCHANGE_RETRIES = Counter("candles_exchange_retries_total",
                           "Failed exchange calls that are tried again, by reason", ["endpoint", "reason"])
RATE_LIMIT_WAIT = Histogram("candles_exchange_rate_limit_wait_seconds",
                            "Time a call waited for its turn under the exchange's rate limit",
                            buckets=_WAIT_BUCKETS)

# The writer.
BATCHES_WRITTEN = Counter("candles_batches_written_total", "Candle batches merged into the lake", ["source"])
ROWS_WRITTEN = Counter("candles_rows_written_total", "Candles of the batches merged into the lake",
                       ["source", "timeframe"])
MERGE_SECONDS = Histogram("candles_writer_merge_seconds",
                          "One partition's merge: read, merge, atomic write and its lake_partitions row",
                          buckets=_CALL_BUCKETS)

# JetStream consumers, sampled from the consumer's info by every replica that consumes.
CONSUMER_PENDING = Gauge("candles_consumer_pending", "Messages not yet delivered to the consumer",
                         ["stream", "durable"])
CONSUMER_ACK_PENDING = Gauge("candles_consumer_ack_pending", "Messages delivered and not yet acknowledged",
                             ["stream", "durable"])

# The API.
SSE_STREAMS = Gauge("candles_sse_streams_open", "Job event streams (SSE) open now")
HTTP_SECONDS = Histogram("candles_http_request_duration_seconds",
                         "HTTP requests by route pattern, method and status; an event stream counts its whole life",
                         ["route", "method", "status"], buckets=_CALL_BUCKETS)
