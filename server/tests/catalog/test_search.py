"""GET /api/v1/products: SKU prefix, exact barcode, name words, filters, sort and page meta."""

from __future__ import annotations

import datetime as dt

import pytest
from fllc_server.catalog.repository import page_total
from fllc_server.catalog.search import ProductQuery
from fllc_server.models import Product
from sqlalchemy import update

from .conftest import EAN8, EAN13, UPC_A


async def _skus(client, headers, **params) -> list[str]:
    response = await client.get("/api/v1/products", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [p["sku"] for p in response.json()["data"]]


@pytest.fixture
async def catalog(make_product, make_entity) -> dict[str, int]:
    tools = await make_entity("categories", name="Tools")
    acme = await make_entity("suppliers", name="Acme")
    await make_product(sku="HAM-100", name="Claw hammer steel", price="12.50", category_id=tools["id"])
    await make_product(
        sku="HAM-200",
        name="Rubber mallet",
        price="8.00",
        category_id=tools["id"],
        supplier_id=acme["id"],
        reorder_point=5,
    )
    await make_product(
        sku="SCR-10",
        name="Wood screw 4x40 box",
        price="3.20",
        barcode=EAN13,
        supplier_id=acme["id"],
        reorder_point=0,
    )
    await make_product(sku="TV-55", name="TV wall bracket", price="45.00", barcode=UPC_A, reorder_point=2)
    await make_product(sku="NUT-M8", name="The hex nut for the M8 bolt", price="0.10", barcode=EAN8)
    return {"tools": tools["id"], "acme": acme["id"]}


async def test_sku_prefix(client, admin, catalog) -> None:
    assert await _skus(client, admin, q="HAM") == ["HAM-100", "HAM-200"]
    assert await _skus(client, admin, q="ham-2") == ["HAM-200"]
    assert await _skus(client, admin, q="AM-1") == []  # a prefix, not a substring


@pytest.mark.parametrize(
    ("typed", "sku"),
    [(EAN13, "SCR-10"), ("0" + EAN13, "SCR-10"), (UPC_A, "TV-55"), ("0" + UPC_A, "TV-55"), (EAN8, "NUT-M8")],
)
async def test_exact_barcode_in_any_gtin_form(client, admin, catalog, typed, sku) -> None:
    assert await _skus(client, admin, q=typed) == [sku]


async def test_a_partial_barcode_finds_nothing(client, admin, catalog) -> None:
    assert await _skus(client, admin, q=EAN13[:8]) == []


async def test_name_words_all_must_match_and_the_last_is_a_prefix(client, admin, catalog) -> None:
    assert await _skus(client, admin, q="hammer") == ["HAM-100"]
    assert await _skus(client, admin, q="steel claw") == ["HAM-100"]
    assert await _skus(client, admin, q="claw ham") == ["HAM-100"]
    assert await _skus(client, admin, q="Wood scr") == ["SCR-10"]
    assert await _skus(client, admin, q="claw mallet") == []


async def test_short_words_and_stopwords_still_narrow_the_search(client, admin, catalog) -> None:
    # MariaDB's FULLTEXT skips words under 3 letters and stopwords: they must still count.
    assert await _skus(client, admin, q="tv") == ["TV-55"]
    assert await _skus(client, admin, q="tv wall") == ["TV-55"]
    assert await _skus(client, admin, q="the hex") == ["NUT-M8"]
    assert await _skus(client, admin, q="nut for the") == ["NUT-M8"]
    assert await _skus(client, admin, q="m8 bolt") == ["NUT-M8"]
    assert await _skus(client, admin, q="4x40") == ["SCR-10"]


async def test_name_search_is_case_and_accent_insensitive(client, admin, make_product) -> None:
    await make_product(sku="CB-1", name="Crème brûlée torch")
    assert await _skus(client, admin, q="CREME") == ["CB-1"]
    assert await _skus(client, admin, q="brulee torch") == ["CB-1"]


@pytest.mark.parametrize(
    "q",
    [
        '"foo',
        "*",
        "AND(",
        "OR",
        "NOT",
        "NEAR(a b)",
        "a:b",
        "name:x",
        "-hammer",
        "+hammer",
        "ham*",
        '"',
        "(((",
        ")",
        "'; DROP TABLE products; --",
        "%",
        "_",
        "\\",
        "~hammer",
        "@hammer",
        "<>",
        "{name}: x",
        "\x00",
        "😀",
        "ä" * 200,
    ],
)
async def test_search_syntax_in_user_input_is_never_a_500(client, admin, catalog, q) -> None:
    response = await client.get("/api/v1/products", params={"q": q}, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["meta"]["total"] == len(response.json()["data"])


async def test_operators_in_input_are_text_not_syntax(client, admin, catalog) -> None:
    assert await _skus(client, admin, q="-hammer") == ["HAM-100"]
    assert await _skus(client, admin, q='"claw') == ["HAM-100"]
    assert await _skus(client, admin, q="%") == []  # a LIKE wildcard is a literal character
    assert await _skus(client, admin, q="HAM_2") == []  # unescaped, "_" would match the "-" of HAM-200


async def test_a_query_longer_than_allowed_is_400(client, admin) -> None:
    response = await client.get("/api/v1/products", params={"q": "x" * 201}, headers=admin)
    assert response.status_code == 400


async def test_filters(client, admin, catalog) -> None:
    assert await _skus(client, admin, category_id=catalog["tools"]) == ["HAM-100", "HAM-200"]
    assert await _skus(client, admin, supplier_id=catalog["acme"], sort="sku") == ["HAM-200", "SCR-10"]
    assert await _skus(client, admin, q="ham", supplier_id=catalog["acme"]) == ["HAM-200"]
    # below reorder: on hand (0) at or under a reorder point that is set (> 0)
    assert await _skus(client, admin, below_reorder="true", sort="sku") == ["HAM-200", "TV-55"]
    assert await _skus(client, admin, category_id=999) == []


async def test_sort_orders(client, admin, catalog) -> None:
    assert await _skus(client, admin, sort="price") == ["NUT-M8", "SCR-10", "HAM-200", "HAM-100", "TV-55"]
    assert await _skus(client, admin, sort="-price") == ["TV-55", "HAM-100", "HAM-200", "SCR-10", "NUT-M8"]
    assert await _skus(client, admin, sort="sku") == ["HAM-100", "HAM-200", "NUT-M8", "SCR-10", "TV-55"]
    assert await _skus(client, admin, sort="-sku") == ["TV-55", "SCR-10", "NUT-M8", "HAM-200", "HAM-100"]
    # by name, ignoring case on both backends: "The hex nut" before "TV wall bracket"
    assert await _skus(client, admin) == ["HAM-100", "HAM-200", "NUT-M8", "TV-55", "SCR-10"]
    assert await _skus(client, admin, sort="-name") == ["SCR-10", "TV-55", "NUT-M8", "HAM-200", "HAM-100"]
    by_update = await _skus(client, admin, sort="-updated_at")
    assert by_update[0] == "NUT-M8"


@pytest.mark.parametrize(
    "sort",
    [
        "name",
        "-name",
        "sku",
        "-sku",
        "price",
        "-price",
        "quantity_on_hand",
        "-quantity_on_hand",
        "updated_at",
        "-updated_at",
    ],
)
async def test_a_filtered_list_keeps_every_sort_order_and_pages(
    client, admin, make_product, make_entity, sort
):
    """Category and supplier lists are read through their own index per sort (migration 0003)."""
    garden = await make_entity("categories", name="Garden")
    other = await make_entity("categories", name="Other")
    for number, price in enumerate(["4.00", "1.50", "9.99", "1.50", "0.25", "7.00"]):
        category = garden if number % 3 else other
        await make_product(
            sku=f"FS-{number}", name=f"Item {5 - number}", price=price, category_id=category["id"]
        )
    everything = await _skus(client, admin, sort=sort)
    wanted = [sku for sku in everything if int(sku[3:]) % 3]
    assert await _skus(client, admin, category_id=garden["id"], sort=sort) == wanted
    pages = [
        await _skus(client, admin, category_id=garden["id"], sort=sort, per_page=3, page=n) for n in (1, 2)
    ]
    assert pages == [wanted[:3], wanted[3:]]


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "price; drop"},
        {"sort": "id"},
        {"page": 0},
        {"per_page": 201},
        {"per_page": 0},
        {"below_reorder": "maybe"},
        {"category_id": "x"},
        {"supplier_id": -1},
    ],
)
async def test_bad_search_parameters_are_400(client, admin, params) -> None:
    response = await client.get("/api/v1/products", params=params, headers=admin)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


