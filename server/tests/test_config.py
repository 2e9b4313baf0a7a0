"""Every FLLC_* variable the README documents is accepted in its documented form; production
refuses weak secrets; the embedded data dir is private."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fllc_server.app import create_app
from fllc_server.config import Settings

README = Path(__file__).resolve().parents[2] / "README.md"
CLI = [sys.executable, "-m", "fllc_server.cli"]
STRONG = "Zq3vK9pW2mX7tR4yB8nL6cF1hJ5sD0gA-uE_oIeQ"  # 40 varied characters

# One value per documented variable, in the form the README gives, and what it must read as.
DOCUMENTED: dict[str, tuple[str, object]] = {
    "FLLC_DATABASE_URL": ("mysql+asyncmy://fllc:secret@db.example/fllc?charset=utf8mb4", None),
    "FLLC_DATABASE_REPLICA_URL": ("mysql+asyncmy://fllc:secret@replica.example/fllc", None),
    "FLLC_REDIS_URL": ("redis://cache.example:6379/0", None),
    "FLLC_DATA_DIR": ("/var/lib/fllc", Path("/var/lib/fllc")),
    "FLLC_SECRET_KEY": (STRONG, STRONG),
    "FLLC_CORS_ORIGINS": ("https://inventory.example", ["https://inventory.example"]),
    "FLLC_RATE_LIMIT": ("1200/minute", "1200/minute"),
    "FLLC_ENVIRONMENT": ("production", "production"),
    "FLLC_TRUSTED_PROXIES": ("10.0.0.5, 10.1.0.0/16", ["10.0.0.5", "10.1.0.0/16"]),
    "FLLC_METRICS_TOKEN": (STRONG, STRONG),
    "FLLC_METRICS_ALLOW": ("10.0.0.9,192.168.0.0/24", ["10.0.0.9", "192.168.0.0/24"]),
    "FLLC_MAX_BODY_BYTES": ("16777216", 16777216),
    "FLLC_MAX_ANONYMOUS_BODY_BYTES": ("65536", 65536),
    "FLLC_STORAGE_URL": ("s3://fllc-files/warehouse", None),
    "FLLC_S3_ENDPOINT_URL": ("https://minio.example:9000", None),
    "FLLC_S3_REGION": ("eu-west-1", None),
    "FLLC_S3_ACCESS_KEY_ID": ("AKIAEXAMPLE", None),
    "FLLC_S3_SECRET_ACCESS_KEY": (STRONG, None),
    "FLLC_REPORT_RETENTION_DAYS": ("30", 30),
    "FLLC_DRAIN_SECONDS": ("5", 5.0),
    "FLLC_OTLP_ENDPOINT": ("http://otel-collector:4318", "http://otel-collector:4318"),
    "FLLC_JOBS_LEASE_SECONDS": ("30", 30.0),
    "FLLC_JOBS_TICK_SECONDS": ("5", 5.0),
    "FLLC_JOBS_IN_PROCESS": ("true", True),
    "FLLC_JOBS_SCHEDULER": ("false", False),
    "FLLC_JOBS_RETENTION_DAYS": ("90", 90),
    "FLLC_BACKUP_EVERY_MINUTES": ("15", 15),
    "FLLC_SMTP_URL": (
        "smtp://user:pass@mail.example:587?starttls=true&from=reports@example.com",
        "smtp://user:pass@mail.example:587?starttls=true&from=reports@example.com",
    ),
    "FLLC_REPORT_DELIVERY_BACKOFF_SECONDS": ("60", 60.0),
    "FLLC_POS_RECONCILE_MINUTES": ("5", 5),
}


def _documented_variables() -> list[str]:
    return re.findall(r"^\| `(FLLC_[A-Z0-9_]+)` \|", README.read_text(), flags=re.MULTILINE)


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLLC_")}
    return {**env, **extra}


def test_the_readme_table_lists_only_variables_this_test_knows() -> None:
    documented = _documented_variables()
    assert "FLLC_CORS_ORIGINS" in documented
    assert set(documented) == set(DOCUMENTED), "give every documented variable a value here"


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_every_documented_variable_is_read_in_its_documented_form(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in list(os.environ):
        if key.startswith("FLLC_"):
            monkeypatch.delenv(key)
    value, expected = DOCUMENTED[name]
    monkeypatch.setenv(name, value)
    if name == "FLLC_ENVIRONMENT":
        monkeypatch.setenv("FLLC_SECRET_KEY", STRONG)
    field = name.removeprefix("FLLC_").lower()
    read = getattr(Settings(), field)
    assert read == (value if expected is None else expected)


@pytest.mark.parametrize(
    "origins",
    ["https://inventory.example", "https://a.example, https://b.example", '["https://a.example"]'],
)
def test_every_command_starts_with_the_readme_cors_setting(tmp_path: Path, origins: str) -> None:
    env = _clean_env(
        FLLC_DATA_DIR=str(tmp_path / "data"),
        FLLC_ENVIRONMENT="production",
        FLLC_SECRET_KEY=STRONG,
        FLLC_CORS_ORIGINS=origins,
    )
    done = subprocess.run([*CLI, "migrate"], env=env, capture_output=True, text=True, timeout=99, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("weak", ["a" * 32, "changeme" * 4, "0123456789" * 4, "short-but-random-Q9"])
def test_production_refuses_weak_secrets(tmp_path: Path, weak: str) -> None:
    env = _clean_env(FLLC_DATA_DIR=str(tmp_path), FLLC_ENVIRONMENT="production", FLLC_SECRET_KEY=weak)
    done = subprocess.run([*CLI, "migrate"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "FLLC_SECRET_KEY" in done.stderr
    assert "Traceback" not in done.stderr
    with pytest.raises(ValueError, match="FLLC_METRICS_TOKEN"):
        Settings(environment="production", secret_key=STRONG, metrics_token=weak)


def test_generated_and_random_secrets_pass() -> None:
    import secrets

    for _ in range(20):
        Settings(environment="production", secret_key=secrets.token_urlsafe(48))
        Settings(environment="production", secret_key=secrets.token_hex(16))


def test_a_bad_proxy_address_is_a_settings_error_not_a_crash(tmp_path: Path) -> None:
    env = _clean_env(FLLC_DATA_DIR=str(tmp_path), FLLC_TRUSTED_PROXIES="10.0.0.5, not-an-address")
    done = subprocess.run([*CLI, "migrate"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "trusted_proxies" in done.stderr


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_embedded_database_and_data_dir_are_private(tmp_path: Path) -> None:
    data = tmp_path / "fresh"
    settings = Settings(environment="test", data_dir=data, log_level="WARNING")
    application = create_app(settings)
    async with LifespanManager(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            await http.post("/api/v1/auth/login", json={"username": "nobody", "password": "x" * 8})
        files = {p.name: _mode(p) for p in data.iterdir()}
        assert _mode(data) == 0o700
        assert {"fllc.sqlite3", "fllc.sqlite3-wal", "fllc.sqlite3-shm", "secret_key"} <= set(files)
        # Files 0600, folders (the object storage, where the first scheduled backup goes) 0700.
        assert all(mode == (0o700 if (data / name).is_dir() else 0o600) for name, mode in files.items()), (
            files
        )


def test_an_old_installation_is_made_private_at_start(tmp_path: Path) -> None:
    data = tmp_path / "old"
    data.mkdir(mode=0o755)
    for name in ("fllc.sqlite3", "fllc.sqlite3-wal", "fllc.sqlite3-shm", "secret_key"):
        (data / name).touch(mode=0o644)
        os.chmod(data / name, 0o644)
    os.chmod(data, 0o755)
    Settings(environment="test", data_dir=data).prepare_data_dir()
    assert _mode(data) == 0o700
    assert {_mode(p) for p in data.iterdir()} == {0o600}
