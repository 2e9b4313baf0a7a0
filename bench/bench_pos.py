"""Benchmark: POS webhook intake — the generic sales webhook (API key) storing each event in the
inbox and answering — beside the framework floor (bench/floor_app.py's POST /floor/echo, a bare
FastAPI route validating and echoing a JSON body), both under uvicorn with 1 worker in this run.

    .venv/bin/python bench/bench_pos.py --seconds 10

What it does: recreates the MariaDB database `fllc_bench_pos` (127.0.0.1:3306, root) and
migrates it, flushes Redis db 10, makes a service account with a pos.write key (directly in the
database), starts `uvicorn --factory fllc_server.app:app_factory` (1 worker, MariaDB + Redis, the
request log to /dev/null) and drives it with wrk (32 connections, one thread, every request a new
event id: a Lua counter), then the floor the same way. The inbox.handle jobs handle the sales in the
same process while it measures (each event is a one-line sale of an unknown SKU, so handling
stores an unmapped line and moves no stock). Prints accepted/s and p99 of both, the ratios
(targets: >= 1,000 accepted/s, p99 <= 20 ms) and the machine's load before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
from pathlib import Path

from _harness import (
    VENV_BIN,
    Figure,
    flush_redis,
    free_port,
    fresh_mariadb,
    have_wrk,
    machine_load,
    print_figures,
    start_floor_app,
    start_server,
    stop,
    wrk,
)

SECRET = secrets.token_urlsafe(48)
BODY = (
    '{"type":"sale","event_id":"bench-%d","sale_id":"S-%d","paid":true,'
    '"lines":[{"sku":"BENCH-UNKNOWN","quantity":1,"unit_price":"2.50"}]}'
)


def post_script(path: str, headers: dict[str, str]) -> str:
    lines = [f'wrk.headers["{name}"] = "{value}"' for name, value in headers.items()]
    return "\n".join(
        [
            *lines,
            'wrk.method = "POST"',
            "local n = 0",
            "request = function()",
            "  n = n + 1",
            f"  local body = string.format('{BODY}', n, n)",
            f'  return wrk.format("POST", "{path}", nil, body)',
            "end",
            "",
        ]
    )


def make_key(database_url: str) -> str:
    from fllc_server.auth.api_keys import make_key as new_key
    from fllc_server.models import ApiKey, ServiceAccount
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    made = new_key()

    async def run() -> None:
        engine = create_async_engine(database_url)
        async with async_sessionmaker(engine)() as session, session.begin():
            account = ServiceAccount(name="bench-till", integration="generic")
            session.add(account)
            await session.flush()
            session.add(
                ApiKey(
                    service_account_id=account.id,
                    prefix=made.prefix,
                    key_hash=made.key_hash,
                    scopes=["pos.write"],
                )
            )
        await engine.dispose()

    asyncio.run(run())
    return made.key


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--database-url", default="mysql+asyncmy://root@127.0.0.1:3306/fllc_bench_pos?charset=utf8mb4"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    parser.add_argument(
        "--intake-only", action="store_true", help="the server runs no jobs: the CPU of answering alone"
    )
    args = parser.parse_args()
    if not have_wrk():
        raise SystemExit("wrk is needed: apt-get install wrk")
    load_before = machine_load()
    fresh_mariadb(args.database_url)
    flush_redis(args.redis_url)
    env = {
        **os.environ,
        "FLLC_DATABASE_URL": args.database_url,
        "FLLC_REDIS_URL": args.redis_url,
        "FLLC_SECRET_KEY": SECRET,
        "FLLC_RATE_LIMIT": "100000000/minute",
        # the server handles the inbox.handle jobs itself (as the inbox runner did), unless told not to
        "FLLC_JOBS_IN_PROCESS": "false" if args.intake_only else "true",
        "FLLC_ENVIRONMENT": "production",
        "FLLC_DATA_DIR": str(Path("/tmp") / "fllc-bench-pos"),
    }
    subprocess.run([str(VENV_BIN / "fllc-server"), "migrate"], env=env, check=True, capture_output=True)
    key = make_key(args.database_url)
    port = free_port()
    server = start_server(
        [
            str(VENV_BIN / "uvicorn"),
            "--factory",
            "fllc_server.app:app_factory",
            "--port",
            str(port),
            "--no-access-log",
        ],
        env,
        f"http://127.0.0.1:{port}/healthz",
    )
    floor = None
    try:
        base = f"http://127.0.0.1:{port}"
        headers = {"X-API-Key": key, "Content-Type": "application/json"}
        warm = wrk(
            base, post_script("/api/v1/integrations/pos/generic/events", headers), seconds=2, connections=8
        )
        cpu_before = cpu_seconds(server.pid)
        intake = wrk(
            base,
            post_script("/api/v1/integrations/pos/generic/events", headers),
            seconds=args.seconds,
            connections=args.connections,
        )
        cpu_used = cpu_seconds(server.pid) - cpu_before
        floor, floor_base = start_floor_app()
        wrk(
            floor_base,
            post_script("/floor/echo", {"Content-Type": "application/json"}),
            seconds=2,
            connections=8,
        )
        bare = wrk(
            floor_base,
            post_script("/floor/echo", {"Content-Type": "application/json"}),
            seconds=args.seconds,
            connections=args.connections,
        )
    finally:
        stop(server)
        stop(floor)
    print(f"warm-up: {warm.requests} requests; errors in the measured run: {intake.errors}")
    # CPU per request does not depend on how loaded the machine is the way req/s does: compare it
    # between runs (it includes the inbox.handle jobs the server ran meanwhile).
    accepted = max(1, intake.requests)
    print(
        f"server CPU: {cpu_used:.2f} s for {intake.requests} accepted"
        f" = {1000 * cpu_used / accepted:.2f} ms each"
    )
    print_figures(
        f"POS webhook intake ({args.connections} connections, {args.seconds:g} s, 1 worker, MariaDB + Redis)",
        [
            Figure(
                "webhooks accepted/s",
                intake.rps,
                "req/s",
                bare.rps,
                "bare POST /floor/echo",
                target=1000,
                higher_is_better=True,
            ),
            Figure("webhook p99", intake.p99_ms, "ms", bare.p99_ms, "bare POST /floor/echo", target=20),
            Figure("webhook p50", intake.p50_ms, "ms", bare.p50_ms, "bare POST /floor/echo"),
        ],
        load_before,
    )


if __name__ == "__main__":
    sys.exit(main())
