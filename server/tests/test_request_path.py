"""The request path: uniform errors, request ids, security headers, CORS, the global rate limit,
metrics, readiness and structured logs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from fllc_server.app import create_app
from fllc_server.auth.passwords import Passwords
from fllc_server.config import Settings
from fllc_server.observability.logging import AccessLog

PASSWORD = "correct-horse-9"
LOGIN = "/api/v1/auth/login"


@asynccontextmanager
async def running(settings: Settings, **overrides: Any) -> AsyncIterator[FastAPI]:
    application = create_app(settings.model_copy(update=overrides), migrate=False)
    application.state.fllc.passwords = Passwords(
        4, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    async with LifespanManager(application):
        yield application


@asynccontextmanager
async def http(
    application: FastAPI, ip: str = "127.0.0.1", base_url: str = "http://testserver"
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=application, client=(ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
        yield client


def assert_uniform_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    assert isinstance(body["error"]["details"], list)
    return body


# -- bad input ----------------------------------------------------------------------------------------


async def test_malformed_json_is_a_uniform_400(client: httpx.AsyncClient) -> None:
    for raw in (b"{not json", b"", b"[1, 2", b"\xff\xfe"):
        response = await client.post(LOGIN, content=raw, headers={"Content-Type": "application/json"})
        assert_uniform_error(response, 400, "validation_error")


async def test_wrong_types_name_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post(LOGIN, json={"username": ["a"], "password": {"x": 1}})
    body = assert_uniform_error(response, 400, "validation_error")
    assert {d["field"] for d in body["error"]["details"]} == {"username", "password"}
    assert {d["location"] for d in body["error"]["details"]} == {"body"}


async def test_a_json_array_instead_of_an_object_is_400(client: httpx.AsyncClient) -> None:
    assert_uniform_error(await client.post(LOGIN, json=["admin", "pw"]), 400, "validation_error")


async def test_oversize_strings_are_400(client: httpx.AsyncClient) -> None:
    response = await client.post(LOGIN, json={"username": "u" * 10_000, "password": "p"})
    body = assert_uniform_error(response, 400, "validation_error")
    assert body["error"]["details"][0]["field"] == "username"


async def test_unknown_fields_are_400(client: httpx.AsyncClient) -> None:
    response = await client.post(LOGIN, json={"username": "a", "password": "b", "remember_me": True})
    body = assert_uniform_error(response, 400, "validation_error")
    assert body["error"]["details"][0]["field"] == "remember_me"


async def test_bad_query_and_path_parameters_are_400(client: httpx.AsyncClient, auth_headers) -> None:
    admin = await auth_headers("admin")
    assert_uniform_error(await client.get("/api/v1/users/abc", headers=admin), 400, "validation_error")
    assert_uniform_error(
        await client.get("/api/v1/users", params={"page": "x"}, headers=admin), 400, "validation_error"
    )


async def test_not_found_and_method_not_allowed_are_uniform(client: httpx.AsyncClient) -> None:
    assert_uniform_error(await client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_uniform_error(await client.get("/nowhere"), 404, "not_found")
    not_allowed = await client.delete("/api/v1/me")
    assert_uniform_error(not_allowed, 405, "method_not_allowed")
    assert "GET" in not_allowed.headers["Allow"]


async def test_401_and_403_are_uniform(client: httpx.AsyncClient, auth_headers) -> None:
    assert_uniform_error(await client.get("/api/v1/me"), 401, "unauthorized")
    viewer = await auth_headers("viewer")
    assert_uniform_error(await client.get("/api/v1/users", headers=viewer), 403, "permission_denied")


# -- request ids and headers --------------------------------------------------------------------------


async def test_the_request_id_is_echoed_and_a_bad_one_replaced(client: httpx.AsyncClient) -> None:
    echoed = await client.get("/healthz", headers={"X-Request-ID": "scanner-7:abc.123"})
    assert echoed.headers["X-Request-ID"] == "scanner-7:abc.123"
    for bad in ("has spaces in it", "x" * 65, "semi;colon", "<script>"):
        replaced = await client.get("/healthz", headers={"X-Request-ID": bad})
        assert replaced.headers["X-Request-ID"] != bad
        assert len(replaced.headers["X-Request-ID"]) == 32
    fresh = [(await client.get("/healthz")).headers["X-Request-ID"] for _ in range(2)]
    assert fresh[0] != fresh[1]


SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


async def test_security_headers_on_every_response(client: httpx.AsyncClient, auth_headers) -> None:
    admin = await auth_headers("admin")
    responses = [
        await client.get("/healthz"),
        await client.get("/api/v1/me", headers=admin),
        await client.get("/api/v1/me"),
        await client.get("/api/v1/nothing"),
        await client.post(LOGIN, content=b"{"),
        await client.delete("/api/v1/me"),
    ]
    for response in responses:
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value, (response.request.url, name)
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "strict-transport-security" not in response.headers  # plain http: no HSTS


async def test_hsts_only_over_https(app: FastAPI) -> None:
    async with http(app, base_url="https://testserver") as secure:
        response = await secure.get("/healthz")
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_cors_allows_only_the_listed_origins(settings: Settings) -> None:
    async with (
        running(settings, cors_origins=["https://desk.example.com"]) as application,
        http(application) as client,
    ):
        allowed = await client.get("/healthz", headers={"Origin": "https://desk.example.com"})
        assert allowed.headers["access-control-allow-origin"] == "https://desk.example.com"
        assert "X-Request-ID" in allowed.headers["access-control-expose-headers"]
        other = await client.get("/healthz", headers={"Origin": "https://evil.example.net"})
        assert "access-control-allow-origin" not in other.headers
        preflight = {
            "Origin": "https://desk.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Idempotency-Key",
        }
        ok = await client.options("/api/v1/auth/login", headers=preflight)
        assert ok.status_code == 200
        assert "POST" in ok.headers["access-control-allow-methods"]
        evil = await client.options(
            "/api/v1/auth/login", headers={**preflight, "Origin": "https://evil.example.net"}
        )
        assert evil.status_code == 400
        assert "access-control-allow-origin" not in evil.headers


# -- the global rate limit ------------------------------------------------------------------------------


async def test_the_global_rate_limit_answers_429_with_retry_after_per_ip(settings: Settings) -> None:
    async with running(settings, rate_limit="3/minute") as application:
        async with http(application, ip="10.9.0.1") as client:
            statuses = [(await client.get("/api/v1/nothing")).status_code for _ in range(3)]
            limited = await client.get("/api/v1/nothing")
            assert statuses == [404, 404, 404]
            body = assert_uniform_error(limited, 429, "rate_limited")
            assert body["error"]["message"]
            assert 1 <= int(limited.headers["Retry-After"]) <= 60
            assert limited.headers["x-content-type-options"] == "nosniff"
            assert limited.headers["X-Request-ID"]
            assert (await client.get("/healthz")).status_code == 200  # probes are exempt
            metrics = (await client.get("/metrics")).text
            assert 'fllc_http_requests_total{method="GET",route="unmatched",status="429"} 1.0' in metrics
        async with http(application, ip="10.9.0.2") as other:
            assert (await other.get("/api/v1/nothing")).status_code == 404


async def test_signed_in_callers_are_limited_per_user_not_per_ip(settings: Settings, make_user) -> None:
    first, second = await make_user("viewer"), await make_user("viewer")
    async with running(settings, rate_limit="4/minute") as application:
        tokens = {}
        for user, ip in ((first, "10.9.1.1"), (second, "10.9.1.2")):
            async with http(application, ip=ip) as client:
                login = await client.post(LOGIN, json={"username": user["username"], "password": PASSWORD})
                tokens[user["id"]] = {"Authorization": f"Bearer {login.json()['access_token']}"}
        async with http(application, ip="10.9.1.3") as shared_ip:  # both users behind one NAT
            first_statuses = [
                (await shared_ip.get("/api/v1/me", headers=tokens[first["id"]])).status_code for _ in range(5)
            ]
            second_status = (await shared_ip.get("/api/v1/me", headers=tokens[second["id"]])).status_code
        assert first_statuses == [200, 200, 200, 200, 429]
        assert second_status == 200


# -- metrics --------------------------------------------------------------------------------------------


def _sample(metrics: str, name: str, **labels: str) -> float:
    for line in metrics.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_metrics_count_requests_and_latency_by_route_template(
    client: httpx.AsyncClient, auth_headers
) -> None:
    admin = await auth_headers("admin")
    for user_id in (1, 2, 999):
        await client.get(f"/api/v1/users/{user_id}", headers=admin)
    await client.get("/api/v1/never/here")
    text = (await client.get("/metrics")).text
    route = "/api/v1/users/{user_id}"
    ok = _sample(text, "fllc_http_requests_total", method="GET", route=route, status="200")
    missing = _sample(text, "fllc_http_requests_total", method="GET", route=route, status="404")
    assert ok + missing == 3
    assert missing >= 1
    assert _sample(text, "fllc_http_request_duration_seconds_count", method="GET", route=route) == 3
    assert 'le="0.005"' in text
    assert _sample(text, "fllc_http_requests_total", route="unmatched", status="404") == 1
    assert "/api/v1/users/999" not in text  # raw paths would explode the label set
    await client.get("/api/v1/openapi.json")
    schema_text = (await client.get("/metrics")).text
    assert _sample(schema_text, "fllc_http_requests_total", route="/api/v1/openapi.json", status="200") == 1


# -- readiness ------------------------------------------------------------------------------------------


async def _readyz(application: FastAPI) -> httpx.Response:
    async with http(application) as client:
        return await asyncio.wait_for(client.get("/readyz"), timeout=30)


async def _aiosqlite_threads_stopped() -> None:
    import threading

    import aiosqlite

    for thread in threading.enumerate():
        if isinstance(thread, aiosqlite.Connection):
            await asyncio.to_thread(thread.join, 10)


async def _stderr_until(capsys: pytest.CaptureFixture[str], text: str, seconds: float) -> str:
    """What the app writes to stderr, read until ``text`` appears (at most ``seconds``)."""
    seen = ""
    for _ in range(int(seconds / 0.01)):
        seen += capsys.readouterr().err
        if text in seen:
            return seen
        await asyncio.sleep(0.01)
    raise AssertionError(f"{text!r} not written within {seconds} s: {seen!r}")


async def test_readyz_is_200_when_everything_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


async def test_readyz_is_503_when_the_database_is_unreachable(settings: Settings, tmp_path: Path) -> None:
    if settings.database_url and not settings.database_url.startswith("sqlite"):
        dead = "mysql+asyncmy://root@127.0.0.1:1/fllc?charset=utf8mb4"
    else:
        dead = f"sqlite+aiosqlite:///{tmp_path}"  # a directory: SQLite cannot open it
    async with running(settings, database_url=dead) as application:
        response = await _readyz(application)
    await _aiosqlite_threads_stopped()  # a failed connection's thread is stopped via the loop
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"].startswith("error")


async def test_readyz_is_503_when_redis_is_unreachable(settings: Settings) -> None:
    async with running(settings, redis_url="redis://127.0.0.1:1/0") as application:
        response = await _readyz(application)
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["cache"].startswith("error")


async def test_settings_stored_while_the_database_was_down_at_start_load_once_it_answers(
    settings: Settings, tmp_path: Path, app: FastAPI, auth_headers, client: httpx.AsyncClient
) -> None:
    """A server started against a dead database serves its configured values, then picks up the
    stored settings at the first successful readiness check."""
    await client.patch("/api/v1/settings", json={"rate_limit": "77/minute"}, headers=await auth_headers())
    async with running(settings) as application:
        assert application.state.fllc.runtime.rate_limit == "77/minute"
        state = application.state.fllc
        state.runtime.loaded = False
        state.runtime.rate_limit = "1/second"
        assert (await _readyz(application)).status_code == 200
        assert state.runtime.rate_limit == "77/minute"


# -- logs -----------------------------------------------------------------------------------------------


async def test_request_lines_are_written_soon_and_when_the_app_stops(
    settings: Settings, make_user, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running(settings, log_level="INFO") as application, http(application) as client:
        capsys.readouterr()
        await client.get("/healthz", headers={"X-Request-ID": "soon-1"})
        # No request is needed to push it out: the line appears within a few flush periods.
        await _stderr_until(capsys, '"soon-1"', AccessLog.FLUSH_SECONDS * 20)
        await client.get("/healthz", headers={"X-Request-ID": "at-stop-1"})
    assert '"at-stop-1"' in capsys.readouterr().err


async def test_logs_are_json_with_the_request_fields_and_no_secrets(
    settings: Settings, make_user, capsys: pytest.CaptureFixture[str]
) -> None:
    user = await make_user("staff")
    async with running(settings, log_level="INFO") as application, http(application) as client:
        capsys.readouterr()
        login = await client.post(
            LOGIN,
            json={"username": user["username"], "password": PASSWORD},
            headers={"X-Request-ID": "log-check-1"},
        )
        tokens = login.json()
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        await client.post(LOGIN, json={"username": user["username"], "password": "wrong-secret-pw"})
        # Request lines are written in batches (at the latest 0.2 s later).
        application.state.fllc.access_log.flush()
        err = capsys.readouterr().err
    lines = [json.loads(line) for line in err.splitlines() if line.strip()]
    requests = [line for line in lines if line.get("event") == "request"]
    assert len(requests) == 4
    first = requests[0]
    assert first["request_id"] == "log-check-1"
    assert (first["method"], first["path"], first["status"]) == ("POST", LOGIN, 200)
    assert isinstance(first["latency_ms"], float | int)
    me_line = next(line for line in requests if line["path"] == "/api/v1/me")
    assert me_line["user_id"] == user["id"]
    for secret in (PASSWORD, "wrong-secret-pw", tokens["access_token"], tokens["refresh_token"]):
        assert secret not in err
