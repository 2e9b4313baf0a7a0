"""Reservations (available = on hand - reserved) and the status history rows of orders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.models import Order, OrderItem, OrderStatusChange, StockReservation
from fllc_server.sales.repository import SalesRepository
from fllc_server.stock.booking import insufficient_stock


@dataclass(frozen=True, slots=True)
class Availability:
    product_id: int
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


async def availability(session: AsyncSession, product_ids: Sequence[int]) -> list[Availability]:
    repo = SalesRepository(session)
    on_hand = await repo.on_hand(product_ids)
    reserved = await repo.reserved(product_ids)
    return [Availability(pid, on_hand[pid], reserved.get(pid, 0)) for pid in product_ids if pid in on_hand]


async def record_status(
    session: AsyncSession, order: Order, from_status: str | None, *, actor_id: int | None, note: str = ""
) -> None:
    await SalesRepository(session).add(
        OrderStatusChange(
            order_id=order.id, from_status=from_status, to_status=order.status, actor_id=actor_id, note=note
        )
    )


async def reserve(session: AsyncSession, order: Order, items: Sequence[OrderItem]) -> None:
    """Hold each line's units for the order; 409 `insufficient_stock` when fewer are available.
    Products are locked in id order (the same lock stock movements take), so concurrent orders of
    the last units serialise and never over-reserve."""
    repo = SalesRepository(session)
    wanted: dict[int, int] = {}
    for item in items:
        wanted[item.product_id] = wanted.get(item.product_id, 0) + item.quantity
    for product_id in sorted(wanted):
        on_hand = await repo.lock_on_hand(product_id) or 0
        reserved = (await repo.reserved([product_id], current=True)).get(product_id, 0)
        if on_hand - reserved < wanted[product_id]:
            raise insufficient_stock(product_id, 0, max(0, on_hand - reserved), wanted[product_id])
    for item in items:
        await repo.add(
            StockReservation(
                order_item_id=item.id, order_id=order.id, product_id=item.product_id, quantity=item.quantity
            )
        )
    await repo.reservations_changed(wanted)
