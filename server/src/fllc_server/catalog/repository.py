"""All queries of the catalog: categories, suppliers, locations, products, their stock and reviews."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    BigInteger,
    Select,
    String,
    bindparam,
    column,
    func,
    select,
    table,
    text,
    union,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from fllc_server.catalog.barcodes import InvalidBarcode, normalise_barcode
from fllc_server.catalog.reorder import needs_reorder_clause
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


class ProductRepository(EntityRepository[Product]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, Product)

    async def by_sku(self, sku: str) -> Product | None:
        """The product holding this SKU, deleted or not (a SKU stays unique)."""
        return await self.session.scalar(select(Product).where(Product.sku == sku))

    async def by_barcode(self, barcode: str, *, with_deleted: bool = False) -> Product | None:
        query = select(Product).where(Product.barcode == barcode)
        if not with_deleted:
            query = query.where(Product.deleted_at.is_(None))
        return await self.session.scalar(query)

    async def search(self, query: ProductQuery) -> tuple[list[dict[str, Any]], int]:
        """The page and the total (counted only when the page alone does not tell it)."""
        rows = await self.search_page(query)
        total = page_total(query, len(rows))
        return rows, await self.search_count(query) if total is None else total

    async def search_page(self, query: ProductQuery) -> list[dict[str, Any]]:
        """The page's products as dicts of ProductOut's fields, in order: one statement."""
        connection = await self.session.connection()
        statement = _compiled(connection.dialect, _Shape.of(query), count=False)
        result = await connection.exec_driver_sql(statement.sql, statement.parameters(query))
        convert = _row_converter(connection.dialect)
        return [convert(row) for row in result.all()]

    async def search_count(self, query: ProductQuery) -> int:
        """Every match of the query's text and filters (its sort and page aside)."""
        connection = await self.session.connection()
        statement = _compiled(connection.dialect, _Shape.of(query), count=True)
        result = await connection.exec_driver_sql(statement.sql, statement.parameters(query))
        return int(result.scalar_one() or 0)

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


def page_total(query: ProductQuery, rows: int) -> int | None:
    """The total a page tells by itself: a page that is not full (and not past the end) is the last
    one, so the matches are the pages before it plus its rows; None when it must be counted."""
    if rows == 0:
        return None if query.offset else 0
    return query.offset + rows if rows < query.per_page else None


# -- product search: one compiled statement per shape ----------------------------------------------
#
# A search is one statement (the page's rows) and, when the page does not tell the total, a count.
# The statements depend on the query's *shape* only (which filters, how many words, which sort):
# its values are bound parameters. Each shape is built and compiled once per dialect, and run as
# driver SQL, so a search costs no statement building, no compilation and no ORM loading — those
# were most of the Python time of an uncached search. This is the fallback of catalog.index (see
# there): it answers while the index builds or catches up, and the text the index does not mirror.

_SORT_COLUMNS: dict[str, Any] = {
    "name": Product.name,
    "sku": Product.sku,
    "price": Product.price,
    "quantity_on_hand": Product.quantity_on_hand,
    "updated_at": Product.updated_at,
}

_TEXT_SORTS = frozenset({"name", "sku"})

# Indexes that only give an order (migration 0002), on MySQL hints. The (category_id|supplier_id,
# deleted_at, <sort column>) indexes (0002, 0003) are not listed: they give the rows and their order.
_IGNORE_SORT_INDEXES = (
    "IGNORE INDEX FOR ORDER BY (ix_products_name, ix_products_live_name, ix_products_live_sku, "
    "ix_products_live_price, ix_products_live_quantity, ix_products_live_updated)"
)

# The wire fields of a product (ProductOut's, in its order) are the columns a search reads.
PRODUCT_FIELDS: tuple[str, ...] = (
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
    "quantity_reserved",
    "version",
    "created_at",
    "updated_at",
)
_PRODUCT_COLUMNS: list[Any] = [
    Product.quantity_reserved.expression.label(field)  # summed from the reservations (models.catalog)
    if field == "quantity_reserved"
    else Product.__table__.c[field]
    for field in PRODUCT_FIELDS
]


