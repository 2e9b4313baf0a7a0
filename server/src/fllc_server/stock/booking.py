"""The stock ledger: the one way a quantity changes. Every caller — REST intake, adjustment, count
and transfer, a synced run of stock ops, a sale, a receipt against a purchase order — books its
movements through a `StockLedger` in its transaction:

    ledger = StockLedger(session, state, actor_id=user.id)
    await ledger.lock(product_ids)          # 1. the products' rows (FOR UPDATE, id order), then
                                            #    their stock levels: the latest committed quantities
    booked = ledger.book([Movement(...)])   # 2. checked against the running quantities and booked
                                            #    in memory, all or nothing (409 insufficient_stock)
    await ledger.write()                    # 3. one UPDATE, one upsert, multi-row INSERTs

What a write leaves, for each movement: products.quantity_on_hand and the (product, location) level
changed by atomic `x = x + delta` statements, an inventory_log row, an audit row and a change_log
row; and after commit (the unit of work) one `stock.changed` event per (product, location) with its
newest seq, the quantities after its last movement and the sum of its deltas, and one catalog cache
bump. So quantity_on_hand == sum(stock_levels.quantity) == sum(inventory_log.delta) always.

Arrivals: a write that raised products' quantity on hand (intake, a receipt, an adjustment or count
up, a return) hands them to the app's `stock_arrived` hook in the same transaction, which submits
the allocation of the back-orders waiting for them (`sales.backorders`; the job leaves after commit).

Locks. Every booking locks the product rows first, in id order, and only then their levels, so two
bookings never wait on each other in a circle. `lock` comes before the caller writes anything that
refers to a product: inserting a row with a foreign key to a product (an order item) takes a shared
lock on the product's row on MySQL/MariaDB, and transactions that each hold that shared lock and
then all ask for the exclusive one deadlock each other.

Negative stock: a movement never takes a location below zero (409 `insufficient_stock`) unless it
records something that already happened physically — a sale at the till — with
`allow_negative=True`, so the books follow reality and a later count corrects them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit.service import request_id
from fllc_server.kit.errors import Conflict, NotFound
from fllc_server.kit.uow import unit_of_work
from fllc_server.models import utcnow
from fllc_server.stock.repository import StockRepository

if TYPE_CHECKING:
    from fllc_server.state import AppState


@dataclass(frozen=True, slots=True)
class Movement:
    """`delta` units of a product at a location, and why."""

    product_id: int
    location_id: int
    delta: int
    reason: str  # intake | adjustment | count | transfer | sale
    reason_code: str | None = None
    op_id: str | None = None
    note: str | None = None
    lot: str | None = None
    expiry: dt.date | None = None
    purchase_order_line_id: int | None = None
    order_id: int | None = None
    allow_negative: bool = False


@dataclass(slots=True)
class Booked:
    """A movement as booked: the quantities right after it; its id once written."""

    movement: Movement
    quantity_on_hand: int
    location_quantity: int
    created_at: dt.datetime
    user_id: int | None
    id: int = 0

    def movement_out(self) -> dict[str, Any]:
        """MovementOut in JSON, built directly (a thousand model round trips per batch add up);
        tests hold it equal to `MovementOut(...).model_dump(mode="json")`."""
        m = self.movement
        return {
            "id": self.id,
            "product_id": m.product_id,
            "location_id": m.location_id,
            "delta": m.delta,
            "reason": m.reason,
            "reason_code": m.reason_code,
            "purchase_order_line_id": m.purchase_order_line_id,
            "order_id": m.order_id,
            "op_id": m.op_id,
            "lot": m.lot,
            "expiry": m.expiry.isoformat() if m.expiry else None,
            "note": m.note,
            "user_id": self.user_id,
            "created_at": json_time(self.created_at),
        }

    def change_out(self) -> dict[str, Any]:
        """StockChangeOut in JSON."""
        return {
            "movement": self.movement_out(),
            "product_id": self.movement.product_id,
            "location_id": self.movement.location_id,
            "quantity_on_hand": self.quantity_on_hand,
            "location_quantity": self.location_quantity,
        }

    def _row(self) -> dict[str, Any]:
        m = self.movement
        return {
            "product_id": m.product_id,
            "location_id": m.location_id,
            "delta": m.delta,
            "reason": m.reason,
            "reason_code": m.reason_code,
            "purchase_order_line_id": m.purchase_order_line_id,
            "order_id": m.order_id,
            "op_id": m.op_id,
            "lot": m.lot,
            "expiry": m.expiry,
            "note": m.note,
            "user_id": self.user_id,
            "created_at": self.created_at,
        }

    def _audit_row(self, request: str | None) -> dict[str, Any]:
        m = self.movement
        return {
            "actor_id": self.user_id,
            "action": f"stock.{m.reason}",
            "entity_type": "product",
            "entity_id": str(m.product_id),
            "before": {
                "quantity_on_hand": self.quantity_on_hand - m.delta,
                "location_quantity": self.location_quantity - m.delta,
            },
            "after": {
                "movement_id": self.id,
                "product_id": m.product_id,
                "location_id": m.location_id,
                "quantity_on_hand": self.quantity_on_hand,
                "location_quantity": self.location_quantity,
            },
            "request_id": request,
            "created_at": self.created_at,
        }


class StockLedger:
    def __init__(self, session: AsyncSession, state: AppState, *, actor_id: int | None) -> None:
        self.session = session
        self.state = state
        self.actor_id = actor_id
        self.repo = StockRepository(session)
        self._on_hand: dict[int, int] = {}
        self._levels: dict[tuple[int, int], int] = {}
        self._pending: list[Booked] = []

    # -- 1. locks ------------------------------------------------------------------------------

    async def lock(self, product_ids: Collection[int]) -> None:
        """Lock the products (id order) and their stock levels, and read their quantities.
        Products already locked by this ledger are not read again (their running quantities
        include what was booked since); an id of no live product is simply not locked."""
        wanted = set(product_ids) - self._on_hand.keys()
        if not wanted:
            return
        self._on_hand.update(await self.repo.lock_products_reading(wanted))
        self._levels.update(await self.repo.lock_levels_reading(wanted))

    def is_locked(self, product_id: int) -> bool:
        return product_id in self._on_hand

    def level(self, product_id: int, location_id: int) -> int:
        """The running quantity of a locked product at a location."""
        return self._levels.get((product_id, location_id), 0)

    # -- 2. booking ----------------------------------------------------------------------------

    def book(self, movements: Sequence[Movement]) -> list[Booked]:
        """Book movements of locked products against the running quantities, all or nothing:
        if one would take a location below zero, none is booked (409 insufficient_stock)."""
        on_hand = dict(self._on_hand)
        levels: dict[tuple[int, int], int] = {}
        booked: list[Booked] = []
        now = utcnow()
        for movement in movements:
            product_id, key = movement.product_id, (movement.product_id, movement.location_id)
            if product_id not in on_hand:
                raise NotFound(f"No product with id {product_id}", code="product_not_found")
            level = levels.get(key, self._levels.get(key, 0))
            if movement.delta < 0 and not movement.allow_negative and level < -movement.delta:
                raise insufficient_stock(product_id, movement.location_id, level, -movement.delta)
            levels[key] = level + movement.delta
            on_hand[product_id] += movement.delta
            booked.append(Booked(movement, on_hand[product_id], levels[key], now, self.actor_id))
        self._on_hand = on_hand
        self._levels.update(levels)
        self._pending.extend(booked)
        return booked

    # -- 3. writes -----------------------------------------------------------------------------

    async def write(self) -> None:
        """Write every movement booked since the last write (their `id`s are set)."""
        moves, self._pending = self._pending, []
        if not moves:
            return
        product_deltas: dict[int, int] = defaultdict(int)
        level_deltas: dict[tuple[int, int], int] = defaultdict(int)
        for booked in moves:
            m = booked.movement
            product_deltas[m.product_id] += m.delta
            level_deltas[(m.product_id, m.location_id)] += m.delta
        await self.repo.add_to_products(product_deltas)
        await self.repo.add_to_levels(level_deltas)
        ids = await self.repo.insert_movements([booked._row() for booked in moves])
        for booked, movement_id in zip(moves, ids, strict=True):
            booked.id = movement_id
        request = request_id()
        await self.repo.insert_audit_entries([booked._audit_row(request) for booked in moves])
        await self._record_changes(moves)
        arrived = sorted(product_id for product_id, delta in product_deltas.items() if delta > 0)
        if arrived and self.state.stock_arrived is not None:
            await self.state.stock_arrived(self.session, arrived)

    async def _record_changes(self, moves: list[Booked]) -> None:
        """A change_log row per movement; one event per (product, location) after commit, with
        its newest seq, the quantities after its last movement and the sum of its deltas (events
        are pokes: a client seeing a gap in the seqs pulls the changes); one catalog cache bump."""
        now = utcnow()
        seqs = await self.repo.insert_changes(
            [
                {
                    "entity_type": "product",
                    "entity_id": booked.movement.product_id,
                    "action": "upsert",
                    "created_at": now,
                }
                for booked in moves
            ]
        )
        newest: dict[tuple[int, int], tuple[int, Booked]] = {}
        total: dict[tuple[int, int], int] = defaultdict(int)
        for seq, booked in zip(seqs, moves, strict=True):
            key = (booked.movement.product_id, booked.movement.location_id)
            newest[key] = (seq, booked)
            total[key] += booked.movement.delta
        uow = unit_of_work(self.session)
        for key, (seq, booked) in sorted(newest.items(), key=lambda item: item[1][0]):
            uow.publish(
                "stock.changed",
                seq,
                {
                    "id": key[0],
                    "product_id": key[0],
                    "location_id": key[1],
                    "quantity_on_hand": booked.quantity_on_hand,
                    "location_quantity": booked.location_quantity,
                    "delta": total[key],
                },
                entity_type="product",
            )
        uow.bump_catalog()


def insufficient_stock(product_id: int, location_id: int, available: int, requested: int) -> Conflict:
    return Conflict(
        f"Only {available} on hand at this location; cannot take {requested}",
        code="insufficient_stock",
        details=[
            {
                "product_id": product_id,
                "location_id": location_id,
                "available": available,
                "requested": requested,
            }
        ],
    )


def json_time(moment: dt.datetime) -> str:
    """An aware UTC datetime as pydantic writes it in JSON ("...T08:00:00.123456Z")."""
    return moment.isoformat().replace("+00:00", "Z")
