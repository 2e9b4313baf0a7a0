"""Benchmark: token-authenticated `GET /api/v1/me` beside a bare FastAPI route that returns the same
bytes (the framework floor), both under uvicorn with 1 worker, measured in the same run; plus login.

    .venv/bin/python bench/bench_me.py --seconds 10

What it does: recreates the MariaDB database `fllc_bench` (127.0.0.1:3306, root) and migrates it,
flushes Redis db 15, creates one user, starts `uvicorn --factory fllc_server.app:app_factory`
(1 worker, MariaDB + Redis, the default INFO request log sent to /dev/null) and a tiny FastAPI app
answering the same bytes, then drives each from a SEPARATE process with 32 keep-alive connections —
`wrk` when installed (apt-get install wrk), else a small asyncio HTTP/1.1 client in its own process.
Prints requests/s, p50/p99 of both, the ratio (target: /me >= 50% of the floor), and login p50/p99
with 2 connections (the Argon2 service time: two hashes run at once) and with 32 (queueing).
Each GET target is measured twice, alternating, and the better round of each is kept.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from _harness import Figure, machine_load, percentile, print_figures, process_cpu_seconds

HERE = Path(__file__).resolve().parent
SECRET = "bench-Zq3vK9pW2mX7tR4yB8nL6cF1hJ5sD0gA-uE_oIeQ"  # production refuses weak keys
USERNAME, PASSWORD = "bench.user", "bench-password-1"

# -- the framework floor: a bare FastAPI route answering the same bytes as /me ---------------------
try:
    from fastapi import FastAPI
    from fastapi.responses import Response

    floor_app = FastAPI()
    _FLOOR_BODY = os.environ.get("FLLC_BENCH_BODY", "{}").encode()

    @floor_app.get("/api/v1/me")
    async def floor_me() -> Response:
        return Response(_FLOOR_BODY, media_type="application/json")
except ImportError:  # the driver process needs no FastAPI
    pass


# -- the load driver (runs in its own process) ------------------------------------------------------
async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    match = re.search(rb"(?i)content-length:\s*(\d+)", head)
    await reader.readexactly(int(match.group(1)) if match else 0)
    return status


async def _worker(
    host: str, port: int, request: bytes, deadline: float, latencies: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(request)
            status = await _read_response(reader)
            latencies.append(time.perf_counter() - started)
            if status >= 300:
                errors.append(status)
    finally:
        writer.close()


async def _drive(args: argparse.Namespace) -> dict[str, Any]:
    url = httpx.URL(args.url)
    headers = [f"Host: {url.host}:{url.port}", "Connection: keep-alive", *args.header]
    body = (args.body or "").encode()
    if body:
        headers += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    request = (
        f"{args.method} {url.raw_path.decode()} HTTP/1.1\r\n" + "\r\n".join(headers) + "\r\n\r\n"
    ).encode() + body
    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    deadline = started + args.seconds
    await asyncio.gather(
        *(
            _worker(url.host, url.port or 80, request, deadline, latencies, errors)
            for _ in range(args.connections)
        )
    )
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000 if latencies else 0.0,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0.0,
        "errors": len(errors),
    }


def drive_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--body")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args(argv)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    print(json.dumps(asyncio.run(_drive(args))))


# -- wrk ---------------------------------------------------------------------------------------------
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk_latency(text: str, percent: str) -> float:
    match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    return float(match.group(1)) * _UNITS[match.group(2)] if match else float("nan")


def _wrk(
    url: str,
    headers: list[str],
    seconds: float,
    connections: int,
    method: str = "GET",
    body: str | None = None,
) -> dict[str, Any]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{int(seconds)}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    script = None
    if method != "GET":
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
            lua.write(
                f'wrk.method = "{method}"\nwrk.body = {json.dumps(body)}\n'
                'wrk.headers["Content-Type"] = "application/json"\n'
            )
            script = lua.name
        command += ["-s", script]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if script:
        os.unlink(script)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    requests = re.search(r"(\d+) requests in", output)
    return {
        "requests": int(requests.group(1)) if requests else 0,
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50_ms": _wrk_latency(output, "50"),
        "p99_ms": _wrk_latency(output, "99"),
        "errors": int(bad.group(1)) if bad else 0,
    }


def measure(
    driver: str,
    url: str,
    headers: list[str],
    seconds: float,
    connections: int,
    method: str = "GET",
    body: str | None = None,
    pid: int | None = None,
) -> dict[str, Any]:
    """One measurement from a separate process: wrk, or this file's asyncio driver. With the
    server's `pid`, also its CPU time per request — unlike req/s, barely moved by other work on
    the machine (other processes take turns on the cores, not this process's instructions)."""
    cpu_before = process_cpu_seconds(pid) if pid else 0.0
    result = _measure(driver, url, headers, seconds, connections, method, body)
    if pid and result["requests"]:
        result["cpu_us"] = (process_cpu_seconds(pid) - cpu_before) / result["requests"] * 1e6
    return result


def _measure(
    driver: str, url: str, headers: list[str], seconds: float, connections: int, method: str, body: str | None
) -> dict[str, Any]:
    if driver == "wrk":
        return _wrk(url, headers, seconds, connections, method, body)
    command = [
        sys.executable,
        __file__,
        "drive",
        "--url",
        url,
        "--seconds",
        str(seconds),
        "--connections",
        str(connections),
        "--method",
        method,
    ]
    for header in headers:
        command += ["--header", header]
    if body:
        command += ["--body", body]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result: dict[str, Any] = json.loads(output)
    return result


# -- setup -------------------------------------------------------------------------------------------
async def _prepare(database_url: str, redis_url: str) -> None:
    from redis.asyncio import Redis
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    url = make_url(database_url)
    server = create_async_engine(url.set(database=""))
    async with server.begin() as connection:
        await connection.execute(text(f"DROP DATABASE IF EXISTS {url.database}"))
        await connection.execute(text(f"CREATE DATABASE {url.database} CHARACTER SET utf8mb4"))
    await server.dispose()
    redis = Redis.from_url(redis_url)
    await redis.flushdb()
    await redis.aclose()


async def _create_user(env: dict[str, str]) -> None:
    from fllc_server.auth.permissions import Role
    from fllc_server.config import Settings
    from fllc_server.state import AppState
    from fllc_server.users.schemas import UserCreate
    from fllc_server.users.service import UserService

    settings = Settings(
        database_url=env["FLLC_DATABASE_URL"], redis_url=env["FLLC_REDIS_URL"], secret_key=SECRET
    )
    state = AppState.build(settings)
    async with state.db.transaction() as session:
        await UserService(session, state.passwords).create(
            UserCreate(username=USERNAME, password=PASSWORD, role=Role.STAFF, full_name="Bench User"),
            actor=None,
        )
    await state.close()


def _start(target: list[str], port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        *target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=1).status_code < 500:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"uvicorn on port {port} did not start")


