"""Stock rules: every quantity change is one movement through `StockService.move`.

A movement writes, in the caller's transaction: the atomic change of products.quantity_on_hand and
of the (product, location) stock level, an inventory_log row, an audit row and a change record
(`stock.changed` event after commit). So quantity_on_hand == sum(stock_levels.quantity) ==
sum(inventory_log.delta) for every product, always.

Negative stock: adjustments and transfers never take a location below zero (409
`insufficient_stock`); counts set a location to a counted quantity >= 0. Only callers that record
something that already happened physically — a sale at the till — pass `allow_negative=True`, so
the books follow reality and a later count corrects them.

Other packages (purchasing's receipts, sales' orders) book stock with:

    await StockService(session, state, actor_id=user.id, op_id=op_id).move(
        product_id, location_id, +quantity, "intake", purchase_order_line_id=line.id)
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.catalog.barcodes import InvalidBarcode, normalise_scan
from fllc_server.kit.changes import record_change
from fllc_server.kit.errors import BadRequest, Conflict, Forbidden, NotFound
from fllc_server.models import InventoryMovement, Location, Product
from fllc_server.stock.repository import StockRepository
from fllc_server.stock.schemas import (
    CountLineOut,
    CountOut,
    MovementOut,
    ProductRef,
    StockAdjustmentIn,
    StockChangeOut,
    StockCountIn,
    StockIntakeIn,
    StockTransferIn,
    TransferOut,
)

if TYPE_CHECKING:
    from fllc_server.state import AppState


class StockService:
    def __init__(
        self, session: AsyncSession, state: AppState, *, actor_id: int | None, op_id: str | None = None
    ) -> None:
        self.session = session
        self.state = state
        self.actor_id = actor_id
        self.op_id = op_id
        self.repo = StockRepository(session)

    # -- commands ----------------------------------------------------------------------------

    async def receive(self, data: StockIntakeIn) -> StockChangeOut:
        """Scan intake: +quantity of a product at a location (default: the configured one)."""
        product = await self.find_product(data)
        location = await self.resolve_location(data.location_id)
        if data.purchase_order_line_id is not None:
            await self._check_po_line(data.purchase_order_line_id, product.id)
        return await self.move(
            product.id,
            location.id,
            data.quantity,
            "intake",
            purchase_order_line_id=data.purchase_order_line_id,
            lot=data.lot,
            expiry=data.expiry,
            note=data.note,
        )

    async def adjust(self, data: StockAdjustmentIn) -> StockChangeOut:
        product = await self.find_product(data)
        location = await self.resolve_location(data.location_id)
        return await self.move(
            product.id, location.id, data.delta, "adjustment", reason_code=data.reason_code, note=data.note
        )

    async def count(self, data: StockCountIn, *, may_apply: bool) -> CountOut:
        """Compare counted with booked quantities; with `apply`, book each difference."""
        if data.apply and not may_apply:
            raise Forbidden(
                "Applying a count's differences needs 'products.modify'; submit it with apply=false",
                code="permission_denied",
                details=[{"permission": "products.modify"}],
            )
        location = await self.resolve_location(data.location_id)
        product_ids = [line.product_id for line in data.lines]
        await self._require_products(product_ids)
        if data.apply:  # lock in id order, so that concurrent counts cannot deadlock
            for product_id in sorted(product_ids):
                await self.repo.lock_product(product_id)
        booked = await self.repo.level_quantities(location.id, product_ids)
        lines = [
            CountLineOut(
                product_id=line.product_id,
                expected_quantity=booked.get(line.product_id, 0),
                counted_quantity=line.counted_quantity,
                difference=line.counted_quantity - booked.get(line.product_id, 0),
            )
            for line in data.lines
        ]
        movements = await self._book_count(location.id, lines, data) if data.apply else []
        await self._audit_count(location.id, lines, data)
        return CountOut(location_id=location.id, applied=data.apply, lines=lines, movements=movements)

    async def transfer(self, data: StockTransferIn) -> TransferOut:
        product = await self.find_product(data)
        source = await self.resolve_location(data.from_location_id)
        target = await self.resolve_location(data.to_location_id)
        out = await self.move(
            product.id, source.id, -data.quantity, "transfer", reason_code="out", note=data.note
        )
        into = await self.move(
            product.id, target.id, data.quantity, "transfer", reason_code="in", note=data.note
        )
        return TransferOut(
            product_id=product.id,
            from_location_id=source.id,
            to_location_id=target.id,
            quantity=data.quantity,
            quantity_on_hand=into.quantity_on_hand,
            from_quantity=out.location_quantity,
            to_quantity=into.location_quantity,
            movements=[out.movement, into.movement],
        )

    # -- the one primitive -------------------------------------------------------------------

    async def move(
        self,
        product_id: int,
        location_id: int,
        delta: int,
        reason: str,
        *,
        reason_code: str | None = None,
        allow_negative: bool = False,
        purchase_order_line_id: int | None = None,
        order_id: int | None = None,
        lot: str | None = None,
        expiry: dt.date | None = None,
        note: str | None = None,
    ) -> StockChangeOut:
        """Book `delta` units of a product at a location (see the module docstring)."""
        await self._apply_delta(product_id, location_id, delta, allow_negative=allow_negative)
        movement = await self.repo.add_movement(
            InventoryMovement(
                product_id=product_id,
                location_id=location_id,
                delta=delta,
                reason=reason,
                reason_code=reason_code,
                purchase_order_line_id=purchase_order_line_id,
                order_id=order_id,
                op_id=self.op_id,
                lot=lot,
                expiry=expiry,
                note=note,
                user_id=self.actor_id,
            )
        )
        on_hand, at_location = await self.repo.quantities(product_id, location_id)
        result = StockChangeOut(
            movement=MovementOut.model_validate(movement),
            product_id=product_id,
            location_id=location_id,
            quantity_on_hand=on_hand,
            location_quantity=at_location,
        )
        await self._record(result)
        return result

    async def _apply_delta(
        self, product_id: int, location_id: int, delta: int, *, allow_negative: bool
    ) -> None:
        # The product row first: every movement of a product queues on its lock, in one order.
        await self.repo.add_to_product(product_id, delta)
        if delta >= 0 or allow_negative:
            await self.repo.add_to_level(product_id, location_id, delta)
            return
        if not await self.repo.take_from_level(product_id, location_id, -delta):
            available = await self.repo.level_quantity(product_id, location_id)
            raise insufficient_stock(product_id, location_id, available, -delta)

    async def _record(self, change: StockChangeOut) -> None:
        movement = change.movement
        await audit.record(
            self.session,
            actor_id=self.actor_id,
            action=f"stock.{movement.reason}",
            entity_type="product",
            entity_id=change.product_id,
            before={
                "quantity_on_hand": change.quantity_on_hand - movement.delta,
                "location_quantity": change.location_quantity - movement.delta,
            },
            after={"movement_id": movement.id, **change.model_dump(exclude={"movement"})},
        )
        await record_change(
            self.session,
            self.state,
            entity_type="product",
            entity_id=change.product_id,
            event_type="stock.changed",
            data={
                "product_id": change.product_id,
                "location_id": change.location_id,
                "quantity_on_hand": change.quantity_on_hand,
                "location_quantity": change.location_quantity,
                "delta": movement.delta,
            },
        )

    # -- lookups -----------------------------------------------------------------------------

    async def find_product(self, ref: ProductRef) -> Product:
        barcode = scanned_barcode(ref.barcode) if ref.barcode is not None else None
        product = await self.repo.product(product_id=ref.product_id, sku=ref.sku, barcode=barcode)
        if product is not None:
            return product
        raise product_missing(ref, barcode)

    async def resolve_location(self, location_id: int | None) -> Location:
        """The given location, else the configured default, else the first location."""
        if location_id is not None:
            location = await self.repo.location(location_id)
            if location is None:
                raise location_missing(location_id)
            return location
        default_id = self.state.runtime.default_location_id
        location = await self.repo.location(default_id) if default_id else None
        location = location or await self.repo.first_location()
        if location is None:
            raise no_location()
        return location

    async def _check_po_line(self, line_id: int, product_id: int) -> None:
        line = await self.repo.purchase_order_line(line_id)
        if line is None:
            raise NotFound(
                f"No purchase order line with id {line_id}", code="purchase_order_line_not_found"
            )
        if line.product_id != product_id:
            raise BadRequest(
                f"Purchase order line {line_id} is for another product",
                code="purchase_order_line_mismatch",
                details=[{"line_product_id": line.product_id, "product_id": product_id}],
            )

    async def _require_products(self, product_ids: list[int]) -> None:
        missing = sorted(set(product_ids) - await self.repo.existing_product_ids(product_ids))
        if missing:
            raise NotFound(
                f"No product with id {missing[0]}",
                code="product_not_found",
                details=[{"product_id": pid} for pid in missing],
            )

    async def _book_count(
        self, location_id: int, lines: list[CountLineOut], data: StockCountIn
    ) -> list[MovementOut]:
        movements = []
        for line in lines:
            if line.difference != 0:
                change = await self.move(
                    line.product_id, location_id, line.difference, "count", reason_code="count",
                    note=data.note,
                )
                movements.append(change.movement)
        return movements

    async def _audit_count(self, location_id: int, lines: list[CountLineOut], data: StockCountIn) -> None:
        await audit.record(
            self.session,
            actor_id=self.actor_id,
            action="stock.count.applied" if data.apply else "stock.count.submitted",
            entity_type="location",
            entity_id=location_id,
            after={"lines": [line.model_dump() for line in lines], "note": data.note},
        )


def product_missing(ref: ProductRef, barcode: str | None) -> NotFound:
    if ref.product_id is not None:
        return NotFound(f"No product with id {ref.product_id}", code="product_not_found")
    if ref.sku is not None:
        return NotFound(f"No product has the SKU {ref.sku}", code="sku_not_found")
    return NotFound(f"No product has the barcode {barcode}", code="barcode_not_found")


def location_missing(location_id: int) -> NotFound:
    return NotFound(f"No location with id {location_id}", code="location_not_found")


def no_location() -> Conflict:
    return Conflict("No stock location exists yet: create a location first", code="no_location")


def insufficient_stock(product_id: int, location_id: int, available: int, requested: int) -> Conflict:
    return Conflict(
        f"Only {available} on hand at this location; cannot take {requested}",
        code="insufficient_stock",
        details=[
            {"product_id": product_id, "location_id": location_id, "available": available,
             "requested": requested}
        ],
    )


def scanned_barcode(code: str) -> str:
    """What a scanner sent (EAN/UPC, GS1 AI 01) → the stored form; a bad code is a 400."""
    try:
        return normalise_scan(code)
    except InvalidBarcode as exc:
        raise BadRequest(str(exc), code="invalid_barcode") from exc
