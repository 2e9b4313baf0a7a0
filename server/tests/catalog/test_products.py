"""Products: create, read, partial edits against a version, soft delete with a tombstone."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import pytest
from fllc_server.catalog.schemas import ProductUpdate
from fllc_server.catalog.service import ProductService
from fllc_server.catalog.writes import VersionConflict
from fllc_server.models import AuditEntry, Change, Product, Review, StockLevel
from sqlalchemy import select

from .conftest import EAN8, EAN13, UPC_A

PRODUCT_FIELDS = {
    "id",
    "sku",
    "barcode",
    "name",
    "description",
    "category_id",
    "supplier_id",
    "unit_cost",
    "price",
    "reorder_point",
    "reorder_quantity",
    "quantity_on_hand",
    "quantity_reserved",  # held by open orders
    "quantity_available",  # on hand - reserved
    "version",
    "created_at",
    "updated_at",
}


async def test_create_returns_the_product_in_its_wire_shape(client, admin) -> None:
    body = {
        "sku": "BOLT-M6",
        "name": "Hex bolt M6",
        "barcode": EAN13,
        "unit_cost": "0.10",
        "price": 0.25,
        "reorder_point": 100,
        "reorder_quantity": 500,
        "description": "Zinc plated",
    }
    response = await client.post("/api/v1/products", json=body, headers=admin)
    assert response.status_code == 201, response.text
    product = response.json()
    assert set(product) == PRODUCT_FIELDS
    assert product["price"] == "0.25"
    assert product["unit_cost"] == "0.10"
    assert product["version"] == 1
    assert product["quantity_on_hand"] == 0
    got = await client.get(f"/api/v1/products/{product['id']}", headers=admin)
    assert got.status_code == 200
    assert got.json() == {**product, "stock": []}


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (EAN13, EAN13),
        (EAN8, "0000096385074"),
        (UPC_A, "0036000291452"),
        ("10614141000415", "10614141000415"),
        ("04006381333931", EAN13),
    ],
)
async def test_barcodes_are_stored_normalised(make_product, given: str, stored: str) -> None:
    product = await make_product(barcode=given)
    assert product["barcode"] == stored


@pytest.mark.parametrize(
    "fields",
    [
        {"price": "-1.00"},
        {"unit_cost": "-0.01"},
        {"price": "1.234"},
        {"price": "100000000000"},
        {"price": "abc"},
        {"sku": ""},
        {"sku": "x" * 65},
        {"sku": "bad sku with spaces"},
        {"name": ""},
        {"name": "n" * 201},
        {"description": "d" * 10_001},
        {"reorder_point": -1},
        {"reorder_quantity": 10**12},
        {"barcode": "4006381333932"},
        {"barcode": "12345"},
        {"barcode": "ABCDEFGHIJKLM"},
        {"category_id": 0},
        {"quantity_on_hand": 5},
        {"version": 7},
        {"id": 99},
        {"created_at": "2020-01-01T00:00:00Z"},
        {"updated_at": "2020-01-01T00:00:00Z"},
        {"is_admin": True},
    ],
)
async def test_invalid_or_read_only_fields_are_a_400(client, admin, fields) -> None:
    body = {"sku": "OK-1", "name": "Fine", "price": "1.00", **fields}
    response = await client.post("/api/v1/products", json=body, headers=admin)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "validation_error"


async def test_a_missing_price_and_malformed_json_are_400(client, admin) -> None:
    missing = await client.post("/api/v1/products", json={"sku": "A", "name": "B"}, headers=admin)
    assert missing.status_code == 400
    assert missing.json()["error"]["details"][0]["field"] == "price"
    broken = await client.post("/api/v1/products", content=b'{"sku": ', headers=admin)
    assert broken.status_code == 400


async def test_duplicate_sku_and_barcode_are_409_with_the_field(client, admin, make_product) -> None:
    first = await make_product(sku="DUP-1", barcode=EAN13)
    sku = await client.post(
        "/api/v1/products", json={"sku": "DUP-1", "name": "x", "price": "1"}, headers=admin
    )
    assert sku.status_code == 409
    assert sku.json()["error"]["code"] == "sku_taken"
    assert sku.json()["error"]["details"][0]["field"] == "sku"
    assert sku.json()["error"]["details"][0]["product_id"] == first["id"]
    # The same GTIN typed as GTIN-14 with indicator 0 is the same barcode.
    body = {"sku": "DUP-2", "name": "x", "price": "1", "barcode": "0" + EAN13}
    barcode = await client.post("/api/v1/products", json=body, headers=admin)
    assert barcode.status_code == 409
    assert barcode.json()["error"]["code"] == "barcode_taken"


async def test_unknown_category_or_supplier_is_404_with_the_field(client, admin) -> None:
    body = {"sku": "REF-1", "name": "x", "price": "1", "category_id": 999}
    response = await client.post("/api/v1/products", json=body, headers=admin)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "category_not_found"
    assert response.json()["error"]["details"][0]["field"] == "category_id"
    body = {"sku": "REF-1", "name": "x", "price": "1", "supplier_id": 999}
    response = await client.post("/api/v1/products", json=body, headers=admin)
    assert response.json()["error"]["code"] == "supplier_not_found"


async def test_patch_changes_only_the_fields_sent_and_bumps_the_version(client, admin, make_product) -> None:
    product = await make_product(description="old", reorder_point=5)
    response = await client.patch(
        f"/api/v1/products/{product['id']}",
        json={"version": 1, "price": "9.99", "barcode": UPC_A},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["price"] == "9.99"
    assert updated["barcode"] == "0036000291452"
    assert updated["version"] == 2
    assert updated["description"] == "old"
    assert updated["reorder_point"] == 5
    cleared = await client.patch(
        f"/api/v1/products/{product['id']}", json={"version": 2, "barcode": None}, headers=admin
    )
    assert cleared.json()["barcode"] is None


async def test_patch_requires_a_version_and_refuses_null_for_required_fields(
    client, admin, make_product
) -> None:
    product = await make_product()
    url = f"/api/v1/products/{product['id']}"
    no_version = await client.patch(url, json={"price": "2.00"}, headers=admin)
    assert no_version.status_code == 400
    null_name = await client.patch(url, json={"version": 1, "name": None}, headers=admin)
    assert null_name.status_code == 400
    stock = await client.patch(url, json={"version": 1, "quantity_on_hand": 100}, headers=admin)
    assert stock.status_code == 400


async def test_stale_version_is_409_with_the_current_product(client, admin, make_product) -> None:
    product = await make_product()
    url = f"/api/v1/products/{product['id']}"
    first = await client.patch(url, json={"version": 1, "name": "Theirs"}, headers=admin)
    assert first.status_code == 200
    stale = await client.patch(url, json={"version": 1, "name": "Mine"}, headers=admin)
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["code"] == "version_conflict"
    assert error["details"][0]["base_version"] == 1
    current = error["details"][0]["current"]
    assert current == first.json()
    kept = await client.get(url, headers=admin)
    assert kept.json()["name"] == "Theirs"


async def test_patch_to_a_taken_sku_is_409(client, admin, make_product) -> None:
    await make_product(sku="TAKEN")
    other = await make_product()
    response = await client.patch(
        f"/api/v1/products/{other['id']}", json={"version": 1, "sku": "TAKEN"}, headers=admin
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "sku_taken"


async def test_delete_is_soft_with_a_tombstone_and_audit(app, client, admin, make_product) -> None:
    product = await make_product(sku="GONE-1")
    url = f"/api/v1/products/{product['id']}"
    response = await client.delete(url, headers=admin)
    assert response.status_code == 204
    assert (await client.get(url, headers=admin)).status_code == 404
    assert (await client.delete(url, headers=admin)).json()["error"]["code"] == "product_not_found"
    async with app.state.fllc.db.sessions() as session:
        row = await session.get(Product, product["id"])
        assert row is not None
        assert row.deleted_at is not None
        changes = (await session.scalars(select(Change).where(Change.entity_type == "product"))).all()
        assert [c.action for c in changes] == ["upsert", "delete"]
        actions = (
            await session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "product"))
        ).all()
        assert sorted(actions) == ["product.create", "product.delete"]


async def test_a_deleted_products_sku_stays_reserved_until_restored(client, admin, make_product) -> None:
    product = await make_product(sku="OLD-SKU", barcode=EAN13)
    await client.delete(f"/api/v1/products/{product['id']}", headers=admin)
    again = await client.post(
        "/api/v1/products", json={"sku": "OLD-SKU", "name": "n", "price": "1"}, headers=admin
    )
    assert again.status_code == 409
    detail = again.json()["error"]["details"][0]
    assert detail == {**detail, "field": "sku", "product_id": product["id"], "deleted": True}
    assert "restore" in again.json()["error"]["message"]
    restored = await client.post(f"/api/v1/products/{product['id']}/restore", headers=admin)
    assert restored.status_code == 200
    assert restored.json()["version"] == 3  # created 1, deleted 2, restored 3
    assert (await client.get(f"/api/v1/products/{product['id']}", headers=admin)).status_code == 200


async def test_delete_with_a_stale_version_is_409(client, admin, make_product) -> None:
    product = await make_product()
    url = f"/api/v1/products/{product['id']}"
    await client.patch(url, json={"version": 1, "name": "edited"}, headers=admin)
    response = await client.delete(url, params={"version": 1}, headers=admin)
    assert response.status_code == 409
    assert response.json()["error"]["details"][0]["current"]["version"] == 2


async def test_idempotency_key_makes_a_create_happen_once(client, admin) -> None:
    headers = {**admin, "Idempotency-Key": "create-product-0001"}
    body = {"sku": "ONCE", "name": "Once", "price": "1.00"}
    first = await client.post("/api/v1/products", json=body, headers=headers)
    second = await client.post("/api/v1/products", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert first.json() == second.json()
    listed = await client.get("/api/v1/products", params={"q": "ONCE"}, headers=admin)
    assert listed.json()["meta"]["total"] == 1


async def test_product_detail_has_stock_per_location(app, client, admin, make_product, make_entity) -> None:
    product = await make_product()
    a = await make_entity("locations", code="A-01", name="Aisle 1")
    b = await make_entity("locations", code="B-02", name="Aisle 2")
    async with app.state.fllc.db.transaction() as session:
        session.add_all(
            [
                StockLevel(product_id=product["id"], location_id=b["id"], quantity=7),
                StockLevel(product_id=product["id"], location_id=a["id"], quantity=3),
            ]
        )
    response = await client.get(f"/api/v1/products/{product['id']}", headers=admin)
    assert response.json()["stock"] == [
        {"location_id": a["id"], "location_code": "A-01", "quantity": 3},
        {"location_id": b["id"], "location_code": "B-02", "quantity": 7},
    ]


async def test_reviews_are_a_paged_list_newest_first(app, client, auth_headers, make_product) -> None:
    product = await make_product()
    async with app.state.fllc.db.transaction() as session:
        session.add_all([Review(product_id=product["id"], rating=r, title=f"t{r}") for r in (1, 2, 3)])
    viewer = await auth_headers("viewer")
    response = await client.get(
        f"/api/v1/products/{product['id']}/reviews", params={"per_page": 2}, headers=viewer
    )
    assert response.status_code == 200
    body = response.json()
    assert body["meta"] == {"page": 1, "per_page": 2, "total": 3, "pages": 2}
    assert {r["rating"] for r in body["data"]} <= {1, 2, 3}
    assert len(body["data"]) == 2
    missing = await client.get("/api/v1/products/999999/reviews", headers=viewer)
    assert missing.status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/products/0", "/api/v1/products/abc", f"/api/v1/products/{2**64}"])
async def test_bad_ids_are_400_not_500(client, admin, path) -> None:
    response = await client.get(path, headers=admin)
    assert response.status_code == 400


async def test_money_keeps_its_cents(client, admin, make_product) -> None:
    product = await make_product(price="1234567.89", unit_cost="0.01")
    assert Decimal(product["price"]) == Decimal("1234567.89")
    got = await client.get(f"/api/v1/products/{product['id']}", headers=admin)
    assert got.json()["price"] == "1234567.89"


@pytest.mark.parametrize(
    ("role", "method", "path", "expected"),
    [
        ("viewer", "GET", "/api/v1/products", 200),
        ("viewer", "POST", "/api/v1/products", 403),
        ("staff", "POST", "/api/v1/products", 403),
        ("staff", "PATCH", "/api/v1/products/{id}", 403),
        ("manager", "POST", "/api/v1/products", 201),
        ("manager", "PATCH", "/api/v1/products/{id}", 200),
        ("manager", "DELETE", "/api/v1/products/{id}", 403),
        ("manager", "POST", "/api/v1/products/{id}/restore", 403),
        ("admin", "DELETE", "/api/v1/products/{id}", 204),
    ],
)
async def test_permissions(client, auth_headers, make_product, role, method, path, expected) -> None:
    product = await make_product()
    bodies = {
        "/api/v1/products": {"sku": "PERM-1", "name": "p", "price": "1"},
        "/api/v1/products/{id}": {"version": 1, "name": "p2"},
    }
    body = bodies.get(path) if method in ("POST", "PATCH") else None
    response = await client.request(
        method, path.format(id=product["id"]), json=body, headers=await auth_headers(role)
    )
    assert response.status_code == expected, response.text
    if expected == 403:
        assert response.json()["error"]["code"] == "permission_denied"


async def test_signed_out_callers_get_401(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/products")).status_code == 401
    assert (await client.get("/api/v1/products/by-barcode/" + EAN13)).status_code == 401


async def test_concurrent_creates_of_one_sku_make_one_product_and_no_500(client, admin) -> None:
    body = {"sku": "RACE-1", "name": "Raced", "price": "1.00"}
    responses = await asyncio.gather(
        *(client.post("/api/v1/products", json=body, headers=admin) for _ in range(4))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409, 409], [r.text for r in responses]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"sku_taken"}


async def test_service_update_for_sync_uses_base_version(app, make_product) -> None:
    """The sync path: ProductService(session, state).update(id, data, actor, base_version)."""
    product = await make_product(name="Synced")
    state = app.state.fllc
    data = ProductUpdate(version=1, name="Offline edit")
    async with state.db.transaction() as session:
        updated = await ProductService(session, state).update(product["id"], data, None, base_version=1)
        assert updated.version == 2
    with pytest.raises(VersionConflict) as caught:
        async with state.db.transaction() as session:
            await ProductService(session, state).update(product["id"], data, None, base_version=1)
    assert caught.value.current["name"] == "Offline edit"
    assert caught.value.current["version"] == 2
    assert caught.value.status_code == 409
