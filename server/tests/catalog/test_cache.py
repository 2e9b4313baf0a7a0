"""Cached search and scan lookup: a repeat is a hit, and any write is visible on the very next read."""

from __future__ import annotations

import re

import pytest
from fllc_server.catalog.cache import CatalogAnswers
from fllc_server.kit.changes import record_change
from fllc_server.models import Product, StockLevel

from .conftest import EAN13

SEARCH = "/api/v1/products"
SCAN = f"/api/v1/products/by-barcode/{EAN13}"


async def _metric(client, cache: str, result: str) -> float:
    text = (await client.get("/metrics")).text
    match = re.search(rf'fllc_cache_lookups_total{{cache="{cache}",result="{result}"}} ([0-9.e+]+)', text)
    return float(match.group(1)) if match else 0.0


async def test_a_repeated_search_is_a_hit_with_the_same_body(client, admin, make_product) -> None:
    await make_product(sku="C-1", name="Cached thing")
    first = await client.get(SEARCH, params={"q": "cached"}, headers=admin)
    second = await client.get(SEARCH, params={"q": "cached"}, headers=admin)
    assert first.headers["X-Cache"] == "miss"
    assert second.headers["X-Cache"] == "hit"
    assert second.content == first.content
    assert second.headers["content-type"] == "application/json"
    assert await _metric(client, "product_search", "hit") == 1
    assert await _metric(client, "product_search", "miss") == 1


async def test_different_parameters_are_different_answers(client, admin, make_product) -> None:
    await make_product(sku="C-1", name="Cached thing")
    await client.get(SEARCH, params={"q": "cached"}, headers=admin)
    for params in (
        {"q": "cache"},
        {"q": "cached", "page": 2},
        {"q": "cached", "sort": "-name"},
        {"q": "cached", "per_page": 10},
        {"q": "cached", "below_reorder": "true"},
    ):
        response = await client.get(SEARCH, params=params, headers=admin)
        assert response.headers["X-Cache"] == "miss", params


async def _search_twice(client, headers, q: str) -> list[dict]:
    """Warm the cache and prove it is warm, so that the read after a write would be a stale hit."""
    await client.get(SEARCH, params={"q": q}, headers=headers)
    warm = await client.get(SEARCH, params={"q": q}, headers=headers)
    assert warm.headers["X-Cache"] == "hit"
    return warm.json()["data"]


async def test_a_create_is_visible_on_the_next_search(client, admin, make_product) -> None:
    await make_product(sku="WID-1", name="Widget one")
    assert len(await _search_twice(client, admin, "widget")) == 1
    await make_product(sku="WID-2", name="Widget two")
    after = await client.get(SEARCH, params={"q": "widget"}, headers=admin)
    assert after.headers["X-Cache"] == "miss"
    assert [p["sku"] for p in after.json()["data"]] == ["WID-1", "WID-2"]


async def test_an_update_is_visible_on_the_next_search(client, admin, make_product) -> None:
    product = await make_product(sku="WID-1", name="Widget one", price="1.00")
    await _search_twice(client, admin, "widget")
    await client.patch(f"{SEARCH}/{product['id']}", json={"version": 1, "price": "2.50"}, headers=admin)
    after = await client.get(SEARCH, params={"q": "widget"}, headers=admin)
    assert after.json()["data"][0]["price"] == "2.50"


async def test_a_delete_is_visible_on_the_next_search(client, admin, make_product) -> None:
    product = await make_product(sku="WID-1", name="Widget one")
    await _search_twice(client, admin, "widget")
    await client.delete(f"{SEARCH}/{product['id']}", headers=admin)
    after = await client.get(SEARCH, params={"q": "widget"}, headers=admin)
    assert after.json()["data"] == []
    assert after.json()["meta"]["total"] == 0


async def _receive(app, product_id: int, location_id: int, quantity: int) -> None:
    """A stock change as the stock service writes it: the quantities and one change record."""
    state = app.state.fllc
    async with state.db.transaction() as session:
        product = await session.get(Product, product_id)
        assert product is not None
        product.quantity_on_hand += quantity
        session.add(StockLevel(product_id=product_id, location_id=location_id, quantity=quantity))
        await record_change(session, entity_type="stock", entity_id=product_id, event_type="stock.changed")


