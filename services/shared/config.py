"""Settings of a node, read from environment variables and validated at start-up.

Fail fast: a process that is mis-configured stops before it serves anything, with one line
per wrong variable. Every variable is listed, with its default, in ``.env.example``.
"""

from __future__ import annotations

import os
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.shared import rate_limits
from services.shared.rate_limits import check_rate

ROOT = Path(__file__).resolve().parents[2]
REGION_RE = re.compile(r"^[0-9]{6}\Z")
# The settings file read after the environment: ``.env`` of the checkout, or the file that
# SUNLIGHT_ENV_FILE names (relative paths are relative to the checkout).
ENV_FILE_VARIABLE = "SUNLIGHT_ENV_FILE"
NODE_ENV_FILE = ROOT / "var" / "node.env"
#: the node a setting-less process is (the Sichuan province node)
DEFAULT_NODE_REGION = "510000"
#: a host setting: a name or an IPv4 address, or an IPv6 one in brackets (empty: unset)
HOST_RE = re.compile(r"^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])?\Z")
#: the processes others reach, by the settings of their host and port (peer_address)
PEERS = {
    "catalogue": ("catalogue_host", "catalogue_port"),
    "cases": ("cases_host", "cases_port"),
    "monitoring": ("monitoring_host", "monitoring_port"),
    "gateway": ("gateway_host", "gateway_grpc_port"),
    "gateway-http": ("gateway_host", "gateway_http_port"),
    "hall": ("hall_host", "hall_port"),
}


def env_file() -> Path:
    named = os.environ.get(ENV_FILE_VARIABLE)
    return ROOT / named if named else ROOT / ".env"


def local_amqp_uri(region: str) -> str:
    """The node's broker when AMQP_URI is unset: the local RabbitMQ, a vhost per region."""
    return f"amqp://guest:guest@127.0.0.1:5672/sunlight-{region}"


