"""All queries of the catalog: categories, suppliers, locations, products, their stock and reviews."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import BigInteger, Select, String, and_, column, func, select, table, text, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from fllc_server.catalog.barcodes import InvalidBarcode, normalise_barcode
from fllc_server.catalog.schemas import ProductSort
from fllc_server.catalog.search import (
    LIKE_ESCAPE,
    ProductQuery,
    escape_like,
    fts5_name_query,
    words,
)
from fllc_server.models import Category, Location, Product, Review, StockLevel, Supplier

Entity = TypeVar("Entity", Category, Supplier, Location, Product)


class EntityRepository(Generic[Entity]):
    """Get, list and add one kind of soft-deletable catalog entity."""

    def __init__(self, session: AsyncSession, model: type[Entity]) -> None:
        self.session = session
        self.model: type[Entity] = model

    async def get(
        self, entity_id: int, *, for_update: bool = False, with_deleted: bool = False
    ) -> Entity | None:
        query = select(self.model).where(self.model.id == entity_id)
        if not with_deleted:
            query = query.where(self.model.deleted_at.is_(None))
        if for_update:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def add(self, entity: Entity) -> Entity:
        self.session.add(entity)
        await self.session.flush()
        return entity

    async def page(
        self, *, offset: int, limit: int, q: str | None, order: Any
    ) -> tuple[Sequence[Entity], int]:
        query = select(self.model).where(self.model.deleted_at.is_(None))
        if q:
            query = query.where(self.model.name.like(f"%{escape_like(q)}%", escape=LIKE_ESCAPE))
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.scalars(query.order_by(order, self.model.id).offset(offset).limit(limit))
        return rows.all(), int(total or 0)


class CatalogUsage:
    """Does anything active still point at a category, supplier or location?"""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def category_in_use(self, category_id: int) -> bool:
        product = select(Product.id).where(Product.category_id == category_id, Product.deleted_at.is_(None))
        child = select(Category.id).where(Category.parent_id == category_id, Category.deleted_at.is_(None))
        return await self._exists(product) or await self._exists(child)

    async def supplier_in_use(self, supplier_id: int) -> bool:
        product = select(Product.id).where(Product.supplier_id == supplier_id, Product.deleted_at.is_(None))
        return await self._exists(product)

    async def location_in_use(self, location_id: int) -> bool:
        stocked = select(StockLevel.product_id).where(
            StockLevel.location_id == location_id, StockLevel.quantity != 0
        )
        return await self._exists(stocked)

    async def location_code_owner(self, code: str) -> Location | None:
        return await self.session.scalar(select(Location).where(Location.code == code))

    async def _exists(self, query: Select[Any]) -> bool:
        return await self.session.scalar(query.limit(1)) is not None


_SORT_COLUMNS: dict[str, Any] = {
    "name": Product.name,
    "sku": Product.sku,
    "price": Product.price,
    "quantity_on_hand": Product.quantity_on_hand,
    "updated_at": Product.updated_at,
}


_TEXT_SORTS = frozenset({"name", "sku"})

# Indexes that only give an order (migration 0002), on MySQL hints.
_IGNORE_SORT_INDEXES = (
    "IGNORE INDEX FOR ORDER BY (ix_products_name, ix_products_live_name, ix_products_live_sku, "
    "ix_products_live_price, ix_products_live_quantity, ix_products_live_updated)"
)


def _order_by(sort: ProductSort, *, sqlite: bool) -> list[Any]:
    """Text sorts ignore case on both backends (MariaDB's collation does; SQLite needs NOCASE)."""
    descending = sort.value.startswith("-")
    name = sort.value.lstrip("-")
    key = _SORT_COLUMNS[name]
    if sqlite and name in _TEXT_SORTS:
        key = key.collate("NOCASE")
    return [key.desc(), Product.id.desc()] if descending else [key.asc(), Product.id.asc()]


class ProductRepository(EntityRepository[Product]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, Product)

    @property
    def _sqlite(self) -> bool:
        return self.session.get_bind().dialect.name == "sqlite"

    async def by_sku(self, sku: str) -> Product | None:
        """The product holding this SKU, deleted or not (a SKU stays unique)."""
        return await self.session.scalar(select(Product).where(Product.sku == sku))

    async def by_barcode(self, barcode: str, *, with_deleted: bool = False) -> Product | None:
        query = select(Product).where(Product.barcode == barcode)
        if not with_deleted:
            query = query.where(Product.deleted_at.is_(None))
        return await self.session.scalar(query)

    async def search(self, query: ProductQuery) -> tuple[Sequence[Product], int]:
        """The page and the total (the total is not counted for an empty first page)."""
        products = await self.search_page(query)
        return products, await self.search_count(query) if products or query.offset else 0

    async def search_page(self, query: ProductQuery) -> list[Product]:
        """The page's ids are found and sorted on narrow rows, then the products are loaded by id."""
        keys, _ = self._statements(query)
        page = keys.order_by(*_order_by(query.sort, sqlite=self._sqlite))
        ids = list(await self.session.scalars(page.offset(query.offset).limit(query.per_page)))
        return await self._load_in_order(ids)

    async def search_count(self, query: ProductQuery) -> int:
        """Every match of the query's text and filters (its sort and page aside)."""
        _, count = self._statements(query)
        return int(await self.session.scalar(count) or 0)

    def _statements(self, query: ProductQuery) -> tuple[Select[Any], Select[Any]]:
        """(the matching ids, their count). The count is a statement of its own: the word lookups
        are index ranges on both backends, so running them twice costs less than a window count
        over every joined row; with no filter beyond the text, it counts the hits alone (each
        branch only yields live products)."""
        filters = self._filters(query)
        text_query = (query.q or "").strip()
        if not text_query:
            keys = select(Product.id).where(*filters)
            if query.category_id is not None or query.supplier_id is not None:
                # Read the category's or supplier's rows and sort them, rather than walk the
                # whole catalog in sort order looking for them (MariaDB's LIMIT heuristic).
                keys = keys.with_hint(Product, _IGNORE_SORT_INDEXES, dialect_name="mysql")
            return keys, select(func.count()).select_from(keys.subquery())
        hits = self._text_hits(text_query).subquery("hits")
        # The hits drive the join (STRAIGHT_JOIN keeps them first on MariaDB): a page costs what
        # the text matches, never a walk of the catalog in sort order waiting for a match.
        keys = (
            select(Product.id)
            .select_from(hits)
            .join(Product, Product.id == hits.c.id)
            .where(*filters)
            .prefix_with("STRAIGHT_JOIN", dialect="mysql")
        )
        narrowed = len(filters) > 1
        return keys, select(func.count()).select_from(keys.subquery() if narrowed else hits)

    async def _load_in_order(self, ids: list[int]) -> list[Product]:
        if not ids:
            return []
        loaded = {p.id: p for p in await self.session.scalars(select(Product).where(Product.id.in_(ids)))}
        return [loaded[i] for i in ids]

    def _filters(self, query: ProductQuery) -> list[ColumnElement[bool]]:
        filters: list[ColumnElement[bool]] = [Product.deleted_at.is_(None)]
        if query.category_id is not None:
            filters.append(Product.category_id == query.category_id)
        if query.supplier_id is not None:
            filters.append(Product.supplier_id == query.supplier_id)
        if query.below_reorder:
            filters.append(and_(Product.reorder_point > 0, Product.quantity_on_hand <= Product.reorder_point))
        return filters

    def _text_hits(self, q: str) -> Any:
        """Ids of live products matching by SKU prefix, exact barcode or name words: a UNION (which
        lists a product matching several ways once), one index per branch."""
        live = Product.deleted_at.is_(None)
        branches: list[Select[Any]] = [
            select(Product.id).where(live, Product.sku.like(escape_like(q) + "%", escape=LIKE_ESCAPE))
        ]
        barcode = _as_barcode(q)
        if barcode is not None:
            branches.append(select(Product.id).where(live, Product.barcode == barcode))
        terms = words(q)
        if terms:
            branches.append(self._name_hits(terms))
        return union(*branches) if len(branches) > 1 else branches[0]

    def _name_hits(self, terms: list[str]) -> Select[Any]:
        if self._sqlite:
            fts = text("products_fts MATCH :fts_query").bindparams(fts_query=fts5_name_query(terms))
            rowid: ColumnElement[Any] = column("rowid").label("id")
            matches: Select[Any] = select(rowid).select_from(text("products_fts")).where(fts)
            return select(Product.id).where(Product.deleted_at.is_(None), Product.id.in_(matches))
        return mysql_term_hits(terms)

    async def stock_levels(self, product_id: int) -> Sequence[tuple[int, str, int]]:
        rows = await self.session.execute(
            select(StockLevel.location_id, Location.code, StockLevel.quantity)
            .join(Location, Location.id == StockLevel.location_id)
            .where(StockLevel.product_id == product_id)
            .order_by(Location.code)
        )
        return [(row[0], row[1], row[2]) for row in rows.all()]

    async def reviews(self, product_id: int, *, offset: int, limit: int) -> tuple[Sequence[Review], int]:
        query = select(Review).where(Review.product_id == product_id)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.scalars(
            query.order_by(Review.created_at.desc(), Review.id.desc()).offset(offset).limit(limit)
        )
        return rows.all(), int(total or 0)


# MySQL/MariaDB: the words of live products' names, kept by triggers (migration 0002).
_TERMS = table("products_fts_terms", column("term", String), column("product_id", BigInteger))


def mysql_term_hits(terms: list[str]) -> Select[Any]:
    """Products whose name has every word, the last one as a prefix: one index range per word.

    A prefix can match several words of one name, so ids may repeat: the caller's UNION merges them.
    """
    words_of = [_TERMS.alias(f"w{position}") for position in range(len(terms))]
    first = words_of[0]
    query = select(first.c.product_id.label("id"))
    conditions: list[ColumnElement[bool]] = []
    for position, (word, term) in enumerate(zip(words_of, terms, strict=True)):
        if position:
            query = query.join(word, word.c.product_id == first.c.product_id)
        if position == len(terms) - 1:
            conditions.append(word.c.term.like(escape_like(term) + "%", escape=LIKE_ESCAPE))
        else:
            conditions.append(word.c.term == term)
    return query.where(*conditions)


def _as_barcode(q: str) -> str | None:
    if not (q.isascii() and q.isdigit()):
        return None
    try:
        return normalise_barcode(q)
    except InvalidBarcode:
        return None