async def test_pagination_meta(client, admin, make_product) -> None:
    for number in range(7):
        await make_product(sku=f"PG-{number}", name=f"Paged item {number}")
    first = (await client.get("/api/v1/products", params={"q": "paged", "per_page": 3}, headers=admin)).json()
    assert first["meta"] == {"page": 1, "per_page": 3, "total": 7, "pages": 3}
    last = (
        await client.get("/api/v1/products", params={"q": "paged", "per_page": 3, "page": 3}, headers=admin)
    ).json()
    assert [p["sku"] for p in last["data"]] == ["PG-6"]
    beyond = (
        await client.get("/api/v1/products", params={"q": "paged", "per_page": 3, "page": 9}, headers=admin)
    ).json()
    assert beyond["data"] == []
    assert beyond["meta"]["total"] == 7


async def test_a_product_matching_several_ways_is_listed_once(client, admin, make_product) -> None:
    await make_product(sku="DRILL", name="Drill driver", barcode=EAN13)
    body = (await client.get("/api/v1/products", params={"q": "drill"}, headers=admin)).json()
    assert body["meta"]["total"] == 1
    assert len(body["data"]) == 1


async def test_deleted_products_are_not_found(client, admin, catalog) -> None:
    found = (await client.get("/api/v1/products", params={"q": "HAM-1"}, headers=admin)).json()["data"][0]
    await client.delete(f"/api/v1/products/{found['id']}", headers=admin)
    assert await _skus(client, admin, q="HAM") == ["HAM-200"]
    assert await _skus(client, admin, q="claw hammer") == []
    everything = (await client.get("/api/v1/products", headers=admin)).json()
    assert everything["meta"]["total"] == 4


