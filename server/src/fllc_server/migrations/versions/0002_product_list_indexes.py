"""product list indexes and the MySQL word index

Revision ID: 0002
Revises: 0001

The product list always filters `deleted_at IS NULL` and orders by one column: a composite index
(deleted_at, <sort column>) per sort lets a page be read in order instead of sorting the catalog,
and (category_id|supplier_id, deleted_at, name) serves the filtered lists and their counts.

On MySQL/MariaDB, the name words of live products are kept in `products_fts_terms(term,
product_id)`, maintained by triggers (like products_fts on SQLite, so every write path - the API,
sync, bulk loads, raw SQL - keeps it current): a word is an index range there instead of an
InnoDB FULLTEXT lookup that materialises every match (20-40 ms for a word in thousands of names),
and words shorter than InnoDB's minimum token size or on its stopword list need no table scan
with LIKE. The FULLTEXT index ft_products_name has no reader left and is dropped (downgrade
brings it back). The table is raw SQL like products_fts: search structures are not in the models.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

LIST_INDEXES = {
    "ix_products_live_name": ["deleted_at", "name"],
    "ix_products_live_sku": ["deleted_at", "sku"],
    "ix_products_live_price": ["deleted_at", "price"],
    "ix_products_live_quantity": ["deleted_at", "quantity_on_hand"],
    "ix_products_live_updated": ["deleted_at", "updated_at"],
    "ix_products_category_live_name": ["category_id", "deleted_at", "name"],
    "ix_products_supplier_live_name": ["supplier_id", "deleted_at", "name"],
}

# A word: a run of letters and digits (what catalog.search.words() splits a query into).
WORD = r"'[\\p{L}\\p{N}]+'"
FIRST_WORD = r"'^[^\\p{L}\\p{N}]*[\\p{L}\\p{N}]+'"

MYSQL_TERMS = [
    "DROP INDEX ft_products_name ON products",
    "CREATE TABLE products_fts_terms ("
    " term VARCHAR(200) NOT NULL,"
    " product_id BIGINT NOT NULL,"
    " PRIMARY KEY (term, product_id),"
    " KEY ix_products_fts_terms_product (product_id)"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
    "CREATE PROCEDURE products_fts_terms_index("  # noqa: S608 - constants only
    "IN the_id BIGINT, IN the_name VARCHAR(200)) "
    "BEGIN "
    " DECLARE rest VARCHAR(200) DEFAULT the_name; "
    " DECLARE word VARCHAR(200); "
    " WHILE rest IS NOT NULL AND rest <> '' DO "
    f"  SET word = REGEXP_SUBSTR(rest, {WORD}); "
    "  IF word IS NULL OR word = '' THEN "
    "   SET rest = ''; "
    "  ELSE "
    "   INSERT IGNORE INTO products_fts_terms (term, product_id) VALUES (word, the_id); "
    f"   SET rest = REGEXP_REPLACE(rest, {FIRST_WORD}, ''); "
    "  END IF; "
    " END WHILE; "
    "END",
    "CREATE TRIGGER products_fts_terms_ai AFTER INSERT ON products FOR EACH ROW "
    "IF NEW.deleted_at IS NULL THEN CALL products_fts_terms_index(NEW.id, NEW.name); END IF",
    # A rename re-indexes; a soft delete removes the words and a restore brings them back.
    "CREATE TRIGGER products_fts_terms_au AFTER UPDATE ON products FOR EACH ROW "
    "BEGIN "
    " IF NOT (BINARY OLD.name <=> BINARY NEW.name) OR NOT (OLD.deleted_at <=> NEW.deleted_at) "
    "    OR OLD.id <> NEW.id THEN "
    "  DELETE FROM products_fts_terms WHERE product_id = OLD.id; "
    "  IF NEW.deleted_at IS NULL THEN CALL products_fts_terms_index(NEW.id, NEW.name); END IF; "
    " END IF; "
    "END",
    "CREATE TRIGGER products_fts_terms_ad AFTER DELETE ON products FOR EACH ROW "
    "DELETE FROM products_fts_terms WHERE product_id = OLD.id",
    # The live products already there, split by the same expressions.
    "INSERT IGNORE INTO products_fts_terms (term, product_id) "  # noqa: S608 - constants only
    "WITH RECURSIVE split (product_id, word, rest) AS ("
    f" SELECT id, REGEXP_SUBSTR(name, {WORD}), REGEXP_REPLACE(name, {FIRST_WORD}, '') FROM products"
    " WHERE deleted_at IS NULL"
    " UNION ALL"
    f" SELECT product_id, REGEXP_SUBSTR(rest, {WORD}), REGEXP_REPLACE(rest, {FIRST_WORD}, '')"
    " FROM split WHERE rest <> ''"
    ") SELECT word, product_id FROM split WHERE word IS NOT NULL AND word <> ''",
]
MYSQL_TERMS_UNDO = [
    "CREATE FULLTEXT INDEX ft_products_name ON products (name)",
    "DROP TRIGGER IF EXISTS products_fts_terms_ad",
    "DROP TRIGGER IF EXISTS products_fts_terms_au",
    "DROP TRIGGER IF EXISTS products_fts_terms_ai",
    "DROP PROCEDURE IF EXISTS products_fts_terms_index",
    "DROP TABLE IF EXISTS products_fts_terms",
]


def _mysql() -> bool:
    return op.get_bind().dialect.name in ("mysql", "mariadb")


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        for name, columns in LIST_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    if _mysql():
        for statement in MYSQL_TERMS:
            op.execute(statement)


def downgrade() -> None:
    if _mysql():
        for statement in MYSQL_TERMS_UNDO:
            op.execute(statement)
    with op.batch_alter_table("products", schema=None) as batch_op:
        for name in LIST_INDEXES:
            batch_op.drop_index(name)
