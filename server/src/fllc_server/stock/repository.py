"""All stock queries. Quantities change only through atomic `x = x + :delta` statements, so
concurrent movements never lose an update; the product row is always locked first (deadlock-free
order: products → stock_levels → inventory_log)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, and_, case, func, insert, select, update
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.models import (
    AuditEntry,
    Change,
    InventoryMovement,
    Location,
    Product,
    PurchaseOrderLine,
    StockLevel,
    utcnow,
)

# The tables, for the set-wise Core INSERTs (no ORM bookkeeping per row).
_MOVEMENTS = cast(Table, InventoryMovement.__table__)
_AUDIT = cast(Table, AuditEntry.__table__)
_CHANGES = cast(Table, Change.__table__)


@dataclass(frozen=True, slots=True)
class MovementFilter:
    product_id: int | None = None
    location_id: int | None = None
    reason: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class LevelRow:
    location_id: int
    location_code: str
    location_name: str
    quantity: int


class StockRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- lookups -----------------------------------------------------------------------------

    async def product(
        self, *, product_id: int | None = None, sku: str | None = None, barcode: str | None = None
    ) -> Product | None:
        query = select(Product).where(Product.deleted_at.is_(None))
        if product_id is not None:
            query = query.where(Product.id == product_id)
        elif sku is not None:
            query = query.where(Product.sku == sku)
        else:
            query = query.where(Product.barcode == barcode)
        return await self.session.scalar(query)

    async def location(self, location_id: int) -> Location | None:
        query = select(Location).where(Location.id == location_id, Location.deleted_at.is_(None))
        return await self.session.scalar(query)

    async def first_location(self) -> Location | None:
        query = select(Location).where(Location.deleted_at.is_(None)).order_by(Location.id).limit(1)
        return await self.session.scalar(query)

    async def purchase_order_line(self, line_id: int) -> PurchaseOrderLine | None:
        return await self.session.get(PurchaseOrderLine, line_id)

    # -- atomic quantity changes -------------------------------------------------------------

    async def lock_product(self, product_id: int) -> None:
        """Take the product row's write lock (a no-op update works on every backend)."""
        await self.add_to_product(product_id, 0)

    async def add_to_product(self, product_id: int, delta: int) -> None:
        statement = (
            update(Product)
            .where(Product.id == product_id)
            .values(quantity_on_hand=Product.quantity_on_hand + delta)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(statement)

    async def add_to_level(self, product_id: int, location_id: int, delta: int) -> None:
        """Upsert: create the (product, location) level or add `delta` to it, in one statement."""
        values = {
            "product_id": product_id,
            "location_id": location_id,
            "quantity": delta,
            "updated_at": utcnow(),
        }
        if self._dialect() == "sqlite":
            sqlite_stmt = sqlite_insert(StockLevel).values(values)
            sqlite_stmt = sqlite_stmt.on_conflict_do_update(
                index_elements=["product_id", "location_id"],
                set_={
                    "quantity": StockLevel.quantity + sqlite_stmt.excluded.quantity,
                    "updated_at": sqlite_stmt.excluded.updated_at,
                },
            )
            await self.session.execute(sqlite_stmt)
            return
        mysql_stmt = mysql_insert(StockLevel).values(values)
        mysql_stmt = mysql_stmt.on_duplicate_key_update(
            quantity=StockLevel.quantity + mysql_stmt.inserted.quantity,
            updated_at=mysql_stmt.inserted.updated_at,
        )
        await self.session.execute(mysql_stmt)

    async def take_from_level(self, product_id: int, location_id: int, quantity: int) -> bool:
        """Remove `quantity` only if that much is there; False (and no change) otherwise."""
        statement = (
            update(StockLevel)
            .where(
                StockLevel.product_id == product_id,
                StockLevel.location_id == location_id,
                StockLevel.quantity >= quantity,
            )
            .values(quantity=StockLevel.quantity - quantity, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(statement)
        return bool(getattr(result, "rowcount", 0))

    async def add_movement(self, movement: InventoryMovement) -> InventoryMovement:
        self.session.add(movement)
        await self.session.flush()
        return movement

    # -- reads -------------------------------------------------------------------------------

    async def quantity_on_hand(self, product_id: int) -> int:
        value = await self.session.scalar(select(Product.quantity_on_hand).where(Product.id == product_id))
        return int(value or 0)

    async def level_quantity(self, product_id: int, location_id: int) -> int:
        value = await self.session.scalar(
            select(StockLevel.quantity).where(
                StockLevel.product_id == product_id, StockLevel.location_id == location_id
            )
        )
        return int(value or 0)

    async def quantities(self, product_id: int, location_id: int) -> tuple[int, int]:
        """(quantity on hand, quantity at the location) in one read."""
        at_location = (
            select(StockLevel.quantity)
            .where(StockLevel.product_id == product_id, StockLevel.location_id == location_id)
            .scalar_subquery()
        )
        row = (
            await self.session.execute(
                select(Product.quantity_on_hand, at_location).where(Product.id == product_id)
            )
        ).one_or_none()
        return (int(row[0] or 0), int(row[1] or 0)) if row is not None else (0, 0)

    async def level_quantities(self, location_id: int, product_ids: Sequence[int]) -> dict[int, int]:
        rows = await self.session.execute(
            select(StockLevel.product_id, StockLevel.quantity).where(
                StockLevel.location_id == location_id, StockLevel.product_id.in_(product_ids)
            )
        )
        return {int(pid): int(qty) for pid, qty in rows}

    async def existing_product_ids(self, product_ids: Sequence[int]) -> set[int]:
        rows = await self.session.scalars(
            select(Product.id).where(Product.id.in_(product_ids), Product.deleted_at.is_(None))
        )
        return set(rows)

    async def levels(self, product_id: int) -> list[LevelRow]:
        rows = await self.session.execute(
            select(StockLevel.location_id, Location.code, Location.name, StockLevel.quantity)
            .join(Location, Location.id == StockLevel.location_id)
            .where(StockLevel.product_id == product_id)
            .order_by(Location.code)
        )
        return [LevelRow(int(a), str(b), str(c), int(d)) for a, b, c, d in rows]

    async def movements(
        self, filters: MovementFilter, *, offset: int, limit: int
    ) -> tuple[list[InventoryMovement], int]:
        condition = _movement_condition(filters)
        total = await self.session.scalar(
            select(func.count()).select_from(InventoryMovement).where(condition)
        )
        query: Select[InventoryMovement] = (
            select(InventoryMovement)
            .where(condition)
            .order_by(InventoryMovement.id.desc())
            .offset(offset)
            .limit(limit)
        )
        rows = await self.session.scalars(query)
        return list(rows), int(total or 0)

    # -- set-wise, for a batch of movements (stock.bulk) -------------------------------------

    async def live_product_ids(self, product_ids: Collection[int]) -> set[int]:
        return await self.existing_product_ids(list(product_ids)) if product_ids else set()

    async def product_ids_by(self, column: str, values: Collection[str]) -> dict[str, int]:
        """{sku or barcode as stored: product id} of the live products having one of `values`."""
        if not values:
            return {}
        key = getattr(Product, column)
        rows = await self.session.execute(
            select(key, Product.id).where(key.in_(list(values)), Product.deleted_at.is_(None))
        )
        return {str(value): int(pid) for value, pid in rows}

    async def live_location_ids(self, location_ids: Collection[int]) -> set[int]:
        if not location_ids:
            return set()
        rows = await self.session.scalars(
            select(Location.id).where(Location.id.in_(list(location_ids)), Location.deleted_at.is_(None))
        )
        return set(rows)

    async def lock_products_reading(self, product_ids: Collection[int]) -> dict[int, int]:
        """Lock the products' rows in id order (the order every movement locks them) and read
        their quantity on hand: a locking read sees the latest committed value."""
        # By primary key only: another condition may steer MySQL to a secondary index, locking
        # its entries (other products' too) in that index's order — deadlocks with movements.
        rows = await self.session.execute(
            select(Product.id, Product.quantity_on_hand)
            .where(Product.id.in_(sorted(product_ids)))
            .order_by(Product.id)
            .with_for_update()
        )
        return {int(pid): int(qty) for pid, qty in rows}

    async def lock_levels_reading(self, product_ids: Collection[int]) -> dict[tuple[int, int], int]:
        """Every stock level of these (already locked) products, read with a lock, so the
        quantities are the latest committed ones whatever snapshot the transaction holds."""
        rows = await self.session.execute(
            select(StockLevel.product_id, StockLevel.location_id, StockLevel.quantity)
            .where(StockLevel.product_id.in_(sorted(product_ids)))
            .with_for_update()
        )
        return {(int(pid), int(lid)): int(qty) for pid, lid, qty in rows}

    async def add_to_products(self, deltas: Mapping[int, int]) -> None:
        """quantity_on_hand += delta for each product, in one atomic statement."""
        changed = {pid: delta for pid, delta in deltas.items() if delta}
        if not changed:
            return
        statement = (
            update(Product)
            .where(Product.id.in_(sorted(changed)))
            .values(quantity_on_hand=Product.quantity_on_hand + case(changed, value=Product.id, else_=0))
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(statement)

    async def add_to_levels(self, deltas: Mapping[tuple[int, int], int]) -> None:
        """Upsert every (product, location) level with quantity += delta, in one statement."""
        if not deltas:
            return
        now = utcnow()
        rows = [
            {"product_id": pid, "location_id": lid, "quantity": delta, "updated_at": now}
            for (pid, lid), delta in sorted(deltas.items())
        ]
        # executemany of one cached statement: the drivers send it as a multi-row INSERT
        # (asyncmy) or loop in C (sqlite3) — no per-batch compile of a giant VALUES list.
        if self._dialect() == "sqlite":
            sqlite_stmt = sqlite_insert(StockLevel)
            sqlite_stmt = sqlite_stmt.on_conflict_do_update(
                index_elements=["product_id", "location_id"],
                set_={
                    "quantity": StockLevel.quantity + sqlite_stmt.excluded.quantity,
                    "updated_at": sqlite_stmt.excluded.updated_at,
                },
            )
            await self.session.execute(sqlite_stmt, rows)
            return
        mysql_stmt = mysql_insert(StockLevel)
        mysql_stmt = mysql_stmt.on_duplicate_key_update(
            quantity=StockLevel.quantity + mysql_stmt.inserted.quantity,
            updated_at=mysql_stmt.inserted.updated_at,
        )
        await self.session.execute(mysql_stmt, rows)

    async def insert_movements(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Multi-row INSERT into inventory_log; the new ids in the order of `rows`."""
        return await self._insert_returning_keys(_MOVEMENTS, _MOVEMENTS.c.id, rows)

    async def insert_audit_entries(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(_AUDIT), list(rows))

    async def insert_changes(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Multi-row INSERT into change_log; the new seqs in the order of `rows`."""
        return await self._insert_returning_keys(_CHANGES, _CHANGES.c.seq, rows)

    async def _insert_returning_keys(
        self, table: Table, key: ColumnElement[int], rows: Sequence[dict[str, Any]]
    ) -> list[int]:
        """Multi-row INSERT (Core: no ORM bookkeeping per row) returning the new keys in the
        order of `rows`. Auto-increment keys grow in insertion order — within a statement and
        across one transaction's statements (InnoDB's auto-inc counter; SQLite's rowid under
        the database write lock) — so the keys sorted are the rows' keys. (Asking SQLAlchemy
        for `sort_by_parameter_order` makes it insert one row per statement on SQLite.)"""
        if not rows:
            return []
        result = await self.session.execute(insert(table).returning(key), list(rows))
        keys = sorted(int(value) for value in result.scalars())
        if len(keys) != len(rows):  # pragma: no cover - a driver dropping RETURNING rows
            raise RuntimeError(f"inserted {len(rows)} rows into {table.name}, got {len(keys)} keys")
        return keys

    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name


def _movement_condition(filters: MovementFilter) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = []
    if filters.product_id is not None:
        parts.append(InventoryMovement.product_id == filters.product_id)
    if filters.location_id is not None:
        parts.append(InventoryMovement.location_id == filters.location_id)
    if filters.reason is not None:
        parts.append(InventoryMovement.reason == filters.reason)
    if filters.since is not None:
        parts.append(InventoryMovement.created_at >= filters.since)
    if filters.until is not None:
        parts.append(InventoryMovement.created_at < filters.until)
    return and_(True, *parts)
