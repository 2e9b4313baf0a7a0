"""Stock ops by payload: a run of synced intakes, adjustments and transfers (and each REST one, a
run of one) resolved with a handful of queries and booked through the ledger (`stock.booking`) —
with the results and refusals `StockService` gives.

    batch = StockBatch(session, state, actor_id=user.id)
    await batch.resolve(payloads)     # products (ids, SKUs, barcodes) and locations: a few IN queries
    await batch.lock()                # the ledger's locks: the products (id order), their levels
    batch.book(op_id, payload)        # per op, in order: validate against the running quantities
                                      # and book in memory; an AppError refuses the op alone
    results = await batch.write()     # the ledger's writes; each booking's result, in order
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.kit.errors import AppError
from fllc_server.stock.booking import Booked, Movement, StockLedger
from fllc_server.stock.errors import location_missing, no_location, product_missing, scanned_barcode
from fllc_server.stock.expiry import refuse_expired
from fllc_server.stock.repository import StockRepository
from fllc_server.stock.schemas import (
    ProductRef,
    StockAdjustmentIn,
    StockIntakeIn,
    StockTransferIn,
)

if TYPE_CHECKING:
    from fllc_server.state import AppState

BulkPayload = StockIntakeIn | StockAdjustmentIn | StockTransferIn


def fits(payload: object) -> bool:
    """Whether a synced op's payload is booked set-wise (an intake against a PO line takes the
    one-at-a-time path, where `StockService.receive` checks the line first)."""
    if isinstance(payload, StockIntakeIn):
        return payload.purchase_order_line_id is None
    return isinstance(payload, StockAdjustmentIn | StockTransferIn)


@dataclass(slots=True)
class _Booking:
    moves: list[Booked]
    render: Callable[[list[Booked]], dict[str, Any]]


class StockBatch:
    def __init__(self, session: AsyncSession, state: AppState, *, actor_id: int | None) -> None:
        self.session = session
        self.state = state
        self.repo = StockRepository(session)
        self.ledger = StockLedger(session, state, actor_id=actor_id)
        self._product_ids: set[int] = set()
        self._by_sku: dict[str, int] = {}
        self._by_barcode: dict[str, int] = {}
        self._location_ids: set[int] = set()
        self._default_location: int | None = None
        self._bookings: list[_Booking] = []

    # -- 1. lookups --------------------------------------------------------------------------

    async def resolve(self, payloads: Sequence[BulkPayload]) -> None:
        ids = {p.product_id for p in payloads if p.product_id is not None}
        skus = {p.sku for p in payloads if p.sku is not None}
        barcodes = {code for p in payloads if (code := _barcode_or_none(p.barcode)) is not None}
        self._product_ids = await self.repo.live_product_ids(ids)
        self._by_sku = await self._skus(skus)
        self._by_barcode = await self.repo.product_ids_by("barcode", barcodes)
        self._location_ids = await self.repo.live_location_ids(
            {lid for p in payloads for lid in _location_ids(p) if lid is not None}
        )
        if any(not isinstance(p, StockTransferIn) and p.location_id is None for p in payloads):
            self._default_location = await self._find_default_location()

    async def _skus(self, skus: set[str]) -> dict[str, int]:
        found = await self.repo.product_ids_by("sku", skus)
        # The database may match more loosely than `==` (a case-insensitive collation): ask it
        # about the rest one by one, so that an SKU matches as it does everywhere else.
        for sku in skus - found.keys():
            product = await self.repo.product(sku=sku)
            if product is not None:
                found[sku] = product.id
        return found

    async def _find_default_location(self) -> int | None:
        default_id = self.state.runtime.default_location_id
        location = await self.repo.location(default_id) if default_id else None
        location = location or await self.repo.first_location()
        return location.id if location is not None else None

    # -- 2. locks ----------------------------------------------------------------------------

    async def lock(self) -> None:
        """The ledger's locks on every product the payloads name."""
        await self.ledger.lock(
            self._product_ids | set(self._by_sku.values()) | set(self._by_barcode.values())
        )

    # -- 3. booking, one op at a time --------------------------------------------------------

    def book(self, op_id: str | None, payload: BulkPayload) -> int:
        """Validate and book one op against the running quantities; returns its booking number.
        Raises the op's AppError (and books nothing) for a refused op."""
        product_id = self._product(payload)
        render: Callable[[list[Booked]], dict[str, Any]]
        if isinstance(payload, StockTransferIn):
            source = self._location(payload.from_location_id)
            target = self._location(payload.to_location_id)
            movements = [
                Movement(product_id, source, -payload.quantity, "transfer", "out", op_id, payload.note),
                Movement(product_id, target, payload.quantity, "transfer", "in", op_id, payload.note),
            ]
            render = _transfer_result
        elif isinstance(payload, StockIntakeIn):
            lot = f"Lot {payload.lot}" if payload.lot else None
            refuse_expired(self.state.runtime, payload.expiry, barcode=payload.barcode, product=lot)
            movement = Movement(
                product_id,
                self._location(payload.location_id),
                payload.quantity,
                "intake",
                op_id=op_id,
                note=payload.note,
                lot=payload.lot,
                expiry=payload.expiry,
                purchase_order_line_id=payload.purchase_order_line_id,
            )
            movements, render = [movement], _change_result
        else:
            movement = Movement(
                product_id,
                self._location(payload.location_id),
                payload.delta,
                "adjustment",
                op_id=op_id,
                reason_code=payload.reason_code,
                note=payload.note,
            )
            movements, render = [movement], _change_result
        self._bookings.append(_Booking(self.ledger.book(movements), render))
        return len(self._bookings) - 1

    def _product(self, ref: ProductRef) -> int:
        barcode = scanned_barcode(ref.barcode) if ref.barcode is not None else None
        if ref.product_id is not None:
            product_id = ref.product_id if ref.product_id in self._product_ids else None
        elif ref.sku is not None:
            product_id = self._by_sku.get(ref.sku)
        else:
            product_id = self._by_barcode.get(barcode or "")
        if product_id is None or not self.ledger.is_locked(product_id):
            raise product_missing(ref, barcode)
        return product_id

    def _location(self, location_id: int | None) -> int:
        if location_id is not None:
            if location_id not in self._location_ids:
                raise location_missing(location_id)
            return location_id
        if self._default_location is None:
            raise no_location()
        return self._default_location

    # -- 4. writes ---------------------------------------------------------------------------

    async def write(self) -> list[Any]:
        """Write every booked movement; returns each booking's result (JSON-ready), in order."""
        await self.ledger.write()
        return [booking.render(booking.moves) for booking in self._bookings]


def _change_result(moves: list[Booked]) -> dict[str, Any]:
    """StockChangeOut in JSON."""
    (move,) = moves
    return move.change_out()


def _transfer_result(moves: list[Booked]) -> dict[str, Any]:
    """TransferOut in JSON."""
    out, into = moves
    return {
        "product_id": out.movement.product_id,
        "from_location_id": out.movement.location_id,
        "to_location_id": into.movement.location_id,
        "quantity": into.movement.delta,
        "quantity_on_hand": into.quantity_on_hand,
        "from_quantity": out.location_quantity,
        "to_quantity": into.location_quantity,
        "movements": [out.movement_out(), into.movement_out()],
    }


def _barcode_or_none(code: str | None) -> str | None:
    """The stored form of a scanned code; None for none or an invalid one (refused per op)."""
    if code is None:
        return None
    try:
        return scanned_barcode(code)
    except AppError:
        return None


def _location_ids(payload: BulkPayload) -> tuple[int | None, ...]:
    if isinstance(payload, StockTransferIn):
        return (payload.from_location_id, payload.to_location_id)
    return (payload.location_id,)