def _order_by(sort: ProductSort, *, sqlite: bool) -> list[Any]:
    """Text sorts ignore case on both backends (MariaDB's collation does; SQLite needs NOCASE)."""
    descending = sort.value.startswith("-")
    name = sort.value.lstrip("-")
    key = _SORT_COLUMNS[name]
    if sqlite and name in _TEXT_SORTS:
        key = key.collate("NOCASE")
    return [key.desc(), Product.id.desc()] if descending else [key.asc(), Product.id.asc()]


@dataclass(frozen=True, slots=True)
class _Shape:
    """What a search's statements depend on, its values aside."""

    text: bool
    barcode: bool
    terms: int
    category: bool
    supplier: bool
    below_reorder: bool
    sort: ProductSort

    @classmethod
    def of(cls, query: ProductQuery) -> _Shape:
        typed = query.q or ""
        return cls(
            text=bool(typed),
            barcode=bool(typed) and as_barcode(typed) is not None,
            terms=len(words(typed)),
            category=query.category_id is not None,
            supplier=query.supplier_id is not None,
            below_reorder=query.below_reorder,
            sort=query.sort,
        )


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the bound parameters, in the driver's order
    constants: dict[str, Any]  # the values of the statement's own literals (catalog.reorder's zeros)

    def parameters(self, query: ProductQuery) -> tuple[Any, ...]:
        values = search_parameters(query)
        constants = self.constants
        return tuple(values[name] if name in values else constants[name] for name in self.names)


def search_parameters(query: ProductQuery) -> dict[str, Any]:
    """The values of a search's bound parameters (a statement uses those its shape needs)."""
    typed = query.q or ""
    values: dict[str, Any] = {
        "category_id": query.category_id,
        "supplier_id": query.supplier_id,
        "limit": query.per_page,
        "offset": query.offset,
    }
    if typed:
        values["sku_prefix"] = escape_like(typed) + "%"
        values["barcode"] = as_barcode(typed)
        terms = words(typed)
        if terms:
            values["fts_query"] = fts5_name_query(terms)
            for position, term in enumerate(terms):
                last = position == len(terms) - 1
                values[f"term{position}"] = escape_like(term) + "%" if last else term
    return values


_COMPILED: dict[tuple[str, str, _Shape, bool], _Compiled] = {}


def _compiled(dialect: Dialect, shape: _Shape, *, count: bool) -> _Compiled:
    key = (dialect.name, dialect.driver, shape, count)
    compiled = _COMPILED.get(key)
    if compiled is None:
        sqlite = dialect.name == "sqlite"
        keys, total = _statements(shape, sqlite=sqlite)
        statement = total if count else _page(keys, shape, sqlite=sqlite)
        done = statement.compile(dialect=dialect)
        names = tuple(done.positiontup or ())
        constants = {name: value for name, value in done.params.items() if value is not None}
        compiled = _COMPILED[key] = _Compiled(done.string, names, constants)
    return compiled


def _page(keys: Select[Any], shape: _Shape, *, sqlite: bool) -> Select[Any]:
    """The page's ids are found and sorted on narrow rows, then joined to their products."""
    ids = (
        keys.order_by(*_order_by(shape.sort, sqlite=sqlite))
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery("page")
    )
    return (
        select(*_PRODUCT_COLUMNS)
        .select_from(ids)
        .join(Product, Product.id == ids.c.id)
        .order_by(*_order_by(shape.sort, sqlite=sqlite))
        .prefix_with("STRAIGHT_JOIN", dialect="mysql")
    )


def _statements(shape: _Shape, *, sqlite: bool) -> tuple[Select[Any], Select[Any]]:
    """(the matching ids, their count). The count is a statement of its own: the word lookups
    are index ranges on both backends, so running them twice costs less than a window count
    over every joined row; with no filter beyond the text, it counts the hits alone (each
    branch only yields live products)."""
    filters = _filters(shape)
    if not shape.text:
        keys = select(Product.id).where(*filters)
        if shape.category or shape.supplier:
            # Read the category's or supplier's rows and sort them, rather than walk the
            # whole catalog in sort order looking for them (MariaDB's LIMIT heuristic).
            keys = keys.with_hint(Product, _IGNORE_SORT_INDEXES, dialect_name="mysql")
        return keys, select(func.count()).select_from(keys.subquery())
    hits = _text_hits(shape, sqlite=sqlite).subquery("hits")
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


