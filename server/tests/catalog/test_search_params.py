"""The search's parameters are read the same way before the framework (the fast path) as by the
route: for every query string, both accept it with the same values or both refuse it."""

from __future__ import annotations

import asyncio
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI, Query
from fllc_server.catalog.search_params import SearchParams

QUERY_STRINGS = [
    "",
    "q=drill",
    "q=cordless%20drill&page=2&per_page=25",
    "q=+drill+",
    "q=",
    "q=a&q=b",  # the last of repeated keys
    "page=1&page=3",
    "sort=-price&category_id=3&supplier_id=4&below_reorder=true",
    "below_reorder=1",
    "below_reorder=yes",
    "below_reorder=off",
    "below_reorder=maybe",
    "sort=price",
    "sort=PRICE",
    "sort=nonsense",
    "page=0",
    "page=-1",
    "page=1000001",
    "page=",
    "page=1.5",
    "page=%201",
    "per_page=200",
    "per_page=201",
    "per_page=abc",
    "category_id=0",
    "category_id=9007199254740993",
    "category_id=",
    "q=" + "x" * 200,
    "q=" + "x" * 201,
    "q=%E2%82%AC",
    "q=%FF%FE",
    "q=caf%C3%A9&unknown=1",
    "&&q=drill&&",
    "q=drill&page",
    "q=%00",
    "Q=drill",
]

probe = FastAPI()


@probe.get("/p")
async def read(params: Annotated[SearchParams, Query()]) -> dict[str, object]:
    return params.model_dump(mode="json")


async def _route_reads(query_string: str) -> dict[str, object] | None:
    transport = httpx.ASGITransport(app=probe)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get(f"/p?{query_string}")
    return response.json() if response.status_code == 200 else None


@pytest.mark.parametrize("query_string", QUERY_STRINGS)
async def test_the_fast_path_reads_what_the_route_reads(query_string: str) -> None:
    fast = SearchParams.of_query_string(query_string.encode("latin-1"))
    routed = await _route_reads(query_string)
    assert (fast.model_dump(mode="json") if fast else None) == routed


async def test_a_miss_is_computed_before_the_framework_and_kept(app, client, admin, make_product) -> None:
    await make_product(sku="FPM-1", name="Fastpath widget")
    index = app.state.fllc.search_index
    await asyncio.wait_for(index.ready.wait(), 30)
    first = await client.get("/api/v1/products", params={"q": "fastpath"}, headers=admin)
    second = await client.get("/api/v1/products", params={"q": "fastpath"}, headers=admin)
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("miss", "hit")
    assert first.content == second.content
    assert [p["sku"] for p in first.json()["data"]] == ["FPM-1"]
    bad = await client.get("/api/v1/products", params={"q": "fastpath", "per_page": 500}, headers=admin)
    assert bad.status_code == 400  # refused by the route, with the details
    assert bad.json()["error"]["details"]
