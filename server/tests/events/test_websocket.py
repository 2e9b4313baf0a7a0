"""WebSocket /api/v1/events: bearer auth in the upgrade (4401 otherwise), a hello with the newest
seq, then committed changes as {type, seq, data}."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
from fllc_server.models import Change
from sqlalchemy import func, select
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


async def _close_code(url: str, headers: dict[str, str]) -> tuple[int, str]:
    async with connect(url, additional_headers=headers) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


async def _drain(ws) -> None:
    while True:
        await ws.recv()


async def test_no_token_closes_4401(ws_url) -> None:
    assert await _close_code(ws_url, {}) == (4401, "unauthorized")


async def test_an_invalid_token_closes_4401(ws_url) -> None:
    assert await _close_code(ws_url, {"Authorization": "Bearer not-a-token"}) == (4401, "invalid_token")


async def test_an_expired_token_closes_4401(ws_url, settings, make_user) -> None:
    user = await make_user("staff")
    past = int((dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).timestamp())
    claims = {
        "sub": str(user["id"]),
        "role": "staff",
        "perms": [],
        "jti": "x" * 32,
        "typ": "access",
        "iat": past - 60,
        "nbf": past - 60,
        "exp": past,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
    }
    token = jwt.encode(claims, settings.secret_key, algorithm="HS256")
    assert await _close_code(ws_url, {"Authorization": f"Bearer {token}"}) == (4401, "token_expired")


async def test_the_socket_closes_4401_when_its_token_expires(app, ws_url, make_user, login) -> None:
    app.state.fllc.tokens.access_seconds = 1
    user = await make_user("staff")
    token = (await login(user["username"]))["access_token"]
    async with connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        assert (await ws.recv()).startswith('{"type": "hello"')
        with pytest.raises(ConnectionClosed) as closed:
            await _drain(ws)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4401, "token_expired")


async def test_hello_then_a_committed_intake_arrives_as_stock_changed(
    app, client, ws_url, auth_headers, warehouse, receive
) -> None:
    headers = await auth_headers("staff")
    await client.post(
        "/api/v1/stock/intake", json={"product_id": warehouse.widget, "quantity": 1}, headers=headers
    )
    sent_before = app.state.fllc.metrics.events_sent._value.get()

    async with connect(ws_url, additional_headers=headers) as ws:
        hello = await receive(ws)
        response = await client.post(
            "/api/v1/stock/intake", json={"product_id": warehouse.widget, "quantity": 4}, headers=headers
        )
        event = await receive(ws, product_id=warehouse.widget, delta=4)

    async with app.state.fllc.db.sessions() as session:
        newest = await session.scalar(select(func.max(Change.seq)))
    assert response.status_code == 201
    assert hello["type"] == "hello"
    assert hello["seq"] == newest - 1
    assert event["type"] == "stock.changed"
    assert event["seq"] == newest
    assert event["data"]["product_id"] == warehouse.widget
    assert event["data"]["quantity_on_hand"] == 5
    assert event["data"]["delta"] == 4
    assert app.state.fllc.metrics.events_sent._value.get() == sent_before + 1


async def test_a_refused_write_sends_nothing(app, client, ws_url, auth_headers, warehouse, receive) -> None:
    manager = await auth_headers("manager")
    async with connect(ws_url, additional_headers=manager) as ws:
        await receive(ws)
        refused = await client.post(
            "/api/v1/stock/adjustments",
            json={"product_id": warehouse.widget, "delta": -1, "reason_code": "lost"},
            headers=manager,
        )
        await client.post(
            "/api/v1/stock/intake", json={"product_id": warehouse.widget, "quantity": 2}, headers=manager
        )
        event = await receive(ws, product_id=warehouse.widget)

    assert refused.status_code == 409
    assert (event["type"], event["data"]["delta"]) == ("stock.changed", 2)


async def test_an_open_socket_closes_4401_when_its_session_is_signed_out(
    app, client, ws_url, make_user, login, monkeypatch
) -> None:
    """A sign-out (here by refresh token alone) reaches a connected socket within a recheck."""
    monkeypatch.setattr("fllc_server.events.endpoints.RECHECK_SECONDS", 0.2)
    user = await make_user("staff")
    tokens = await login(user["username"])
    async with connect(
        ws_url, additional_headers={"Authorization": f"Bearer {tokens['access_token']}"}
    ) as ws:
        assert (await ws.recv()).startswith('{"type": "hello"')
        out = await client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
        assert out.status_code == 204
        with pytest.raises(ConnectionClosed) as closed:
            await _drain(ws)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4401, "token_revoked")
