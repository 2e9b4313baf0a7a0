"""A real ``fllc-server`` process for the GUI tests: started on a free port, users made by the CLI."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

REPO = Path(__file__).resolve().parents[2]
SERVER_BIN = Path(sys.executable).with_name("fllc-server")
SECRET = "gui-tests-secret-key-0123456789abcdef0123456789"
PASSWORDS = {
    "admin": "admin-pass-1",
    "manager": "manager-pass-1",
    "staff": "staff-pass-1",
    "viewer": "viewer-pass-1",
}
USERNAMES = {"admin": "ada", "manager": "max", "staff": "sam", "viewer": "vic"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    data_dir: Path
    database_url: str | None = None
    redis_url: str | None = None
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLLC_")}
        env.update(
            FLLC_DATA_DIR=str(self.data_dir),
            FLLC_SECRET_KEY=SECRET,
            FLLC_RATE_LIMIT="100000/minute",
            FLLC_LOG_LEVEL="WARNING",
        )
        if self.database_url:
            env["FLLC_DATABASE_URL"] = self.database_url
        if self.redis_url:
            env["FLLC_REDIS_URL"] = self.redis_url
        return env

    def cli(self, *args: str, stdin: str | None = None) -> None:
        subprocess.run(
            [str(SERVER_BIN), *args],
            env=self.env(),
            input=(stdin or "").encode(),
            check=True,
            capture_output=True,
            timeout=120,
        )

    def create_user(self, username: str, role: str, password: str) -> None:
        self.cli("create-user", username, "--role", role, stdin=password + "\n")

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = (self.data_dir / "server.log").open("ab")
        self.process = subprocess.Popen(
            [str(SERVER_BIN), "serve", "--port", str(self.port)],
            env=self.env(),
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.wait_until_ready()

    def wait_until_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                log = (self.data_dir / "server.log").read_text(errors="replace")
                raise RuntimeError(f"fllc-server exited early:\n{log[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError("fllc-server did not become ready")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def gui_database_url(test_url: str) -> str:
    """``mysql+asyncmy://root@host:3306/test`` → the same server, database ``test_gui`` (re-created),
    so the GUI tests never touch the server tests' tables."""
    parts = urlsplit(test_url)
    name = (parts.path.lstrip("/") or "test") + "_gui"
    host, port = parts.hostname or "127.0.0.1", parts.port or 3306
    asyncio.run(_recreate_database(host, port, parts.username or "root", parts.password or "", name))
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _recreate_database(host: str, port: int, user: str, password: str, name: str) -> None:
    import asyncmy  # type: ignore[import-untyped]

    connection = await asyncmy.connect(host=host, port=port, user=user, password=password)
    try:
        async with connection.cursor() as cursor:
            await cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            await cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    finally:
        connection.close()


def gui_redis_url(test_url: str) -> str:
    """The same Redis on database 13, away from the server tests' flushes."""
    parts = urlsplit(test_url)
    return urlunsplit(parts._replace(path="/13"))
