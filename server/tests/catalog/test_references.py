"""Categories, suppliers and locations: CRUD under the matrix, versioned edits, in-use deletes."""

from __future__ import annotations

import pytest
from fllc_server.models import AuditEntry, Change, StockLevel
from sqlalchemy import select


async def test_category_crud(client, admin) -> None:
    created = await client.post("/api/v1/categories", json={"name": "Tools"}, headers=admin)
    assert created.status_code == 201
    tools = created.json()
    assert tools == {"id": tools["id"], "name": "Tools", "parent_id": None, "version": 1}
    child = (
        await client.post(
            "/api/v1/categories", json={"name": "Hammers", "parent_id": tools["id"]}, headers=admin
        )
    ).json()
    renamed = await client.patch(
        f"/api/v1/categories/{child['id']}", json={"version": 1, "name": "Mallets"}, headers=admin
    )
    assert renamed.json() == {**child, "name": "Mallets", "version": 2}
    listed = (await client.get("/api/v1/categories", headers=admin)).json()
    assert [c["name"] for c in listed["data"]] == ["Mallets", "Tools"]
    assert listed["meta"] == {"page": 1, "per_page": 50, "total": 2, "pages": 1}
    filtered = (await client.get("/api/v1/categories", params={"q": "too"}, headers=admin)).json()
    assert [c["name"] for c in filtered["data"]] == ["Tools"]
    assert (await client.delete(f"/api/v1/categories/{child['id']}", headers=admin)).status_code == 204
    assert (await client.get(f"/api/v1/categories/{child['id']}", headers=admin)).status_code == 404
    remaining = (await client.get("/api/v1/categories", headers=admin)).json()
    assert remaining["meta"]["total"] == 1


