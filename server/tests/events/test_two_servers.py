"""Fan-out across server processes: an intake through server A reaches a WebSocket on server B."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "fllc_server.app:app_factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


async def _wait_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    async with httpx.AsyncClient(base_url=base) as http:
        for _ in range(300):
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
def server_env(backend, settings, tmp_path: Path) -> dict[str, str]:
    if backend.name != "mariadb":
        pytest.skip("needs the shared MariaDB + Redis backend: embedded pub/sub is per process")
    return {
        **os.environ,
        "FLLC_DATABASE_URL": str(backend.database_url),
        "FLLC_REDIS_URL": str(backend.redis_url),
        "FLLC_SECRET_KEY": str(settings.secret_key),
        "FLLC_DATA_DIR": str(tmp_path / "servers"),
        "FLLC_ENVIRONMENT": "test",
        "FLLC_RATE_LIMIT": "100000/minute",
        "FLLC_LOG_LEVEL": "WARNING",
    }


@pytest.fixture
async def two_servers(server_env, tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    ports = [free_port(), free_port()]
    logs = [tmp_path / f"server-{n}.log" for n in range(2)]
    processes = [_start(port, server_env, log) for port, log in zip(ports, logs, strict=True)]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, process, log in zip(bases, processes, logs, strict=True):
            await _wait_ready(base, process, log)
        yield bases[0], bases[1]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


async def test_an_intake_on_server_a_reaches_a_websocket_on_server_b(
    two_servers, make_user, warehouse, receive
) -> None:
    server_a, server_b = two_servers
    user = await make_user("staff")
    async with httpx.AsyncClient(base_url=server_a) as a:
        login = await a.post(
            "/api/v1/auth/login", json={"username": user["username"], "password": user["password"]}
        )
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        ws_b = server_b.replace("http://", "ws://") + "/api/v1/events"

        async with connect(ws_b, additional_headers=headers) as ws:
            hello = await receive(ws)
            intake = await a.post(
                "/api/v1/stock/intake", json={"product_id": warehouse.widget, "quantity": 3}, headers=headers
            )
            event = await receive(ws, product_id=warehouse.widget, quantity_on_hand=3)

    assert hello["type"] == "hello"
    assert intake.status_code == 201, intake.text
    assert event["type"] == "stock.changed"
    assert event["seq"] > hello["seq"]
    assert event["data"]["product_id"] == warehouse.widget
    assert event["data"]["quantity_on_hand"] == 3
