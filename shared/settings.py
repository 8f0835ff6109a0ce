"""Settings every service has. Each service subclasses it in its own `settings.py`, the one place
that service reads the environment (12-factor); the values are validated at start-up."""

from __future__ import annotations

from datetime import date
from typing import Literal

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Known, public values: usable only with DEMO_MODE on (make run, tests). Refused otherwise.
DEMO_JWT_SECRET = "demo-only-jwt-secret-do-not-use-in-production-0123456789"
DEMO_ENCRYPTION_KEY = "ZGVtby1vbmx5LWtleS1kby1ub3QtdXNlLTAxMjM0NTY="  # Fernet: urlsafe base64 of 32 bytes


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    database_url: str = "sqlite:///./var/complaints.db"
    event_bus: Literal["db", "kafka"] = "db"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_topic_partitions: int = 6
    kafka_replication_factor: int = 1
    # How long the topics this system creates keep events (retention.ms): their texts are not rewritten when
    # a complaint is anonymised, so keep it well below RETENTION_DAYS. 0: the broker's default.
    kafka_topic_retention_days: int = Field(default=30, ge=0, le=3650)
    # Consumer-group timings: joins and rebalances take about session_timeout/2 on some brokers.
    kafka_session_timeout_ms: int = 10_000
    kafka_heartbeat_interval_ms: int = 3_000
    kafka_fetch_max_wait_ms: int = 500
    # The producer's idempotence (dedups a retried batch in the broker). Keep it on with Apache Kafka; off only for
    # a broker whose idempotent produce is not crash-safe: tansu 0.6's S3 engine records the producer's sequence
    # before the batch, so after a SIGKILL the retry is answered DUPLICATE_SEQUENCE_NUMBER, which clients take
    # for success: acknowledged, never stored. Off: acks=all, one request in flight (order kept); a retry
    # after a lost answer may store a second copy, which consumers drop by the event id (the inbox).
    kafka_idempotence: bool = True
    host: str = "127.0.0.1"
    port: int = 8000
    # Proxies whose X-Forwarded-For is believed (the gateway): the client address the guess throttle
    # counts by. "*" only where the services are reachable through the gateway alone.
    forwarded_allow_ips: str = "127.0.0.1"
    # The built pages (web/dist); empty: the repository's web/dist (the image sets /app/web/dist).
    web_dist: str = ""
    demo_mode: bool = False
    jwt_secret: SecretStr | None = None
    encryption_key: SecretStr | None = None
    access_token_minutes: int = 8 * 60
    # The OpenAPI pages (/docs, /redoc, /openapi.json) and the Prometheus figures (/metrics) on the
    # service port. The gateway routes neither (deploy/); turn them off where the port itself is reachable.
    expose_docs: bool = True
    expose_metrics: bool = True
    log_level: str = "INFO"
    log_json: bool = True
    embedded_poll_interval: float = 0.2
    consumer_max_attempts: int = 5
    # Messages out to people (SMS, group robots; shared/outbound.py): how often the sender looks for
    # due ones, and how many tries before a message is dead (kept; `complaints outbound replay`).
    outbound_send_interval_seconds: float = 2.0
    outbound_max_attempts: int = 6
    max_body_bytes: int = 256 * 1024
    # Working-calendar corrections for dates the calendar library does not know yet:
    # "2027-01-01=off,2027-02-07=work" (off = a holiday, work = a make-up working day 调休).
    calendar_overrides: str = ""
    # Files kept as evidence (citizens' photos and videos in intake, departments' reply photos in routing):
    # the bytes live in a folder (ATTACHMENT_STORE=folder, ATTACHMENT_DIR) or an S3-compatible bucket
    # (ATTACHMENT_STORE=s3, S3_*); the databases keep only what describes them.
    attachment_store: Literal["folder", "s3"] = "folder"
    attachment_dir: str = "./var/attachments"
    s3_endpoint_url: str | None = None  # e.g. http://minio.internal:9000; unset: AWS itself
    s3_bucket: str | None = None
    s3_prefix: str = "attachments/"
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None  # unset: boto3's own chain (instance role, AWS_* variables)
    s3_secret_access_key: SecretStr | None = None

    @model_validator(mode="after")
    def _secrets(self) -> CommonSettings:
        if self.demo_mode:
            if self.jwt_secret is None:
                self.jwt_secret = SecretStr(DEMO_JWT_SECRET)
            if self.encryption_key is None:
                self.encryption_key = SecretStr(DEMO_ENCRYPTION_KEY)
            check_encryption_key(self.encryption_key.get_secret_value())
            return self
        missing = [name.upper() for name in ("jwt_secret", "encryption_key") if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{', '.join(missing)} must be set when DEMO_MODE is off")
        assert self.jwt_secret is not None and self.encryption_key is not None
        if self.jwt_secret.get_secret_value() == DEMO_JWT_SECRET or \
                self.encryption_key.get_secret_value() == DEMO_ENCRYPTION_KEY:
            raise ValueError("the demo secrets are refused when DEMO_MODE is off")
        check_jwt_secret(self.jwt_secret.get_secret_value())
        check_encryption_key(self.encryption_key.get_secret_value())
        return self

    @model_validator(mode="after")
    def _store(self) -> CommonSettings:
        if self.attachment_store == "s3" and not self.s3_bucket:
            raise ValueError("ATTACHMENT_STORE=s3 needs S3_BUCKET (and S3_ENDPOINT_URL for a store other than AWS)")
        return self

    @field_validator("calendar_overrides")
    @classmethod
    def _overrides_parse(cls, value: str) -> str:
        parse_calendar_overrides(value)
        return value

    @property
    def calendar(self) -> dict[date, bool]:
        return parse_calendar_overrides(self.calendar_overrides)

    @property
    def jwt_key(self) -> str:
        assert self.jwt_secret is not None
        return self.jwt_secret.get_secret_value()


MIN_JWT_SECRET_LENGTH = 32
MIN_JWT_SECRET_DISTINCT = 8  # "aaaa…" or "abab…" is long but guessable


def check_jwt_secret(secret: str) -> None:
    """JWT_SECRET signs every sign-in: long and not a repetition (e.g. `openssl rand -base64 48`)."""
    if len(secret) < MIN_JWT_SECRET_LENGTH:
        raise ValueError(f"JWT_SECRET must be at least {MIN_JWT_SECRET_LENGTH} characters "
                         "(e.g. the output of `openssl rand -base64 48`)")
    if len(set(secret)) < MIN_JWT_SECRET_DISTINCT:
        raise ValueError(f"JWT_SECRET must not be a repetition of a few characters (it has {len(set(secret))} "
                         f"different ones, at least {MIN_JWT_SECRET_DISTINCT} are needed): use a random one, "
                         "e.g. `openssl rand -base64 48`")


def check_encryption_key(key: str) -> None:
    """ENCRYPTION_KEY is a Fernet key; said at start-up, not as a traceback at the first encryption."""
    try:
        Fernet(key.encode())
    except (ValueError, TypeError):
        raise ValueError("ENCRYPTION_KEY must be a Fernet key: 44 characters, urlsafe base64 of 32 random bytes "
                         "(make one with: python -c 'from cryptography.fernet import Fernet; "
                         "print(Fernet.generate_key().decode())')") from None


def parse_calendar_overrides(value: str) -> dict[date, bool]:
    overrides: dict[date, bool] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        day, _, kind = item.partition("=")
        if kind not in ("off", "work"):
            raise ValueError(f"calendar override {item!r}: expected YYYY-MM-DD=off or YYYY-MM-DD=work")
        try:
            overrides[date.fromisoformat(day)] = kind == "work"
        except ValueError as exc:
            raise ValueError(f"calendar override {item!r}: {exc}") from exc
    return overrides
