"""Every entity type the sync pull and the live events carry reaches exactly the roles that its REST
read route lets read it: walked for every entity type x every role, against the one declaration
(fllc_server.auth.entities.READERS) and against what the REST route answers."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from fllc_server.app import entity_shapes
from fllc_server.auth.entities import READERS, may_read
from fllc_server.auth.permissions import Role, permissions_for
from websockets.asyncio.client import connect

ROLES = [role.value for role in Role]
# entity type → (its REST read route, the event type announcing a change of it)
REST = {
    "product": ("/api/v1/products/{id}", "product.changed"),
    "category": ("/api/v1/categories/{id}", "category.changed"),
    "supplier": ("/api/v1/suppliers/{id}", "supplier.changed"),
    "location": ("/api/v1/locations/{id}", "location.changed"),
    "purchase_order": ("/api/v1/purchase-orders/{id}", "po.changed"),
}


def test_every_entity_type_sync_serves_is_declared_and_walked_here() -> None:
    assert set(entity_shapes().entity_types()) == set(READERS) == set(REST)


async def _one_of_each(client: httpx.AsyncClient, admin: dict[str, str]) -> dict[str, int]:
    async def post(path: str, body: dict[str, Any]) -> int:
        response = await client.post(path, json=body, headers=admin)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    ids = {
        "category": await post("/api/v1/categories", {"name": "Tools"}),
        "supplier": await post("/api/v1/suppliers", {"name": "Acme"}),
        "location": await post("/api/v1/locations", {"code": "A-1", "name": "Aisle 1"}),
    }
    ids["product"] = await post(
        "/api/v1/products",
        {
            "sku": "VIS-1",
            "name": "Hammer",
            "price": "9.99",
            "category_id": ids["category"],
            "supplier_id": ids["supplier"],
        },
    )
    ids["purchase_order"] = await post(
        "/api/v1/purchase-orders",
        {"supplier_id": ids["supplier"], "lines": [{"product_id": ids["product"], "ordered_quantity": 3}]},
    )
    return ids


@pytest.mark.parametrize("role", ROLES)
async def test_rest_pull_and_events_agree_for_every_entity_type(
    role: str, app, client: httpx.AsyncClient, auth_headers, ws_url: str
) -> None:
    admin = await auth_headers("admin")
    headers = await auth_headers(role)
    async with connect(ws_url, additional_headers=headers) as ws:
        assert json.loads(await ws.recv())["type"] == "hello"
        ids = await _one_of_each(client, admin)
        # a last change every role may read: once it arrives, everything before it has too
        marker = await client.patch(
            f"/api/v1/locations/{ids['location']}", json={"name": "Aisle one", "version": 1}, headers=admin
        )
        assert marker.status_code == 200, marker.text
        events: list[dict[str, Any]] = []
        async with asyncio.timeout(10):
            while True:
                message = json.loads(await ws.recv())
                if message["type"] == "ping":
                    continue
                events.append(message)
                if message["type"] == "location.changed" and message["data"].get("version") == 2:
                    break

    pull = await client.get("/api/v1/sync/changes", params={"since": 0}, headers=headers)
    assert pull.status_code == 200
    pulled = {change["entity_type"] for change in pull.json()["changes"]}
    heard = {message["type"] for message in events}
    granted = permissions_for(role)
    for entity_type, (route, event_type) in REST.items():
        allowed = may_read(granted, entity_type)
        rest = await client.get(route.format(id=ids[entity_type]), headers=headers)
        assert rest.status_code == (200 if allowed else 403), (role, entity_type, rest.text)
        assert (entity_type in pulled) is allowed, (role, entity_type, "pull")
        assert (event_type in heard) is allowed, (role, entity_type, "events", heard)
