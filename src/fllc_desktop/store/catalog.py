"""The catalog replica: the server's products, categories, suppliers, locations and open purchase
orders, kept current by the sync pull, searchable offline.

Lookups are indexed (barcode exact, sku prefix, name words through FTS5) so a scan finds its
product in well under a few milliseconds over 100,000 products. The replica can always be rebuilt
from the server, so it lives in its own file (``synchronous=NORMAL``), apart from the outbox.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy
from sqlalchemy import Connection, RowMapping

from fllc_desktop.store import catalog_schema as schema
from fllc_desktop.store.database import LocalDatabase, Synchronous

JsonObject = dict[str, Any]
OPEN_PURCHASE_ORDER_STATUSES = frozenset({"draft", "submitted", "open", "partially_received", "ordered"})
_CURSOR_KEY = "changes_cursor"
_WORD = re.compile(r"\w+", re.UNICODE)


class CatalogChange(Protocol):
    """One change of the server's feed (``fllc_desktop.api.Change`` has this shape)."""

    @property
    def entity(self) -> str: ...
    @property
    def entity_id(self) -> Any: ...
    @property
    def deleted(self) -> bool: ...
    @property
    def data(self) -> JsonObject: ...


@dataclass(frozen=True, slots=True)
class ProductRow:
    id: int
    sku: str
    barcode: str | None
    name: str
    description: str | None
    category_id: int | None
    supplier_id: int | None
    unit_cost: Decimal | None
    price: Decimal | None
    reorder_point: int | None
    reorder_quantity: int | None
    quantity_on_hand: int
    version: int


@dataclass(frozen=True, slots=True)
class PurchaseOrderLineRow:
    id: int
    purchase_order_id: int
    product_id: int | None
    ordered_quantity: int
    received_quantity: int
    data: JsonObject


