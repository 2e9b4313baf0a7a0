"""Back-orders: the units of an order line that could not be reserved, waiting for stock.

When back-orders are allowed (the setting `allow_backorders`, or the order's own `allow_backorder`),
an order to ship (channel `order`) that asks for more than is free keeps the free part reserved and
the rest back-ordered (`order_items.backordered_quantity`, `sales.reservations.reserve`). Counter
sales never back-order: their goods were handed over at the till, so they take stock at once (or,
with `allow_negative_stock`, book it below zero for a count to correct) — on hand is never pushed
below zero by a back-order, since a back-order reserves nothing it does not have.

Allocation. Every stock change goes through the ledger (`stock.booking`); a write that raised a
product's quantity on hand calls `stock_freed` in its transaction, and so does a cancelled order for
the products whose reservation it released. When orders wait for any of those products, an
`orders.allocate_backorders` job is submitted in that transaction and leaves after its commit
(`jobs.service`, `kit.uow`). The job allocates, per product, the free units (on hand - reserved) to
the waiting lines oldest order first, moving each allocated unit from the line's back-order to its
reservation. A new order never jumps the queue: what earlier orders wait for is not free to it.
A periodic sweep runs the same allocation for every product orders wait for (a path that freed
units without an arrival: a short pick's released reservation).

Exactly once and concurrency: the allocation reads nothing but the current rows under the same
locks the reservations take — the waiting orders' rows (id order, as the lifecycle locks an order
before its products), then the product's row (every booking and reservation of it queues there),
then the lines — so two jobs, or a job and an order, serialise, and a job run twice finds nothing
left to do the second time. An order whose last back-ordered unit is allocated can be picked: an
`order.allocated` event tells the desktops (those who read orders or pick them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.auth.permissions import Permission
from fllc_server.jobs.service import JobService
from fllc_server.kit.errors import Conflict
from fllc_server.kit.uow import unit_of_work
from fllc_server.models import Order
from fllc_server.sales.repository import SalesRepository

if TYPE_CHECKING:
    from fllc_server.auth.dependencies import CurrentUser
    from fllc_server.state import AppState

ALLOCATE_JOB = "orders.allocate_backorders"
ORDER_ENTITY = "order"  # the events' entity_type: filtered by may_see_order (orders have no sync shape)
ORDERS_PER_PASS = 100  # waiting orders locked by one transaction of the allocation
PRODUCTS_PER_JOB = 1000
SWEEP_EVERY = dt.timedelta(minutes=5)
OPEN = frozenset({"placed", "paid"})  # the statuses an order with back-orders can be in


async def stock_freed(session: AsyncSession, state: AppState, product_ids: Collection[int]) -> None:
    """Units of these products became free in this transaction (an arrival, a released
    reservation): if orders wait for any of them, an allocation job leaves after the commit."""
    if not product_ids:
        return
    waiting = await SalesRepository(session).backordered_products(product_ids, limit=PRODUCTS_PER_JOB)
    if waiting:
        await JobService(session, state).submit(ALLOCATE_JOB, {"product_ids": waiting}, None)


def backordered_conflict(order: Order, waiting: int) -> Conflict:
    return Conflict(
        f"{order.number} waits for {waiting} back-ordered units: it can be picked once they are allocated",
        code="order_backordered",
        details=[{"order_id": order.id, "backordered_quantity": waiting}],
    )


async def require_allocated(session: AsyncSession, order: Order) -> None:
    """409 `order_backordered` while any line of the order waits for stock."""
    waiting = (await SalesRepository(session).backordered_by_order([order.id])).get(order.id, 0)
    if waiting:
        raise backordered_conflict(order, waiting)


def may_see_order(message: dict[str, Any], user: CurrentUser) -> bool:
    """Order events reach those who read orders (reports.generate) and those who pick them."""
    return user.can(Permission.REPORTS_GENERATE) or user.can(Permission.STOCK_INTAKE)


class BackorderAllocation:
    def __init__(self, state: AppState) -> None:
        self.state = state

    async def run(self, product_ids: Sequence[int] | None) -> dict[str, Any]:
        """Allocate free units of `product_ids` (None: every product orders wait for)."""
        if product_ids is None:
            async with self.state.db.transaction() as session:
                product_ids = await SalesRepository(session).backordered_products(limit=PRODUCTS_PER_JOB)
        allocated = 0
        ready: list[int] = []
        for product_id in sorted(set(product_ids)):
            more = True
            while more:
                units, done, more = await self._pass(product_id)
                allocated += units
                ready.extend(done)
        return {"allocated": allocated, "orders_ready": sorted(set(ready))}

    async def _pass(self, product_id: int) -> tuple[int, list[int], bool]:
        """One transaction: the oldest ORDERS_PER_PASS waiting orders get what is free of the
        product. (units allocated, orders now fully reserved, whether to pass again)."""
        async with self.state.db.transaction(read_committed=True) as session:
            repo = SalesRepository(session)
            if await self._nothing_free(repo, product_id):  # no lock taken (the sweep's usual case)
                return 0, [], False
            order_ids = await repo.waiting_orders([product_id], limit=ORDERS_PER_PASS)
            if not order_ids:
                return 0, [], False
            orders = {o.id: o for o in await repo.lock_orders(order_ids) if o.status in OPEN}
            on_hand = await repo.lock_on_hand(product_id) or 0
            reserved = (await repo.reserved([product_id], current=True)).get(product_id, 0)
            free = on_hand - reserved
            if free <= 0:
                return 0, [], False
            given: dict[int, int] = {}
            for item in await repo.lock_waiting_items(product_id, sorted(orders)):
                take = min(free, item.backordered_quantity)
                if take <= 0:
                    break
                item.backordered_quantity -= take
                free -= take
                given[item.order_id] = given.get(item.order_id, 0) + take
                await repo.add_to_reservation(item, take)
            if not given:
                return 0, [], False
            await session.flush()
            await repo.reservations_changed([product_id])
            ready = await self._announce(session, product_id, [orders[i] for i in sorted(given)], given)
            return sum(given.values()), ready, free > 0 and len(order_ids) == ORDERS_PER_PASS

    @staticmethod
    async def _nothing_free(repo: SalesRepository, product_id: int) -> bool:
        """Nothing free by a plain read (READ COMMITTED: the latest commit). Units that arrive
        after it submit their own allocation, so skipping here loses nothing."""
        on_hand = (await repo.on_hand([product_id])).get(product_id, 0)
        return on_hand - (await repo.reserved([product_id])).get(product_id, 0) <= 0

    async def _announce(
        self, session: AsyncSession, product_id: int, orders: list[Order], given: dict[int, int]
    ) -> list[int]:
        waiting = await SalesRepository(session).backordered_by_order([o.id for o in orders])
        events = self.state.events
        uow = unit_of_work(session)
        ready: list[int] = []
        for order in orders:
            left = waiting.get(order.id, 0)
            if left == 0:
                ready.append(order.id)
            data = {
                "id": order.id,
                "number": order.number,
                "status": order.status,
                "product_id": product_id,
                "allocated": given[order.id],
                "backordered_quantity": left,
                "pickable": left == 0,
            }
            await audit.record(
                session,
                actor_id=None,
                action="order.backorder_allocated",
                entity_type="order",
                entity_id=order.id,
                after=data,
            )

            async def send(data: dict[str, Any] = data) -> None:
                await events.publish("order.allocated", None, data, entity_type=ORDER_ENTITY)

            uow.after_commit(send)
        return ready