async def test_a_category_cannot_become_its_own_descendant(client, admin, make_entity) -> None:
    top = await make_entity("categories", name="Top")
    middle = await make_entity("categories", name="Middle", parent_id=top["id"])
    leaf = await make_entity("categories", name="Leaf", parent_id=middle["id"])
    for parent in (top["id"], leaf["id"]):
        response = await client.patch(
            f"/api/v1/categories/{top['id']}", json={"version": 1, "parent_id": parent}, headers=admin
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "category_cycle"
    unknown = await client.post("/api/v1/categories", json={"name": "x", "parent_id": 9999}, headers=admin)
    assert unknown.status_code == 404


async def test_in_use_category_and_supplier_cannot_be_deleted(
    client, admin, make_entity, make_product
) -> None:
    tools = await make_entity("categories", name="Tools")
    await make_entity("categories", name="Sub", parent_id=tools["id"])
    acme = await make_entity("suppliers", name="Acme")
    await make_product(supplier_id=acme["id"])
    category = await client.delete(f"/api/v1/categories/{tools['id']}", headers=admin)
    assert category.status_code == 409
    assert category.json()["error"]["code"] == "category_in_use"
    supplier = await client.delete(f"/api/v1/suppliers/{acme['id']}", headers=admin)
    assert supplier.status_code == 409
    assert supplier.json()["error"]["code"] == "supplier_in_use"


async def test_a_deleted_supplier_cannot_be_given_to_a_product(client, admin, make_entity) -> None:
    acme = await make_entity("suppliers", name="Acme")
    await client.delete(f"/api/v1/suppliers/{acme['id']}", headers=admin)
    response = await client.post(
        "/api/v1/products",
        json={"sku": "S", "name": "n", "price": "1", "supplier_id": acme["id"]},
        headers=admin,
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "supplier_not_found"


async def test_supplier_fields_and_validation(client, admin) -> None:
    body = {"name": "Acme", "email": "orders@acme.example", "phone": "+1 (555) 010-2000", "lead_time_days": 3}
    created = await client.post("/api/v1/suppliers", json=body, headers=admin)
    assert created.status_code == 201
    assert created.json() == {**body, "id": created.json()["id"], "version": 1}
    for bad in (
        {"name": "A", "email": "not-an-email"},
        {"name": "A", "lead_time_days": -1},
        {"name": "A", "phone": "<script>"},
        {"name": ""},
        {"name": "A", "rating": 5},
    ):
        response = await client.post("/api/v1/suppliers", json=bad, headers=admin)
        assert response.status_code == 400, bad
    cleared = await client.patch(
        f"/api/v1/suppliers/{created.json()['id']}", json={"version": 1, "email": None}, headers=admin
    )
    assert cleared.json()["email"] is None
    null_name = await client.patch(
        f"/api/v1/suppliers/{created.json()['id']}", json={"version": 2, "name": None}, headers=admin
    )
    assert null_name.status_code == 400


async def test_location_codes_are_unique_and_stocked_locations_stay(
    app, client, admin, make_entity, make_product
) -> None:
    bin_a = await make_entity("locations", code="A-01", name="Aisle 1")
    assert bin_a == {"id": bin_a["id"], "code": "A-01", "name": "Aisle 1", "version": 1}
    taken = await client.post("/api/v1/locations", json={"code": "A-01", "name": "again"}, headers=admin)
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "location_code_taken"
    assert taken.json()["error"]["details"][0]["field"] == "code"
    product = await make_product()
    async with app.state.fllc.db.transaction() as session:
        session.add(StockLevel(product_id=product["id"], location_id=bin_a["id"], quantity=4))
    stocked = await client.delete(f"/api/v1/locations/{bin_a['id']}", headers=admin)
    assert stocked.status_code == 409
    assert stocked.json()["error"]["code"] == "location_in_use"
    bad = await client.post("/api/v1/locations", json={"code": "has space", "name": "x"}, headers=admin)
    assert bad.status_code == 400


async def test_stale_version_on_a_reference_is_409_with_current(client, admin, make_entity) -> None:
    acme = await make_entity("suppliers", name="Acme")
    url = f"/api/v1/suppliers/{acme['id']}"
    await client.patch(url, json={"version": 1, "name": "Acme Ltd"}, headers=admin)
    stale = await client.patch(url, json={"version": 1, "lead_time_days": 2}, headers=admin)
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["code"] == "version_conflict"
    assert error["details"] == [{"current": {**acme, "name": "Acme Ltd", "version": 2}, "base_version": 1}]
    stale_delete = await client.delete(url, params={"version": 1}, headers=admin)
    assert stale_delete.status_code == 409


async def test_writes_are_audited_and_recorded_as_changes(app, client, admin, make_entity) -> None:
    tools = await make_entity("categories", name="Tools")
    await client.patch(
        f"/api/v1/categories/{tools['id']}", json={"version": 1, "name": "Tooling"}, headers=admin
    )
    await client.delete(f"/api/v1/categories/{tools['id']}", headers=admin)
    async with app.state.fllc.db.sessions() as session:
        audit = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.entity_type == "category").order_by(AuditEntry.id)
            )
        ).all()
        changes = (
            await session.scalars(select(Change).where(Change.entity_type == "category").order_by(Change.seq))
        ).all()
    assert [a.action for a in audit] == ["category.create", "category.update", "category.delete"]
    assert audit[1].before["name"] == "Tools"
    assert audit[1].after["name"] == "Tooling"
    assert [c.action for c in changes] == ["upsert", "upsert", "delete"]


@pytest.mark.parametrize("path", ["categories", "suppliers", "locations"])
@pytest.mark.parametrize(
    ("role", "method", "expected"),
    [
        ("viewer", "GET", 200),
        ("staff", "GET", 200),
        ("viewer", "POST", 403),
        ("staff", "POST", 403),
        ("manager", "POST", 201),
        ("staff", "PATCH", 403),
        ("manager", "PATCH", 200),
        ("staff", "DELETE", 403),
        ("manager", "DELETE", 204),
    ],
)
async def test_reference_permissions(client, auth_headers, make_entity, path, role, method, expected) -> None:
    fields = {"code": "P-1", "name": "Perm"} if path == "locations" else {"name": "Perm"}
    entity = await make_entity(path, **fields)
    new_fields = {"code": "P-2", "name": "Other"} if path == "locations" else {"name": "Other"}
    url = f"/api/v1/{path}" if method in ("POST",) else f"/api/v1/{path}/{entity['id']}"
    body = {"POST": new_fields, "PATCH": {"version": 1, "name": "Renamed"}}.get(method)
    response = await client.request(method, url, json=body, headers=await auth_headers(role))
    assert response.status_code == expected, response.text
