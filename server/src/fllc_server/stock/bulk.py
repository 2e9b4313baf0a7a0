"""Set-wise stock movements: a run of synced intakes, adjustments and transfers booked with a
handful of statements instead of a dozen per op — with the results, refusals, movements, audit
rows and quantities that `StockService` would give applying them one at a time.

    batch = StockBatch(session, state, actor_id=user.id)
    await batch.resolve(payloads)     # products (ids, SKUs, barcodes) and locations: a few IN queries
    await batch.lock()                # the products' rows (FOR UPDATE, id order) and their levels
    batch.book(op_id, payload)        # per op, in order: validate against the running quantities
                                      # and book in memory; an AppError refuses the op alone
    results = await batch.write()     # one UPDATE, one upsert, multi-row INSERTs; results in order

The products are locked in id order, the order every movement takes product locks, and their
levels are read with a locking read, so the running quantities start from the latest committed
ones and no concurrent movement can slip in before the commit. Quantities are still written as
atomic `x = x + delta` statements. A change_log row per movement, as one at a time, but one
`stock.changed` event per product after commit (its newest seq and final quantities).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.kit.changes import new_catalog_generation
from fllc_server.kit.db import after_commit
from fllc_server.kit.errors import AppError
from fllc_server.models import utcnow
from fllc_server.stock.repository import StockRepository
from fllc_server.stock.schemas import (
    ProductRef,
    StockAdjustmentIn,
    StockIntakeIn,
    StockTransferIn,
)
from fllc_server.stock.service import (
    insufficient_stock,
    location_missing,
    no_location,
    product_missing,
    scanned_barcode,
)

if TYPE_CHECKING:
    from fllc_server.state import AppState

BulkPayload = StockIntakeIn | StockAdjustmentIn | StockTransferIn
_BUMP_KEY = "catalog_bump_scheduled"  # kit.changes' once-per-transaction cache bump flag


def fits(payload: object) -> bool:
    """Whether `StockBatch` books this payload (an intake against a PO line takes the
    one-at-a-time path, which checks the line)."""
    if isinstance(payload, StockIntakeIn):
        return payload.purchase_order_line_id is None
    return isinstance(payload, StockAdjustmentIn | StockTransferIn)


@dataclass(slots=True)
class _Move:
    product_id: int
    location_id: int
    delta: int
    reason: str
    reason_code: str | None
    op_id: str | None
    note: str | None
    quantity_on_hand: int  # right after this movement
    location_quantity: int
    created_at: dt.datetime
    lot: str | None = None
    expiry: dt.date | None = None
    id: int = 0

    def row(self, user_id: int | None) -> dict[str, Any]:
        return {
            "product_id": self.product_id, "location_id": self.location_id, "delta": self.delta,
            "reason": self.reason, "reason_code": self.reason_code, "op_id": self.op_id,
            "lot": self.lot, "expiry": self.expiry, "note": self.note, "user_id": user_id,
            "created_at": self.created_at,
        }

    def out(self, user_id: int | None) -> dict[str, Any]:
        """MovementOut in JSON, built directly (a thousand model round trips per batch add up);
        tests hold it equal to `MovementOut(...).model_dump(mode="json")`."""
        return {
            "id": self.id, "product_id": self.product_id, "location_id": self.location_id,
            "delta": self.delta, "reason": self.reason, "reason_code": self.reason_code,
            "purchase_order_line_id": None, "order_id": None, "op_id": self.op_id,
            "lot": self.lot, "expiry": self.expiry.isoformat() if self.expiry else None,
            "note": self.note, "user_id": user_id, "created_at": _json_time(self.created_at),
        }


@dataclass(slots=True)
class _Booking:
    moves: list[_Move]
    render: Callable[[list[dict[str, Any]], list[_Move]], dict[str, Any]]


class StockBatch:
    def __init__(self, session: AsyncSession, state: AppState, *, actor_id: int | None) -> None:
        self.session = session
        self.state = state
        self.actor_id = actor_id
        self.repo = StockRepository(session)
        self._product_ids: set[int] = set()
        self._by_sku: dict[str, int] = {}
        self._by_barcode: dict[str, int] = {}
        self._location_ids: set[int] = set()
        self._default_location: int | None = None
        self._on_hand: dict[int, int] = {}
        self._levels: dict[tuple[int, int], int] = {}
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
        # about the rest one by one, as StockService does, so both paths agree.
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
        touched = self._product_ids | set(self._by_sku.values()) | set(self._by_barcode.values())
        if touched:
            self._on_hand = await self.repo.lock_products_reading(touched)
            self._levels = await self.repo.lock_levels_reading(touched)

    # -- 3. booking, one op at a time --------------------------------------------------------

    def book(self, op_id: str | None, payload: BulkPayload) -> int:
        """Validate and book one op against the running quantities; returns its booking number.
        Raises the AppError StockService would (and books nothing) for a refused op."""
        product_id = self._product(payload)
        if isinstance(payload, StockTransferIn):
            moves = self._transfer(op_id, product_id, payload)
            render: Callable[[list[dict[str, Any]], list[_Move]], dict[str, Any]] = _transfer_result
        elif isinstance(payload, StockIntakeIn):
            location_id = self._location(payload.location_id)
            moves = [self._move(op_id, product_id, location_id, payload.quantity, reason="intake",
                                note=payload.note, lot=payload.lot, expiry=payload.expiry)]
            render = _change_result
        else:
            location_id = self._location(payload.location_id)
            moves = [self._move(op_id, product_id, location_id, payload.delta, reason="adjustment",
                                reason_code=payload.reason_code, note=payload.note)]
            render = _change_result
        self._bookings.append(_Booking(moves, render))
        return len(self._bookings) - 1

    def _transfer(self, op_id: str | None, product_id: int, data: StockTransferIn) -> list[_Move]:
        source = self._location(data.from_location_id)
        target = self._location(data.to_location_id)
        out = self._move(op_id, product_id, source, -data.quantity, reason="transfer",
                         reason_code="out", note=data.note)
        into = self._move(op_id, product_id, target, data.quantity, reason="transfer",
                          reason_code="in", note=data.note)
        return [out, into]

    def _move(
        self, op_id: str | None, product_id: int, location_id: int, delta: int, *, reason: str,
        reason_code: str | None = None, note: str | None = None, lot: str | None = None,
        expiry: dt.date | None = None,
    ) -> _Move:
        level = self._levels.get((product_id, location_id), 0)
        if delta < 0 and level < -delta:
            raise insufficient_stock(product_id, location_id, level, -delta)
        self._levels[(product_id, location_id)] = level + delta
        self._on_hand[product_id] += delta
        return _Move(
            product_id, location_id, delta, reason, reason_code, op_id, note,
            self._on_hand[product_id], level + delta, utcnow(), lot, expiry,
        )

    def _product(self, ref: ProductRef) -> int:
        barcode = scanned_barcode(ref.barcode) if ref.barcode is not None else None
        if ref.product_id is not None:
            product_id = ref.product_id if ref.product_id in self._product_ids else None
        elif ref.sku is not None:
            product_id = self._by_sku.get(ref.sku)
        else:
            product_id = self._by_barcode.get(barcode or "")
        if product_id is None or product_id not in self._on_hand:
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
        moves = [move for booking in self._bookings for move in booking.moves]
        if not moves:
            return []
        product_deltas: dict[int, int] = defaultdict(int)
        level_deltas: dict[tuple[int, int], int] = defaultdict(int)
        for move in moves:
            product_deltas[move.product_id] += move.delta
            level_deltas[(move.product_id, move.location_id)] += move.delta
        await self.repo.add_to_products(product_deltas)
        await self.repo.add_to_levels(level_deltas)
        ids = await self.repo.insert_movements([move.row(self.actor_id) for move in moves])
        for move, movement_id in zip(moves, ids, strict=True):
            move.id = movement_id
        await self.repo.insert_audit_entries([self._audit_row(move) for move in moves])
        await self._record_changes(moves)
        return [
            booking.render([move.out(self.actor_id) for move in booking.moves], booking.moves)
            for booking in self._bookings
        ]

    def _audit_row(self, move: _Move) -> dict[str, Any]:
        return {
            "actor_id": self.actor_id,
            "action": f"stock.{move.reason}",
            "entity_type": "product",
            "entity_id": str(move.product_id),
            "before": {
                "quantity_on_hand": move.quantity_on_hand - move.delta,
                "location_quantity": move.location_quantity - move.delta,
            },
            "after": {
                "movement_id": move.id, "product_id": move.product_id,
                "location_id": move.location_id, "quantity_on_hand": move.quantity_on_hand,
                "location_quantity": move.location_quantity,
            },
            "request_id": _request_id(),
            "created_at": move.created_at,
        }

    async def _record_changes(self, moves: list[_Move]) -> None:
        """A change_log row per movement, as one at a time; one event per product after commit,
        with its newest seq and final quantities (events are pokes: a client seeing a gap in the
        seqs pulls the changes), and the catalog cache bumped once."""
        now = utcnow()
        seqs = await self.repo.insert_changes(
            [{"entity_type": "product", "entity_id": move.product_id, "action": "upsert",
              "created_at": now} for move in moves]
        )
        newest: dict[int, tuple[int, _Move]] = {}
        total: dict[int, int] = defaultdict(int)
        for seq, move in zip(seqs, moves, strict=True):
            newest[move.product_id] = (seq, move)
            total[move.product_id] += move.delta
        for seq, move in sorted(newest.values(), key=lambda item: item[0]):
            self.state.events.publish_after_commit(
                self.session, "stock.changed", seq,
                {"id": move.product_id, "product_id": move.product_id,
                 "location_id": move.location_id, "quantity_on_hand": move.quantity_on_hand,
                 "location_quantity": move.location_quantity, "delta": total[move.product_id]},
            )
        self._bump_catalog_once()

    def _bump_catalog_once(self) -> None:
        if self.session.info.get(_BUMP_KEY):
            return
        self.session.info[_BUMP_KEY] = True
        state = self.state

        async def bump() -> None:
            await new_catalog_generation(state)

        after_commit(self.session, bump)


def _change_result(movements: list[dict[str, Any]], moves: list[_Move]) -> dict[str, Any]:
    """StockChangeOut in JSON."""
    (movement,), (move,) = movements, moves
    return {
        "movement": movement, "product_id": move.product_id, "location_id": move.location_id,
        "quantity_on_hand": move.quantity_on_hand, "location_quantity": move.location_quantity,
    }


def _transfer_result(movements: list[dict[str, Any]], moves: list[_Move]) -> dict[str, Any]:
    """TransferOut in JSON."""
    out, into = moves
    return {
        "product_id": out.product_id, "from_location_id": out.location_id,
        "to_location_id": into.location_id, "quantity": into.delta,
        "quantity_on_hand": into.quantity_on_hand, "from_quantity": out.location_quantity,
        "to_quantity": into.location_quantity, "movements": movements,
    }


def _json_time(moment: dt.datetime) -> str:
    """An aware UTC datetime as pydantic writes it in JSON ("...T08:00:00.123456Z")."""
    return moment.isoformat().replace("+00:00", "Z")


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


def _request_id() -> str | None:
    value = structlog.contextvars.get_contextvars().get("request_id")
    return str(value) if value is not None else None

