"""Product rules: unique SKU and barcode (also against deleted products), references that exist,
edits against the version the client saw, soft deletes with a tombstone.

REST routes and synced `product.update` ops share this code:

    product = await ProductService(session, state).update(product_id, data, actor, base_version)

raises `VersionConflict` (409, `.current` = the product as it is now) when `base_version` (or, when
it is None, `data.version`) is not the stored version. The service never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.catalog.barcodes import InvalidBarcode, normalise_scan
from fllc_server.catalog.cache import CatalogAnswers
from fllc_server.catalog.repository import EntityRepository, ProductRepository, page_total
from fllc_server.catalog.schemas import (
    ProductCreate,
    ProductDetail,
    ProductOut,
    ProductUpdate,
    StockAtLocation,
)
from fllc_server.catalog.search import ProductQuery
from fllc_server.catalog.writes import Actor, check_version, mark_deleted, not_found, record_write
from fllc_server.kit.errors import BadRequest, Conflict, NotFound
from fllc_server.models import Category, Product, Review, Supplier

if TYPE_CHECKING:
    from fllc_server.state import AppState

ENTITY = "product"
_PRODUCT_PAGE = TypeAdapter(list[ProductOut])


def snapshot(product: Product) -> dict[str, Any]:
    """The product in its wire shape (JSON-ready): audit rows and conflict details use it."""
    return ProductOut.model_validate(product).model_dump(mode="json")


class ProductService:
    def __init__(self, session: AsyncSession, state: AppState) -> None:
        self.session = session
        self.state = state
        self.products = ProductRepository(session)

    # ------------------------------------------------------------------------------------ reads

    async def get(self, product_id: int) -> Product:
        product = await self.products.get(product_id)
        if product is None:
            raise not_found(ENTITY, product_id)
        return product

    async def detail(self, product: Product) -> ProductDetail:
        levels = await self.products.stock_levels(product.id)
        stock = [StockAtLocation(location_id=i, location_code=c, quantity=q) for i, c, q in levels]
        return ProductDetail.model_validate(
            {**ProductOut.model_validate(product).model_dump(), "stock": stock}
        )

    async def search(
        self, query: ProductQuery, totals: CatalogAnswers | None = None
    ) -> tuple[list[ProductOut], int]:
        """The page (ProductOut models, validated: `ProductOut.model_validate` returns them as they
        are) and the total. A page that is not full tells the total by itself; otherwise it is
        counted, and with `totals` the count of a question (its text and filters, whatever the
        sort or page) is cached under the catalog generation like the answers, so paging and
        re-sorting one list counts its matches once per catalog change."""
        rows = await self.products.search_page(query)
        products = _PRODUCT_PAGE.validate_python(rows)
        total = page_total(query, len(products))
        if total is not None:
            return products, total
        if totals is None:
            return products, await self.products.search_count(query)

        async def count(_generation: bytes) -> bytes:
            return str(await self.products.search_count(query)).encode()

        counted, _ = await totals.lookup(query.count_key(), count)
        return products, int(counted)

    async def by_barcode(self, code: str) -> Product:
        """A scanned or typed code (EAN-13/EAN-8/UPC-A/UPC-E, GS1 with AI 01) → the product."""
        try:
            barcode = normalise_scan(code)
        except InvalidBarcode as exc:
            raise BadRequest(str(exc), code="invalid_barcode") from exc
        product = await self.products.by_barcode(barcode)
        if product is None:
            raise NotFound(
                f"No product has the barcode {barcode}",
                code="barcode_not_found",
                details=[{"barcode": barcode}],
            )
        return product

    async def reviews(self, product_id: int, *, offset: int, limit: int) -> tuple[Sequence[Review], int]:
        await self.get(product_id)
        return await self.products.reviews(product_id, offset=offset, limit=limit)

    # ----------------------------------------------------------------------------------- writes

    async def create(self, data: ProductCreate, actor: Actor | None) -> Product:
        await self._check_unique(sku=data.sku, barcode=data.barcode)
        await self._check_references(data.category_id, data.supplier_id)
        product = Product(**data.model_dump())
        await self._flush_unique(lambda: self.products.add(product))
        await self._reload_reserved(product)
        await record_write(
            self.session,
            self.state,
            actor=actor,
            entity_type=ENTITY,
            entity_id=product.id,
            action="create",
            after=snapshot(product),
        )
        return product

    async def update(
        self, product_id: int, data: ProductUpdate, actor: Actor | None, base_version: int | None = None
    ) -> Product:
        """Apply a partial edit made against `base_version` (default: `data.version`)."""
        product = await self._get_for_update(product_id)
        before = snapshot(product)
        check_version(product, base_version or data.version, ENTITY, before)
        changes = data.changes()
        await self._check_unique(
            sku=changes.get("sku"), barcode=changes.get("barcode"), product_id=product.id
        )
        await self._check_references(changes.get("category_id"), changes.get("supplier_id"))
        for field, value in changes.items():
            setattr(product, field, value)
        product.version += 1
        await self._flush_unique(self.session.flush)
        await self._reload_reserved(product)
        await record_write(
            self.session,
            self.state,
            actor=actor,
            entity_type=ENTITY,
            entity_id=product.id,
            action="update",
            before=before,
            after=snapshot(product),
        )
        return product

    async def delete(self, product_id: int, actor: Actor | None, base_version: int | None = None) -> Product:
        """Soft delete: the row stays (its SKU and barcode stay reserved), clients get a tombstone."""
        product = await self._get_for_update(product_id)
        before = snapshot(product)
        check_version(product, base_version, ENTITY, before)
        mark_deleted(product)
        await self.session.flush()
        await record_write(
            self.session,
            self.state,
            actor=actor,
            entity_type=ENTITY,
            entity_id=product.id,
            action="delete",
            before=before,
        )
        return product

    async def restore(self, product_id: int, actor: Actor | None) -> Product:
        """Bring back a deleted product (its SKU and barcode are still its own)."""
        product = await self.products.get(product_id, for_update=True, with_deleted=True)
        if product is None or product.deleted_at is None:
            raise NotFound(f"No deleted product with id {product_id}", code="product_not_found")
        product.deleted_at = None
        product.version += 1
        await self.session.flush()
        await self._reload_reserved(product)
        await record_write(
            self.session,
            self.state,
            actor=actor,
            entity_type=ENTITY,
            entity_id=product.id,
            action="restore",
            after=snapshot(product),
        )
        return product

    # ---------------------------------------------------------------------------------- helpers

    async def _reload_reserved(self, product: Product) -> None:
        """A flush expires the summed `quantity_reserved` (models.catalog): read it again here, in
        the database call's own place, not lazily while the answer is rendered."""
        await self.session.refresh(product, attribute_names=["quantity_reserved"])

    async def _get_for_update(self, product_id: int) -> Product:
        product = await self.products.get(product_id, for_update=True)
        if product is None:
            raise not_found(ENTITY, product_id)
        return product

    async def _check_unique(
        self, *, sku: str | None, barcode: str | None, product_id: int | None = None
    ) -> None:
        if sku is not None:
            holder = await self.products.by_sku(sku)
            if holder is not None and holder.id != product_id:
                raise _taken("sku", sku, holder)
        if barcode is not None:
            holder = await self.products.by_barcode(barcode, with_deleted=True)
            if holder is not None and holder.id != product_id:
                raise _taken("barcode", barcode, holder)

    async def _check_references(self, category_id: int | None, supplier_id: int | None) -> None:
        if (
            category_id is not None
            and await EntityRepository(self.session, Category).get(category_id) is None
        ):
            raise _missing_reference("category", category_id)
        if (
            supplier_id is not None
            and await EntityRepository(self.session, Supplier).get(supplier_id) is None
        ):
            raise _missing_reference("supplier", supplier_id)

    async def _flush_unique(self, flush: Any) -> None:
        """A concurrent writer may take the SKU or barcode between our check and our flush."""
        try:
            await flush()
        except IntegrityError as exc:
            field = "barcode" if "barcode" in str(exc.orig).lower() else "sku"
            raise Conflict(
                f"Another product took this {field} a moment ago",
                code=f"{field}_taken",
                details=[{"field": field, "message": "already used by another product"}],
            ) from exc


def _taken(field: str, value: str, holder: Product) -> Conflict:
    if holder.deleted_at is not None:
        message = (
            f"The {field} {value} belongs to the deleted product {holder.id} ({holder.name}); "
            f"restore that product or use another {field}"
        )
    else:
        message = f"The {field} {value} is already used by product {holder.id} ({holder.name})"
    return Conflict(
        message,
        code=f"{field}_taken",
        details=[
            {
                "field": field,
                "message": message,
                "product_id": holder.id,
                "deleted": holder.deleted_at is not None,
            }
        ],
    )


def _missing_reference(entity_type: str, entity_id: int) -> NotFound:
    return NotFound(
        f"No {entity_type} with id {entity_id}",
        code=f"{entity_type}_not_found",
        details=[{"field": f"{entity_type}_id", "message": "does not exist or was deleted"}],
    )
