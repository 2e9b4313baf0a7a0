"""`fllc-server seed-demo`: one user per role with printed demo passwords, and a realistic store —
categories, suppliers, locations, products with valid EAN-13s, customers, orders, reviews, a stock
history whose sums are the stock levels, and submitted purchase orders
whose lines are demo products, so that Receive PO has something to scan against on a fresh start.
Bulk inserts in one transaction; change_log rows so a client's first sync pull sees the catalog."""

from __future__ import annotations

import random
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any, TextIO

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.auth.cache import Principal
from fllc_server.auth.dependencies import CurrentUser
from fllc_server.auth.passwords import Passwords
from fllc_server.auth.permissions import Role, permissions_for
from fllc_server.config import Settings
from fllc_server.demo import catalog as build
from fllc_server.kit.changes import renew_catalog_generation
from fllc_server.models import (
    Address,
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
    utcnow,
)
from fllc_server.purchasing.schemas import PurchaseOrderCreate, PurchaseOrderLineCreate
from fllc_server.purchasing.service import PurchaseOrderService
from fllc_server.settings.repository import SettingsRepository
from fllc_server.state import AppState
from fllc_server.users.schemas import UserCreate
from fllc_server.users.service import UserService

DEMO_USERS = (
    ("admin", Role.ADMIN, "admin-demo-1", "Avery Admin"),
    ("manager", Role.MANAGER, "manager-demo-1", "Morgan Manager"),
    ("staff", Role.STAFF, "staff-demo-1", "Sam Staff"),
    ("viewer", Role.VIEWER, "viewer-demo-1", "Val Viewer"),
)
LOCATIONS = (
    ("WH-MAIN", "Main Warehouse", "warehouse"),
    ("A-01-01", "Aisle A, Shelf 1, Bin 1", "bin"),
    ("B-04-02", "Aisle B, Shelf 4, Bin 2", "bin"),
)
CHUNK = 2000
DEMO_PO_COUNT = 3
DEMO_PO_LINES = 6
PRODUCT_BATCH = 5000
RANDOM_SEED = 2026


@dataclass
class Counts:
    categories: int = 0
    suppliers: int = 0
    locations: int = 0
    products: int = 0
    customers: int = 0
    addresses: int = 0
    orders: int = 0
    order_items: int = 0
    reviews: int = 0
    movements: int = 0
    changes: int = 0
    purchase_orders: int = 0


async def seed_demo(
    settings: Settings, *, products: int = 5000, if_empty: bool = False, out: TextIO | None = None
) -> int:
    """Load the demo data; with `if_empty`, do nothing when any user exists. Returns an exit code."""
    out = out or sys.stdout
    state = AppState.build(settings)
    try:
        async with state.db.transaction() as session:
            if if_empty and await session.scalar(select(User.id).limit(1)) is not None:
                print("Demo data not loaded: the database already has users (--if-empty).", file=out)
                return 0
            started = time.perf_counter()
            created = await _ensure_users(session, state.passwords)
            counts = await DemoLoader(session, random.Random(RANDOM_SEED)).load(products)
            counts.purchase_orders = await _open_purchase_orders(session, state, random.Random(RANDOM_SEED))
            await audit.record(
                session,
                actor_id=None,
                action="demo.seed",
                entity_type="system",
                entity_id=None,
                after=asdict(counts),
            )
        await renew_catalog_generation(state.cache)
    finally:
        await state.close()
    _report(out, counts, created, time.perf_counter() - started)
    return 0


async def _ensure_users(session: AsyncSession, passwords: Passwords) -> list[tuple[str, str, str]]:
    """Create the demo user of each role that does not exist yet; returns (username, role, password)."""
    created = []
    service = UserService(session, passwords)
    for username, role, password, full_name in DEMO_USERS:
        if await service.users.by_username(username) is not None:
            continue
        data = UserCreate(username=username, password=password, role=role, full_name=full_name)
        await service.create(data, actor=None)
        created.append((username, role.value, password))
    return created


async def _open_purchase_orders(session: AsyncSession, state: AppState, rng: random.Random) -> int:
    """Open orders from the first suppliers, made and submitted by the demo manager through the
    purchasing service (audited, in the change log): each line a demo product with a barcode."""
    manager = await session.scalar(select(User).where(User.username == "manager"))
    if manager is None:
        return 0
    actor = CurrentUser(
        id=manager.id,
        username=manager.username,
        role=manager.role,
        permissions=permissions_for(manager.role),
        jti="demo-seed",
        token_expires_at=0,
        account=Principal.of(manager),
    )
    service = PurchaseOrderService(session, state)
    suppliers = list(await session.scalars(select(Supplier.id).order_by(Supplier.id).limit(DEMO_PO_COUNT)))
    made = 0
    for supplier_id in suppliers:
        candidates = list(
            await session.scalars(
                select(Product.id)
                .where(Product.supplier_id == supplier_id, Product.barcode.is_not(None))
                .order_by(Product.id)
                .limit(DEMO_PO_LINES)
            )
        )
        if not candidates:
            continue
        lines = [
            PurchaseOrderLineCreate(product_id=pid, ordered_quantity=rng.choice((6, 12, 24, 48)))
            for pid in candidates
        ]
        order = await service.create(PurchaseOrderCreate(supplier_id=supplier_id, lines=lines), actor)
        await service.submit(order.id, actor)
        made += 1
    return made


