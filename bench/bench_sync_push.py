"""Sync push benchmark: the time one uvicorn worker on MariaDB + Redis takes to apply a
10,000-op offline backlog (stock.intake ops spread over 100 products, pushed in batches of the
server's limit, one after another as the desktop's sync engine does). Prints figures; not a test.

    FLLC_BENCH_DATABASE_URL='mysql+asyncmy://root@127.0.0.1:3306/fllc_bench_sync?charset=utf8mb4' \
    FLLC_BENCH_REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/bench_sync_push.py

The database is emptied and migrated first: never point it at one you care about.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import httpx
from fllc_server.auth.passwords import Passwords
from fllc_server.auth.permissions import Role
from fllc_server.kit.db import Database
from fllc_server.migrations import downgrade, upgrade
from fllc_server.models import Location, Product
from fllc_server.users.schemas import UserCreate
from fllc_server.users.service import UserService

OPS = 10_000
BATCH = 1_000
PRODUCTS = 100
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


async def push_all(base: str, ops: list[dict[str, object]]) -> float:
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        for _ in range(300):
            try:
                if (await http.get("/healthz")).status_code == 200:
                    break
            except httpx.TransportError:
                await asyncio.sleep(0.1)
        login = await http.post("/api/v1/auth/login", json={"username": "bench", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        started = time.perf_counter()
        for start in range(0, len(ops), BATCH):
            batch = {"device_id": "bench", "ops": ops[start : start + BATCH]}
            response = await http.post("/api/v1/sync/push", json=batch, headers=headers)
            if response.status_code != 200 or {r["status"] for r in response.json()["results"]} != {
                "applied"
            }:
                raise SystemExit(f"push failed: {response.text[:500]}")
        return time.perf_counter() - started


def main() -> None:
    url = os.environ["FLLC_BENCH_DATABASE_URL"]
    redis_url = os.environ["FLLC_BENCH_REDIS_URL"]
    downgrade(url, "base")
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
    try:
        seconds = asyncio.run(push_all(f"http://127.0.0.1:{port}", ops))
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(
        f"sync push: {OPS} ops in batches of {BATCH} applied in {seconds:.2f} s "
        f"({OPS / seconds:,.0f} ops/s; target <= 5 s)"
    )


if __name__ == "__main__":
    main()
