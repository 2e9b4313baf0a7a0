"""The GUI tests' server: the shared launcher (:mod:`fllc_server.testing`) with this suite's secret,
accounts, its own MariaDB database and Redis database 13."""

from __future__ import annotations

from pathlib import Path

from fllc_server.testing import ServerProcess, free_port, own_database, redis_database

__all__ = ["PASSWORDS", "REPO", "USERNAMES", "ServerProcess", "free_port", "gui_server"]

REPO = Path(__file__).resolve().parents[2]
SECRET = "gui-tests-secret-key-0123456789abcdef0123456789"
GUI_REDIS_DB = 13
PASSWORDS = {
    "admin": "admin-pass-1",
    "manager": "manager-pass-1",
    "staff": "staff-pass-1",
    "viewer": "viewer-pass-1",
}
USERNAMES = {"admin": "ada", "manager": "max", "staff": "sam", "viewer": "vic"}


def gui_server(
    data_dir: Path, database_url: str | None = None, redis_url: str | None = None
) -> ServerProcess:
    """Embedded when no URLs are given; otherwise database ``<test>_gui`` (re-created) and Redis db 13 of
    the servers the test URLs name, so the GUI tests never touch the server tests' tables or keys."""
    return ServerProcess(
        data_dir,
        SECRET,
        database_url=own_database(database_url, "gui") if database_url else None,
        redis_url=redis_database(redis_url, GUI_REDIS_DB) if redis_url else None,
        rate_limit="100000/minute",
        # on Redis the jobs (reports, inbox, EDI) are a worker's: this one process runs them too, as
        # a small site's `serve` does with FLLC_JOBS_IN_PROCESS (embedded: always in process)
        extra_env={"FLLC_JOBS_IN_PROCESS": "true"} if redis_url else {},
    )