async def test_a_stock_change_is_visible_on_the_next_search_and_scan(
    app, client, admin, make_product, make_entity
) -> None:
    product = await make_product(sku="WID-1", name="Widget one", barcode=EAN13)
    bin_a = await make_entity("locations", code="A-1", name="Bin A")
    await _search_twice(client, admin, "widget")
    await client.get(SCAN, headers=admin)
    assert (await client.get(SCAN, headers=admin)).headers["X-Cache"] == "hit"
    await _receive(app, product["id"], bin_a["id"], 12)
    searched = await client.get(SEARCH, params={"q": "widget"}, headers=admin)
    assert searched.json()["data"][0]["quantity_on_hand"] == 12
    scanned = await client.get(SCAN, headers=admin)
    assert scanned.headers["X-Cache"] == "miss"
    assert scanned.json()["stock"] == [{"location_id": bin_a["id"], "location_code": "A-1", "quantity": 12}]


async def test_a_rolled_back_write_keeps_the_cache(app, client, admin, make_product) -> None:
    await make_product(sku="WID-1", name="Widget one")
    await _search_twice(client, admin, "widget")
    taken = await client.post(SEARCH, json={"sku": "WID-1", "name": "dup", "price": "1"}, headers=admin)
    assert taken.status_code == 409
    again = await client.get(SEARCH, params={"q": "widget"}, headers=admin)
    assert again.headers["X-Cache"] == "hit"


async def test_scan_lookup_is_cached_and_counted(client, admin, make_product) -> None:
    await make_product(sku="SC-1", name="Scanned", barcode=EAN13)
    first = await client.get(SCAN, headers=admin)
    second = await client.get(SCAN, headers=admin)
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("miss", "hit")
    assert first.json() == second.json()
    assert await _metric(client, "by_barcode", "hit") == 1
    assert await _metric(client, "by_barcode", "miss") == 1


async def test_a_barcode_added_to_a_product_is_found_by_the_next_scan(client, admin, make_product) -> None:
    product = await make_product(sku="SC-1", name="Scanned")
    assert (await client.get(SCAN, headers=admin)).status_code == 404
    await client.patch(f"{SEARCH}/{product['id']}", json={"version": 1, "barcode": EAN13}, headers=admin)
    found = await client.get(SCAN, headers=admin)
    assert found.status_code == 200
    assert found.json()["sku"] == "SC-1"


@pytest.mark.parametrize("path", ["categories", "suppliers"])
async def test_reference_writes_also_refresh_the_answers(
    client, admin, make_product, make_entity, path
) -> None:
    # A category or supplier edit is recorded as a change too: no answer outlives it.
    await make_product(sku="WID-1", name="Widget one")
    await _search_twice(client, admin, "widget")
    await make_entity(path, name="New")
    after = await client.get(SEARCH, params={"q": "widget"}, headers=admin)
    assert after.headers["X-Cache"] == "miss"


async def test_paging_one_question_counts_it_once_and_a_write_recounts(
    client, admin, make_product, database_search
) -> None:
    for number in range(3):
        await make_product(sku=f"TOT-{number}", name=f"Totalled item {number}")

    async def total(**params) -> int:
        response = await client.get(SEARCH, params={"q": "totalled", "per_page": 1, **params}, headers=admin)
        assert response.headers["X-Cache"] == "miss"
        return int(response.json()["meta"]["total"])

    assert await total() == 3
    assert await total(page=2) == 3
    assert await total(page=3, sort="-name") == 3
    assert await _metric(client, "product_count", "miss") == 1
    assert await _metric(client, "product_count", "hit") == 2
    await make_product(sku="TOT-3", name="Totalled item 3")
    assert await total(page=2) == 4
    assert await _metric(client, "product_count", "miss") == 2
    assert await total(category_id=1) == 0  # another question, another count


# -- the fast path: a cached answer is served before the framework (kit.cached_reads) ---------------------


async def test_a_hit_carries_the_same_headers_as_a_computed_answer(client, admin, make_product) -> None:
    await make_product(sku="FP-1", name="Fast thing")
    miss = await client.get(SEARCH, params={"q": "fast"}, headers={**admin, "X-Request-ID": "fp-miss"})
    hit = await client.get(SEARCH, params={"q": "fast"}, headers={**admin, "X-Request-ID": "fp-hit"})
    assert (miss.headers["X-Cache"], hit.headers["X-Cache"]) == ("miss", "hit")
    assert hit.content == miss.content
    assert hit.headers["X-Request-ID"] == "fp-hit"
    for name in (
        "content-type",
        "content-length",
        "x-content-type-options",
        "content-security-policy",
        "referrer-policy",
    ):
        assert hit.headers[name] == miss.headers[name], name


