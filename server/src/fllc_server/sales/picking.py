"""Picking by scan: the pick list, and the `order.pick` / `order.fulfil` commands.

A picker scans an order's goods on a tablet; each scan is an `order.pick` op in the tablet's outbox,
synced later (or sent at once as `POST /api/v1/orders/{id}/pick`): exactly once per op_id, through
`sync.kinds.execute_command` like every other command.

- `order.pick` {order_id, item_id, quantity}: units of a line picked. The first pick of a placed or
  paid order starts its picking (a history row). A line is never picked past its quantity
  (409 `over_pick`).
- An order waiting for back-ordered units is not on the pick list and cannot be picked (409
  `order_backordered`) until they are allocated (`sales.backorders`).
- With `short_reason`, the units are *short*: not on the shelf. Their reservation is released, so
  shipping takes out only what was picked.
- `order.fulfil` {order_id, status: picking | packed | shipped}: the lifecycle's fulfilment steps
  (`sales.lifecycle`: packed needs every line picked or short once picking by scan began; shipped
  takes the reserved units out of stock through the stock ledger).

Picking needs `stock.intake` (DESIGN.md); the pick list shows the lines and barcodes, nothing of the
customer or the money.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.auth.dependencies import CurrentUser
from fllc_server.auth.permissions import Permission
from fllc_server.kit.errors import Conflict, NotFound
from fllc_server.models import Order, OrderItem
from fllc_server.sales.backorders import require_allocated
from fllc_server.sales.lifecycle import OrderLifecycle
from fllc_server.sales.repository import SalesRepository
from fllc_server.sales.schemas import FulfilIn, PickIn, PickLineOut, PickOrderOut
from fllc_server.sales.service import SalesReads
from fllc_server.sync.kinds import CommandKind

if TYPE_CHECKING:
    from fllc_server.state import AppState

PICK_LIST_STATUSES = ("paid", "picking", "packed")  # ready to pick, being picked, ready to ship
PICKABLE = frozenset({"placed", "paid", "picking"})
PICK_LIST_LIMIT = 200


class Picking:
    def __init__(self, session: AsyncSession, state: AppState, *, actor_id: int) -> None:
        self.session = session
        self.state = state
        self.actor_id = actor_id
        self.repo = SalesRepository(session)

    async def pick(self, data: PickIn) -> PickOrderOut:
        order = await self._pickable(data.order_id)
        item = await self.repo.lock_item(order.id, data.item_id)
        if item is None:
            raise NotFound(f"Order {order.number} has no line {data.item_id}", code="order_item_not_found")
        left = item.quantity - item.picked_quantity - item.short_quantity
        if data.quantity > left:
            raise Conflict(
                f"Line {item.id} of {order.number} has {left} units left to pick; "
                f"cannot pick {data.quantity}",
                code="over_pick",
                details=[{"item_id": item.id, "left": left, "requested": data.quantity}],
            )
        if order.status != "picking":
            await OrderLifecycle(self.session, self.state, actor_id=self.actor_id).move(
                order.id, "picking", note="picking by scan"
            )
        await self._book(order, item, data)
        return (await self.pick_orders([order]))[0]

    async def _book(self, order: Order, item: OrderItem, data: PickIn) -> None:
        if data.short_reason is None:
            item.picked_quantity += data.quantity
            action = "order.pick"
        else:
            item.short_quantity += data.quantity
            item.short_reason = data.short_reason
            await self.repo.reduce_reservation(item.id, data.quantity)
            action = "order.short"
        await self.session.flush()
        await audit.record(
            self.session,
            actor_id=self.actor_id,
            action=action,
            entity_type="order",
            entity_id=order.id,
            after={
                "item_id": item.id,
                "quantity": data.quantity,
                "picked_quantity": item.picked_quantity,
                "short_quantity": item.short_quantity,
                "short_reason": item.short_reason,
            },
        )

    async def _pickable(self, order_id: int) -> Order:
        order = await self.repo.lock_order(order_id)
        if order is None:
            raise NotFound(f"No order with id {order_id}", code="order_not_found")
        if order.channel != "order" or order.status not in PICKABLE:
            raise Conflict(
                f"Order {order.number} is {order.status}: it cannot be picked",
                code="not_pickable",
                details=[{"status": order.status, "channel": order.channel}],
            )
        await require_allocated(self.session, order)
        return order

    async def pick_list(self) -> list[PickOrderOut]:
        return await self.pick_orders(await self.repo.pick_list(PICK_LIST_STATUSES, limit=PICK_LIST_LIMIT))

    async def pick_orders(self, orders: Sequence[Order]) -> list[PickOrderOut]:
        rows = await self.repo.pick_items([o.id for o in orders])
        return [
            PickOrderOut(
                id=order.id,
                number=order.number,
                status=order.status,
                created_at=order.created_at,
                lines=[
                    PickLineOut(
                        id=item.id,
                        product_id=item.product_id,
                        sku=sku,
                        barcode=barcode,
                        name=name,
                        quantity=item.quantity,
                        picked_quantity=item.picked_quantity,
                        short_quantity=item.short_quantity,
                        short_reason=item.short_reason,
                    )
                    for item, sku, barcode, name in rows
                    if item.order_id == order.id
                ],
            )
            for order in orders
        ]


async def pick_op(
    session: AsyncSession,
    state: AppState,
    actor: CurrentUser,
    payload: PickIn,
    base_version: int | None,
    *,
    op_id: str | None,
) -> Any:
    return await Picking(session, state, actor_id=actor.id).pick(payload)


async def fulfil_op(
    session: AsyncSession,
    state: AppState,
    actor: CurrentUser,
    payload: FulfilIn,
    base_version: int | None,
    *,
    op_id: str | None,
) -> Any:
    lifecycle = OrderLifecycle(session, state, actor_id=actor.id)
    await lifecycle.move(payload.order_id, payload.status, note=payload.note)
    return await SalesReads(session).order(payload.order_id)


ORDER_PICK = CommandKind("order.pick", Permission.STOCK_INTAKE, PickIn, pick_op)
ORDER_FULFIL = CommandKind("order.fulfil", Permission.STOCK_INTAKE, FulfilIn, fulfil_op)