def argon2_verify_ms(rounds: int = 20) -> float:
    """The login's floor: the median time of one Argon2id verify with the server's parameters."""
    from fllc_server.auth.passwords import Passwords

    passwords = Passwords(1)

    async def run() -> list[float]:
        hashed = await passwords.hash(PASSWORD)
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            assert await passwords.verify(hashed, PASSWORD)
            times.append((time.perf_counter() - started) * 1000)
        return times

    return percentile(asyncio.run(run()), 0.5)


def _line(name: str, result: dict[str, Any]) -> str:
    cpu = f"   server CPU {result['cpu_us']:>5.0f} us/request" if "cpu_us" in result else ""
    return (
        f"{name:<28} {result['rps']:>9.0f} req/s   p50 {result['p50_ms']:>7.2f} ms   "
        f"p99 {result['p99_ms']:>7.2f} ms   non-2xx {result['errors']}{cpu}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per target (best kept)")
    parser.add_argument("--login-connections", type=int, default=32)
    parser.add_argument(
        "--database-url", default="mysql+asyncmy://root@127.0.0.1:3306/fllc_bench?charset=utf8mb4"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--driver", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--port", type=int, default=8811)
    parser.add_argument("--floor-port", type=int, default=8812)
    args = parser.parse_args()
    driver = args.driver if args.driver != "auto" else ("wrk" if shutil.which("wrk") else "python")

    from fllc_server.migrations import upgrade

    asyncio.run(_prepare(args.database_url, args.redis_url))
    upgrade(args.database_url)
    env = {
        **os.environ,
        "FLLC_DATABASE_URL": args.database_url,
        "FLLC_REDIS_URL": args.redis_url,
        "FLLC_SECRET_KEY": SECRET,
        "FLLC_RATE_LIMIT": "100000000/minute",
        "FLLC_ENVIRONMENT": "production",
    }
    asyncio.run(_create_user(env))

    before = machine_load()
    server = _start(["--factory", "fllc_server.app:app_factory"], args.port, env)
    floor = None
    figures: list[Figure] = []
    try:
        base = f"http://127.0.0.1:{args.port}"
        login = httpx.post(f"{base}/api/v1/auth/login", json={"username": USERNAME, "password": PASSWORD})
        token = login.json()["access_token"]
        auth = [f"Authorization: Bearer {token}"]
        body = httpx.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}).content
        floor = _start(
            ["--app-dir", str(HERE), "bench_me:floor_app"],
            args.floor_port,
            {**env, "FLLC_BENCH_BODY": body.decode()},
        )
        floor_url = f"http://127.0.0.1:{args.floor_port}/api/v1/me"
        assert httpx.get(floor_url).content == body, "the floor must answer the same bytes"

        print(
            f"driver: {driver}; {args.connections} connections; {args.seconds:.0f} s per round; "
            f"{os.cpu_count()} CPUs; /me answers {len(body)} bytes"
        )
        measure(driver, f"{base}/api/v1/me", auth, 2, args.connections)  # warm-up
        measure(driver, floor_url, [], 2, args.connections)
        me_rounds, floor_rounds = [], []
        for _ in range(args.rounds):
            floor_rounds.append(measure(driver, floor_url, [], args.seconds, args.connections, pid=floor.pid))
            me_rounds.append(
                measure(driver, f"{base}/api/v1/me", auth, args.seconds, args.connections, pid=server.pid)
            )
        me = max(me_rounds, key=lambda r: r["rps"])
        bare = max(floor_rounds, key=lambda r: r["rps"])
        statuses = [
            line
            for line in httpx.get(f"{base}/metrics").text.splitlines()
            if line.startswith("fllc_http_requests_total") and 'route="/api/v1/me"' in line
        ]
        print("server-side /me answers:", "; ".join(line.split("{", 1)[1] for line in statuses))
        print(_line("floor (bare FastAPI route)", bare))
        print(_line("GET /api/v1/me (token)", me))
        ratio = me["rps"] / bare["rps"] if bare["rps"] else 0.0
        print(
            f"/me reaches {ratio:.0%} of the floor's requests/s (target >= 50%): "
            f"{'met' if ratio >= 0.5 else 'MISSED'}"
        )
        cpu_me = min(r["cpu_us"] for r in me_rounds if "cpu_us" in r)
        cpu_floor = min(r["cpu_us"] for r in floor_rounds if "cpu_us" in r)
        print(
            f"server CPU per request (least of {args.rounds} rounds): /me {cpu_me:.0f} us, floor "
            f"{cpu_floor:.0f} us -> /me costs {cpu_me / cpu_floor:.2f}x the floor's CPU "
            f"(= {cpu_floor / cpu_me:.0%} of its requests/s on a core of its own); {machine_load()}"
        )
        login_body = json.dumps({"username": USERNAME, "password": PASSWORD})
        for connections in sorted({2, args.login_connections}):
            signed_in = measure(
                driver,
                f"{base}/api/v1/auth/login",
                [],
                args.seconds,
                connections,
                method="POST",
                body=login_body,
            )
            print(_line(f"POST /auth/login (c={connections})", signed_in))
            if connections == 2:
                verify_ms = argon2_verify_ms()
                figures.append(
                    Figure(
                        "login p50, 2 connections", signed_in["p50_ms"], "ms", verify_ms, "one Argon2 verify"
                    )
                )
        same = "bare FastAPI, same bytes"
        figures[:0] = [
            Figure("GET /me req/s", me["rps"], "req/s", bare["rps"], same, None, 0.5, True),
            Figure("GET /me p99", me["p99_ms"], "ms", bare["p99_ms"], same),
            Figure("GET /me server CPU per request", cpu_me, "us", cpu_floor, same),
        ]
        print_figures("GET /me and login beside their floors", figures, before)
    finally:
        for process in (server, floor):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=30)  # queued logins finish first
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "drive":
        drive_main(sys.argv[2:])
    else:
        main()
