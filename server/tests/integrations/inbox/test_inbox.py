"""The inbox: insert-or-ignore per (source, external id), handled once, failures kept with their
reason and retried, statuses visible to admins only."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from fllc_server.integrations.inbox.repository import InboxRepository
from fllc_server.integrations.inbox.service import InboxProcessor, receive
from fllc_server.stock.service import StockService

EVENTS = "/api/v1/integrations/pos/generic/events"


def sale(event_id: str, sale_id: str, sku: str, quantity: int) -> dict:
    return {
        "type": "sale",
        "event_id": event_id,
        "sale_id": sale_id,
        "lines": [{"sku": sku, "quantity": quantity, "unit_price": "1.00"}],
    }


async def test_receive_is_insert_or_ignore(app: FastAPI, pos) -> None:
    state = app.state.fllc
    results = []
    for _ in range(3):
        async with state.db.transaction() as session:
            results.append(
                await receive(session, state, source="edi", external_id="X-1", kind="k", payload={"n": 1})
            )
    assert [r.duplicate for r in results] == [False, True, True]
    assert len({r.id for r in results}) == 1
    assert await pos.inbox_count() == 1


async def test_a_message_that_cannot_apply_fails_with_its_reason_and_a_retry_applies_it(
    app: FastAPI, client: httpx.AsyncClient, pos, product, shop, till_key, auth_headers
) -> None:
    mug = await product("MUG", stock=1)
    response = await client.post(EVENTS, json=sale("e-1", "S-1", "MUG", 3), headers={"X-API-Key": till_key})
    assert response.status_code == 200
    await pos.drained()
    [message] = await pos.inbox("generic")
    assert message.status == "failed"
    assert "Only 1 on hand" in (message.error or "")
    assert await pos.on_hand(mug) == 1  # nothing half-applied
    assert await pos.orders("generic") == []

    admin = await auth_headers("admin")
    listed = await client.get("/api/v1/integrations/inbox?status=failed", headers=admin)
    assert listed.status_code == 200
    [row] = listed.json()["data"]
    assert row["reason"] == message.error
    counts = await client.get("/api/v1/integrations/inbox/counts", headers=admin)
    assert counts.json()["counts"] == {"failed": 1}

    state = app.state.fllc
    async with state.db.transaction() as session:
        await StockService(session, state, actor_id=None).move(mug, shop, 5, "intake")
    retried = await client.post(f"/api/v1/integrations/inbox/{message.id}/retry", headers=admin)
    assert retried.status_code == 200
    await pos.drained()
    assert [m.status for m in await pos.inbox("generic")] == ["handled"]
    assert await pos.on_hand(mug) == 3
    again = await client.post(f"/api/v1/integrations/inbox/{message.id}/retry", headers=admin)
    assert again.status_code == 409


async def test_concurrent_processors_handle_a_message_once(app: FastAPI, pos, product) -> None:
    mug = await product("MUG", stock=10)
    state = app.state.fllc
    async with state.db.transaction() as session:  # stored without waking the runner: the race is ours
        repo = InboxRepository(session)
        await repo.insert_or_ignore("generic", "e-c", "sale", sale("e-c", "S-c", "MUG", 1))
        message = await repo.find("generic", "e-c")
        assert message is not None
        message_id = message.id
    processors = [InboxProcessor(state) for _ in range(4)]
    results = await asyncio.gather(*(p.process(message_id) for p in processors))
    assert set(results) == {"handled"}
    assert await pos.on_hand(mug) == 9


async def test_only_admins_see_the_inbox(client: httpx.AsyncClient, auth_headers) -> None:
    manager = await auth_headers("manager")
    assert (await client.get("/api/v1/integrations/inbox", headers=manager)).status_code == 403