class Settings(BaseSettings):
    """One node of Sunlight: one government region, one full stack."""

    model_config = SettingsConfigDict(
        env_prefix="SUNLIGHT_",
        env_file=(ROOT / ".env", NODE_ENV_FILE),
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    node_region: str = Field(DEFAULT_NODE_REGION, description="6-digit region code of this node")
    node_name: str = Field("四川省", description="human name of the node")
    # Regions the node holds (each with the regions below it), comma-separated; empty = the
    # node's region and everything below it.
    territory: str = Field("", description="regions this node holds, e.g. 511600,511621")
    var_dir: Path = Field(ROOT / "var", description="SQLite files, secrets, run state")

    # Storage: SQLite files under var/ by default; DATABASE_URL switches every service to
    # PostgreSQL, each service in its own schema of that database.
    database_url: str | None = Field(None, validation_alias="DATABASE_URL")
    # Unset (or empty): the local RabbitMQ, vhost sunlight-<node_region>.
    amqp_uri: str = Field("", validation_alias="AMQP_URI")

    # Addresses of the node's processes (host:port). On one machine every process listens on
    # SUNLIGHT_HOST and reaches the others there. Apart (Kubernetes: a Service per process),
    # SUNLIGHT_LISTEN_HOST is where servers bind (0.0.0.0) and SUNLIGHT_<PROCESS>_HOST where
    # the others reach that process (its Service's name); unset, each is SUNLIGHT_HOST.
    # The default ports lie below the kernel's ephemeral range (Linux: 32768-60999), which
    # every outgoing connection draws its own port from: a port inside it can be taken by a
    # connection to the database or the broker before the server binds it. The nodes of a
    # province add 100 and 200 (infra.province); tests choose theirs from 20768-32767.
    host: str = "127.0.0.1"
    listen_host: str = ""
    catalogue_host: str = ""
    cases_host: str = ""
    monitoring_host: str = ""
    gateway_host: str = ""
    hall_host: str = ""
    catalogue_port: int = 18051
    cases_port: int = 18052
    monitoring_port: int = 18053
    gateway_grpc_port: int = 18050
    gateway_http_port: int = 8080
    hall_port: int = 8000
    monitoring_worker_health_port: int = 8090
    catalogue_relay_health_port: int = 8091
    cases_relay_health_port: int = 8092
    monitoring_relay_health_port: int = 8093
    # Where the gRPC servers serve their Prometheus metrics (GET /metrics on a small HTTP
    # listener; 0: none). Every other process serves /metrics on its HTTP port: the gateway's
    # API, the hall, the relays' and the worker's health ports. A service's further processes
    # on one port (SUNLIGHT_CASES_PROCESSES) take the ports after it (9111, 9112, …).
    catalogue_metrics_port: int = Field(9101, ge=0, le=65535)
    monitoring_metrics_port: int = Field(9102, ge=0, le=65535)
    cases_metrics_port: int = Field(9110, ge=0, le=65535)
    # The gateway's processes each on a listener of their own too (9150; its further
    # processes, SUNLIGHT_GATEWAY_PROCESSES, on 9151, 9152, …): its API port's /metrics is
    # whichever process the connection reached.
    gateway_metrics_port: int = Field(9150, ge=0, le=65535)

    # Processes of the case service and of the gateway, each set on its one port
    # (SO_REUSEPORT; services/shared/copies.py). One each is best on 2 cores (README,
    # "Measured").
    cases_processes: int = Field(1, ge=1, le=32)
    gateway_processes: int = Field(1, ge=1, le=32)
    # The gateway's gRPC port on grpc.aio (false: the synchronous server, a thread a call).
    gateway_grpc_aio: bool = True
    # Load shedding at the gateway's HTTP API (per process): requests worked on at once; one
    # more waits up to the admission wait (seconds) for a slot, then is answered 503 NODE_BUSY
    # (gateway.limits.LoadShedder). Default: twice the backends' 40 worker threads.
    gateway_max_in_flight: int = Field(80, ge=1, le=10000)
    gateway_admission_wait_s: float = Field(0.25, ge=0, le=10)
    # The same on the gateway's gRPC port, for its own calls (gateway.grpc_limits): beyond
    # it RESOURCE_EXHAUSTED NODE_BUSY; grpc.aio waits up to the admission wait above first,
    # the synchronous server refuses at once (and runs this many threads, plus 16).
    gateway_grpc_max_in_flight: int = Field(80, ge=1, le=10000)
    # Connections a process opens to each gRPC backend (its calls take them in turn): with
    # several processes on a backend's port, each connection reaches one of them.
    grpc_connections: int = Field(1, ge=1, le=32)

    # Timeouts (seconds) of every remote call.
    grpc_timeout_s: float = Field(5.0, gt=0)
    amqp_timeout_s: float = Field(10.0, gt=0)

    # The node's own key pair for signing access tokens (Ed25519, written
    # "ed25519:<base64url>"; services/shared/token_keys.py). Never in the repository: `make
    # run` writes one to var/node.env once; production injects it from a secret store. Tokens
    # name this node (iss), the node they are for (aud) and the key (kid); no secret is
    # shared with any other node (docs/federation.md).
    token_key: str = Field(..., repr=False)

    # 上报件 across nodes: a hand-over still undelivered this many minutes after it was kept
    # is overdue — the case service publishes case.handover_overdue once, and supervision
    # warns (HANDOVER_STUCK) until it is delivered.
    handover_overdue_minutes: int = Field(30, ge=1, le=7 * 24 * 60)

    # Outbox relay
    relay_batch_size: int = Field(200, ge=1, le=5000)
    relay_idle_poll_s: float = Field(0.05, gt=0)

    # Rate limits per client, per process ("30/minute", "5/second;100/hour"): failed bearer
    # tokens at the gateway, the hall's case lookups, public (anonymous) catalogue reads at the
    # gateway and the hall. Raise them for load tests; authenticated calls are never counted.
    rate_limit_failed_auth: str = rate_limits.FAILED_AUTH
    rate_limit_case_lookup: str = rate_limits.CASE_LOOKUP
    rate_limit_public_reads: str = rate_limits.PUBLIC_READS
    # Sign-in at the hall: failed passwords per account, attempts per client address.
    rate_limit_sign_in_account: str = rate_limits.SIGN_IN_ACCOUNT
    rate_limit_sign_in_client: str = rate_limits.SIGN_IN_CLIENT

    # The hall's sessions: signed cookies (key derived from token_key) that hold a sign-in
    # for this many seconds (at most a token's longest life); Secure when served over HTTPS.
    hall_session_ttl_s: int = Field(8 * 3600, ge=60, le=12 * 3600)
    hall_secure_cookies: bool = False
    # Seconds between the supervision dashboard's checks for new warnings.
    hall_live_poll_s: float = Field(5.0, ge=0.2, le=300)
    # Applying online: the largest file one may upload, and all of one application's files
    # together (MB); files are kept under var/<region>/files, named by their SHA-256.
    hall_max_file_mb: int = Field(10, ge=1, le=100)
    hall_max_application_mb: int = Field(50, ge=1, le=1000)
    # The public guide's catalogue reads (an item in force, its history) are kept this many
    # seconds (0: asked for each page): a new version shows in the guide at most this late.
    hall_public_cache_s: float = Field(5.0, ge=0, le=300)
    #: threads the hall's pages run on at once (each blocks on its gRPC calls)
    hall_threads: int = Field(40, ge=1, le=400)
    # Where uploaded files are kept: "local" (content-addressed files under
    # var/<region>/files) or "s3" (an S3-compatible bucket: AWS S3, MinIO, Ceph, a cloud's
    # object store), objects keyed <prefix>ab/cd/<sha256>. The keys come from the
    # environment or a secret store, never the repository; unset, boto3's own chain (its
    # AWS_* variables, an instance role) is asked. Every call is bounded by the timeout.
    hall_file_store: str = Field("local", pattern="^(local|s3)$")
    hall_s3_endpoint: str = Field("", description="e.g. https://minio.internal:9000; "
                                                  "empty: AWS S3 of the region")
    hall_s3_bucket: str = ""
    hall_s3_region: str = ""
    hall_s3_prefix: str = Field("", pattern=r"^([A-Za-z0-9._-]+/)*$")
    hall_s3_access_key_id: str = ""
    hall_s3_secret_access_key: SecretStr = SecretStr("")
    hall_s3_timeout_s: float = Field(10.0, gt=0, le=300)

    # A fine above this many yuan is decided by a meeting (集体讨论) before the decision,
    # unless its item states an amount of its own.
    collective_review_above_yuan: int = Field(50000, ge=0)

    # Supervision: how often the worker sweeps for time-based rules (a step or case running
    # late, a clock stopped too long, a yellow warning nobody answered). The rules count in
    # days, so a sweep only looks at the cases whose day has come.
    supervision_sweep_interval_s: float = Field(300.0, gt=0)
    # A database outage has supervision's worker wait this long before trying an event again.
    # A failing event (a bug) is dead-lettered after five attempts: a case event's come with
    # the next batches at once, a catalogue event's after this many seconds times its failures.
    supervision_retry_pause_s: float = Field(1.0, ge=0, le=60)
    # The worker applies case events in batches, a transaction each: a batch waits at most
    # this long after its first event for more to come (up to 64), unless a whole batch is
    # there. Fewer transactions for less CPU an event; each event applied up to this much later.
    supervision_batch_wait_s: float = Field(0.05, ge=0, le=5)

    # Efficiency evaluation: the points scale of officials (考核积分), a JSON object of the
    # fields of services/monitoring/domain/evaluation.py's Scale to change, e.g.
    # {"per_red": -5, "grades": [[90, "优秀"], [75, "称职"], [60, "基本称职"], [0, "不称职"]]};
    # empty = the defaults there.
    evaluation_scale: str = ""
    # Complaints and ratings (投诉 / 举报 · 好差评), in working days on the official calendar:
    # a complaint's handling deadline, how long after a case ended its applicant may rate it,
    # and the limit of a bad rating's rectification (差评整改; local rules say 5 to 15).
    feedback_complaint_days: int = Field(15, ge=1, le=60)
    feedback_rating_window_days: int = Field(15, ge=0, le=60)
    feedback_rectification_days: int = Field(15, ge=1, le=60)
    # working days the item's department has to answer a consultation (咨询)
    feedback_consultation_days: int = Field(5, ge=1, le=60)

    # Supervision's trend rules (苗头性、倾向性问题): a JSON object of the fields of
    # services/monitoring/domain/trends.py's TrendThresholds to change, e.g.
    # {"overdue_min_cases": 10, "peer_min_z": 2.5}; empty = the defaults there.
    supervision_trends: str = ""
    # Supervision's worker processes (监察分区): case events are spread over this many
    # partitions by case number (RabbitMQ's consistent-hash exchange), one worker process
    # each, so that every event of a case goes to one process, in order. `make run` starts
    # that many; the partition of a process is SUNLIGHT_SUPERVISION_PARTITION (0 … N-1; in
    # Kubernetes the pod's name, monitoring-worker-<n>). Partition 0 answers its health check
    # on SUNLIGHT_MONITORING_WORKER_HEALTH_PORT, partition n ≥ 1 on
    # SUNLIGHT_MONITORING_WORKER_PARTITION_HEALTH_PORT + n - 1 (0: every partition on
    # SUNLIGHT_MONITORING_WORKER_HEALTH_PORT, each in a network namespace of its own, as in
    # Kubernetes).
    supervision_workers: int = Field(1, ge=1, le=32)
    supervision_partition: str = "0"
    monitoring_worker_partition_health_port: int = 8094

    log_level: str = "INFO"
    log_format: str = Field("console", pattern="^(console|json)$")
    # OTLP endpoint (http://host:4317); unset = no span is recorded, only the trace context
    # travels (gRPC metadata, outbox, AMQP headers) and shows in log lines.
    otel_exporter_otlp_endpoint: str | None = Field(
        None, validation_alias="OTEL_EXPORTER_OTLP_ENDPOINT")

    # Federation (docs/federation.md): the gateway's port for other nodes' gateways, gRPC over
    # mutual TLS, served once the node holds a certificate of the province's CA under
    # <var_dir>/pki (`sunlight pki issue-node`); calls allowed by the node registry only.
    gateway_peer_port: int = 18060

    # Demo data (演示数据): on a node's first start, `make run`'s `demo` process (`sunlight demo
    # seed`) publishes a few real Guang'an items completed as demo versions (marked 演示), demo
    # accounts with fixed, published passwords, and cases in every mode. False: nothing is
    # seeded, and the hall refuses to sign in the demo accounts a seeding made before. Tests'
    # and benchmarks' nodes (infra/localnode.py) have it off unless they ask.
    demo_data: bool = True
    # SUNLIGHT_REAL_CATALOGUE: on the node that holds 511602, make run's first start imports
    # the real Guang'an district catalogue the project carries (data/catalogues), once, as
    # drafts (cli/real_catalogue.py). Tests' and benchmarks' nodes have it off unless they ask.
    real_catalogue: bool = True

    def __init__(self, **values: Any) -> None:
        # The environment first, then the settings file (SUNLIGHT_ENV_FILE or .env), then the
        # node's secrets (var/node.env): every process and every step of `make run` alike.
        values.setdefault("_env_file", (env_file(), NODE_ENV_FILE))
        super().__init__(**values)

    @field_validator("node_region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not REGION_RE.match(value):
            raise ValueError("must be a 6-digit region code such as 510000")
        return value

    @field_validator("token_key")
    @classmethod
    def _token_key(cls, value: str) -> str:
        from services.shared.token_keys import TokenKey  # noqa: PLC0415

        TokenKey.from_text(value)  # ValueError says what is wrong, never the key
        return value

    @field_validator("rate_limit_failed_auth", "rate_limit_case_lookup",
                     "rate_limit_public_reads", "rate_limit_sign_in_account",
                     "rate_limit_sign_in_client")
    @classmethod
    def _rate(cls, value: str) -> str:
        return check_rate(value)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("postgresql", "sqlite")):
            raise ValueError("must start with postgresql:// or sqlite://")
        return value or None

    @field_validator("amqp_uri")
    @classmethod
    def _amqp(cls, value: str) -> str:
        if value and not value.startswith(("amqp://", "amqps://")):
            raise ValueError("must be an amqp:// or amqps:// URI")
        return value

    @field_validator("territory")
    @classmethod
    def _territory(cls, value: str) -> str:
        codes = [c.strip() for c in value.split(",") if c.strip()]
        bad = [c for c in codes if not REGION_RE.match(c)]
        if bad:
            raise ValueError(f"region codes separated by commas; not region codes: {bad}")
        return ",".join(codes)

    @property
    def territory_regions(self) -> tuple[str, ...]:
        return tuple(c for c in self.territory.split(",") if c)

    @model_validator(mode="after")
    def _local_broker_by_default(self) -> Settings:
        if not self.amqp_uri:
            self.amqp_uri = local_amqp_uri(self.node_region)
        return self

    @model_validator(mode="after")
    def _s3_bucket_named(self) -> Settings:
        if self.hall_file_store == "s3" and not self.hall_s3_bucket:
            raise ValueError("SUNLIGHT_HALL_S3_BUCKET is required when "
                             "SUNLIGHT_HALL_FILE_STORE=s3")
        return self

    def address(self, port: int) -> str:
        """SUNLIGHT_HOST and ``port``: where a process listens and is reached when nothing
        sets them apart — prefer listen_address (a server) and peer_address (a client)."""
        return f"{self.host}:{port}"

    def listen_address(self, port: int) -> str:
        """Where a server of this process binds ``port`` (SUNLIGHT_LISTEN_HOST)."""
        return f"{self.bind_host}:{port}"

    @property
    def bind_host(self) -> str:
        """The host servers bind (SUNLIGHT_LISTEN_HOST, else SUNLIGHT_HOST)."""
        return self.listen_host or self.host

    def peer_address(self, process: str) -> str:
        """Where the node's other processes reach ``process`` (one of PEERS): its host
        (SUNLIGHT_<PROCESS>_HOST, else SUNLIGHT_HOST) and its port."""
        host_field, port_field = PEERS[process]
        return f"{getattr(self, host_field) or self.host}:{getattr(self, port_field)}"

    @field_validator("host", "listen_host", "catalogue_host", "cases_host", "monitoring_host",
                     "gateway_host", "hall_host")
    @classmethod
    def _host(cls, value: str) -> str:
        value = value.strip()
        if not HOST_RE.match(value):
            raise ValueError("a host name or address without port or scheme "
                             "(catalogue, 10.0.0.5, 0.0.0.0, [::])")
        return value

    @field_validator("supervision_partition")
    @classmethod
    def _partition(cls, value: str) -> str:
        if not re.search(r"(^|-)[0-9]{1,2}\Z", value.strip()):
            raise ValueError("a partition number (0, 1 …) or a name ending in one "
                             "(monitoring-worker-1)")
        return value.strip()

    @property
    def supervision_partition_index(self) -> int:
        """This worker's partition: the number, or the number a pod's name ends with."""
        return int(re.split(r"-", self.supervision_partition)[-1])

    def monitoring_worker_health_port_of(self, partition: int) -> int:
        """Where the supervision worker of ``partition`` answers its health check."""
        if partition == 0 or self.monitoring_worker_partition_health_port == 0:
            return self.monitoring_worker_health_port
        return self.monitoring_worker_partition_health_port + partition - 1


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings; exit with a readable message when they are wrong."""
    named = env_file()
    if os.environ.get(ENV_FILE_VARIABLE) and not named.is_file():
        print(f"sunlight: {ENV_FILE_VARIABLE}: no such file: {named}", file=sys.stderr)
        raise SystemExit(2)
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = ["sunlight: invalid configuration (see .env.example):"]
        for error in exc.errors():
            name = ".".join(str(p) for p in error["loc"]) or "settings"
            env = name.upper() if name.upper() in ("DATABASE_URL", "AMQP_URI") else (
                f"SUNLIGHT_{name.upper()}")
            message = error["msg"]
            if name == "token_key" and error["type"] == "missing":
                message += " (the node's token key: `make env` writes one to var/node.env)"
            lines.append(f"  {env}: {message}")
        print("\n".join(lines), file=sys.stderr)
        raise SystemExit(2) from None


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()
