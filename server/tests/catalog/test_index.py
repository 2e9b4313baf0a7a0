"""The in-process search index (catalog.index) answers exactly what the database path answers.

Property-style: many random searches (words, prefixes, SKU prefixes, barcodes, filters, every sort,
pages past the end) asked of the index and of the database path give the same bytes, before and
after random writes through the API (create, rename, new SKU/barcode/category/price, stock intake,
delete, restore). A write is visible on the very next search (distinct questions: no cache hit),
also while a catch-up is running, across two server processes, and after a backup restore.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fllc_server.backup.service import create_backup, restore_backup
from fllc_server.catalog.index import CatalogIndex
from fllc_server.catalog.repository import ProductRepository, page_total
from fllc_server.catalog.schemas import ProductOut, ProductSort
from fllc_server.catalog.search import ProductQuery
from fllc_server.catalog.service import _PRODUCT_PAGE
from fllc_server.config import Settings
from fllc_server.kit.pagination import Page, PageParams
from fllc_server.models import Location

SEARCH = "/api/v1/products"
WORDS = [
    "drill",
    "Drill",
    "cordless",
    "hammer",
    "ga",
    "gauge",
    "galvanized",
    "washer",
    "ft",
    "tv",
    "the",
    "Bolt",
    "bolts",
    "a",
    "pro",
    "x2",
    "12v",
]


def _ean13(body: str) -> str:
    digits = [int(c) for c in body]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return body + str((10 - total % 10) % 10)


def _index(app: FastAPI) -> CatalogIndex:
    index = app.state.fllc.search_index
    assert index is not None
    return index


async def _ready(app: FastAPI) -> CatalogIndex:
    index = _index(app)
    await asyncio.wait_for(index.ready.wait(), 60)
    return index


async def _database_answer(app: FastAPI, query: ProductQuery, paging: PageParams) -> bytes:
    """What the route computes on a miss without the index (ProductService.search's queries)."""
    async with app.state.fllc.db.sessions() as session:
        repo = ProductRepository(session)
        products = _PRODUCT_PAGE.validate_python(await repo.search_page(query))
        total = page_total(query, len(products))
        if total is None:
            total = await repo.search_count(query)
    page = Page[ProductOut](data=products, meta=paging.meta(total))
    return page.model_dump_json().encode()


def _random_query(
    rng: random.Random, skus: list[str], barcodes: list[str]
) -> tuple[ProductQuery, PageParams]:
    kind = rng.random()
    q: str | None
    if kind < 0.15:
        q = None
    elif kind < 0.3 and skus:
        sku = rng.choice(skus)
        q = sku[: rng.randint(1, len(sku))]
        q = q.lower() if rng.random() < 0.5 else q
    elif kind < 0.4 and barcodes:
        q = rng.choice(barcodes)
    else:
        chosen = rng.sample(WORDS, rng.randint(1, 3))
        if rng.random() < 0.5:
            chosen[-1] = chosen[-1][: rng.randint(1, len(chosen[-1]))]
        q = " ".join(chosen)
    paging = PageParams(page=rng.choice([1, 1, 1, 2, 3, 40]), per_page=rng.choice([1, 2, 5, 50]))
    query = ProductQuery(
        q=q,
        category_id=rng.choice([None, None, None, *_CATEGORY_IDS]),
        supplier_id=rng.choice([None, None, None, None, *_SUPPLIER_IDS]),
        below_reorder=rng.random() < 0.25,
        sort=rng.choice(list(ProductSort)),
        page=paging.page,
        per_page=paging.per_page,
    )
    return query, paging


_CATEGORY_IDS: list[int] = []
_SUPPLIER_IDS: list[int] = []


async def _compare(
    app: FastAPI, rng: random.Random, products: dict[int, dict[str, Any]], rounds: int
) -> None:
    index = _index(app)
    skus = [p["sku"] for p in products.values()]
    barcodes = [p["barcode"] for p in products.values() if p.get("barcode")]
    for _ in range(rounds):
        query, paging = _random_query(rng, skus, barcodes)
        mine = await index.page(query, paging)
        assert mine is not None, query  # ASCII names and questions: the index answers them all
        assert mine == await _database_answer(app, query, paging), query


async def _write(
    rng: random.Random,
    client: httpx.AsyncClient,
    admin: dict[str, str],
    products: dict[int, dict[str, Any]],
    deleted: dict[int, dict[str, Any]],
    location: int,
    serial: list[int],
) -> None:
    """One random write through the API; `products`/`deleted` follow it."""
    action = rng.choice(
        [
            "create",
            "create",
            "rename",
            "sku",
            "barcode",
            "category",
            "price",
            "intake",
            "intake",
            "delete",
            "restore",
        ]
    )
    if action == "create" or not products:
        serial[0] += 1
        body = {
            "sku": f"{rng.choice(['DRL', 'ham', 'GA'])}-{serial[0]:04d}",
            "name": " ".join(rng.sample(WORDS, rng.randint(1, 4))),
            "price": rng.choice(["1.00", "9.99", "9.99", "120.50"]),
            "reorder_point": rng.choice([0, 5, 10]),
            "category_id": rng.choice([None, *_CATEGORY_IDS]),
            "supplier_id": rng.choice([None, *_SUPPLIER_IDS]),
        }
        if rng.random() < 0.5:
            body["barcode"] = _ean13(f"{rng.randint(10**11, 10**12 - 1)}")
        response = await client.post(SEARCH, json=body, headers=admin)
        if response.status_code == 201:
            products[response.json()["id"]] = response.json()
        return
    if action == "restore":
        if not deleted:
            return
        product_id = rng.choice(sorted(deleted))
        response = await client.post(f"{SEARCH}/{product_id}/restore", headers=admin)
        assert response.status_code == 200, response.text
        products[product_id] = response.json()
        del deleted[product_id]
        return
    product_id = rng.choice(sorted(products))
    product = products[product_id]
    if action == "intake":
        response = await client.post(
            "/api/v1/stock/intake",
            headers=admin,
            json={"product_id": product_id, "quantity": rng.randint(1, 12), "location_id": location},
        )
        assert response.status_code == 201, response.text
        got = await client.get(f"{SEARCH}/{product_id}", headers=admin)
        products[product_id] = got.json()
        return
    if action == "delete":
        response = await client.delete(f"{SEARCH}/{product_id}", headers=admin)
        assert response.status_code == 204, response.text
        deleted[product_id] = products.pop(product_id)
        return
    changes: dict[str, Any] = {
        "rename": {"name": " ".join(rng.sample(WORDS, rng.randint(1, 3)))},
        "sku": {"sku": f"NEW-{rng.randint(1, 10**6)}"},
        "barcode": {"barcode": rng.choice([None, _ean13(f"{rng.randint(10**11, 10**12 - 1)}")])},
        "category": {
            "category_id": rng.choice([None, *_CATEGORY_IDS]),
            "supplier_id": rng.choice([None, *_SUPPLIER_IDS]),
        },
        "price": {"price": rng.choice(["1.00", "9.99", "55.55"]), "reorder_point": rng.choice([0, 3, 50])},
    }[action]
    response = await client.patch(
        f"{SEARCH}/{product_id}", headers=admin, json={"version": product["version"], **changes}
    )
    if response.status_code == 200:
        products[product_id] = response.json()


@pytest.fixture
async def catalog(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str], make_entity: Any
) -> dict[str, Any]:
    """Categories, suppliers, a location and 40 products with colliding names, prices and cases."""
    _CATEGORY_IDS[:] = [(await make_entity("categories", name=f"Cat {n}"))["id"] for n in range(3)]
    _SUPPLIER_IDS[:] = [(await make_entity("suppliers", name=f"Sup {n}"))["id"] for n in range(2)]
    async with app.state.fllc.db.transaction() as session:
        location = Location(code="MAIN", name="Main")
        session.add(location)
        await session.flush()
        location_id = location.id
    rng = random.Random(11)
    products: dict[int, dict[str, Any]] = {}
    deleted: dict[int, dict[str, Any]] = {}
    serial = [0]
    for _ in range(40):
        await _write(rng, client, admin, products, deleted, location_id, serial)
    return {"products": products, "deleted": deleted, "location": location_id, "serial": serial}


