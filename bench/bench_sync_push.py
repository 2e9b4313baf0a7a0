"""Sync push benchmark: the time one uvicorn worker on MariaDB + Redis takes to apply a
10,000-op offline backlog (stock.intake ops spread over 100 products, pushed in batches of the
server's limit, one after another as the desktop's sync engine does), then the latency of single
REST intakes (`POST /api/v1/stock/intake`, sequential, p50/p99) against the same server; not a test.

Each figure is printed beside a floor measured in the same run: the push beside the same number of
rows inserted in bare transactions of the same size into the same database (the driver, the network
hop and the commits, none of our code), the intakes beside a bare FastAPI route that parses and
answers a small JSON body (bench/floor_app.py) called the same way. Then the machine's load.

    FLLC_BENCH_DATABASE_URL='mysql+asyncmy://root@127.0.0.1:3306/fllc_bench_sync?charset=utf8mb4' \
    FLLC_BENCH_REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/bench_sync_push.py

The database is dropped, created and migrated first: never point it at one you care about.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import httpx
from _harness import (
    Figure,
    bare_transactions_seconds,
    machine_load,
    print_figures,
    sequential_latencies,
    start_floor_app,
)
from _harness import percentile as nearest_rank
from _harness import stop as stop_process
from fllc_server.auth.passwords import Passwords
from fllc_server.auth.permissions import Role
from fllc_server.kit.db import Database
from fllc_server.migrations import upgrade
from fllc_server.models import InventoryMovement, Location, Product, StockLevel
from fllc_server.users.schemas import UserCreate
from fllc_server.users.service import UserService
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

OPS = 10_000
BATCH = 1_000
PRODUCTS = 100
INTAKES = 500
PASSWORD = "bench-password-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def seed(url: str) -> list[int]:
    db = Database(url)
    async with db.transaction() as session:
        await UserService(session, Passwords(1)).create(
            UserCreate(username="bench", password=PASSWORD, role=Role.STAFF), actor=None
        )
        session.add(Location(code="MAIN", name="Main"))
        products = [Product(sku=f"BENCH-{n:04d}", name=f"Bench item {n}") for n in range(PRODUCTS)]
        session.add_all(products)
        await session.flush()
        ids = [p.id for p in products]
    await db.dispose()
    return ids


def recreate(url: str) -> None:
    """A fresh database: dropped and created again (a downgrade would depend on every
    migration's downgrade working on whatever state the last run left)."""
    address = make_url(url)
    name = address.database
    if address.get_backend_name() != "mysql" or not name:
        raise SystemExit("FLLC_BENCH_DATABASE_URL must name a MySQL/MariaDB database")

    async def run() -> None:
        engine = create_async_engine(address.set(database=""))
        async with engine.begin() as connection:
            await connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
            await connection.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        await engine.dispose()

    asyncio.run(run())


def backlog(product_ids: list[int]) -> list[dict[str, object]]:
    return [
        {
            "op_id": str(uuid.uuid4()),
            "kind": "stock.intake",
            "payload": {"product_id": product_ids[n % len(product_ids)], "quantity": 1},
            "created_at": "2030-01-01T00:00:00Z",
        }
        for n in range(OPS)
    ]


async def sign_in(http: httpx.AsyncClient) -> dict[str, str]:
    for _ in range(1200):  # a loaded machine may take a while to start the server
        try:
            if (await http.get("/healthz")).status_code == 200:
                break
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    else:
        raise SystemExit("the server did not start")
    login = await http.post("/api/v1/auth/login", json={"username": "bench", "password": PASSWORD})
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def push_all(http: httpx.AsyncClient, headers: dict[str, str], ops: list[dict[str, object]]) -> float:
    started = time.perf_counter()
    for start in range(0, len(ops), BATCH):
        batch = {"device_id": "bench", "ops": ops[start : start + BATCH]}
        response = await http.post("/api/v1/sync/push", json=batch, headers=headers)
        if response.status_code != 200 or {r["status"] for r in response.json()["results"]} != {"applied"}:
            raise SystemExit(f"push failed: {response.text[:500]}")
    return time.perf_counter() - started


async def intake_latencies(
    http: httpx.AsyncClient, headers: dict[str, str], product_ids: list[int]
) -> list[float]:
    """Sequential single intakes (each with its Idempotency-Key, as the desktop sends them)."""
    latencies = []
    for n in range(INTAKES):
        body = {"product_id": product_ids[n % len(product_ids)], "quantity": 1}
        key = {"Idempotency-Key": str(uuid.uuid4())}
        started = time.perf_counter()
        response = await http.post("/api/v1/stock/intake", json=body, headers={**headers, **key})
        latencies.append(time.perf_counter() - started)
        if response.status_code != 201:
            raise SystemExit(f"intake failed: {response.text[:500]}")
    return latencies


async def run(base: str, ops: list[dict[str, object]], product_ids: list[int]) -> tuple[float, list[float]]:
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        headers = await sign_in(http)
        seconds = await push_all(http, headers, ops)
        return seconds, await intake_latencies(http, headers, product_ids)


async def books_balance(url: str) -> bool:
    """quantity_on_hand == sum(stock_levels) == sum(inventory_log) == everything booked."""
    db = Database(url)
    async with db.sessions() as session:
        totals = [
            await session.scalar(select(func.sum(column)))
            for column in (Product.quantity_on_hand, StockLevel.quantity, InventoryMovement.delta)
        ]
    await db.dispose()
    return {int(total or 0) for total in totals} == {OPS + INTAKES}


def main() -> None:
    url = os.environ["FLLC_BENCH_DATABASE_URL"]
    redis_url = os.environ["FLLC_BENCH_REDIS_URL"]
    recreate(url)
    upgrade(url)
    product_ids = asyncio.run(seed(url))
    ops = backlog(product_ids)
    port = free_port()
    env = {
        **os.environ,
        "FLLC_DATABASE_URL": url,
        "FLLC_REDIS_URL": redis_url,
        "FLLC_SECRET_KEY": "bench-" + "s" * 40,
        "FLLC_DATA_DIR": tempfile.mkdtemp(),
        "FLLC_RATE_LIMIT": "1000000/minute",
        "FLLC_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "fllc_server.app:app_factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    before = machine_load()
    try:
        seconds, latencies = asyncio.run(run(f"http://127.0.0.1:{port}", ops, product_ids))
    finally:
        server.terminate()
        server.wait(timeout=10)
    balanced = asyncio.run(books_balance(url))
    floor_seconds = min(bare_transactions_seconds(url, OPS, BATCH) for _ in range(3))  # best of 3
    floor_app, floor_url = start_floor_app()
    try:
        body = {"product_id": product_ids[0], "quantity": 1}
        sequential_latencies(f"{floor_url}/floor/echo", 50, method="POST", json_body=body)  # warm-up
        floor_latencies = sequential_latencies(
            f"{floor_url}/floor/echo", INTAKES, method="POST", json_body=body
        )
    finally:
        stop_process(floor_app)
    print_figures(
        f"sync push of {OPS:,} ops in batches of {BATCH}, then {INTAKES} sequential REST intakes",
        [
            Figure(
                "sync push, 10,000-op backlog",
                seconds,
                "s",
                floor_seconds,
                f"{OPS:,} rows in bare transactions of {BATCH}",
                target=5.0,
                target_ratio=50.0,  # 5 s on the machine whose bare-rows floor was 0.10 s
            ),
            Figure(
                "sync push rate",
                OPS / seconds,
                "ops/s",
                OPS / floor_seconds,
                "bare rows/s",
                higher_is_better=True,
            ),
            Figure(
                "REST intake p50",
                statistics.median(latencies) * 1000,
                "ms",
                statistics.median(floor_latencies) * 1000,
                "bare POST p50",
            ),
            Figure(
                "REST intake p99",
                nearest_rank(latencies, 0.99) * 1000,
                "ms",
                nearest_rank(floor_latencies, 0.99) * 1000,
                "bare POST p99",
            ),
        ],
        before,
    )
    print(f"books balance: {balanced}")


if __name__ == "__main__":
    main()