class CatalogReplica:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.database = LocalDatabase(path, synchronous=Synchronous.NORMAL, migrations=schema.MIGRATIONS)

    def close(self) -> None:
        self.database.close()

    # ------------------------------------------------------------------ sync

    def cursor(self) -> int | None:
        """The server sequence number of the last change applied; None before the first pull."""
        value = self.database.scalar("SELECT value FROM sync_state WHERE key = :key", key=_CURSOR_KEY)
        return None if value is None else int(value)

    def apply_changes(self, changes: Sequence[CatalogChange], cursor: int | None) -> None:
        """Apply one batch of the change feed and move the cursor, in one transaction."""
        with self.database.write() as connection:
            for change in changes:
                _apply(connection, change)
            if cursor is not None:
                _set_state(connection, _CURSOR_KEY, str(cursor))

    def reset(self) -> None:
        """Forget everything (the cursor too): the next pull rebuilds the replica from scratch."""
        with self.database.write() as connection:
            for table in schema.ENTITY_TABLES.values():
                connection.exec_driver_sql(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            connection.exec_driver_sql("DELETE FROM sync_state")

    # ------------------------------------------------------------------ products

    def product(self, product_id: int) -> ProductRow | None:
        return self._one_product("SELECT * FROM products WHERE id = :value", product_id)

    def product_by_barcode(self, barcode: str) -> ProductRow | None:
        return self._one_product("SELECT * FROM products WHERE barcode = :value LIMIT 1", barcode)

    def product_by_sku(self, sku: str) -> ProductRow | None:
        return self._one_product("SELECT * FROM products WHERE sku = :value LIMIT 1", sku)

    def search_products(self, text: str, limit: int = 50) -> list[ProductRow]:
        """Exact barcode first, then sku prefix, then products whose name has all the words
        (each word as a prefix)."""
        text = text.strip()
        if not text:
            return []
        with self.database.read() as connection:
            found = _search(connection, text, limit)
        return [_product(row) for row in found]

    def product_count(self) -> int:
        return int(self.database.scalar("SELECT count(*) FROM products") or 0)

    def _one_product(self, sql: str, value: Any) -> ProductRow | None:
        with self.database.read() as connection:
            row = connection.execute(sqlalchemy.text(sql), {"value": value}).mappings().first()
        return None if row is None else _product(row)

    # ------------------------------------------------------------------ the rest

    def categories(self) -> list[JsonObject]:
        return self._all("SELECT id, name, parent_id FROM categories ORDER BY name")

    def suppliers(self) -> list[JsonObject]:
        return self._all("SELECT id, name, email, phone, lead_time_days FROM suppliers ORDER BY name")

    def locations(self) -> list[JsonObject]:
        return self._all("SELECT id, code, name FROM locations ORDER BY code")

    def open_purchase_orders(self) -> list[JsonObject]:
        with self.database.read() as connection:
            rows = connection.exec_driver_sql("SELECT data FROM purchase_orders ORDER BY id").all()
        return [json.loads(row[0]) for row in rows]

    def purchase_order_by_number(self, number: str) -> JsonObject | None:
        data = self.database.scalar("SELECT data FROM purchase_orders WHERE number = :n", n=number)
        return None if data is None else dict(json.loads(data))

    def purchase_order_lines(self, purchase_order_id: int) -> list[PurchaseOrderLineRow]:
        sql = "SELECT * FROM purchase_order_lines WHERE purchase_order_id = :po ORDER BY id"
        with self.database.read() as connection:
            rows = connection.execute(sqlalchemy.text(sql), {"po": purchase_order_id}).mappings().all()
        return [_line(row) for row in rows]

    def _all(self, sql: str) -> list[JsonObject]:
        with self.database.read() as connection:
            return [dict(row) for row in connection.exec_driver_sql(sql).mappings().all()]


# ---------------------------------------------------------------------- applying changes


def _apply(connection: Connection, change: CatalogChange) -> None:
    table = schema.ENTITY_TABLES.get(change.entity)
    if table is None:
        return  # an entity this client does not replicate (yet)
    if change.deleted:
        _delete(connection, change.entity, change.entity_id)
        return
    data = dict(change.data)
    data.setdefault("id", change.entity_id)
    _UPSERTS[change.entity](connection, data)


def _delete(connection: Connection, entity: str, entity_id: Any) -> None:
    table = schema.ENTITY_TABLES[entity]
    connection.execute(sqlalchemy.text(f"DELETE FROM {table} WHERE id = :id"), {"id": entity_id})  # noqa: S608
    if entity == "purchase_order":
        _delete_lines(connection, entity_id)


def _delete_lines(connection: Connection, purchase_order_id: Any) -> None:
    sql = "DELETE FROM purchase_order_lines WHERE purchase_order_id = :po"
    connection.execute(sqlalchemy.text(sql), {"po": purchase_order_id})


def _upsert(sql: str, fields: Sequence[str]) -> Any:
    statement = sqlalchemy.text(sql)

    def upsert(connection: Connection, data: Mapping[str, Any]) -> None:
        connection.execute(statement, {field: data.get(field) for field in fields})

    return upsert


def _upsert_product(connection: Connection, data: Mapping[str, Any]) -> None:
    params = {field: data.get(field) for field in _PRODUCT_FIELDS}
    params["quantity_on_hand"] = params["quantity_on_hand"] or 0
    params["version"] = params["version"] or 0
    params["unit_cost"] = _money_text(params["unit_cost"])
    params["price"] = _money_text(params["price"])
    connection.execute(_PRODUCT_UPSERT, params)


def _upsert_purchase_order(connection: Connection, data: Mapping[str, Any]) -> None:
    """Only open orders are replicated: a received or cancelled one leaves the replica."""
    if str(data.get("status", "")).lower() not in OPEN_PURCHASE_ORDER_STATUSES:
        _delete(connection, "purchase_order", data["id"])
        return
    params = {
        "id": data["id"],
        "number": data.get("number"),
        "supplier_id": data.get("supplier_id"),
        "status": data.get("status"),
        "data": json.dumps(data),
    }
    connection.execute(sqlalchemy.text(schema.UPSERT_PURCHASE_ORDER), params)
    lines = data.get("lines")
    if isinstance(lines, list):
        _delete_lines(connection, data["id"])
        for line in lines:
            _upsert_line(connection, {"purchase_order_id": data["id"], **line})


def _upsert_line(connection: Connection, data: Mapping[str, Any]) -> None:
    params = {
        "id": data["id"],
        "purchase_order_id": data["purchase_order_id"],
        "product_id": data.get("product_id"),
        "ordered_quantity": data.get("ordered_quantity") or 0,  # the server's wire name
        "received_quantity": data.get("received_quantity") or 0,
        "data": json.dumps(dict(data)),
    }
    connection.execute(sqlalchemy.text(schema.UPSERT_PURCHASE_ORDER_LINE), params)


_PRODUCT_FIELDS = (
    "id", "sku", "barcode", "name", "description", "category_id", "supplier_id", "unit_cost", "price",
    "reorder_point", "reorder_quantity", "quantity_on_hand", "version", "updated_at",
)  # fmt: skip
_PRODUCT_UPSERT = sqlalchemy.text(schema.UPSERT_PRODUCT)
_UPSERTS: dict[str, Any] = {
    "product": _upsert_product,
    "category": _upsert(schema.UPSERT_CATEGORY, ("id", "name", "parent_id")),
    "supplier": _upsert(schema.UPSERT_SUPPLIER, ("id", "name", "email", "phone", "lead_time_days")),
    "location": _upsert(schema.UPSERT_LOCATION, ("id", "code", "name")),
    "purchase_order": _upsert_purchase_order,
    "purchase_order_line": _upsert_line,
}


def _set_state(connection: Connection, key: str, value: str) -> None:
    sql = (
        "INSERT INTO sync_state (key, value) VALUES (:key, :value) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    )
    connection.execute(sqlalchemy.text(sql), {"key": key, "value": value})


# ---------------------------------------------------------------------- search


def _search(connection: Connection, text: str, limit: int) -> list[RowMapping]:
    found: dict[int, RowMapping] = {}
    for rows in (_by_barcode(connection, text), _by_sku_prefix(connection, text, limit)):
        _add(found, rows, limit)
    if len(found) < limit:
        _add(found, _by_name_words(connection, text, limit), limit)
    return list(found.values())


def _add(found: dict[int, RowMapping], rows: Iterable[RowMapping], limit: int) -> None:
    for row in rows:
        if len(found) >= limit:
            return
        found.setdefault(row["id"], row)


def _by_barcode(connection: Connection, text: str) -> Sequence[RowMapping]:
    sql = sqlalchemy.text("SELECT * FROM products WHERE barcode = :code")
    return connection.execute(sql, {"code": text}).mappings().all()


def _by_sku_prefix(connection: Connection, text: str, limit: int) -> Sequence[RowMapping]:
    sql = sqlalchemy.text(
        "SELECT * FROM products WHERE sku >= :low AND sku < :high ORDER BY sku LIMIT :limit"
    )
    params = {"low": text, "high": text + "\U0010ffff", "limit": limit}
    return connection.execute(sql, params).mappings().all()


def _by_name_words(connection: Connection, text: str, limit: int) -> Sequence[RowMapping]:
    words = _WORD.findall(text)
    if not words:
        return []
    match = " AND ".join(f'"{word}"*' for word in words)
    sql = sqlalchemy.text(
        "SELECT products.* FROM products_fts JOIN products ON products.id = products_fts.rowid "
        "WHERE products_fts MATCH :match ORDER BY products_fts.rank LIMIT :limit"
    )
    return connection.execute(sql, {"match": match, "limit": limit}).mappings().all()


# ---------------------------------------------------------------------- rows


def _product(row: RowMapping) -> ProductRow:
    return ProductRow(
        id=row["id"],
        sku=row["sku"],
        barcode=row["barcode"],
        name=row["name"],
        description=row["description"],
        category_id=row["category_id"],
        supplier_id=row["supplier_id"],
        unit_cost=_money(row["unit_cost"]),
        price=_money(row["price"]),
        reorder_point=row["reorder_point"],
        reorder_quantity=row["reorder_quantity"],
        quantity_on_hand=row["quantity_on_hand"],
        version=row["version"],
    )


def _line(row: RowMapping) -> PurchaseOrderLineRow:
    return PurchaseOrderLineRow(
        id=row["id"],
        purchase_order_id=row["purchase_order_id"],
        product_id=row["product_id"],
        ordered_quantity=row["ordered_quantity"],
        received_quantity=row["received_quantity"],
        data=json.loads(row["data"]),
    )


def _money_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _money(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None
