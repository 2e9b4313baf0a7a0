"""The catalog replica's schema, one SQL script per ``PRAGMA user_version``."""

from __future__ import annotations

MIGRATIONS = [
    """
    CREATE TABLE products (
        id INTEGER PRIMARY KEY,
        sku TEXT NOT NULL COLLATE NOCASE,
        barcode TEXT,
        name TEXT NOT NULL,
        description TEXT,
        category_id INTEGER,
        supplier_id INTEGER,
        unit_cost TEXT,
        price TEXT,
        reorder_point INTEGER,
        reorder_quantity INTEGER,
        quantity_on_hand INTEGER NOT NULL DEFAULT 0,
        version INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT
    );
    CREATE INDEX products_by_sku ON products (sku COLLATE NOCASE);
    CREATE INDEX products_by_barcode ON products (barcode);
    CREATE VIRTUAL TABLE products_fts USING fts5 (
        name, sku, content='products', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
        INSERT INTO products_fts (rowid, name, sku) VALUES (new.id, new.name, new.sku);
    END;
    CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
        INSERT INTO products_fts (products_fts, rowid, name, sku)
            VALUES ('delete', old.id, old.name, old.sku);
    END;
    CREATE TRIGGER products_fts_update AFTER UPDATE OF name, sku ON products BEGIN
        INSERT INTO products_fts (products_fts, rowid, name, sku)
            VALUES ('delete', old.id, old.name, old.sku);
        INSERT INTO products_fts (rowid, name, sku) VALUES (new.id, new.name, new.sku);
    END;
    CREATE TABLE categories (id INTEGER PRIMARY KEY, name TEXT NOT NULL, parent_id INTEGER);
    CREATE TABLE suppliers (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, phone TEXT, lead_time_days INTEGER
    );
    CREATE TABLE locations (id INTEGER PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL);
    CREATE TABLE purchase_orders (
        id INTEGER PRIMARY KEY, number TEXT, supplier_id INTEGER, status TEXT NOT NULL, data TEXT NOT NULL
    );
    CREATE INDEX purchase_orders_by_number ON purchase_orders (number);
    CREATE TABLE purchase_order_lines (
        id INTEGER PRIMARY KEY,
        purchase_order_id INTEGER NOT NULL,
        product_id INTEGER,
        quantity INTEGER NOT NULL DEFAULT 0,
        received_quantity INTEGER NOT NULL DEFAULT 0,
        data TEXT NOT NULL
    );
    CREATE INDEX purchase_order_lines_by_order ON purchase_order_lines (purchase_order_id);
    CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT);
    """,
    # 2: a purchase order line's ordered quantity is the server's ``ordered_quantity``; version 1
    # stored a ``quantity`` the server never sends (0). Re-read both quantities from the line kept.
    """
    ALTER TABLE purchase_order_lines RENAME COLUMN quantity TO ordered_quantity;
    UPDATE purchase_order_lines SET
        ordered_quantity = COALESCE(
            json_extract(data, '$.ordered_quantity'), json_extract(data, '$.quantity'), 0
        ),
        received_quantity = COALESCE(json_extract(data, '$.received_quantity'), received_quantity);
    """,
]

ENTITY_TABLES = {
    "product": "products",
    "category": "categories",
    "supplier": "suppliers",
    "location": "locations",
    "purchase_order": "purchase_orders",
    "purchase_order_line": "purchase_order_lines",
}

UPSERT_PRODUCT = """
INSERT INTO products (id, sku, barcode, name, description, category_id, supplier_id, unit_cost, price,
    reorder_point, reorder_quantity, quantity_on_hand, version, updated_at)
VALUES (:id, :sku, :barcode, :name, :description, :category_id, :supplier_id, :unit_cost, :price,
    :reorder_point, :reorder_quantity, :quantity_on_hand, :version, :updated_at)
ON CONFLICT (id) DO UPDATE SET sku = excluded.sku, barcode = excluded.barcode, name = excluded.name,
    description = excluded.description, category_id = excluded.category_id,
    supplier_id = excluded.supplier_id, unit_cost = excluded.unit_cost, price = excluded.price,
    reorder_point = excluded.reorder_point, reorder_quantity = excluded.reorder_quantity,
    quantity_on_hand = excluded.quantity_on_hand, version = excluded.version,
    updated_at = excluded.updated_at
"""
UPSERT_CATEGORY = """
INSERT INTO categories (id, name, parent_id) VALUES (:id, :name, :parent_id)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, parent_id = excluded.parent_id
"""
UPSERT_SUPPLIER = """
INSERT INTO suppliers (id, name, email, phone, lead_time_days)
VALUES (:id, :name, :email, :phone, :lead_time_days)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email, phone = excluded.phone,
    lead_time_days = excluded.lead_time_days
"""
UPSERT_LOCATION = """
INSERT INTO locations (id, code, name) VALUES (:id, :code, :name)
ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name
"""
UPSERT_PURCHASE_ORDER = """
INSERT INTO purchase_orders (id, number, supplier_id, status, data)
VALUES (:id, :number, :supplier_id, :status, :data)
ON CONFLICT (id) DO UPDATE SET number = excluded.number, supplier_id = excluded.supplier_id,
    status = excluded.status, data = excluded.data
"""
UPSERT_PURCHASE_ORDER_LINE = """
INSERT INTO purchase_order_lines
    (id, purchase_order_id, product_id, ordered_quantity, received_quantity, data)
VALUES (:id, :purchase_order_id, :product_id, :ordered_quantity, :received_quantity, :data)
ON CONFLICT (id) DO UPDATE SET purchase_order_id = excluded.purchase_order_id,
    product_id = excluded.product_id, ordered_quantity = excluded.ordered_quantity,
    received_quantity = excluded.received_quantity, data = excluded.data
"""
