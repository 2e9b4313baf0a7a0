"""Benchmark: POS webhook intake — the generic sales webhook (API key) storing each event in the
inbox and answering — beside the framework floor (bench/floor_app.py's POST /floor/echo, a bare
FastAPI route validating and echoing a JSON body), both under uvicorn with 1 worker in this run;
and webhook received -> stock moved -> `stock.changed` at a WebSocket client, with the job queue
on Redis and a `fllc-server worker` handling the messages.

    .venv/bin/python bench/bench_pos.py --seconds 10 [--database-url ... --redis-url ...]

What it does: recreates the MariaDB database `fllc_bench_pos` (127.0.0.1:3306, root) and
migrates it, flushes Redis db 10, makes a service account with a pos.write key (directly in the
database) and a manager (`fllc-server create-user`), starts `uvicorn --factory
fllc_server.app:app_factory` (1 process, MariaDB + Redis, no jobs in it, the request log to
/dev/null) and one `fllc-server worker`. Then:

1. latency, one at a time: `--samples` webhooks, each a sale of 1 unit of a stocked product, each
   timed from sending it until the WebSocket client (the manager, /api/v1/events) has that
   product's `stock.changed`; the floor is the same for a REST stock intake (no inbox, queue or
   worker);
2. throughput: wrk (32 connections, one thread, every request a new event id: a Lua counter),
   each event a one-line sale of an unknown SKU (the worker stores an unmapped line and moves no
   stock), then the floor the same way.

Prints accepted/s, p50/p99 and the server's CPU per accepted webhook (utime+stime from /proc over
the measured run: the intake's alone, the worker has its own process) beside the floor's, as
ratios, and the machine's load. Targets: >= 1,000 accepted/s with p99 <= 20 ms from one process —
on a loaded 2-core box judge by CPU per webhook (1,000/s needs well under 1 ms) — and webhook ->
stock.changed p99 <= 1 s. `--intake-only`: no worker and no latency run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from _harness import (
    VENV_BIN,
    Figure,
    flush_redis,
    free_port,
    fresh_mariadb,
    have_wrk,
    machine_load,
    percentile,
    print_figures,
    process_cpu_seconds,
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


MANAGER, MANAGER_PASSWORD = "bench-manager", "bench-manager-pw-1"
TRACKED_SKU = "BENCH-TRACKED"


def start_worker(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """`fllc-server worker` on the same database and Redis; returns once it says it is ready."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(VENV_BIN / "fllc-server"), "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 120
    while b" ready" not in log_path.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise SystemExit(f"the worker did not start:\n{log_path.read_text()[-2000:]}")
        time.sleep(0.1)
    return process


def make_manager(env: dict[str, str]) -> None:
    subprocess.run(
        [str(VENV_BIN / "fllc-server"), "create-user", MANAGER, "--role", "manager"],
        env=env,
        input=f"{MANAGER_PASSWORD}\n".encode(),
        check=True,
        capture_output=True,
    )


def tracked_product(base: str) -> tuple[str, int]:
    """A manager's token and a product with stock that the webhooks' sales take from."""
    login = httpx.post(f"{base}/api/v1/auth/login", json={"username": MANAGER, "password": MANAGER_PASSWORD})
    login.raise_for_status()
    token: str = login.json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    location = httpx.post(f"{base}/api/v1/locations", json={"code": "BENCH", "name": "Bench"}, headers=auth)
    location.raise_for_status()
    product = httpx.post(
        f"{base}/api/v1/products", json={"sku": TRACKED_SKU, "name": "Tracked", "price": "2.50"}, headers=auth
    )
    product.raise_for_status()
    product_id = int(product.json()["id"])
    intake = httpx.post(
        f"{base}/api/v1/stock/intake",
        json={"product_id": product_id, "quantity": 1_000_000, "location_id": location.json()["id"]},
        headers={**auth, "Idempotency-Key": secrets.token_hex(8)},
    )
    intake.raise_for_status()
    return token, product_id