def _filters(shape: _Shape) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = [Product.deleted_at.is_(None)]
    if shape.category:
        filters.append(Product.category_id == bindparam("category_id"))
    if shape.supplier:
        filters.append(Product.supplier_id == bindparam("supplier_id"))
    if shape.below_reorder:
        filters.append(needs_reorder_clause(Product))
    return filters


def _text_hits(shape: _Shape, *, sqlite: bool) -> Any:
    """Ids of live products matching by SKU prefix, exact barcode or name words: a UNION (which
    lists a product matching several ways once), one index per branch."""
    live = Product.deleted_at.is_(None)
    branches: list[Select[Any]] = [
        select(Product.id).where(live, Product.sku.like(bindparam("sku_prefix"), escape=LIKE_ESCAPE))
    ]
    if shape.barcode:
        branches.append(select(Product.id).where(live, Product.barcode == bindparam("barcode")))
    if shape.terms:
        branches.append(_name_hits(shape.terms, sqlite=sqlite))
    return union(*branches) if len(branches) > 1 else branches[0]


def _name_hits(terms: int, *, sqlite: bool) -> Select[Any]:
    if sqlite:
        fts = text("products_fts MATCH :fts_query")
        rowid: ColumnElement[Any] = column("rowid").label("id")
        matches: Select[Any] = select(rowid).select_from(text("products_fts")).where(fts)
        return select(Product.id).where(Product.deleted_at.is_(None), Product.id.in_(matches))
    return mysql_term_hits(terms)


PRODUCT_COLUMNS = _PRODUCT_COLUMNS


_CONVERTERS: dict[tuple[str, str], Callable[[Sequence[Any]], dict[str, Any]]] = {}


def _row_converter(dialect: Dialect) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """Driver values to the columns' Python values (the types' own result processors: aware UTC
    datetimes on both backends, Decimal money on SQLite), as a dict of PRODUCT_FIELDS."""
    convert = _CONVERTERS.get((dialect.name, dialect.driver))
    if convert is None:
        processors = [
            (position, processor)
            for position, column_ in enumerate(_PRODUCT_COLUMNS)
            if (processor := column_.type.dialect_impl(dialect).result_processor(dialect, None)) is not None
        ]

        def convert(row: Sequence[Any]) -> dict[str, Any]:
            values = list(row)
            for position, processor in processors:
                values[position] = processor(values[position])
            return dict(zip(PRODUCT_FIELDS, values, strict=True))

        _CONVERTERS[(dialect.name, dialect.driver)] = convert
    return convert


# MySQL/MariaDB: the words of live products' names, kept by triggers (migration 0002).
_TERMS = table("products_fts_terms", column("term", String), column("product_id", BigInteger))


def mysql_term_hits(terms: int) -> Select[Any]:
    """Products whose name has every word (bound as term0, term1, ...), the last one as a prefix
    (its parameter ends with %): one index range per word.

    A prefix can match several words of one name, so ids may repeat: the caller's UNION merges them.
    """
    words_of = [_TERMS.alias(f"w{position}") for position in range(terms)]
    first = words_of[0]
    query = select(first.c.product_id.label("id"))
    conditions: list[ColumnElement[bool]] = []
    for position, word in enumerate(words_of):
        if position:
            query = query.join(word, word.c.product_id == first.c.product_id)
        term = bindparam(f"term{position}", type_=String())
        if position == terms - 1:
            conditions.append(word.c.term.like(term, escape=LIKE_ESCAPE))
        else:
            conditions.append(word.c.term == term)
    return query.where(*conditions)


def as_barcode(q: str) -> str | None:
    """The barcode a typed query also matches exactly (digits that are a valid GTIN), or None."""
    if not (q.isascii() and q.isdigit()):
        return None
    try:
        return normalise_barcode(q)
    except InvalidBarcode:
        return None
