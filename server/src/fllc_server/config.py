"""Settings from FLLC_* environment variables; nothing is built at import time."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "fllc-server"


class Settings(BaseSettings):
    """Server configuration. Unset database/redis URLs select the embedded default."""

    model_config = SettingsConfigDict(env_prefix="FLLC_", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = None
    database_replica_url: str | None = None
    redis_url: str | None = None
    cors_origins: list[str] = Field(default_factory=list)
    rate_limit: str = "1200/minute"
    secret_key: str | None = None
    jwt_issuer: str = "fllc-server"
    jwt_audience: str = "fllc-api"
    access_token_minutes: int = Field(default=15, ge=1, le=15)
    refresh_token_days: int = Field(default=14, ge=1, le=90)
    refresh_grace_seconds: int = Field(default=10, ge=0, le=120)
    login_failures_per_account: int = 10
    login_failures_per_account_ip: int = 5
    login_failures_per_ip: int = 50
    login_lockout_seconds: int = 300
    password_hash_concurrency: int = 2
    max_sync_batch: int = 1000
    change_log_retention: int = 1_000_000
    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip().startswith("["):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

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
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.touch(mode=0o600)
        path.write_text(key)
        return key
