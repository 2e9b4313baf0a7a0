"""Server test fixtures: every test runs on the embedded default and, when FLLC_TEST_DATABASE_URL
and FLLC_TEST_REDIS_URL are set, again on real MariaDB/MySQL + Redis.

- the schema is built by the real Alembic migrations, once per backend and session;
- embedded: each test gets a copy of a migrated SQLite file; MariaDB: each test starts from
  emptied tables and a flushed Redis database;
- the app runs its real lifespan; requests go through the full ASGI stack (middleware included).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from fllc_server.app import create_app
from fllc_server.auth.passwords import Passwords
from fllc_server.auth.permissions import Role
from fllc_server.config import Settings
from fllc_server.migrations import upgrade
from fllc_server.models import Base
from fllc_server.testing import ServerProcess, free_port
from fllc_server.users.schemas import UserCreate
from fllc_server.users.service import UserService
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

TEST_SECRET = "test-secret-" + "x" * 40
PASSWORD = "correct-horse-9"


@dataclass(frozen=True)
class Backend:
    name: str
    template: Path | None = None  # a migrated SQLite file (embedded)
    database_url: str | None = None
    redis_url: str | None = None


def _backend_names() -> list[str]:
    names = ["embedded"]
    if os.environ.get("FLLC_TEST_DATABASE_URL"):
        names.append("mariadb")
    return names


@pytest.fixture(scope="session", params=_backend_names())
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    if request.param == "embedded":
        template = tmp_path_factory.mktemp("template") / "fllc.sqlite3"
        upgrade(f"sqlite+aiosqlite:///{template}")
        return Backend("embedded", template=template)
    url = os.environ["FLLC_TEST_DATABASE_URL"]
    redis_url = os.environ.get("FLLC_TEST_REDIS_URL")
    if not redis_url:
        pytest.fail("FLLC_TEST_DATABASE_URL is set but FLLC_TEST_REDIS_URL is not")
    upgrade(url)
    return Backend("mariadb", database_url=url, redis_url=redis_url)


async def _empty_database(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("SET FOREIGN_KEY_CHECKS=0"))
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(text(f"DELETE FROM {table.name}"))
        await connection.execute(text("SET FOREIGN_KEY_CHECKS=1"))
    await engine.dispose()


async def _flush_redis(url: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(url)
    await redis.flushdb()
    await redis.aclose()


@pytest.fixture
async def settings(backend: Backend, tmp_path: Path) -> Settings:
    """Settings for one test, on a clean database."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if backend.template is not None:
        shutil.copy(backend.template, data_dir / "fllc.sqlite3")
        database_url = None
    else:
        assert backend.database_url
        assert backend.redis_url
        await _empty_database(backend.database_url)
        await _flush_redis(backend.redis_url)
        database_url = backend.database_url
    return Settings(
        environment="test",
        data_dir=data_dir,
        database_url=database_url,
        redis_url=backend.redis_url,
        secret_key=TEST_SECRET,
        rate_limit="100000/minute",
        log_json=True,
        log_level="WARNING",
        backup_every_minutes=0,  # scheduled backups only where a test asks for them
        # no scheduler (periodic jobs, retries, rescues) but where a test asks for one: otherwise
        # every test's app would send and run the periodic jobs at its start, beside the test
        jobs_scheduler=False,
    )


def fast_passwords() -> Passwords:
    """Argon2id with the cheapest parameters: the real algorithm, at test speed."""
    return Passwords(4, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings, migrate=False)
    application.state.fllc.passwords = fast_passwords()
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


MakeUser = Callable[..., Awaitable[dict[str, object]]]


