"""The generic sales webhook's fast path (pos.fast_intake) answers what the route answers: the same
status, body and headers for a new event, a duplicate, a missing, wrong, revoked or out-of-scope
key, a body that is not JSON and an event the schema refuses; oversized bodies are 413 with
nothing stored; the requests are counted under the route in /metrics. Each request is sent twice:
through the fast path, and with the fast path stepped aside (its route moved) so that the route
answers it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fllc_server.integrations.pos import fast_intake

EVENTS = "/api/v1/integrations/pos/generic/events"
COMPARED = ("content-type", "www-authenticate", "cache-control", "x-content-type-options", "retry-after")


def sale(event_id: str) -> dict[str, Any]:
    return {
        "type": "sale",
        "event_id": event_id,
        "sale_id": f"S-{event_id}",
        "lines": [{"sku": "MUG", "quantity": 1, "unit_price": "2.50"}],
    }


async def both(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, **request: Any
) -> tuple[httpx.Response, httpx.Response]:
    fast = await client.post(EVENTS, **request)
    with monkeypatch.context() as patched:
        patched.setattr(fast_intake, "ROUTE", "/the-fast-path-steps-aside")
        routed = await client.post(EVENTS, **request)
    return fast, routed


def assert_same(fast: httpx.Response, routed: httpx.Response) -> None:
    assert fast.status_code == routed.status_code
    assert fast.content == routed.content
    for name in COMPARED:
        assert fast.headers.get(name) == routed.headers.get(name), name


async def test_the_fast_path_answers_what_the_route_answers(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, pos, till_key: str, auth_headers
) -> None:
    key = {"X-API-Key": till_key}
    new_fast = await client.post(EVENTS, json=sale("e-1"), headers=key)
    with monkeypatch.context() as patched:
        patched.setattr(fast_intake, "ROUTE", "/the-fast-path-steps-aside")
        new_routed = await client.post(EVENTS, json=sale("e-2"), headers=key)
    assert new_fast.status_code == new_routed.status_code == 200
    assert new_fast.json() == {**new_routed.json(), "message_id": new_fast.json()["message_id"]}
    assert new_fast.json()["duplicate"] is False
    assert new_fast.json()["message_id"] != new_routed.json()["message_id"]
    for name in COMPARED:
        assert new_fast.headers.get(name) == new_routed.headers.get(name), name

    await pos.drained()  # the message's status is settled: both answers of a resend carry the same
    fast, routed = await both(client, monkeypatch, json=sale("e-1"), headers=key)  # a resend
    assert_same(fast, routed)
    assert fast.json()["message_id"] == new_fast.json()["message_id"]
    assert fast.json()["duplicate"] is True

    admin = await auth_headers("admin")
    account = await client.post(
        "/api/v1/integrations/service-accounts", json={"name": "payer", "integration": "x"}, headers=admin
    )
    payments = await client.post(
        f"/api/v1/integrations/service-accounts/{account.json()['id']}/keys",
        json={"scopes": ["payments.write"]},
        headers=admin,
    )
    refusals: list[dict[str, Any]] = [
        {"json": sale("r-1")},  # no key
        {"json": sale("r-2"), "headers": {"X-API-Key": "fllc_000000000000_" + "A" * 43}},
        {"json": sale("r-3"), "headers": {"X-API-Key": till_key[:-2] + "zz"}},
        {"json": sale("r-4"), "headers": {"X-API-Key": payments.json()["key"]}},  # out of scope
        {"json": {**sale("r-5"), "lines": []}, "headers": key},  # refused by the schema
        {"json": {**sale("r-6"), "surprise": 1}, "headers": key},
        {"content": b"{not json", "headers": {**key, "Content-Type": "application/json"}},
        {"content": b"", "headers": {**key, "Content-Type": "application/json"}},
        {"content": b"{}", "headers": {**key, "Content-Type": "text/plain"}},
    ]
    for request in refusals:
        fast, routed = await both(client, monkeypatch, **request)
        assert fast.status_code in (400, 401, 403), fast.text
        assert_same(fast, routed)
    assert [m.external_id for m in await pos.inbox("generic")] == ["e-1", "e-2"]

    metrics = (await client.get("/metrics")).text
    counted = [
        line
        for line in metrics.splitlines()
        if line.startswith("fllc_http_requests_total")
        and f'route="{EVENTS}"' in line
        and 'status="200"' in line
    ]
    assert counted, "the fast path's answers are counted under the route"


async def test_an_oversized_body_is_413_and_nothing_is_stored(
    client: httpx.AsyncClient, app: FastAPI, pos, till_key: str
) -> None:
    cap = app.state.fllc.settings.max_anonymous_body_bytes
    big = sale("big")
    big["lines"][0]["description"] = "x" * cap
    response = await client.post(EVENTS, json=big, headers={"X-API-Key": till_key})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"

    async def chunks() -> Any:  # no Content-Length: refused while it is read
        yield b'{"type":"sale","event_id":"big2","sale_id":"S","lines":[{"sku":"A","quantity":1,'
        yield b'"unit_price":"1.00","description":"' + b"y" * cap + b'"}]}'

    streamed = await client.post(
        EVENTS, content=chunks(), headers={"X-API-Key": till_key, "Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    assert await pos.inbox_count() == 0


async def test_a_revoked_key_is_refused_by_the_fast_path_at_once(
    client: httpx.AsyncClient, pos, auth_headers
) -> None:
    admin = await auth_headers("admin")
    account = await client.post(
        "/api/v1/integrations/service-accounts",
        json={"name": "till-r", "integration": "generic"},
        headers=admin,
    )
    keys = f"/api/v1/integrations/service-accounts/{account.json()['id']}/keys"
    made = await client.post(keys, json={"scopes": ["pos.write"]}, headers=admin)
    key = {"X-API-Key": made.json()["key"]}
    assert (await client.post(EVENTS, json=sale("k-1"), headers=key)).status_code == 200  # now cached
    revoked = await client.delete(
        f"/api/v1/integrations/service-accounts/{account.json()['id']}/keys/{made.json()['id']}",
        headers=admin,
    )
    assert revoked.status_code == 200
    refused = await client.post(EVENTS, json=sale("k-2"), headers=key)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "api_key_revoked"
    assert [m.external_id for m in await pos.inbox("generic")] == ["k-1"]