async def test_the_index_answers_byte_for_byte_like_the_database_before_and_after_writes(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str], catalog: dict[str, Any]
) -> None:
    index = await _ready(app)
    rng = random.Random(5)
    products, deleted = catalog["products"], catalog["deleted"]
    await _compare(app, rng, products, 150)
    for _ in range(6):
        for _ in range(rng.randint(1, 8)):
            await _write(rng, client, admin, products, deleted, catalog["location"], catalog["serial"])
        await _compare(app, rng, products, 60)
    assert index.stats.catch_ups > 0

    # A build from the data as it is now (not from changes) answers the same.
    builds = index.stats.builds
    index._rebuild()
    await _ready(app)
    assert index.stats.builds == builds + 1
    await _compare(app, rng, products, 150)


async def test_a_write_is_visible_on_the_very_next_search(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str], make_product: Any
) -> None:
    index = await _ready(app)
    product = await make_product(sku="ZEB-1", name="Zebra lamp", price="5.00")
    found = await client.get(SEARCH, params={"q": "zebra"}, headers=admin)
    assert [p["id"] for p in found.json()["data"]] == [product["id"]]
    answered = index.stats.answered

    renamed = await client.patch(
        f"{SEARCH}/{product['id']}",
        headers=admin,
        json={"version": product["version"], "name": "Quagga lamp", "price": "6.00"},
    )
    assert renamed.status_code == 200, renamed.text
    assert (await client.get(SEARCH, params={"q": "zebra l"}, headers=admin)).json()["data"] == []
    hits = (await client.get(SEARCH, params={"q": "quagga", "sort": "-price"}, headers=admin)).json()["data"]
    assert [(p["name"], p["price"]) for p in hits] == [("Quagga lamp", "6.00")]

    deleted = await client.delete(f"{SEARCH}/{product['id']}", headers=admin)
    assert deleted.status_code == 204
    assert (await client.get(SEARCH, params={"q": "quagga l"}, headers=admin)).json()["meta"]["total"] == 0
    assert index.stats.answered == answered + 3  # from the index, not the database