@pytest.fixture
def make_user(app: FastAPI) -> MakeUser:
    """Create a user directly through the service; returns {id, username, password, role}."""
    counter = iter(range(1, 10_000))

    async def make(
        role: str | Role = Role.STAFF, username: str | None = None, password: str = PASSWORD
    ) -> dict[str, object]:
        state = app.state.fllc
        name = username or f"{Role(role).value}{next(counter)}"
        async with state.db.transaction() as session:
            user = await UserService(session, state.passwords).create(
                UserCreate(username=name, password=password, role=Role(role)), actor=None
            )
        return {"id": user.id, "username": name, "password": password, "role": Role(role).value}

    return make


Login = Callable[..., Awaitable[dict[str, str]]]


@pytest.fixture
def login(client: httpx.AsyncClient) -> Login:
    """Sign in and return the token pair (raises on failure)."""

    async def do(username: str, password: str = PASSWORD) -> dict[str, str]:
        response = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        body: dict[str, str] = response.json()
        return body

    return do


AuthHeaders = Callable[..., Awaitable[dict[str, str]]]


@pytest.fixture
def auth_headers(make_user: MakeUser, login: Login) -> AuthHeaders:
    """`await auth_headers("manager")` → headers of a freshly created, signed-in user of that role."""
    cache: dict[str, dict[str, str]] = {}

    async def headers(role: str | Role = Role.ADMIN) -> dict[str, str]:
        key = Role(role).value
        if key not in cache:
            user = await make_user(key)
            tokens = await login(str(user["username"]))
            cache[key] = {"Authorization": f"Bearer {tokens['access_token']}"}
        return cache[key]

    return headers


# -- real server processes on the shared backend --------------------------------------------------------


@pytest.fixture
def two_servers(backend: Backend, settings: Settings, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two ``fllc-server`` processes (fllc_server.testing) on the test's emptied MariaDB and Redis;
    yields their base URLs."""
    if backend.name != "mariadb":
        pytest.skip("needs the shared MariaDB + Redis backend: the servers share database, cache, pub/sub")
    servers = [
        ServerProcess(
            tmp_path / f"server-{n}",
            TEST_SECRET,
            database_url=backend.database_url,
            redis_url=backend.redis_url,
            rate_limit="100000/minute",
        )
        for n in range(2)
    ]
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_until_ready()
        yield servers[0].url, servers[1].url
    finally:
        for server in servers:
            server.stop()


# -- a scratch database ---------------------------------------------------------------------------------


@pytest.fixture
async def scratch_url(backend: Backend, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of the backend under test, dropped afterwards."""
    if backend.database_url is None:
        yield f"sqlite+aiosqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    url = make_url(backend.database_url)
    name = f"fllc_mig_{uuid.uuid4().hex[:10]}"
    server = create_async_engine(url.set(database=""))
    async with server.begin() as connection:
        await connection.execute(text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        async with server.begin() as connection:
            await connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        await server.dispose()


@dataclass
class DeadPartner:
    """A partner that accepts TCP connections and never answers (a hung POS host or bucket)."""

    url: str
    connections: int = 0


@pytest.fixture
async def dead_partner() -> AsyncIterator[DeadPartner]:
    import asyncio

    writers: list[asyncio.StreamWriter] = []
    handlers: set[asyncio.Task[object]] = set()

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        partner.connections += 1
        writers.append(writer)
        if (task := asyncio.current_task()) is not None:
            handlers.add(task)
        await reader.read()  # until the caller gives up and closes (or the test ends)

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    partner = DeadPartner(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
    try:
        yield partner
    finally:
        server.close()
        for writer in writers:  # a client thread still waiting on its socket gets EOF and ends
            writer.close()
        if handlers:
            await asyncio.wait(handlers, timeout=10)


MOTO_SERVER = Path(sys.executable).with_name("moto_server")


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto_server process on a free port; yields its endpoint URL."""
    executable = str(MOTO_SERVER) if MOTO_SERVER.exists() else shutil.which("moto_server")
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("moto_server (moto[server]) is not installed")
        pytest.skip("moto_server (moto[server]) is not installed")
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    process = subprocess.Popen([executable, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto_server did not start (exit {process.poll()})")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
