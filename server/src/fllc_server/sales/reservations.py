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
    backordered: int = 0

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


async def availability(session: AsyncSession, product_ids: Sequence[int]) -> list[Availability]:
    repo = SalesRepository(session)
    on_hand = await repo.on_hand(product_ids)
    reserved = await repo.reserved(product_ids)
    waiting = await repo.backordered(product_ids)
    return [
        Availability(pid, on_hand[pid], reserved.get(pid, 0), waiting.get(pid, 0))
        for pid in product_ids
        if pid in on_hand
    ]


async def record_status(
    session: AsyncSession, order: Order, from_status: str | None, *, actor_id: int | None, note: str = ""
) -> None:
    await SalesRepository(session).add(
        OrderStatusChange(
            order_id=order.id, from_status=from_status, to_status=order.status, actor_id=actor_id, note=note
        )
    )


async def reserve(session: AsyncSession, order: Order, items: Sequence[OrderItem], *, backorder: bool) -> int:
    """Hold each line's units for the order. Units that are free — on hand, less what is reserved
    and what earlier orders' back-orders wait for (a new order never jumps the queue) — are
    reserved; without `backorder`, a line that wants more is 409 `insufficient_stock` and nothing is
    held; with it, the rest of the line is back-ordered (`sales.backorders` allocates it when stock
    arrives). Products are locked in id order (the same lock stock movements take), so concurrent
    orders of the last units serialise and never over-reserve. Returns the units back-ordered."""
    repo = SalesRepository(session)
    wanted: dict[int, int] = {}
    for item in items:
        wanted[item.product_id] = wanted.get(item.product_id, 0) + item.quantity
    free: dict[int, int] = {}
    for product_id in sorted(wanted):
        on_hand = await repo.lock_on_hand(product_id) or 0
        reserved = (await repo.reserved([product_id], current=True)).get(product_id, 0)
        waiting = (await repo.backordered([product_id], current=True)).get(product_id, 0)
        free[product_id] = max(0, on_hand - reserved - waiting)
        if not backorder and free[product_id] < wanted[product_id]:
            raise insufficient_stock(product_id, 0, free[product_id], wanted[product_id])
    short = 0
    for item in items:
        take = min(item.quantity, free[item.product_id])
        free[item.product_id] -= take
        item.backordered_quantity = item.quantity - take
        short += item.backordered_quantity
        if take:
            await repo.add(
                StockReservation(
                    order_item_id=item.id, order_id=order.id, product_id=item.product_id, quantity=take
                )
            )
    await session.flush()
    await repo.reservations_changed(wanted)
    return short
