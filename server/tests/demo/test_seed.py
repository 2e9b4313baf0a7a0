"""The demo seed: one user per role, a realistic catalog with valid EAN-13s, a stock history whose sums
are the stock levels, change rows for sync, the default location, and --if-empty."""

from __future__ import annotations

import io
from collections import Counter

import httpx
import pytest
from fastapi import FastAPI
from fllc_server.config import Settings
from fllc_server.demo.catalog import ean13, ean13_check_digit
from fllc_server.demo.seed import seed_demo
from fllc_server.models import (
    Category,
    Change,
    Customer,
    InventoryMovement,
    Location,
    Order,
    OrderItem,
    Product,
    Review,
    StockLevel,
    Supplier,
    User,
)
from fllc_server.settings.repository import SettingsRepository
from sqlalchemy import func, select

PRODUCTS = 400


async def _seed(settings: Settings, **options: object) -> str:
    out = io.StringIO()
    assert await seed_demo(settings, products=PRODUCTS, out=out, **options) == 0  # type: ignore[arg-type]
    return out.getvalue()


async def _count(app: FastAPI, model: type) -> int:
    async with app.state.fllc.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def test_ean13_check_digits_match_known_codes() -> None:
    assert ean13_check_digit("400638133393") == "1"  # 4006381333931, the GS1 textbook example
    assert ean13_check_digit("590123412345") == "7"
    code = ean13(42)
    assert len(code) == 13
    assert code.startswith("21")


@pytest.fixture
async def seeded(settings: Settings, app: FastAPI) -> str:
    return await _seed(settings)


async def test_the_seed_prints_and_creates_one_demo_user_per_role(
    seeded: str, client: httpx.AsyncClient
) -> None:
    for username, password in (
        ("admin", "admin-demo-1"),
        ("manager", "manager-demo-1"),
        ("staff", "staff-demo-1"),
        ("viewer", "viewer-demo-1"),
    ):
        assert f"{username:<8} {password}" in seeded
        response = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200
        assert response.json()["user"]["role"] == username


async def test_the_catalog_has_the_promised_shape(seeded: str, app: FastAPI) -> None:
    assert await _count(app, Category) == 10
    assert await _count(app, Supplier) == 20
    assert await _count(app, Location) == 3
    assert await _count(app, Product) == PRODUCTS
    assert await _count(app, Customer) >= 20
    assert await _count(app, Order) >= 20
    assert await _count(app, OrderItem) >= await _count(app, Order)
    assert await _count(app, Review) >= 10
    async with app.state.fllc.db.sessions() as session:
        products = (await session.scalars(select(Product))).all()
    names = {p.name for p in products}
    assert len(names) > PRODUCTS * 0.9  # realistic and varied, not "product 1..n"
    assert not any(name.lower().startswith("product") for name in names)
    assert len({p.sku for p in products}) == PRODUCTS
    assert len({p.barcode for p in products}) == PRODUCTS
    for item in products:
        assert item.barcode is not None
        assert ean13_check_digit(item.barcode[:12]) == item.barcode[12]
        assert item.price > item.unit_cost > 0
        assert item.reorder_quantity >= item.reorder_point > 0
        assert item.category_id is not None
        assert item.supplier_id is not None


async def test_the_stock_history_sums_to_the_stock_levels(seeded: str, app: FastAPI) -> None:
    async with app.state.fllc.db.sessions() as session:
        moved = {
            (row.product_id, row.location_id): int(row.total)
            for row in await session.execute(
                select(
                    InventoryMovement.product_id,
                    InventoryMovement.location_id,
                    func.sum(InventoryMovement.delta).label("total"),
                ).group_by(InventoryMovement.product_id, InventoryMovement.location_id)
            )
        }
        stock = await session.scalars(select(StockLevel))
        levels = {(s.product_id, s.location_id): s.quantity for s in stock}
        on_hand = {p.id: p.quantity_on_hand for p in await session.scalars(select(Product))}
        reasons = Counter(await session.scalars(select(InventoryMovement.reason)))
    assert {key: value for key, value in moved.items() if value} == {k: v for k, v in levels.items() if v}
    per_product: Counter[int] = Counter()
    for (product_id, _location), quantity in levels.items():
        per_product[product_id] += quantity
    assert {p: q for p, q in on_hand.items() if q} == {p: q for p, q in per_product.items() if q}
    assert all(quantity >= 0 for quantity in levels.values())
    assert {"intake", "sale", "transfer"} <= set(reasons)
    assert sum(1 for q in on_hand.values() if q == 0) > 0  # some out of stock, for the dashboards


async def test_the_first_sync_pull_sees_the_catalog(seeded: str, app: FastAPI) -> None:
    async with app.state.fllc.db.sessions() as session:
        rows = (await session.execute(select(Change.entity_type, Change.entity_id))).all()
        default = await session.scalar(select(Location.id).where(Location.code == "WH-MAIN"))
    by_type = Counter(entity_type for entity_type, _ in set(rows))
    assert by_type == {
        "product": PRODUCTS,
        "category": 10,
        "supplier": 20,
        "location": 3,
        "purchase_order": 3,
    }
    catalog_rows = [row for row in rows if row[0] != "purchase_order"]  # an order: made, then submitted
    assert len(set(catalog_rows)) == len(catalog_rows)  # one change row per catalog entity
    async with app.state.fllc.db.sessions() as session:
        assert (await SettingsRepository(session).all())["default_location_id"] == default


async def test_if_empty_does_nothing_when_users_exist(seeded: str, settings: Settings, app: FastAPI) -> None:
    out = await _seed(settings, if_empty=True)
    assert "not loaded" in out
    assert await _count(app, Product) == PRODUCTS
    assert await _count(app, User) == 4


async def test_seeding_again_adds_a_second_catalog_without_clashes(
    seeded: str, settings: Settings, app: FastAPI
) -> None:
    out = await _seed(settings)
    assert "existed already" in out
    assert await _count(app, Product) == 2 * PRODUCTS
    assert await _count(app, Location) == 3
    assert await _count(app, User) == 4


async def test_open_purchase_orders_can_be_received_by_scanning_demo_products(
    seeded: str, client: httpx.AsyncClient, auth_headers
) -> None:
    """Receive PO is not empty on a fresh start: a staff member's sync pull brings submitted orders
    whose lines are demo products with barcodes."""
    staff = await auth_headers("staff")
    entities: list[dict] = []
    since, more = 0, True
    while more:
        page = await client.get("/api/v1/sync/changes", params={"since": since, "limit": 1000}, headers=staff)
        assert page.status_code == 200
        body = page.json()
        entities += body["changes"]
        since, more = body["next_since"], body["has_more"]
    latest = {(c["entity_type"], c["entity_id"]): c["data"] for c in entities if c["action"] == "upsert"}
    orders = [data for (kind, _id), data in latest.items() if kind == "purchase_order"]
    assert len(orders) == 3
    assert {order["status"] for order in orders} == {"submitted"}
    barcodes = {key[1]: data["barcode"] for key, data in latest.items() if key[0] == "product"}
    for order in orders:
        assert order["lines"]
        for line in order["lines"]:
            assert barcodes[line["product_id"]]  # scannable
            assert line["ordered_quantity"] > line["received_quantity"] == 0