async def test_a_hit_is_counted_under_its_route(client, admin, make_product) -> None:
    product = await make_product(sku="FP-1", name="Fast thing", barcode=EAN13)
    for _ in range(3):
        await client.get(SEARCH, params={"q": "fast"}, headers=admin)
        await client.get(SCAN, headers=admin)
    text = (await client.get("/metrics")).text
    assert 'fllc_http_requests_total{method="GET",route="/api/v1/products",status="200"} 3.0' in text
    assert (
        'fllc_http_requests_total{method="GET",route="/api/v1/products/by-barcode/{code:path}",'
        'status="200"} 3.0'
    ) in text
    assert product["barcode"] == EAN13


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic YWRtaW46eA=="])
async def test_a_cached_answer_still_needs_a_valid_token(client, admin, make_product, authorization) -> None:
    await make_product(sku="FP-1", name="Fast thing")
    await _search_twice(client, admin, "fast")
    headers = {"Authorization": authorization} if authorization else {}
    refused = await client.get(SEARCH, params={"q": "fast"}, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] in ("unauthorized", "invalid_token")


async def test_a_cached_answer_is_not_served_on_a_signed_out_token(
    client, make_user, login, make_product
) -> None:
    user = await make_user("viewer")
    tokens = await login(user["username"])
    viewer = {"Authorization": f"Bearer {tokens['access_token']}"}
    await make_product(sku="FP-1", name="Fast thing")
    await _search_twice(client, viewer, "fast")
    out = await client.post(
        "/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}, headers=viewer
    )
    assert out.status_code == 204
    refused = await client.get(SEARCH, params={"q": "fast"}, headers=viewer)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "token_revoked"


async def test_a_cached_answer_is_not_served_to_a_deactivated_user(
    client, admin, make_user, login, make_product
) -> None:
    user = await make_user("staff")
    staff = {"Authorization": f"Bearer {(await login(user['username']))['access_token']}"}
    await make_product(sku="FP-1", name="Fast thing")
    await _search_twice(client, staff, "fast")
    off = await client.post(f"/api/v1/users/{user['id']}/deactivate", headers=admin)
    assert off.status_code == 200
    refused = await client.get(SEARCH, params={"q": "fast"}, headers=staff)
    assert refused.status_code == 401


async def test_another_spelling_of_a_question_is_computed_not_mistaken(client, admin, make_product) -> None:
    await make_product(sku="FP-1", name="Fast thing")
    await _search_twice(client, admin, "fast")
    spelled = await client.get(f"{SEARCH}?q=fast&page=1", headers=admin)
    assert spelled.headers["X-Cache"] == "miss"
    usual = await client.get(SEARCH, params={"q": "fast"}, headers=admin)
    assert spelled.json()["data"] == usual.json()["data"]
    invalid = await client.get(f"{SEARCH}?q=fast&per_page=0", headers=admin)
    assert invalid.status_code == 400  # never stored, so never served


async def test_answers_kept_in_this_process_follow_the_shared_cache(app, client, admin, make_product) -> None:
    """Each process keeps a copy of the answers it serves, used only under the current generation."""
    await make_product(sku="FP-1", name="Fast thing")
    await _search_twice(client, admin, "fast")
    state = app.state.fllc
    state.answers.clear()  # as in another process: the shared cache answers (and fills the copy)
    assert (await client.get(SEARCH, params={"q": "fast"}, headers=admin)).headers["X-Cache"] == "hit"
    await state.cache.delete(CatalogAnswers(state, "product_search").key(f"{SEARCH}?q=fast"))
    assert (await client.get(SEARCH, params={"q": "fast"}, headers=admin)).headers["X-Cache"] == "hit"
    await make_product(sku="FP-2", name="Fast other")  # a write: the copy belongs to an old generation
    after = await client.get(SEARCH, params={"q": "fast"}, headers=admin)
    assert after.headers["X-Cache"] == "miss"
    assert len(after.json()["data"]) == 2