def _report(out: TextIO, counts: Counts, created: list[tuple[str, str, str]], seconds: float) -> None:
    summary = ", ".join(f"{value:,} {name.replace('_', ' ')}" for name, value in asdict(counts).items())
    print(f"Demo data loaded in {seconds:.1f} s: {summary}.", file=out)
    if created:
        print("Demo accounts (demo passwords: change them before real use):", file=out)
        for username, role, password in created:
            print(f"  {username:<8} {password:<16} ({role})", file=out)
    else:
        print("The demo accounts existed already; their passwords were left unchanged.", file=out)


class DemoLoader:
    def __init__(self, session: AsyncSession, rng: random.Random) -> None:
        self.session = session
        self.rng = rng
        self.counts = Counts()
        self.now = utcnow()

    async def load(self, product_count: int) -> Counts:
        ids = await self._next_ids()
        staff = await self.session.scalar(select(User.id).where(User.username == "staff"))
        where, location_ids = await self._locations()
        category_rows = build.categories(ids, self.now)
        supplier_rows = build.suppliers(ids, self.now, self.rng)
        await self._insert(Category, category_rows, "categories")
        await self._insert(Supplier, supplier_rows, "suppliers")
        products = [build.product(i, ids, self.rng, self.now) for i in range(product_count)]
        customer_ids = await self._customers(max(20, min(5000, product_count // 20)), ids)
        sales = build.orders(
            max(20, product_count // 5), products, customer_ids, ids, rng=self.rng, now=self.now
        )
        await self._insert(Order, sales.orders, "orders")
        await self._products_with_stock(products, sales, where, staff)
        await self._insert(OrderItem, sales.items, "order_items")
        reviews = build.reviews(max(10, product_count // 10), products, customer_ids, self.rng, self.now)
        await self._insert(Review, reviews, "reviews")
        await self._changes("category", [r["id"] for r in category_rows])
        await self._changes("supplier", [r["id"] for r in supplier_rows])
        await self._changes("location", location_ids)
        await self._changes("product", [p["id"] for p in products])
        await self._default_location(where.main)
        return self.counts

    async def _next_ids(self) -> build.Ids:
        async def next_id(model: Any) -> int:
            return int(await self.session.scalar(select(func.max(model.id))) or 0) + 1

        return build.Ids(
            category=await next_id(Category),
            supplier=await next_id(Supplier),
            product=await next_id(Product),
            customer=await next_id(Customer),
            address=await next_id(Address),
            order=await next_id(Order),
            order_item=await next_id(OrderItem),
        )

    async def _locations(self) -> tuple[build.Locations, list[int]]:
        """The main warehouse and two bins in it, reused when their codes exist."""
        found: list[Location] = []
        for code, name, kind in LOCATIONS:
            location = await self.session.scalar(select(Location).where(Location.code == code))
            if location is None:
                parent = found[0].id if found else None
                location = Location(code=code, name=name, kind=kind, parent_id=parent)
                self.session.add(location)
                await self.session.flush()
                self.counts.locations += 1
            found.append(location)
        ids = [location.id for location in found]
        return build.Locations(main=ids[0], bins=tuple(ids[1:])), ids

    async def _customers(self, count: int, ids: build.Ids) -> list[int]:
        people, addresses = build.customers(count, ids, self.rng, self.now)
        await self._insert(Customer, people, "customers")
        await self._insert(Address, addresses, "addresses")
        return [person["id"] for person in people]

    async def _products_with_stock(
        self, products: list[dict[str, Any]], sales: build.Sales, where: build.Locations, staff: int | None
    ) -> None:
        for start in range(0, len(products), PRODUCT_BATCH):
            batch = products[start : start + PRODUCT_BATCH]
            history = build.StockHistory()
            for item in batch:
                one = build.stock_history(
                    item, sales.sold.get(item["id"], []), where, user_id=staff, rng=self.rng, now=self.now
                )
                history.movements += one.movements
                history.levels += one.levels
            await self._insert(Product, batch, "products")
            await self._insert(StockLevel, history.levels)
            await self._insert(InventoryMovement, history.movements, "movements")

    async def _changes(self, entity_type: str, entity_ids: list[int]) -> None:
        rows = [
            {"entity_type": entity_type, "entity_id": entity_id, "action": "upsert", "created_at": self.now}
            for entity_id in entity_ids
        ]
        await self._insert(Change, rows, "changes")

    async def _default_location(self, location_id: int) -> None:
        repository = SettingsRepository(self.session)
        if (await repository.all()).get("default_location_id") is None:
            await repository.put("default_location_id", location_id, None)

    async def _insert(self, model: Any, rows: list[dict[str, Any]], counter: str | None = None) -> None:
        table: Table = model.__table__
        for start in range(0, len(rows), CHUNK):
            await self.session.execute(table.insert(), rows[start : start + CHUNK])
        if counter is not None:
            setattr(self.counts, counter, getattr(self.counts, counter) + len(rows))
