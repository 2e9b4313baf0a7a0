"""Applying payment events, the same for every gateway.

The order is found by what the event names (see `OrderLocator`); when it is not there the event
is parked on it — not dropped — and woken when the order appears (a POS sale wakes
`order:{source}:{ref}`; an event that records a payment id on an order wakes `payment:{ref}`).
Amounts only grow and the status is derived from them, so events in any order, or twice, end in
the same payment status.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.integrations.inbox.service import Handler, HandlerContext, Outcome
from fllc_server.integrations.payments.base import Ignored, OrderLocator, PaymentCommand, PaymentProvider
from fllc_server.integrations.pos.service import order_key
from fllc_server.models import Order
from fllc_server.sales.service import OrderService

if TYPE_CHECKING:
    from fllc_server.state import AppState


def payment_key(payment_ref: str) -> str:
    return f"payment:{payment_ref}"


class PaymentService:
    def __init__(self, session: AsyncSession, state: AppState) -> None:
        self.session = session
        self.orders = OrderService(session, state)

    async def apply(self, context: HandlerContext, command: PaymentCommand) -> Outcome:
        if isinstance(command, Ignored):
            return Outcome("handled", command.why)
        order = await self._find(command.order)
        if order is None:
            key, what = _waits_for(command.order)
            return Outcome.parked(f"No order {what} yet", key)
        if command.payment_ref and order.payment_ref != command.payment_ref:
            first = order.payment_ref is None
            order.payment_ref = command.payment_ref
            if first:
                await context.wake(payment_key(command.payment_ref))
        await self.orders.settle_payment(
            order, paid=command.paid, refunded=command.refunded, disputed=command.disputed
        )
        return Outcome()

    async def _find(self, where: OrderLocator) -> Order | None:
        query = select(Order).with_for_update()
        if where.order_id is not None:
            return await self.session.scalar(query.where(Order.id == where.order_id))
        if where.number is not None:
            return await self.session.scalar(query.where(Order.number == where.number))
        if where.source is not None and where.external_ref is not None:
            return await self.session.scalar(
                query.where(Order.source == where.source, Order.external_ref == where.external_ref)
            )
        if where.payment_ref is not None:
            return await self.session.scalar(query.where(Order.payment_ref == where.payment_ref).limit(1))
        return None


def _waits_for(where: OrderLocator) -> tuple[str, str]:
    if where.order_id is not None:
        return f"order-id:{where.order_id}", f"with id {where.order_id}"
    if where.number is not None:
        return f"order-number:{where.number}", where.number
    if where.source is not None and where.external_ref is not None:
        return order_key(where.source, where.external_ref), f"{where.external_ref} of {where.source}"
    ref = where.payment_ref or "?"
    return payment_key(ref), f"paid with {ref}"


def handler(provider: PaymentProvider) -> Handler:
    async def handle(context: HandlerContext) -> Outcome:
        command = provider.translate(context.message.kind, context.message.payload)
        return await PaymentService(context.session, context.state).apply(context, command)

    return handle


def inbox_handlers(providers: Sequence[PaymentProvider]) -> dict[str, Handler]:
    """Each provider's inbox handler, by source (its name), for the composition root."""
    return {provider.name: handler(provider) for provider in providers}
