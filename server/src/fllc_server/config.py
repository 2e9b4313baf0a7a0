"""Settings from FLLC_* environment variables; nothing is built at import time."""

from __future__ import annotations

import ipaddress
import json
import math
import os
import secrets
from collections import Counter
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "fllc-server"
MIN_SECRET_BITS = 96  # estimated (see below): a random 32-hex-digit key scores ~120
DB_FILES = ("fllc.sqlite3", "fllc.sqlite3-wal", "fllc.sqlite3-shm", "secret_key")
# A comma-separated list (what the README documents) or a JSON list; never decoded as JSON first.
CommaList = Annotated[list[str], NoDecode]


def estimated_entropy_bits(secret: str) -> float:
    """A conservative estimate: the Shannon entropy of its characters times the length of its
    shortest repeating unit, so "a" * 32 and "changeme" * 4 score what they are worth."""
    period = next(p for p in range(1, len(secret) + 1) if (secret[:p] * len(secret)).startswith(secret))
    unit = secret[:period]
    counts = Counter(unit)
    per_char = -sum(n / len(unit) * math.log2(n / len(unit)) for n in counts.values())
    return per_char * len(unit)


def weak_secret_reason(secret: str) -> str | None:
    if len(secret) < 32:
        return "is shorter than 32 characters"
    if estimated_entropy_bits(secret) < MIN_SECRET_BITS:
        return f"carries less than {MIN_SECRET_BITS} bits of entropy (repeated or few characters)"
    return None


def _split(value: object) -> object:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """Server configuration. Unset database/redis URLs select the embedded default."""

    model_config = SettingsConfigDict(env_prefix="FLLC_", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = None
    database_replica_url: str | None = None
    redis_url: str | None = None
    # Object storage for reports and backups: a folder in the data dir unless this names another
    # folder (a path or file://) or an S3-compatible bucket (s3://bucket/prefix).
    storage_url: str | None = None
    s3_endpoint_url: str | None = None  # another S3-compatible service than AWS (MinIO, Ceph...)
    s3_region: str | None = None
    s3_access_key_id: str | None = None  # unset: boto3's chain (AWS_* variables, instance role)
    s3_secret_access_key: str | None = None
    report_retention_days: int = Field(default=30, ge=1, le=3650)
    # The mail server scheduled reports go out through: smtp://user:pass@host:587?starttls=true
    # (smtps:// for TLS from the start; from=reports@example.com sets the sender). Unset: no mail.
    smtp_url: str | None = None
    report_delivery_backoff_seconds: float = Field(default=60.0, gt=0)  # doubling between attempts
    cors_origins: CommaList = Field(default_factory=list)
    # Addresses (or networks) of the reverse proxies whose X-Forwarded-For/-Proto is believed;
    # none by default: the peer address is the client.
    trusted_proxies: CommaList = Field(default_factory=list)
    # /metrics outside development: a bearer token of its own and/or an allow-list of scrapers.
    metrics_token: str | None = None
    metrics_allow: CommaList = Field(default_factory=list)
    max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    max_anonymous_body_bytes: int = Field(default=64 * 1024, ge=1024)
    rate_limit: str = "1200/minute"
    secret_key: str | None = None
    jwt_issuer: str = "fllc-server"
    jwt_audience: str = "fllc-api"
    access_token_minutes: int = Field(default=15, ge=1, le=15)
    refresh_token_days: int = Field(default=14, ge=1, le=90)
    refresh_grace_seconds: int = Field(default=10, ge=0, le=120)
    # Sign-in throttle (auth.service.LoginThrottle): tight per (account, address) and per known
    # device, loose per address, much looser per account; a known device is never held back by
    # failures elsewhere.
    login_failures_per_account: int = 100
    login_failures_per_account_ip: int = 5
    login_failures_per_ip: int = 50
    login_lockout_seconds: int = 300
    known_device_days: int = Field(default=90, ge=1, le=365)
    mfa_trust_days: int = Field(default=30, ge=1, le=30)  # a trusted device skips MFA this long
    password_hash_concurrency: int = 2
    max_sync_batch: int = 1000
    change_log_retention: int = 1_000_000
    jobs_lease_seconds: float = Field(default=30.0, gt=0)  # a silent worker's job runs again after this
    jobs_tick_seconds: float = Field(default=5.0, gt=0)  # the scheduler's pace (periodic jobs, retries)
    jobs_in_process: bool | None = None  # serve runs jobs itself; default: on the embedded default only
    # serve and worker compete for the scheduler lease (periodic jobs, retries, rescues); false: this
    # process never schedules (another one does, or a test that schedules nothing of its own)
    jobs_scheduler: bool = True
    jobs_retention_days: int = Field(default=90, ge=1)  # finished jobs (and their report files) kept
    job_modules: CommaList = Field(default_factory=list)  # extra modules whose register(kinds) adds kinds
    backup_every_minutes: int = Field(default=15, ge=0)  # scheduled backups' pace; 0: none
    pos_reconcile_minutes: int = Field(default=5, ge=0)  # POS providers read back this often; 0: never
    log_level: str = "INFO"
    log_json: bool = True
    # On SIGTERM: seconds of answering /readyz 503 (while still serving) before live WebSockets are
    # closed and the server stops; None: 5 in production (two load-balancer checks), 0 elsewhere.
    drain_seconds: float | None = Field(default=None, ge=0, le=300)
    # OTLP/HTTP collector for traces (http://otel-collector:4318); unset: no tracing at all.
    otlp_endpoint: str | None = None

    @property
    def effective_drain_seconds(self) -> float:
        if self.drain_seconds is not None:
            return self.drain_seconds
        return 5.0 if self.production else 0.0

    @field_validator("cors_origins", "trusted_proxies", "metrics_allow", "job_modules", mode="before")
    @classmethod
    def _split_lists(cls, value: object) -> object:
        return _split(value)

    @field_validator("trusted_proxies", "metrics_allow")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            ipaddress.ip_network(item, strict=False)  # a ValueError names the bad entry
        return value

    @model_validator(mode="after")
    def _strong_secrets_in_production(self) -> Settings:
        if self.environment != "production":
            return self
        for name in ("secret_key", "metrics_token"):
            value = getattr(self, name)
            reason = weak_secret_reason(value) if value else None
            if reason:
                raise ValueError(f"FLLC_{name.upper()} {reason}: generate one with secrets.token_urlsafe(48)")
        return self

    @property
    def production(self) -> bool:
        return self.environment == "production"

    def prepare_data_dir(self) -> None:
        """The data dir holds password hashes and the signing secret: 0700, its files 0600, also
        for an installation made before this rule (SQLite gives -wal and -shm the database's mode)."""
        if not self.embedded and self.secret_key:
            return
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o700)
        database = self.data_dir / "fllc.sqlite3"
        if self.embedded and not database.exists():
            database.touch(mode=0o600)
        for name in DB_FILES:
            path = self.data_dir / name
            if path.exists():
                os.chmod(path, 0o600)

    @property
    def runs_jobs_in_process(self) -> bool:
        return self.redis_url is None if self.jobs_in_process is None else self.jobs_in_process

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'fllc.sqlite3'}"

    @cached_property
    def effective_secret_key(self) -> str:
        """The signing secret: given, or generated once into the data dir (mode 0600)."""
        if self.secret_key:
            return self.secret_key
        if self.environment == "production":
            raise RuntimeError("FLLC_SECRET_KEY must be set in production")
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.touch(mode=0o600)
        path.write_text(key)
        return key
