"""A real ``fllc-server`` process for tests and benches: the one launcher every suite uses.

It runs the installed command (``fllc-server serve``, the way an operator starts it) on a free port with
a data dir, a secret and, when given, a MariaDB/MySQL and a Redis URL; ``FLLC_*`` variables of the
calling process are not inherited, so the server sees only what the test says. ``cli`` runs the other
subcommands (``migrate``, ``create-user``...) against the same configuration.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, urlsplit, urlunsplit

SERVER_BIN = Path(sys.executable).with_name("fllc-server")
READY_TIMEOUT = 60.0  # seconds; a MariaDB server runs its migrations first
STOP_TIMEOUT = 15.0  # seconds from SIGTERM to SIGKILL
CLI_TIMEOUT = 180.0
_POLL = 0.05  # seconds between readiness probes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerStartError(RuntimeError):
    """The server process ended during start-up; the message carries the end of its log."""


@dataclass
class ServerProcess:
    """One server process; ``start`` after ``stop`` or ``kill`` serves the same data on the same port."""

    data_dir: Path
    secret_key: str
    database_url: str | None = None
    redis_url: str | None = None
    rate_limit: str = "1000000/minute"
    extra_env: dict[str, str] = field(default_factory=dict)
    serve_args: tuple[str, ...] = ()  # more options of ``serve`` (``--workers 2``)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLLC_")}
        env.update(
            FLLC_DATA_DIR=str(self.data_dir),
            FLLC_SECRET_KEY=self.secret_key,
            FLLC_ENVIRONMENT="test",
            FLLC_RATE_LIMIT=self.rate_limit,
            FLLC_LOG_LEVEL="WARNING",
            FLLC_BACKUP_EVERY_MINUTES="0",  # no scheduled backups unless extra_env asks for them
        )
        if self.database_url:
            env["FLLC_DATABASE_URL"] = self.database_url
        if self.redis_url:
            env["FLLC_REDIS_URL"] = self.redis_url
        env.update(self.extra_env)
        return env

    def cli(self, *args: str, stdin: str = "") -> str:
        """Run ``fllc-server ARGS`` on this server's configuration; returns its standard output."""
        result = subprocess.run(  # noqa: S603 - the installed fllc-server, arguments from the test
            [str(SERVER_BIN), *args],
            env=self.env(),
            input=stdin.encode(),
            check=True,
            capture_output=True,
            timeout=CLI_TIMEOUT,
        )
        return result.stdout.decode()

    def create_user(self, username: str, role: str, password: str) -> None:
        self.cli("create-user", username, "--role", role, stdin=password + "\n")

    def start(self) -> None:
        """Start the process and return once ``/healthz`` answers 200."""
        self.launch()
        self.wait_until_ready()

    def launch(self) -> None:
        """Start the process without waiting (several servers then start side by side)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - the installed fllc-server
                [str(SERVER_BIN), "serve", "--host", "127.0.0.1", "--port", str(self.port), *self.serve_args],
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1

    def wait_until_ready(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise ServerStartError(f"fllc-server exited early; {self.log_path}:\n{self.log_tail()}")
            if self._healthy():
                return
            time.sleep(_POLL)
        raise TimeoutError(f"fllc-server did not become ready within {timeout:.0f} s; see {self.log_path}")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=1.0) as response:  # noqa: S310 - our own http URL
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def stop(self) -> None:
        """A clean stop (SIGTERM), as when the server machine shuts down."""
        if self.process is not None and self.running:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        """A crash (SIGKILL): whatever transaction was open is lost."""
        if self.process is not None and self.running:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None


@dataclass
class JobProcess:
    """A ``fllc-server worker`` (or ``scheduler``) process on a server's configuration (its data dir,
    secret, database, Redis and extra environment); ``start`` returns once it says it is ready."""

    server: ServerProcess
    name: str
    command: tuple[str, ...] = ("worker",)
    process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.server.data_dir / f"{self.name}.log"

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} is not running"
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = READY_TIMEOUT) -> None:
        self.server.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - the installed fllc-server
                [str(SERVER_BIN), *self.command], env=self.server.env(), stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise ServerStartError(f"fllc-server {self.command[0]} exited early:\n{self.log_tail()}")
            if b" ready" in self.log_path.read_bytes():
                return
            time.sleep(_POLL)
        raise TimeoutError(
            f"fllc-server {self.command[0]} not ready within {timeout:.0f} s; see {self.log_path}"
        )

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def signal(self, signum: int) -> None:
        if self.process is not None and self.running:
            self.process.send_signal(signum)

    def kill(self) -> None:
        """SIGKILL: the process ends mid-whatever, holding its leases until they lapse."""
        if self.process is not None and self.running:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.running:
            self.process.send_signal(signal.SIGCONT)  # a paused process cannot hear SIGTERM
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def own_database(test_url: str, suffix: str) -> str:
    """``mysql+asyncmy://root@host:3306/test`` -> the same server, database ``test_<suffix>``, dropped and
    created again, so a suite that runs its own server processes never touches other suites' tables."""
    parts = urlsplit(test_url)
    name = f"{parts.path.lstrip('/') or 'test'}_{suffix}"
    asyncio.run(_recreate_database(parts, name))
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _recreate_database(server: SplitResult, name: str) -> None:
    import asyncmy

    connection = await asyncmy.connect(
        host=server.hostname or "127.0.0.1",
        port=server.port or 3306,
        user=server.username or "root",
        password=server.password or "",
    )
    try:
        async with connection.cursor() as cursor:
            await cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            await cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    finally:
        connection.close()


def redis_database(test_url: str, number: int) -> str:
    """The same Redis server, database ``number`` (a suite's own, away from the others' flushes)."""
    return urlunsplit(urlsplit(test_url)._replace(path=f"/{number}"))
