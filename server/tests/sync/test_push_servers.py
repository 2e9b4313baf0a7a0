"""Exactly once across processes: the same batch pushed at once through two real uvicorn servers
on one MariaDB applies every op once (the other answer is `duplicate` with the same result)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fllc_server.models import AppliedOp, InventoryMovement, Product
from sqlalchemy import func, select

OPS = 300


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "fllc_server.app:app_factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


async def _wait_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    async with httpx.AsyncClient(base_url=base) as http:
        for _ in range(600):
            if process.poll() is not None:
                pytest.fail(f"server exited with {process.returncode}; see {log}")
            try:
                if (await http.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    pytest.fail(f"server at {base} did not start; see {log}")


@pytest.fixture
async def two_servers(backend, settings, tmp_path: Path) -> AsyncIterator[list[str]]:
    if backend.name != "mariadb":
        pytest.skip("needs the shared MariaDB + Redis backend (server processes share the database)")
    env = {
        **os.environ,
        "FLLC_DATABASE_URL": str(backend.database_url),
        "FLLC_REDIS_URL": str(backend.redis_url),
        "FLLC_SECRET_KEY": str(settings.secret_key),
        "FLLC_DATA_DIR": str(tmp_path / "servers"),
        "FLLC_ENVIRONMENT": "test",
        "FLLC_RATE_LIMIT": "100000/minute",
        "FLLC_LOG_LEVEL": "WARNING",
    }
    ports = [_free_port(), _free_port()]
    logs = [tmp_path / f"server-{n}.log" for n in range(2)]
    processes = [_start(port, env, log) for port, log in zip(ports, logs, strict=True)]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, process, log in zip(bases, processes, logs, strict=True):
            await _wait_ready(base, process, log)
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


async def test_one_batch_pushed_through_two_servers_at_once_applies_once(
    app, two_servers, make_user, warehouse, assert_stock_invariant
) -> None:
    user = await make_user("staff")
    products = [warehouse.widget, warehouse.gadget]
    batch = [
        {
            "op_id": str(uuid.uuid4()),
            "kind": "stock.intake",
            "payload": {"product_id": products[n % 2], "quantity": n % 7 + 1},
            "created_at": "2030-05-01T08:00:00Z",
        }
        for n in range(OPS)
    ]

    async with httpx.AsyncClient(base_url=two_servers[0], timeout=120) as http:
        credentials = {"username": user["username"], "password": user["password"]}
        login = await http.post("/api/v1/auth/login", json=credentials)
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

    async def push_through(base: str) -> list[dict]:
        async with httpx.AsyncClient(base_url=base, timeout=120) as http:
            for _ in range(5):  # as a device does: a push refused whole (409) is pushed again
                response = await http.post(
                    "/api/v1/sync/push", json={"device_id": "tablet", "ops": batch}, headers=headers
                )
                if response.status_code != 409:
                    break
            assert response.status_code == 200, response.text
            results: list[dict] = response.json()["results"]
            return results

    first, second = await asyncio.gather(*(push_through(base) for base in two_servers))

    for a, b in zip(first, second, strict=True):
        assert sorted([a["status"], b["status"]]) == ["applied", "duplicate"], (a, b)
        assert a["result"] == b["result"]
    async with app.state.fllc.db.sessions() as session:
        movements = await session.scalar(select(func.count()).select_from(InventoryMovement))
        records = await session.scalar(select(func.count()).select_from(AppliedOp))
        on_hand = await session.scalar(select(func.sum(Product.quantity_on_hand)))
    assert (movements, records) == (OPS, OPS)
    assert on_hand == sum(n % 7 + 1 for n in range(OPS))
    await assert_stock_invariant()
