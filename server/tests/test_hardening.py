"""Production mode and the request path under attack: no public API map or metrics, no server
banner, no-store on answers, request bodies capped before they are read, proxy headers believed
only from configured proxies."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from fllc_server.app import create_app
from fllc_server.config import Settings
from fllc_server.testing import free_port

from .conftest import fast_passwords

STRONG = "Zq3vK9pW2mX7tR4yB8nL6cF1hJ5sD0gA-uE_oIeQ"
METRICS_TOKEN = "mT8#xV2qL9wZ4rP7kN3yH6bC1fD5gJ0s"


@pytest.fixture
async def production(settings: Settings) -> AsyncIterator[FastAPI]:
    prod = settings.model_copy(
        update={
            "environment": "production",
            "secret_key": STRONG,
            "metrics_token": METRICS_TOKEN,
            "metrics_allow": ["10.9.9.9"],
        }
    )
    application = create_app(prod, migrate=False)
    application.state.fllc.passwords = fast_passwords()
    async with LifespanManager(application):
        yield application


def _client(application: FastAPI, ip: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=application, client=(ip, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_production_publishes_no_docs_schema_or_open_metrics(production: FastAPI) -> None:
    async with _client(production) as http:
        for path in ("/docs", "/redoc", "/api/v1/openapi.json", "/openapi.json", "/docs/oauth2-redirect"):
            response = await http.get(path)
            assert response.status_code == 404, path
            assert response.json()["error"]["code"] == "not_found"
        refused = await http.get("/metrics")
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "metrics_forbidden"
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer " + "x" * 32})
        assert wrong.status_code == 403
        scraped = await http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert scraped.status_code == 200
        assert "fllc_http_requests_total" in scraped.text
    async with _client(production, ip="10.9.9.9") as allowed:
        assert (await allowed.get("/metrics")).status_code == 200


async def test_development_keeps_the_docs(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/openapi.json")).status_code == 200
    assert (await client.get("/docs")).status_code == 200


async def test_api_answers_are_not_stored_by_caches(client: httpx.AsyncClient, auth_headers) -> None:
    headers = await auth_headers("viewer")
    for path in ("/api/v1/me", "/api/v1/products", "/api/v1/settings"):
        response = await client.get(path, headers=headers)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store", path
    login = await client.post("/api/v1/auth/login", json={"username": "nobody", "password": "x" * 9})
    assert login.headers["cache-control"] == "no-store"


async def test_an_anonymous_oversized_body_is_refused_before_it_is_read(client: httpx.AsyncClient) -> None:
    received = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal received
        for _ in range(50):  # 50 MB, as the attacker sent it
            received += 1
            yield b"x" * 1024 * 1024

    declared = await client.post(
        "/api/v1/auth/login",
        content=b"{" + b" " * (1024 * 1024) + b"}",
        headers={"content-type": "application/json"},
    )
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "payload_too_large"
    chunked = await client.post(
        "/api/v1/auth/login", content=body(), headers={"content-type": "application/json"}
    )
    assert chunked.status_code == 413
    assert received < 50


async def test_a_signed_in_caller_may_send_a_larger_body_up_to_its_cap(
    client: httpx.AsyncClient, auth_headers
) -> None:
    headers = await auth_headers("admin")
    big = {"device_id": "d" * 8, "ops": [], "pad": "x" * 200_000}  # over the anonymous cap
    response = await client.post("/api/v1/sync/push", json=big, headers=headers)
    assert response.status_code == 400  # read and refused by validation (unknown field), not 413
    huge = await client.post(
        "/api/v1/sync/push",
        content=b"x" * (17 * 1024 * 1024),
        headers={**headers, "content-type": "application/json"},
    )
    assert huge.status_code == 413


async def test_forwarded_for_is_ignored_by_default(settings: Settings) -> None:
    tight = settings.model_copy(update={"rate_limit": "3/minute"})
    application = create_app(tight, migrate=False)
    async with LifespanManager(application), _client(application) as http:
        statuses = [
            (await http.get("/api/v1/products", headers={"X-Forwarded-For": f"203.0.113.{n}"})).status_code
            for n in range(6)
        ]
    assert statuses.count(429) == 3


async def test_forwarded_for_is_believed_from_a_configured_proxy_only(settings: Settings) -> None:
    tight = settings.model_copy(update={"rate_limit": "3/minute", "trusted_proxies": ["10.0.0.5"]})
    application = create_app(tight, migrate=False)
    async with LifespanManager(application):
        async with _client(application, ip="10.0.0.5") as proxy:
            rotated = [
                (
                    await proxy.get("/api/v1/products", headers={"X-Forwarded-For": f"203.0.113.{n}"})
                ).status_code
                for n in range(6)
            ]
            # a spoofed first hop does not help: the proxy's own append (the last hop) decides
            spoofed = [
                (
                    await proxy.get(
                        "/api/v1/products", headers={"X-Forwarded-For": f"1.1.1.{n}, 198.51.100.7"}
                    )
                ).status_code
                for n in range(6)
            ]
        async with _client(application, ip="10.0.0.6") as other:
            untrusted = [
                (await other.get("/api/v1/products", headers={"X-Forwarded-For": f"192.0.2.{n}"})).status_code
                for n in range(6)
            ]
    assert 429 not in rotated  # six different clients behind the proxy
    assert spoofed.count(429) == 3
    assert untrusted.count(429) == 3


# -- a real `fllc-server serve` process -----------------------------------------------------------------


@pytest.fixture
async def served(tmp_path: Path, backend) -> AsyncIterator[str]:
    if backend.name != "embedded":
        pytest.skip("one embedded server process is enough for the banner and proxy defaults")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLLC_")}
    env.update(
        FLLC_DATA_DIR=str(tmp_path / "data"),
        FLLC_ENVIRONMENT="test",
        FLLC_LOG_LEVEL="WARNING",
        FLLC_SECRET_KEY=STRONG,
        FLLC_RATE_LIMIT="4/minute",
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: ASYNC220 - started once, not awaited
            [sys.executable, "-m", "fllc_server.cli", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as http:
            for _ in range(300):
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            else:
                pytest.fail(log.read_text())
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_the_served_process_has_no_banner_and_trusts_no_proxy_from_loopback(served: str) -> None:
    async with httpx.AsyncClient(base_url=served) as http:
        health = await http.get("/healthz")
        assert "server" not in health.headers
        statuses = [
            (await http.get("/api/v1/products", headers={"X-Forwarded-For": f"203.0.113.{n}"})).status_code
            for n in range(8)
        ]
    assert statuses.count(429) == 4, statuses
