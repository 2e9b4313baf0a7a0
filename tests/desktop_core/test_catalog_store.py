"""The catalog replica: applying the change feed, and finding products offline."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

from fllc_desktop.api.models import Change
from fllc_desktop.store import CatalogReplica, catalog_schema
from fllc_desktop.store.database import split_statements


def product(product_id: int, sku: str, name: str, barcode: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": product_id,
        "sku": sku,
        "barcode": barcode,
        "name": name,
        "description": None,
        "category_id": 1,
        "supplier_id": 2,
        "unit_cost": "0.40",
        "price": "1.25",
        "reorder_point": 10,
        "reorder_quantity": 50,
        "quantity_on_hand": 12,
        "version": 1,
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
        **extra,
    }


def upsert(seq: int, entity: str, data: dict[str, Any]) -> Change:
    return Change(seq=seq, entity=entity, entity_id=data["id"], deleted=False, data=data)


def tombstone(seq: int, entity: str, entity_id: int) -> Change:
    return Change(seq=seq, entity=entity, entity_id=entity_id, deleted=True)


def stocked(catalog: CatalogReplica) -> CatalogReplica:
    catalog.apply_changes(
        [
            upsert(1, "product", product(1, "BOLT-M6-20", "Hex bolt M6 x 20 zinc", "4006381333931")),
            upsert(2, "product", product(2, "BOLT-M8-30", "Hex bolt M8 x 30 stainless")),
            upsert(3, "product", product(3, "NUT-M6", "Hex nut M6 zinc", "012345678905")),
            upsert(4, "product", product(4, "WASH-M6", "Washer M6 Édition spéciale")),
        ],
        cursor=4,
    )
    return catalog


def test_changes_are_applied_and_the_cursor_moves(catalog: CatalogReplica) -> None:
    assert catalog.cursor() is None
    stocked(catalog)
    assert catalog.cursor() == 4
    assert catalog.product_count() == 4
    found = catalog.product(1)
    assert found is not None
    assert found.price == Decimal("1.25")
    assert found.quantity_on_hand == 12


def test_an_upsert_replaces_and_a_tombstone_deletes(catalog: CatalogReplica) -> None:
    stocked(catalog)
    renamed = product(
        1, "BOLT-M6-20", "Hex bolt M6 x 20 black", "4006381333931", version=2, quantity_on_hand=30
    )
    catalog.apply_changes([upsert(5, "product", renamed), tombstone(6, "product", 2)], cursor=6)
    found = catalog.product(1)
    assert found is not None
    assert (found.name, found.version, found.quantity_on_hand) == ("Hex bolt M6 x 20 black", 2, 30)
    assert catalog.product(2) is None
    assert [p.id for p in catalog.search_products("black")] == [1]
    assert catalog.search_products("zinc", limit=10) == [catalog.product(3)]


def test_lookup_by_exact_barcode(catalog: CatalogReplica) -> None:
    stocked(catalog)
    found = catalog.product_by_barcode("012345678905")
    assert found is not None
    assert found.sku == "NUT-M6"
    assert catalog.product_by_barcode("01234567890") is None


def test_search_by_sku_prefix_barcode_and_name_words(catalog: CatalogReplica) -> None:
    stocked(catalog)
    assert [p.id for p in catalog.search_products("bolt-m")] == [1, 2]
    assert [p.id for p in catalog.search_products("4006381333931")] == [1]
    assert {p.id for p in catalog.search_products("hex m6")} == {1, 3}
    assert [p.id for p in catalog.search_products("stain")] == [2]
    assert [p.id for p in catalog.search_products("edition")] == [4]
    assert catalog.search_products("   ") == []
    assert catalog.search_products('"; DROP TABLE products; --') == []
    assert catalog.product_count() == 4


def test_lookups_use_indexes_not_table_scans(catalog: CatalogReplica) -> None:
    with catalog.database.read() as connection:
        by_barcode = connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT * FROM products WHERE barcode = 'x' LIMIT 1"
        ).all()
        by_sku = connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT * FROM products WHERE sku >= 'a' AND sku < 'b' ORDER BY sku"
        ).all()
    assert "products_by_barcode" in str(by_barcode)
    assert "products_by_sku" in str(by_sku)


def test_search_over_many_products_stays_correct(catalog: CatalogReplica) -> None:
    changes = [
        upsert(i, "product", product(i, f"SKU-{i:06d}", f"Item number {i} widget", f"2{i:012d}"))
        for i in range(1, 20_001)
    ]
    catalog.apply_changes(changes, cursor=20_000)
    found = catalog.product_by_barcode(f"2{12_345:012d}")
    assert found is not None
    assert found.id == 12_345
    assert [p.id for p in catalog.search_products("SKU-01999")] == list(range(19_990, 20_000))
    assert len(catalog.search_products("widget", limit=25)) == 25


def test_categories_suppliers_and_locations(catalog: CatalogReplica) -> None:
    catalog.apply_changes(
        [
            upsert(1, "category", {"id": 1, "name": "Fasteners", "parent_id": None}),
            upsert(
                2,
                "supplier",
                {"id": 2, "name": "Acme", "email": "a@acme.test", "phone": None, "lead_time_days": 5},
            ),
            upsert(3, "location", {"id": 3, "code": "A-01", "name": "Aisle 1"}),
            upsert(4, "location", {"id": 4, "code": "B-01", "name": "Aisle 2"}),
            tombstone(5, "location", 4),
            upsert(6, "customer", {"id": 1, "name": "not replicated"}),
        ],
        cursor=6,
    )
    assert catalog.categories() == [{"id": 1, "name": "Fasteners", "parent_id": None}]
    assert catalog.suppliers()[0]["lead_time_days"] == 5
    assert catalog.locations() == [{"id": 3, "code": "A-01", "name": "Aisle 1"}]


def test_only_open_purchase_orders_are_kept_with_their_lines(catalog: CatalogReplica) -> None:
    order = {
        "id": 10,
        "number": "PO-0010",
        "supplier_id": 2,
        "status": "submitted",
        "lines": [
            {"id": 100, "product_id": 1, "ordered_quantity": 50, "received_quantity": 0},
            {"id": 101, "product_id": 3, "ordered_quantity": 20, "received_quantity": 5},
        ],
    }
    catalog.apply_changes([upsert(1, "purchase_order", order)], cursor=1)
    assert [o["number"] for o in catalog.open_purchase_orders()] == ["PO-0010"]
    lines = catalog.purchase_order_lines(10)
    assert [(line.id, line.ordered_quantity, line.received_quantity) for line in lines] == [
        (100, 50, 0),
        (101, 20, 5),
    ]
    assert catalog.purchase_order_by_number("PO-0010") is not None
    catalog.apply_changes([upsert(2, "purchase_order", {**order, "status": "received"})], cursor=2)
    assert catalog.open_purchase_orders() == []
    assert catalog.purchase_order_lines(10) == []


def test_reset_forgets_everything_including_the_cursor(catalog: CatalogReplica) -> None:
    stocked(catalog)
    catalog.reset()
    assert catalog.cursor() is None
    assert catalog.product_count() == 0
    assert catalog.search_products("bolt") == []


def test_the_replica_survives_reopening(tmp_path: Path) -> None:
    first = CatalogReplica(tmp_path / "catalog.sqlite3")
    stocked(first)
    first.close()
    again = CatalogReplica(tmp_path / "catalog.sqlite3")
    assert again.cursor() == 4
    assert [p.id for p in again.search_products("nut")] == [3]
    again.close()


def test_a_version_1_replica_is_migrated_and_its_po_lines_get_the_servers_ordered_quantity(
    tmp_path: Path,
) -> None:
    """Version 1 stored a ``quantity`` the server never sends (so 0); version 2 re-reads the ordered
    and received quantities from the line it kept, without a resync."""
    path = tmp_path / "catalog.sqlite3"
    with sqlite3.connect(path) as raw:
        for statement in split_statements(catalog_schema.MIGRATIONS[0]):
            raw.execute(statement)
        line = {"id": 100, "product_id": 1, "ordered_quantity": 12, "received_quantity": 4}
        raw.execute(
            "INSERT INTO purchase_orders (id, number, supplier_id, status, data) VALUES (10, 'PO-0010', 2,"
            " 'submitted', '{}')"
        )
        raw.execute(
            "INSERT INTO purchase_order_lines (id, purchase_order_id, product_id, quantity,"
            " received_quantity, data) VALUES (100, 10, 1, 0, 0, ?)",
            (json.dumps(line),),
        )
        raw.execute("PRAGMA user_version = 1")
    raw.close()
    replica = CatalogReplica(path)
    try:
        assert replica.database.scalar("PRAGMA user_version") == len(catalog_schema.MIGRATIONS) == 2
        (migrated,) = replica.purchase_order_lines(10)
        assert (migrated.ordered_quantity, migrated.received_quantity) == (12, 4)
    finally:
        replica.close()