async def webhook_to_event(
    base: str, token: str, key: str, product_id: int, samples: int
) -> tuple[list[float], list[float]]:
    """Milliseconds from sending each webhook (a sale of 1 of the tracked product) until its
    stock.changed reached a WebSocket client — through the inbox, the Redis job queue and the worker;
    and the same for a REST stock intake of the same product (no queue, no worker): the floor."""
    import websockets

    ws_url = base.replace("http://", "ws://") + "/api/v1/events"
    auth = {"Authorization": f"Bearer {token}"}
    via_webhook: list[float] = []
    via_rest: list[float] = []
    async with (
        websockets.connect(ws_url, additional_headers=auth) as socket,
        httpx.AsyncClient(base_url=base, timeout=30) as http,
    ):
        hello = json.loads(await socket.recv())
        assert hello["type"] == "hello", hello

        async def timed(send: Any, into: list[float]) -> None:
            started = time.perf_counter()
            post = asyncio.create_task(send())
            while True:
                event = json.loads(await asyncio.wait_for(socket.recv(), 30))
                data = event.get("data") or {}
                if event.get("type") == "stock.changed" and data.get("product_id") == product_id:
                    into.append((time.perf_counter() - started) * 1000)
                    break
            response = await post
            if response.status_code >= 300:
                raise SystemExit(f"answered {response.status_code}: {response.text[:300]}")

        for n in range(samples):
            body = {
                "type": "sale",
                "event_id": f"tracked-{n}",
                "sale_id": f"T-{n}",
                "lines": [{"sku": TRACKED_SKU, "quantity": 1, "unit_price": "2.50"}],
            }
            await timed(
                lambda body=body: http.post(
                    "/api/v1/integrations/pos/generic/events", json=body, headers={"X-API-Key": key}
                ),
                via_webhook,
            )
        for _ in range(min(samples, 100)):
            await timed(
                lambda: http.post(
                    "/api/v1/stock/intake",
                    json={"product_id": product_id, "quantity": 1},
                    headers={**auth, "Idempotency-Key": secrets.token_hex(8)},
                ),
                via_rest,
            )
    return via_webhook, via_rest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--database-url", default="mysql+asyncmy://root@127.0.0.1:3306/fllc_bench_pos?charset=utf8mb4"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    parser.add_argument(
        "--intake-only",
        action="store_true",
        help="no worker: nothing handles the messages (and no latency run)",
    )
    parser.add_argument("--samples", type=int, default=200, help="webhooks timed to their stock.changed")
    args = parser.parse_args()
    if not have_wrk():
        raise SystemExit("wrk is needed: apt-get install wrk")
    load_before = machine_load()
    fresh_mariadb(args.database_url)
    flush_redis(args.redis_url)
    data_dir = Path("/tmp") / "fllc-bench-pos"
    data_dir.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "FLLC_DATABASE_URL": args.database_url,
        "FLLC_REDIS_URL": args.redis_url,
        "FLLC_SECRET_KEY": SECRET,
        "FLLC_RATE_LIMIT": "100000000/minute",
        "FLLC_JOBS_IN_PROCESS": "false",  # the worker runs the jobs, as in production
        "FLLC_POS_RECONCILE_MINUTES": "0",
        "FLLC_ENVIRONMENT": "production",
        "FLLC_DATA_DIR": str(data_dir),
    }
    subprocess.run([str(VENV_BIN / "fllc-server"), "migrate"], env=env, check=True, capture_output=True)
    key = make_key(args.database_url)
    make_manager(env)
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
    worker = floor = None
    via_webhook: list[float] = []
    via_rest: list[float] = []
    try:
        base = f"http://127.0.0.1:{port}"
        headers = {"X-API-Key": key, "Content-Type": "application/json"}
        if not args.intake_only:
            worker = start_worker(env, data_dir / "worker.log")
            token, product_id = tracked_product(base)
            via_webhook, via_rest = asyncio.run(webhook_to_event(base, token, key, product_id, args.samples))
        load_mid = machine_load()
        script = post_script("/api/v1/integrations/pos/generic/events", headers)
        warm = wrk(base, script, seconds=2, connections=8)
        cpu_before = process_cpu_seconds(server.pid)
        intake = wrk(base, script, seconds=args.seconds, connections=args.connections)
        cpu_used = process_cpu_seconds(server.pid) - cpu_before
        floor, floor_base = start_floor_app()
        floor_script = post_script("/floor/echo", {"Content-Type": "application/json"})
        wrk(floor_base, floor_script, seconds=2, connections=8)
        floor_cpu_before = process_cpu_seconds(floor.pid)
        bare = wrk(floor_base, floor_script, seconds=args.seconds, connections=args.connections)
        floor_cpu = process_cpu_seconds(floor.pid) - floor_cpu_before
    finally:
        stop(server)
        stop(worker)
        stop(floor)
    print(f"warm-up: {warm.requests} requests; errors in the measured run: {intake.errors}")
    # CPU per request barely depends on how loaded the machine is, the way req/s does: compare it
    # between runs. The server's CPU is the intake's alone (the worker handles the messages).
    accepted = max(1, intake.requests)
    per_webhook = 1000 * cpu_used / accepted
    per_floor = 1000 * floor_cpu / max(1, bare.requests)
    print(
        f"server CPU: {cpu_used:.2f} s for {intake.requests} accepted = {per_webhook:.3f} ms each"
        f" (1 worker at 100% of a core: {1000 / per_webhook:,.0f}/s); bare POST floor:"
        f" {floor_cpu:.2f} s for {bare.requests} = {per_floor:.3f} ms each"
    )
    figures = [
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
        Figure(
            "server CPU per accepted webhook", per_webhook, "ms", per_floor, "bare POST /floor/echo", target=1
        ),
    ]
    if via_webhook:
        print(
            f"latency run ({len(via_webhook)} webhooks one at a time, then {len(via_rest)} REST"
            f" intakes): {load_mid}"
        )
        figures += [
            Figure(
                "webhook -> stock.changed p50",
                percentile(via_webhook, 0.5),
                "ms",
                percentile(via_rest, 0.5),
                "REST intake -> stock.changed p50",
            ),
            Figure(
                "webhook -> stock.changed p99",
                percentile(via_webhook, 0.99),
                "ms",
                percentile(via_rest, 0.99),
                "REST intake -> stock.changed p99",
                target=1000,
            ),
        ]
    print_figures(
        f"POS webhook intake ({args.connections} connections, {args.seconds:g} s, 1 server process + "
        f"{'no worker' if args.intake_only else '1 worker'}, MariaDB + Redis)",
        figures,
        load_before,
    )


if __name__ == "__main__":
    sys.exit(main())
