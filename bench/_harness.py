"""Shared pieces of the benchmarks: a fresh MariaDB database and Redis db, server processes started
and stopped, wrk runs with a Lua script (varying paths, auth header), percentiles, the floors that
each figure is compared with, and the table of figures every bench prints.

Machines of this project's kind differ by about 2x in speed, so each figure is printed beside a
floor measured in the same run on the same machine (a bare FastAPI route for HTTP, a bare
transaction for the database, a bare SQLite commit for the outbox, ...) and as a ratio to it;
where an absolute target cannot hold on every machine, the README states the target as a ratio.

Every benchmark imports this from its own directory (`from _harness import ...`); nothing here
is a test, and nothing here may point at a database anyone cares about: `fresh_mariadb` drops it.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
VENV_BIN = REPO / ".venv" / "bin"


def machine_load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min) on {os.cpu_count()} CPUs"


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of `values` (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


# -- figures and their floors --------------------------------------------------------------------
@dataclass(frozen=True)
class Figure:
    """One measured figure beside its floor from the same run. ``higher_is_better`` for rates."""

    name: str
    value: float
    unit: str
    floor: float
    floor_name: str
    target: float | None = None  # absolute, in ``unit``
    target_ratio: float | None = None  # value / floor
    higher_is_better: bool = False

    @property
    def ratio(self) -> float:
        return self.value / self.floor if self.floor else float("inf")

    def _meets(self, value: float, bound: float) -> bool:
        return value >= bound if self.higher_is_better else value <= bound

    def verdicts(self) -> str:
        sign = ">=" if self.higher_is_better else "<="
        parts = []
        if self.target is not None:
            ok = self._meets(self.value, self.target)
            parts.append(f"{sign} {self.target:g} {self.unit}: {'met' if ok else 'MISSED'}")
        if self.target_ratio is not None:
            ok = self._meets(self.ratio, self.target_ratio)
            parts.append(f"{sign} {self.target_ratio:g}x floor: {'met' if ok else 'MISSED'}")
        return "; ".join(parts) or "-"

    def line(self) -> str:
        return (
            f"{self.name:<46} {self.value:>10.2f} {self.unit:<6} floor {self.floor:>9.2f} "
            f"({self.floor_name}) = {self.ratio:>6.2f}x   {self.verdicts()}"
        )


def print_figures(title: str, figures: Sequence[Figure], load_before: str) -> None:
    """The bench's table: each figure, its floor, the ratio and the verdicts; the load around it."""
    print(f"\n== {title}")
    print(f"before: {load_before}")
    for figure in figures:
        print(figure.line())
    print(f"after:  {machine_load()}")


def sequential_latencies(
    url: str, count: int, *, method: str = "GET", json_body: object = None
) -> list[float]:
    """Seconds per request for ``count`` requests one after another over one keep-alive connection."""
    latencies = []
    with httpx.Client(timeout=30) as client:
        for _ in range(count):
            started = time.perf_counter()
            client.request(method, url, json=json_body).raise_for_status()
            latencies.append(time.perf_counter() - started)
    return latencies


def start_floor_app(env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """The HTTP floor (bench/floor_app.py: bare FastAPI routes under uvicorn as `serve` runs it)."""
    import sys

    port = free_port()
    process = start_server(
        [sys.executable, str(BENCH_DIR / "floor_app.py"), "--port", str(port)],
        {**os.environ, **(env or {})},
        f"http://127.0.0.1:{port}/healthz",
    )
    return process, f"http://127.0.0.1:{port}"


def bare_transactions_seconds(database_url: str, rows: int, batch: int) -> float:
    """The database floor: ``rows`` two-column rows inserted into a scratch table, ``batch`` per
    transaction (one executemany and a commit each), with the server's driver and pool settings."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    async def run() -> float:
        engine = create_async_engine(database_url)
        async with engine.begin() as connection:
            await connection.execute(text("DROP TABLE IF EXISTS bench_floor"))
            await connection.execute(
                text("CREATE TABLE bench_floor (id INTEGER PRIMARY KEY AUTO_INCREMENT, a INTEGER, b INTEGER)")
                if engine.dialect.name == "mysql"
                else text("CREATE TABLE bench_floor (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER)")
            )
        started = time.perf_counter()
        for start in range(0, rows, batch):
            values = [{"a": n, "b": n % 100} for n in range(start, min(rows, start + batch))]
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO bench_floor (a, b) VALUES (:a, :b)"), values)
        seconds = time.perf_counter() - started
        async with engine.begin() as connection:
            await connection.execute(text("DROP TABLE bench_floor"))
        await engine.dispose()
        return seconds

    return asyncio.run(run())


# -- databases ------------------------------------------------------------------------------------
def fresh_mariadb(database_url: str) -> None:
    """DROP and CREATE the database named in `database_url` (utf8mb4)."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    url = make_url(database_url)
    if not (url.database or "").startswith("fllc_bench"):
        raise SystemExit(f"refusing to drop {url.database!r}: bench databases are named fllc_bench*")

    async def run() -> None:
        server = create_async_engine(url.set(database=""))
        async with server.begin() as connection:
            await connection.execute(text(f"DROP DATABASE IF EXISTS {url.database}"))
            await connection.execute(text(f"CREATE DATABASE {url.database} CHARACTER SET utf8mb4"))
        await server.dispose()

    asyncio.run(run())


def flush_redis(redis_url: str) -> None:
    from redis import Redis

    client = Redis.from_url(redis_url)
    client.flushdb()
    client.close()


# -- processes ------------------------------------------------------------------------------------
def start_server(
    command: Sequence[str], env: dict[str, str], ready_url: str, timeout: float = 120.0
) -> subprocess.Popen[bytes]:
    """Start `command` (its output discarded) and wait until `ready_url` answers below 500."""
    process = subprocess.Popen(
        list(command), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{command[0]} exited with {process.returncode} before it was ready")
        try:
            if httpx.get(ready_url, timeout=1).status_code < 500:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    stop(process)
    raise SystemExit(f"{' '.join(command)} was not ready within {timeout:.0f} s")


def stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# -- wrk ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LoadResult:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def lua_paths_script(paths: Sequence[str], headers: dict[str, str]) -> str:
    """A wrk script sending `paths` in turn (one thread: each path once per cycle) with `headers`."""
    lines = [f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}" for name, value in headers.items()]
    listed = ",\n".join(json.dumps(path) for path in paths)
    return "\n".join(
        [
            *lines,
            f"local paths = {{\n{listed}\n}}",
            "local i = 0",
            "request = function()",
            "  i = i % #paths + 1",
            '  return wrk.format("GET", paths[i])',
            "end",
            "",
        ]
    )


def _latency(output: str, percent: str) -> float:
    match = re.search(rf"^\s*{percent}(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    return float(match.group(1)) * _UNITS[match.group(2)] if match else float("nan")


def wrk(base_url: str, script: str, *, seconds: float, connections: int) -> LoadResult:
    """One closed-loop wrk run (1 thread, `connections` keep-alive connections) with `script`."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    try:
        command = [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--latency",
            "-s",
            lua.name,
            base_url,
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(lua.name)
    requests = re.search(r"(\d+) requests in", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*?(\d+) timeout", output)
    return LoadResult(
        requests=int(requests.group(1)) if requests else 0,
        rps=float(rps.group(1)) if rps else 0.0,
        p50_ms=_latency(output, "50"),
        p99_ms=_latency(output, "99"),
        errors=(int(bad.group(1)) if bad else 0) + (int(errors.group(1)) if errors else 0),
    )
