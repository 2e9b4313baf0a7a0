"""Stock rules: the REST and synced stock commands (intake, adjustment, count, transfer), each
booked through the stock ledger (`stock.booking`, the one way a quantity changes; what a movement
writes and how it locks is told there).

Negative stock: adjustments and transfers never take a location below zero (409
`insufficient_stock`); counts set a location to a counted quantity >= 0.

Other packages book stock through the ledger too: a sale locks its products before it writes its
items (`StockLedger` directly), a receipt against a purchase order books one movement with

    await StockService(session, state, actor_id=user.id, op_id=op_id).move(
        product_id, location_id, +quantity, "intake", purchase_order_line_id=line.id)
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.kit.errors import BadRequest, Forbidden, NotFound
from fllc_server.models import Location, Product
from fllc_server.stock.booking import Movement, StockLedger
from fllc_server.stock.bulk import BulkPayload, StockBatch
from fllc_server.stock.errors import location_missing, no_location, product_missing, scanned_barcode
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
        if data.purchase_order_line_id is not None:  # the line is checked first (the batch does not)
            product = await self.find_product(data)
            await self.resolve_location(data.location_id)
            await self._check_po_line(data.purchase_order_line_id, product.id)
        return StockChangeOut.model_validate(await self._one(data))

    async def adjust(self, data: StockAdjustmentIn) -> StockChangeOut:
        return StockChangeOut.model_validate(await self._one(data))

    async def transfer(self, data: StockTransferIn) -> TransferOut:
        return TransferOut.model_validate(await self._one(data))

    async def _one(self, data: BulkPayload) -> dict[str, Any]:
        """One command through the same path as a synced run of them: a batch of one."""
        batch = StockBatch(self.session, self.state, actor_id=self.actor_id)
        await batch.resolve([data])
        await batch.lock()
        batch.book(self.op_id, data)
        (result,) = await batch.write()
        return cast(dict[str, Any], result)

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
        if data.apply:
            ledger = StockLedger(self.session, self.state, actor_id=self.actor_id)
            await ledger.lock(product_ids)
            booked = {pid: ledger.level(pid, location.id) for pid in product_ids}
        else:
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
        movements: list[MovementOut] = []
        if data.apply:
            differences = [
                Movement(
                    line.product_id, location.id, line.difference, "count", "count", self.op_id, data.note
                )
                for line in lines
                if line.difference != 0
            ]
            done = ledger.book(differences)
            await ledger.write()
            movements = [MovementOut.model_validate(b.movement_out()) for b in done]
        await self._audit_count(location.id, lines, data)
        return CountOut(location_id=location.id, applied=data.apply, lines=lines, movements=movements)

    # -- one movement ------------------------------------------------------------------------

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
        """Book `delta` units of a product at a location through the ledger: a booking of one."""
        ledger = StockLedger(self.session, self.state, actor_id=self.actor_id)
        await ledger.lock([product_id])
        (booked,) = ledger.book(
            [
                Movement(
                    product_id,
                    location_id,
                    delta,
                    reason,
                    reason_code=reason_code,
                    op_id=self.op_id,
                    note=note,
                    lot=lot,
                    expiry=expiry,
                    purchase_order_line_id=purchase_order_line_id,
                    order_id=order_id,
                    allow_negative=allow_negative,
                )
            ]
        )
        await ledger.write()
        return StockChangeOut.model_validate(booked.change_out())

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
            raise NotFound(f"No purchase order line with id {line_id}", code="purchase_order_line_not_found")
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

    async def _audit_count(self, location_id: int, lines: list[CountLineOut], data: StockCountIn) -> None:
        await audit.record(
            self.session,
            actor_id=self.actor_id,
            action="stock.count.applied" if data.apply else "stock.count.submitted",
            entity_type="location",
            entity_id=location_id,
            after={"lines": [line.model_dump() for line in lines], "note": data.note},
        )
