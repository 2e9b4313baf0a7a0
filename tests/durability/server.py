"""The durability tests' server: the shared launcher (:mod:`fllc_server.testing`), which they stop,
kill and restart on the same port, with this suite's secret and admin, its own MariaDB database and
Redis database 12."""

from __future__ import annotations

from pathlib import Path

from fllc_server.testing import ServerProcess, own_database, redis_database

__all__ = ["ADMIN", "ServerProcess", "durability_server"]

SECRET = "durability-tests-secret-key-0123456789abcdef0123"
ADMIN = ("dora", "dora-admin-pass-1")
DURABILITY_REDIS_DB = 12


def durability_server(
    data_dir: Path,
    database_url: str | None = None,
    redis_url: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> ServerProcess:
    """Embedded when no URLs are given; otherwise database ``<test>_durability`` (re-created) and Redis
    db 12 of the servers the test URLs name, away from the other suites' tables and flushes."""
    return ServerProcess(
        data_dir,
        SECRET,
        database_url=own_database(database_url, "durability") if database_url else None,
        redis_url=redis_database(redis_url, DURABILITY_REDIS_DB) if redis_url else None,
        extra_env=dict(extra_env or {}),
    )