async def test_searches_during_a_catch_up_see_the_write(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str], make_product: Any
) -> None:
    """Concurrent searches after a write join one catch-up (or start the next): all see the write."""
    index = await _ready(app)
    for n in range(5):
        await make_product(sku=f"OWL-{n}", name=f"Owl figure {n}", price="3.00")
    catch_ups = index.stats.catch_ups
    await make_product(sku="OWL-NEW", name="Owl figure new", price="1.00")
    queries = [
        (ProductQuery(q="owl", sort=ProductSort.PRICE, per_page=p), PageParams(per_page=p))
        for p in range(1, 13)
    ]
    answers = await asyncio.gather(*(index.page(q, paging) for q, paging in queries))
    for (query, paging), answer in zip(queries, answers, strict=True):
        assert answer is not None
        assert answer == await _database_answer(app, query, paging)
        assert b'"sku":"OWL-NEW"' in answer
    assert index.stats.catch_ups <= catch_ups + 2  # shared, not one per search


async def test_a_restore_rebuilds_the_index(
    settings: Settings,
    app: FastAPI,
    client: httpx.AsyncClient,
    admin: dict[str, str],
    make_product: Any,
    tmp_path: Any,
) -> None:
    index = await _ready(app)
    await make_product(sku="LAN-1", name="Lantern Alpha", price="12.50")
    backup = (await create_backup(settings.effective_database_url, tmp_path / "a.fllcbak")).path
    await make_product(sku="LAN-2", name="Lantern Beta", price="9.00")
    assert (await client.get(SEARCH, params={"q": "lantern"}, headers=admin)).json()["meta"]["total"] == 2
    builds = index.stats.builds

    in_process = app.state.fllc if settings.redis_url is None else None
    await restore_backup(settings, backup, force=True, state=in_process)

    # The generation moved: the next search catches up, finds the new era (its floor is past the
    # cursor) and rebuilds; meanwhile the database answers.
    after = await client.get(SEARCH, params={"q": "lantern", "sort": "-price"}, headers=admin)
    assert [p["sku"] for p in after.json()["data"]] == ["LAN-1"]
    await _ready(app)
    assert index.stats.builds == builds + 1
    query, paging = ProductQuery(q="lant"), PageParams()
    answer = await index.page(query, paging)
    assert answer is not None
    assert answer == await _database_answer(app, query, paging)
    assert b"LAN-2" not in answer


async def _headers(http: httpx.AsyncClient, user: dict[str, Any]) -> dict[str, str]:
    login = await http.post(
        "/api/v1/auth/login", json={"username": user["username"], "password": user["password"]}
    )
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def _metric(http: httpx.AsyncClient, name: str) -> float:
    for line in (await http.get("/metrics")).text.splitlines():
        if line.startswith(f"fllc_search_index_{name} "):
            return float(line.split()[1])
    raise AssertionError(f"no metric {name}")


async def test_a_write_through_one_server_is_seen_by_the_others_index(
    two_servers: Any, make_user: Any
) -> None:
    server_a, server_b = two_servers
    user = await make_user("admin")
    async with httpx.AsyncClient(base_url=server_a) as a, httpx.AsyncClient(base_url=server_b) as b:
        headers = await _headers(a, user)
        for http in (a, b):
            for _ in range(300):
                if await _metric(http, "ready") == 1:
                    break
                await asyncio.sleep(0.1)
            assert await _metric(http, "ready") == 1
        answered = await _metric(b, "answered")
        body = {"sku": "ORC-1", "name": "Orca mug", "price": "4.00"}
        created = await a.post(SEARCH, json=body, headers=headers)
        assert created.status_code == 201, created.text
        seen = await b.get(SEARCH, params={"q": "orca"}, headers=headers)
        assert [p["sku"] for p in seen.json()["data"]] == ["ORC-1"]

        product = created.json()
        moved = await a.patch(
            f"{SEARCH}/{product['id']}",
            headers=headers,
            json={"version": product["version"], "name": "Narwhal mug"},
        )
        assert moved.status_code == 200, moved.text
        assert (await b.get(SEARCH, params={"q": "orca m"}, headers=headers)).json()["data"] == []
        again = await b.get(SEARCH, params={"q": "narwhal"}, headers=headers)
        assert [p["name"] for p in again.json()["data"]] == ["Narwhal mug"]
        assert await _metric(b, "answered") == answered + 3
