"""An order's life: placed → paid → picking → packed → shipped, or cancelled, or returned.

- Counter sales (channel `counter`: a till, a walk-in) leave stock at the sale; they can be paid
  and returned, never picked or cancelled.
- Other orders (channel `order`) reserve their units at placement — available = on hand -
  reserved, never below zero — and take them out of stock when shipped; cancelling before that
  releases the reservation.
- A return puts each line back to stock or writes it off as damaged (`OrderService.return_line`).
- An order with back-ordered units (`sales.backorders`) cannot start picking until they are
  allocated (409 `order_backordered`); cancelling it releases its reservation and drops its
  back-orders, and the units it released go to the orders waiting for them.

Every change is a row of the order's history (who, when, from, to) and an audit entry, in the
caller's transaction. Stock moves only through the stock service.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.kit.errors import BadRequest, Conflict, NotFound
from fllc_server.models import Order
from fllc_server.sales.backorders import require_allocated, stock_freed
from fllc_server.sales.repository import SalesRepository
from fllc_server.sales.reservations import record_status
from fllc_server.sales.service import OrderService, ReturnLine
from fllc_server.stock.service import StockService

if TYPE_CHECKING:
    from fllc_server.state import AppState

STATUSES = ("placed", "paid", "picking", "packed", "shipped", "cancelled", "returned")
NEXT: dict[str, frozenset[str]] = {
    "placed": frozenset({"paid", "picking", "cancelled"}),
    "paid": frozenset({"picking", "cancelled"}),
    "picking": frozenset({"packed", "cancelled"}),
    "packed": frozenset({"shipped", "cancelled"}),
    "shipped": frozenset({"returned"}),
    "cancelled": frozenset(),
    "returned": frozenset(),
}
COUNTER_NEXT: dict[str, frozenset[str]] = {
    "placed": frozenset({"paid", "returned"}),
    "paid": frozenset({"returned"}),
}
FULFILMENT = frozenset({"picking", "packed", "shipped"})  # stock.intake moves these


class OrderLifecycle:
    def __init__(self, session: AsyncSession, state: AppState, *, actor_id: int | None) -> None:
        self.session = session
        self.state = state
        self.actor_id = actor_id
        self.repo = SalesRepository(session)

    async def move(self, order_id: int, to_status: str, *, note: str = "") -> Order:
        order = await self._order(order_id)
        allowed = (
            COUNTER_NEXT.get(order.status, frozenset()) if order.channel == "counter" else NEXT[order.status]
        )
        if to_status == "returned":
            raise BadRequest("Returns say what becomes of each line: use the return route", code="use_return")
        if to_status not in allowed:
            raise Conflict(
                f"A {order.channel} order that is {order.status} cannot become {to_status}",
                code="invalid_transition",
                details=[{"status": order.status, "allowed": sorted(allowed)}],
            )
        if to_status == "picking":
            await require_allocated(self.session, order)
        if to_status == "packed":
            await self._check_picked(order)
        if to_status == "shipped":
            await self._take_reserved(order)
        elif to_status == "cancelled":
            released = await self.repo.release(order.id)
            await self.repo.clear_backorders(order.id)
            await stock_freed(self.session, self.state, released)
        await self._set(order, to_status, note)
        return order

    async def return_items(
        self, order_id: int, lines: Sequence[tuple[int, int, str]], *, note: str = ""
    ) -> Order:
        """(order item id, quantity, restock | damaged) per line; the order becomes returned."""
        order = await self._order(order_id)
        allowed = (
            COUNTER_NEXT.get(order.status, frozenset()) if order.channel == "counter" else NEXT[order.status]
        )
        if "returned" not in allowed:
            raise Conflict(
                f"A {order.channel} order that is {order.status} cannot be returned",
                code="invalid_transition",
                details=[{"status": order.status, "allowed": sorted(allowed)}],
            )
        items = {item.id: item for item in await self.repo.order_items(order.id)}
        service = OrderService(self.session, self.state)
        for item_id, quantity, _disposition in lines:
            item = items.get(item_id)
            if item is None:
                raise NotFound(f"Order {order.number} has no line {item_id}", code="order_item_not_found")
            if quantity > item.quantity:
                raise BadRequest(
                    f"Line {item_id} has {item.quantity} units; cannot return {quantity}",
                    code="return_too_large",
                )
        for item_id, quantity, disposition in sorted(lines, key=lambda x: items[x[0]].product_id):
            await service.return_line(order, ReturnLine(items[item_id].product_id, quantity, disposition))
        await self._set(order, "returned", note)
        return order

    async def _check_picked(self, order: Order) -> None:
        """Once picking by scan began (a line picked or short), every line must be done."""
        items = await self.repo.order_items(order.id)
        if not any(i.picked_quantity or i.short_quantity for i in items):
            return  # picked without scanning (the fulfilment route alone)
        left = [
            {"item_id": i.id, "left": i.quantity - i.picked_quantity - i.short_quantity}
            for i in items
            if i.quantity > i.picked_quantity + i.short_quantity
        ]
        if left:
            raise Conflict(
                f"{order.number} has {len(left)} lines not picked yet: pick them or mark them short",
                code="pick_incomplete",
                details=left,
            )

    async def _take_reserved(self, order: Order) -> None:
        stock = StockService(self.session, self.state, actor_id=self.actor_id)
        location = await stock.resolve_location(None)
        for reservation in await self.repo.reservations(order.id):
            await stock.move(
                reservation.product_id,
                location.id,
                -reservation.quantity,
                "sale",
                order_id=order.id,
                note=f"Shipped on {order.number}",
            )
        await self.repo.release(order.id)

    async def _set(self, order: Order, to_status: str, note: str) -> None:
        before = order.status
        order.status = to_status
        await self.session.flush()
        await record_status(self.session, order, before, actor_id=self.actor_id, note=note)
        await audit.record(
            self.session,
            actor_id=self.actor_id,
            action=f"order.{to_status}",
            entity_type="order",
            entity_id=order.id,
            before={"status": before},
            after={"status": to_status, "note": note},
        )

    async def _order(self, order_id: int) -> Order:
        order = await self.repo.lock_order(order_id)
        if order is None:
            raise NotFound(f"No order with id {order_id}", code="order_not_found")
        return order
