"""The fllc-server command line, run as a subprocess: create-user reads the password from stdin
(never argv), migrate, seed-demo on a temporary data dir (and on MariaDB when configured)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI
from fllc_server.config import Settings
from fllc_server.models import Product, User
from sqlalchemy import func, select

CLI = [sys.executable, "-m", "fllc_server.cli"]


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLLC_")}
    env.update(
        {
            "FLLC_DATA_DIR": str(settings.data_dir),
            "FLLC_SECRET_KEY": settings.secret_key or "",
            "FLLC_LOG_LEVEL": "WARNING",
            "FLLC_ENVIRONMENT": "test",
        }
    )
    if settings.database_url:
        env["FLLC_DATABASE_URL"] = settings.database_url
    return env


def _run(settings: Settings, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_env(settings),
        timeout=240,
        check=False,
    )


async def _user(app: FastAPI, username: str) -> User | None:
    async with app.state.fllc.db.sessions() as session:
        user: User | None = await session.scalar(select(User).where(User.username == username))
        return user


async def test_create_user_reads_the_password_from_stdin(settings: Settings, app: FastAPI) -> None:
    result = _run(
        settings,
        "create-user",
        "dock.worker",
        "--role",
        "staff",
        "--full-name",
        "Dock Worker",
        stdin="stdin-password-1\n",
    )
    assert result.returncode == 0, result.stderr
    assert "created user dock.worker" in result.stdout
    assert "stdin-password-1" not in result.stdout + result.stderr
    user = await _user(app, "dock.worker")
    assert user is not None
    assert user.role == "staff"
    assert user.full_name == "Dock Worker"
    assert await app.state.fllc.passwords.verify(user.password_hash, "stdin-password-1")


async def test_create_user_never_takes_the_password_from_argv(settings: Settings, app: FastAPI) -> None:
    result = _run(
        settings,
        "create-user",
        "argv.user",
        "--role",
        "staff",
        "--password",
        "in-argv-123",
        stdin="stdin-password-1\n",
    )
    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr
    assert await _user(app, "argv.user") is None


async def test_create_user_refuses_bad_input(settings: Settings, app: FastAPI) -> None:
    short = _run(settings, "create-user", "short.pw", "--role", "staff", stdin="short\n")
    assert short.returncode == 2
    assert "password" in short.stderr
    role = _run(settings, "create-user", "bad.role", "--role", "owner", stdin="long-enough-1\n")
    assert role.returncode == 2
    assert _run(settings, "create-user", "twice", "--role", "viewer", stdin="long-enough-1\n").returncode == 0
    again = _run(settings, "create-user", "twice", "--role", "viewer", stdin="long-enough-1\n")
    assert again.returncode == 1
    assert "taken" in again.stderr


def test_migrate_brings_a_fresh_data_dir_to_head(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "fresh", secret_key="m" * 40)
    result = _run(settings, "migrate")
    assert result.returncode == 0, result.stderr
    assert "revision head" in result.stdout
    with sqlite3.connect(tmp_path / "fresh" / "fllc.sqlite3") as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master where type='table'")}
        (revision,) = db.execute("select version_num from alembic_version").fetchone()
    assert {"users", "products", "inventory_log", "change_log"} <= tables
    assert revision


async def test_seed_demo_loads_once_and_respects_if_empty(settings: Settings, app: FastAPI) -> None:
    result = _run(settings, "seed-demo", "--products", "300")
    assert result.returncode == 0, result.stderr
    assert "300 products" in result.stdout
    for account in (
        "admin    admin-demo-1",
        "manager  manager-demo-1",
        "staff    staff-demo-1",
        "viewer   viewer-demo-1",
    ):
        assert account in result.stdout
    again = _run(settings, "seed-demo", "--products", "300", "--if-empty")
    assert again.returncode == 0, again.stderr
    assert "not loaded" in again.stdout
    async with app.state.fllc.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Product)) == 300


@pytest.mark.parametrize("command", [["--help"], ["seed-demo", "--help"], ["create-user", "--help"]])
def test_help_works(tmp_path: Path, command: list[str]) -> None:
    result = _run(Settings(data_dir=tmp_path, secret_key="h" * 40), *command)
    assert result.returncode == 0
    assert "usage" in result.stdout


async def test_reset_mfa_turns_off_a_users_second_factor_audited(
    settings: Settings, app: FastAPI, make_user
) -> None:
    """`fllc-server reset-mfa USER`: the way back in for the last admin who lost their phone."""
    from fllc_server.auth.mfa import Mfa
    from fllc_server.models import AuditEntry, MfaCredential, utcnow

    user = await make_user("admin")
    async with app.state.fllc.db.transaction() as session:
        state = app.state.fllc
        await Mfa(session, state.cache, state.limiter).begin_enrolment(int(user["id"]), str(user["username"]))
        credential = await session.scalar(select(MfaCredential).where(MfaCredential.user_id == user["id"]))
        assert credential is not None
        credential.confirmed_at = utcnow()

    # In a thread: the app's background tasks (job scheduler, job queue) keep running meanwhile,
    # so a write transaction one of them began can finish instead of holding the CLI at SQLite's lock.
    result = await asyncio.to_thread(_run, settings, "reset-mfa", str(user["username"]))
    assert result.returncode == 0, result.stderr
    assert "two-step sign-in" in result.stdout
    async with app.state.fllc.db.sessions() as session:
        assert await session.scalar(select(MfaCredential).where(MfaCredential.user_id == user["id"])) is None
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "user.mfa_reset"))
        assert entry is not None
    assert (await asyncio.to_thread(_run, settings, "reset-mfa", "nobody-here")).returncode == 1
