"""Every setting is optional (README, "Configuration"): unset means a working local default."""

from __future__ import annotations

import socket
from functools import lru_cache
from typing import Annotated

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The metrics port of each service when METRICS_PORT is unset: apart from each other and from the
# API's 8080, so `make run` starts them all on one machine.
METRICS_PORTS = {"api": 9100, "fetcher": 9101, "rebuilder": 9102, "writer": 9103, "coverage": 9104}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    database_url: str | None = None
    nats_url: str | None = None
    storage_url: str = "file://./data"
    s3_endpoint_url: str | None = None
    # Where users reach the lake's files (an S3 bucket's URL, a file share): job results name their
    # artifacts under it. Unset: by their key in the lake (candles/exchange=…/…).
    lake_public_url: str | None = None
    kraken_api_url: str = "https://api.kraken.com"
    kraken_ohlcvt_source: str | None = None
    kraken_trades_source: str | None = None
    api_host: str = "127.0.0.1"
    api_port: int = 8080
    api_token: str | None = None
    # Host names the API answers for (comma-separated); unset: the loopback names when API_HOST is a
    # loopback address, any otherwise. A request for another name (DNS rebinding) gets 421.
    allowed_hosts: Annotated[list[str], NoDecode] = []
    # Origins besides the API's own whose pages may write (submit, cancel); others get 403.
    allowed_origins: Annotated[list[str], NoDecode] = []

    # Milliseconds between one process's exchange calls, where no shared budget spaces them (a tool
    # without a database, or KRAKEN_BUDGET_SHARED=false); Kraken's public limit is about one call a second.
    kraken_rate_limit_ms: int = 1200
    # One budget of Kraken calls for every process and replica (shared/kraken/budget.py, in PostgreSQL),
    # modelled on Kraken's per-IP counter: each call adds 1, the counter decays by KRAKEN_BUDGET_DECAY
    # per second, and a call that would take it past KRAKEN_BUDGET_BURST is refused. The defaults are
    # Kraken's public limits. Off: each process spaces its own calls (replicas leaving from their own IPs).
    kraken_budget_shared: bool = True
    kraken_budget_burst: float = Field(default=15.0, ge=1.0)
    kraken_budget_decay: float = Field(default=1.0, gt=0.0)
    # Calls the budget keeps below the burst: a turn and its call's arrival at Kraken are apart by the
    # network and the scheduler, which can bring two calls closer than their turns were.
    kraken_budget_margin: float = Field(default=2.0, ge=0.0)
    kraken_timeout_ms: int = 10_000
    exchange_max_retries: int = 8
    exchange_backoff_base_s: float = 2.0
    exchange_backoff_max_s: float = 60.0
    # Markets enabled for jobs once the exchange's market list is loaded.
    enabled_markets: list[str] = ["BTC/USD", "ETH/USD"]
    # Candles per message to the writer (a REST call gives at most 720).
    batch_rows: int = 5000
    # Refuse ranges longer than this many days per timeframe (the HTTP API: about 5 years for 1m).
    max_range_days: dict[str, int] = Field(
        default_factory=lambda: {
            "1m": 5 * 366, "5m": 10 * 366, "15m": 15 * 366, "30m": 20 * 366,
            "1h": 30 * 366, "4h": 30 * 366, "1d": 30 * 366, "1w": 30 * 366, "2w": 30 * 366,
        }
    )
    # The most (market, timeframe) pairs one batch request may ask for (symbols × timeframes); each pair
    # is one child fetch job per MAX_RANGE_DAYS piece of the range.
    batch_max_pairs: int = 30
    # Caps of the API (429 with Retry-After past them): jobs waiting in the queue, in all and per
    # client (its address), and event streams open at once.
    max_queued_jobs: int = 100
    max_queued_jobs_per_client: int = 20
    max_event_streams: int = 200
    max_event_streams_per_client: int = 20
    log_level: str = "info"
    # This process's name on its log lines and on the events of the work it did (the replica that
    # took a job, wrote a batch); unset: the host name, which is the pod's name on Kubernetes.
    instance_id: str = Field(default_factory=socket.gethostname)
    # REST candles that closed less than this long before they were fetched may still be revised by
    # Kraken: the ledger marks them provisional and the next refresh fetches them again.
    rest_provisional_s: int = 600
    # A job estimated to need more Kraken calls than this (3000 ≈ 1 h at the public rate limit) runs
    # only when submitted with options.confirm=true.
    rebuild_confirm_calls: int = 3000
    # The cost plan reads trade counts from Kraken's OHLC answers, kept in PostgreSQL. A kept answer's
    # still-open bucket is asked for again when a range reaches into it and the answer is older than
    # this on Kraken's clock; committed buckets never are.
    trade_count_max_age_s: int = 300
    # Trades read from a trading-history dump per step of a rebuild; the rebuild checkpoints after each.
    rebuild_dump_chunk_rows: int = 1_000_000
    # A message redelivered this many times is given up on (terminated) rather than retried.
    max_deliver: int = 10
    # Seconds a message may go unacknowledged before JetStream hands it to another consumer; a worker
    # that dies mid-message is noticed this late. Long handlers send heartbeats well inside it. A worker
    # told to stop gives the message in hand this long, then hands it back (deploy/k8s: the grace period).
    ack_wait_s: float = 30.0
    # The small HTTP port of /metrics, /livez and /readyz (shared/service/health.py). Unset: the
    # service's own default (METRICS_PORTS), so the services of one machine never clash; 0: a free
    # port, logged as metrics_port on the service.started line.
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    # All interfaces by default, as Prometheus exporters do: the kubelet probes and Prometheus scrapes
    # the pod's address. The port serves counts and health only, no job data.
    metrics_host: str = "0.0.0.0"
    # /livez fails once the event loop has not turned for this long (a handler blocking it, a deadlock)...
    liveness_stall_s: float = Field(default=10.0, gt=0)
    # ...or once NATS has been unreachable this long: past the client's reconnecting, a restart helps.
    nats_lost_s: float = Field(default=60.0, gt=0)

    def metrics_port_of(self, service: str) -> int:
        return METRICS_PORTS[service] if self.metrics_port is None else self.metrics_port

    @field_validator("kraken_budget_margin")
    @classmethod
    def _margin_below_burst(cls, value: float, info: ValidationInfo) -> float:
        burst = info.data.get("kraken_budget_burst")
        if burst is not None and burst - value < 1.0:
            raise ValueError("leaves less than one call of KRAKEN_BUDGET_BURST")
        return value

    @field_validator("api_token")
    @classmethod
    def _token_not_blank(cls, value: str | None) -> str | None:
        # An empty token used to mean "no authentication": a typo must not open the API.
        if value is not None and not value.strip():
            raise ValueError("is set but empty: unset it to run without authentication, or give a token")
        return value

    @field_validator("allowed_hosts", "allowed_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


@lru_cache
def get_settings() -> Settings:
    """The settings of this process; a bad one stops it at start with the setting named."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise SystemExit(f"invalid setting {str(first['loc'][0]).upper()}: {first['msg'].removeprefix('Value error, ')}") from None