async def test_renamed_product_is_found_by_its_new_name(client, admin, make_product) -> None:
    product = await make_product(sku="REN-1", name="Old label")
    await client.patch(
        f"/api/v1/products/{product['id']}", json={"version": 1, "name": "Fresh label"}, headers=admin
    )
    assert await _skus(client, admin, q="fresh") == ["REN-1"]
    assert await _skus(client, admin, q="old") == []


async def test_a_restored_product_is_found_by_its_words_again(client, admin, make_product) -> None:
    product = await make_product(sku="RST-1", name="Brass gate hinge")
    await client.delete(f"/api/v1/products/{product['id']}", headers=admin)
    assert await _skus(client, admin, q="gate hinge") == []
    restored = await client.post(f"/api/v1/products/{product['id']}/restore", headers=admin)
    assert restored.status_code == 200, restored.text
    assert await _skus(client, admin, q="gate hinge") == ["RST-1"]


async def test_products_written_without_the_api_are_found(app, client, admin, database_search) -> None:
    """Bulk loads (the demo seed) insert rows directly: the word index must follow every write.
    (The in-process index follows change_log: a write without a change record is the database's.)"""
    db = app.state.fllc.db
    async with db.transaction() as session:
        await session.execute(
            Product.__table__.insert(),
            [{"sku": f"BULK-{n}", "name": f"Galvanised hook {n}", "version": 1} for n in range(3)],
        )
    assert await _skus(client, admin, q="galvanised hook", sort="sku") == ["BULK-0", "BULK-1", "BULK-2"]
    async with db.transaction() as session:
        await session.execute(update(Product).where(Product.sku == "BULK-1").values(name="Painted hook"))
        await session.execute(
            update(Product).where(Product.sku == "BULK-2").values(deleted_at=dt.datetime.now(dt.UTC))
        )
    assert await _skus(client, admin, q="galvan", sort="sku", page=1, per_page=49) == ["BULK-0"]
    assert await _skus(client, admin, q="painted", sort="sku") == ["BULK-1"]


async def test_totals_count_live_matches_with_and_without_filters(
    client, admin, make_product, make_entity
) -> None:
    garden = await make_entity("categories", name="Garden")
    await make_product(sku="LAT-1", name="Gate latch black", category_id=garden["id"])
    await make_product(sku="LAT-2", name="Gate latch zinc")
    gone = await make_product(sku="LAT-3", name="Gate latch brass", category_id=garden["id"])
    await make_product(sku="GAT-1", name="Gatepost cap")
    await client.delete(f"/api/v1/products/{gone['id']}", headers=admin)

    async def total(**params) -> int:
        response = await client.get("/api/v1/products", params=params, headers=admin)
        return int(response.json()["meta"]["total"])

    assert await total(q="latch") == 2
    assert await total(q="gate") == 3  # "gate" is a prefix of "gatepost"
    assert await total(q="latch", category_id=garden["id"]) == 1
    assert await total(q="lat") == 2  # LAT-1, LAT-2 by SKU and by name, once each
    assert await total(category_id=garden["id"]) == 1
    assert await total() == 3


async def test_search_items_have_the_products_wire_shape(client, admin, make_product, make_entity) -> None:
    """Search rows are read as columns, not ORM objects: each item is exactly GET /products/{id}."""
    tools = await make_entity("categories", name="Tools")
    acme = await make_entity("suppliers", name="Acme")
    await make_product(
        sku="WIRE-1",
        name="Wire brush brass",
        barcode=EAN13,
        description="Three rows of bristles",
        category_id=tools["id"],
        supplier_id=acme["id"],
        unit_cost="1.05",
        price="2.50",
        reorder_point=4,
        reorder_quantity=12,
    )
    await make_product(sku="WIRE-2", name="Wire cutter", price="10")
    for sort in ("name", "-price", "updated_at"):
        params = {"q": "wire", "sort": sort}
        found = (await client.get("/api/v1/products", params=params, headers=admin)).json()
        assert len(found["data"]) == 2
        for item in found["data"]:
            single = (await client.get(f"/api/v1/products/{item['id']}", headers=admin)).json()
            single.pop("stock")
            assert item == single
            assert list(item) == list(single)


@pytest.mark.parametrize(
    ("page", "per_page", "rows", "total"),
    [
        (1, 50, 0, 0),  # nothing matches
        (1, 50, 7, 7),  # one page that is not full
        (3, 10, 4, 24),  # the last page
        (1, 50, 50, None),  # a full page: there may be more
        (2, 50, 0, None),  # past the end: how far?
    ],
)
def test_a_page_that_is_not_full_tells_the_total(page, per_page, rows, total) -> None:
    assert page_total(ProductQuery(page=page, per_page=per_page), rows) == total
