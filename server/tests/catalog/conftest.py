"""Catalog test helpers: signed-in roles and products made through the API."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

# Valid GTINs (check digits verified by hand and by the code under test).
EAN13 = "4006381333931"
EAN8 = "96385074"
UPC_A = "036000291452"

MakeProduct = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
async def admin(auth_headers) -> dict[str, str]:
    return await auth_headers("admin")


@pytest.fixture
def make_product(client: httpx.AsyncClient, admin: dict[str, str]) -> MakeProduct:
    """Create a product through POST /api/v1/products; returns the response body."""
    counter = itertools.count(1)

    async def make(**fields: Any) -> dict[str, Any]:
        number = next(counter)
        body = {"sku": f"SKU-{number:04d}", "name": f"Product {number}", "price": "1.00", **fields}
        response = await client.post("/api/v1/products", json=body, headers=admin)
        assert response.status_code == 201, response.text
        return response.json()

    return make


MakeEntity = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def make_entity(client: httpx.AsyncClient, admin: dict[str, str]) -> MakeEntity:
    """Create a category, supplier or location: `await make_entity("categories", name="Tools")`."""

    async def make(path: str, **fields: Any) -> dict[str, Any]:
        response = await client.post(f"/api/v1/{path}", json=fields, headers=admin)
        assert response.status_code == 201, response.text
        return response.json()

    return make


@pytest.fixture
def database_search(app: FastAPI) -> None:
    """Searches computed by the database path only (no in-process index: catalog.index), for
    tests of what that path does: its count cache, its word index under raw SQL writes."""
    app.state.fllc.search_index = None
